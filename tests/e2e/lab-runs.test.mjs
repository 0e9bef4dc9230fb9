// Runs kept in the browser (js/runs.js, the Runs panel of index.html): a finished run is listed
// with the settings on which it differs from the current ones (from the engine), a reload shows it
// again, it can be opened and deleted, storage is bounded, and a browser without storage says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
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

/** Forgets every kept run of the page's origin (the tests of this file share one browser). */
const clearRuns = (page) => page.evaluate(async () => {
  const { openRunStore } = await import('./js/runs.js');
  for (const scope of ['shared', 'page:/index.html']) {
    const { store } = await openRunStore({ scope });
    for (const r of await store.list()) await store.remove(r.id);
    store.close();
  }
});

const TWO = 'dataset=digits8x8&arch=linear&approaches=shared,ovr&epochs=2';

test('two runs at different learning rates: kept over a reload, both opened, compared with their curves overlaid', { timeout: 300_000 }, async () => {
  const page = await guardedPage(browser.context, `${server.url}/index.html?${TWO}`);
  await labReady(page);
  await clearRuns(page);
  await page.reload();
  await labReady(page);
  for (const lr of [0.02, 0.1]) {
    await page.evaluate((v) => globalThis.ovrLab.set({ lr: v }), lr);
    await page.click('.lab-run');
    assert.equal(await waitForState(page, ['done', 'error']), 'done');
  }
  await page.waitForFunction(() => document.querySelectorAll('.lab-run-entry').length === 2);

  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('.lab-run-entry').length === 2, null, { timeout: 30_000 });
  const kept = await page.evaluate(() => globalThis.ovrLab.runs());
  assert.deepEqual(kept.map((r) => r.config.lr), [0.1, 0.02], 'lab.runs(): newest first');
  assert.deepEqual(await page.locator('.lab-run-entry').evaluateAll((li) => li.map((x) => Number(x.dataset.runId))), kept.map((r) => r.id));

  // Both open, each with its settings.
  for (const [i, lr] of [[0, 0.1], [1, 0.02]]) {
    await page.locator('.lab-run-entry').nth(i).locator('button:text("Open")').click();
    await page.waitForFunction((v) => Math.abs(globalThis.ovrLab.config.lr - v) < 1e-6, lr);
    await page.waitForSelector('.lab-summary tr[data-approach="ovr"]');
  }

  // Two ticked: the engine's comparison, and both runs' curves on one chart.
  assert.match(await page.textContent('.lab-runs-compare'), /Tick two runs/);
  await page.locator('.lab-run-tick').nth(0).check();
  await page.locator('.lab-run-tick').nth(1).check();
  await page.waitForSelector('.lab-compare canvas');
  assert.match(await page.textContent('.lab-compare-text'), /^The runs differ in Learning rate \(0\.02 in A, 0\.1 in B\); /);
  const chart = await page.evaluate(() => {
    const c = globalThis.Chart.getChart(document.querySelector('.lab-compare canvas'));
    return c.data.datasets.map((d) => [d.label, d.data.length, (d.borderDash || []).length > 0]);
  });
  assert.deepEqual(chart, [['A: shared', 2, false], ['A: one-vs-rest', 2, false], ['B: shared', 2, true], ['B: one-vs-rest', 2, true]]);
  // The verdict cells are the documents' own sentences.
  const texts = await page.evaluate(async (ids) => {
    const { openRunStore } = await import('./js/runs.js');
    const { store } = await openRunStore();
    const out = [];
    for (const id of ids) out.push((await store.report(id)).comparisons[0].text);
    store.close();
    return out;
  }, [kept[1].id, kept[0].id]);
  assert.deepEqual(await page.locator('.lab-compare-verdicts tbody td').allTextContents(), texts);
  assertClean(assert, page);
  await page.close();
});

test('kept runs are renamed, pinned, exported and imported; a bad file imports nothing', { timeout: 120_000 }, async () => {
  const page = await guardedPage(browser.context, `${server.url}/index.html?${TWO}`);
  await labReady(page);
  await page.waitForFunction(() => document.querySelectorAll('.lab-run-entry').length === 2, null, { timeout: 30_000 });
  const first = () => page.locator('.lab-run-entry').first();

  await first().locator('button:text("Rename")').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('fast rate');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('.lab-run-entry .lab-run-when')?.textContent.startsWith('fast rate ('));
  await first().locator('button:text("Pin")').click();
  await page.waitForFunction(() => document.querySelector('.lab-run-entry button[aria-pressed="true"]'));
  assert.match(await first().textContent(), /\(pinned\)/);

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('.lab-runs-tools button:text("Export all")')]);
  const file = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  assert.equal(file.format, 'ovr-lab-runs');
  assert.deepEqual(file.runs.map((r) => [r.name, r.pinned, r.report.config.lr]), [[null, false, 0.02], ['fast rate', true, 0.1]]);

  await clearRuns(page);
  await page.locator('.lab-runs-import').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "ovr-lab-runs", "runs": [{"report": {"config": {"epochs": -3}}}]}') });
  await page.waitForFunction(() => /Nothing was imported from broken\.json: run 1: /.test(document.querySelector('.lab-notices').textContent));
  await page.locator('.lab-runs-import').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('not json') });
  await page.waitForFunction(() => /Nothing was imported from notes\.json: it is not JSON/.test(document.querySelector('.lab-notices').textContent));
  assert.equal(await page.locator('.lab-run-entry').count(), 0);

  await page.locator('.lab-runs-import').setInputFiles(await download.path());
  await page.waitForFunction(() => document.querySelectorAll('.lab-run-entry').length === 2);
  assert.match(await page.textContent('.lab-notices'), /Imported 2 runs/);
  assert.match(await first().textContent(), /^\s*fast rate \(.*\(pinned\)/);
  await clearRuns(page);
  assertClean(assert, page);
  await page.close();
});

test('a pinned run outlives the bound; labs of other pages keep their runs apart unless shared', { timeout: 60_000 }, async () => {
  const page = await guardedPage(browser.context, `${server.url}/index.html?${RUN}`);
  await labReady(page);
  await clearRuns(page);
  const seen = await page.evaluate(async () => {
    const { openRunStore } = await import('./js/runs.js');
    const report = (i) => ({ config: { dataset: `set${i}` }, approaches: {}, approach_order: [] });
    const { store } = await openRunStore({ limits: { runs: 2, bytes: 1e6 } });
    const pinned = await store.save(report(0));
    await store.pin(pinned.id, true);
    for (let i = 1; i < 4; i += 1) await store.save(report(i));
    const afterBound = (await store.list()).map((r) => r.dataset);
    await store.save(report(4)); // room is made from the unpinned run only
    const page2 = (await openRunStore({ scope: 'page:/other.html', limits: { runs: 2, bytes: 1e6 } })).store;
    await page2.save(report(9));
    const shared = (await store.list()).map((r) => r.dataset);
    const other = (await page2.list()).map((r) => r.dataset);
    let full = null;
    await page2.pin((await page2.list())[0].id, true);
    try {
      await store.save(report(5));
    } catch (e) {
      full = e.message;
    }
    for (const s of [store, page2]) for (const r of await s.list()) await s.remove(r.id);
    store.close();
    page2.close();
    return { afterBound, shared, other, full };
  });
  assert.deepEqual(seen.afterBound, ['set0', 'set3']);
  assert.deepEqual(seen.shared, ['set0'], 'another page\'s run made room from this scope\'s unpinned one, and is not listed here');
  assert.deepEqual(seen.other, ['set9']);
  assert.match(seen.full, /all pinned/);
  assertClean(assert, page);
  await page.close();
});
