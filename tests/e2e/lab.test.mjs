// The lab page end to end: open it, click Train, wait, and read what the page shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, openPage, ROOT } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const ARTIFACTS = path.join(ROOT, 'test-results');

async function waitForState(page, states, timeout = 120_000) {
  await page.waitForFunction((s) => s.includes(document.body.dataset.labState), states, { timeout });
  return page.evaluate(() => document.body.dataset.labState);
}

async function readyLab(url) {
  const page = await openPage(browser.context, url);
  await page.waitForSelector('.lab-run:not([disabled])', { timeout: 30_000 });
  return page;
}

test('softmax regression on digits8x8: click Train, reach done, show test accuracy ≥ 0.85', { timeout: 120_000 }, async () => {
  const page = await readyLab(`${server.url}/index.html?dataset=digits8x8&arch=linear&approaches=shared&epochs=5`);
  assert.equal(await page.evaluate(() => document.body.dataset.labState), 'idle');
  await page.click('.lab-run');
  assert.equal(await waitForState(page, ['done', 'error']), 'done', await page.textContent('.lab-main'));
  const shown = await page.textContent('.lab-summary tr[data-approach="shared"] .lab-test-accuracy');
  const accuracy = parseFloat(shown) / 100;
  assert.ok(accuracy >= 0.85, `shown test accuracy ${shown}`);
  assert.match(await page.textContent('.lab-progress-text'), /^Done in/);
  assert.deepEqual(page.errors, []);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'lab-digits-linear.png'), fullPage: true });
  await page.close();
});

test('a wasm file that fails to load shows an error, not a spinner', { timeout: 60_000 }, async () => {
  const page = await browser.context.newPage();
  page.errors = [];
  await page.route('**/pkg/ovr_lab_bg.wasm', (route) => route.fulfill({ status: 200, contentType: 'application/wasm', body: Buffer.from('not wasm at all') }));
  await page.goto(`${server.url}/index.html`);
  assert.equal(await waitForState(page, ['error'], 30_000), 'error');
  assert.match(await page.textContent('.lab-error'), /engine failed to load/);
  await page.close();
});
