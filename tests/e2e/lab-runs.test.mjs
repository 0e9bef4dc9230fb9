// Runs kept in the browser (js/runs.js, the Runs panel of index.html): a finished run is listed
// with the settings on which it differs from the current ones (from the engine), a reload shows it
// again, it can be opened and deleted, storage is bounded, and a browser without storage says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, DIST } from './harness.mjs';
import { serveRoutes, guardedPage, assertClean, waitForState, labReady } from './lab-helpers.mjs';

let browser;
let server;
before(async () => {
  browser = await launch();
  server = await serveRoutes({ '/': DIST });
});
after(async () => {
  await server?.close();
  await browser?.close();
});

const RUN = 'dataset=digits8x8&arch=linear&approaches=shared,ovr&epochs=1';

test('a finished run is kept: listed with its differences, shown again after a reload, opened, deleted', { timeout: 180_000 }, async () => {
  const page = await guardedPage(browser.context, `${server.url}/index.html?${RUN}`);
  await labReady(page);
  assert.match(await page.textContent('.lab-runs'), /None yet/);
  await page.click('.lab-run');
  assert.equal(await waitForState(page, ['done', 'error']), 'done');
  const entry = page.locator('.lab-run-entry');
  await entry.first().waitFor();
  assert.equal(await entry.count(), 1);
  assert.match(await entry.textContent(), /digits8x8: shared \d+\.\d%, one-vs-rest \d+\.\d% — the current settings/);

  // Another setting now: the entry names the difference, as the engine words it.
  await page.evaluate(() => globalThis.ovrLab.set({ lr: 0.05 }));
  await page.waitForFunction(() => /differs: .*0\.02 \(now 0\.05\)/.test(document.querySelector('.lab-run-diff').textContent));

  // A reload with the run's settings shows it again; the page is idle, not training.
  await page.goto(`${server.url}/index.html?${RUN}`);
  await page.waitForSelector('.lab-summary tr[data-approach="ovr"]', { timeout: 30_000 });
  assert.match(await page.textContent('.lab-notices'), /Showing your run of/);
  assert.equal(await page.evaluate(() => document.body.dataset.labState), 'idle');

  // Opened from another page's settings: the run's settings come back with it.
  await page.goto(`${server.url}/index.html?${RUN}&lr=0.05`);
  await labReady(page);
  assert.equal(await page.locator('.lab-summary tr[data-approach="ovr"]').count(), 0, 'other settings start empty');
  await page.click('.lab-run-entry button:text("Open")');
  await page.waitForSelector('.lab-summary tr[data-approach="ovr"]');
  assert.ok(Math.abs(await page.evaluate(() => globalThis.ovrLab.config.lr) - 0.02) < 1e-6);
  await page.waitForFunction(() => /the current settings/.test(document.querySelector('.lab-run-diff').textContent));

  await page.click('.lab-run-entry button:text("Delete")');
  await page.waitForFunction(() => document.querySelectorAll('.lab-run-entry').length === 0);
  assert.match(await page.textContent('.lab-runs'), /None yet/);
  assertClean(assert, page);
  await page.close();
});

test('storage is bounded: the oldest runs go first', { timeout: 60_000 }, async () => {
  const page = await guardedPage(browser.context, `${server.url}/index.html?${RUN}`);
  await labReady(page);
  const kept = await page.evaluate(async () => {
    const { openRunStore } = await import('./js/runs.js');
    const { store } = await openRunStore({ limits: { runs: 3, bytes: 5000 } });
    for (const r of await store.list()) await store.remove(r.id);
    const report = (i, pad = '') => ({ config: { dataset: `set${i}`, pad }, approaches: {}, approach_order: [] });
    for (let i = 0; i < 5; i += 1) await store.save(report(i));
    const byCount = (await store.list()).map((r) => r.dataset);
    await store.save(report(5, 'x'.repeat(2400)));
    await store.save(report(6, 'x'.repeat(2400)));
    const byBytes = (await store.list()).map((r) => r.dataset);
    const tooLarge = await store.save(report(7, 'x'.repeat(6000)));
    for (const r of await store.list()) await store.remove(r.id);
    store.close();
    return { byCount, byBytes, tooLarge };
  });
  assert.deepEqual(kept, { byCount: ['set2', 'set3', 'set4'], byBytes: ['set5', 'set6'], tooLarge: null });
  assertClean(assert, page);
  await page.close();
});

test('a browser that keeps nothing: the Runs panel says so, and the lab still trains', { timeout: 120_000 }, async () => {
  const page = await browser.context.newPage();
  await page.addInitScript(() => {
    Object.defineProperty(globalThis, 'indexedDB', { value: undefined, configurable: true });
  });
  await page.goto(`${server.url}/index.html?${RUN}&autorun=1`);
  assert.equal(await waitForState(page, ['done', 'error']), 'done');
  assert.match(await page.textContent('.lab-runs'), /Runs are not kept: this browser offers no IndexedDB/);
  await page.close();
});
