// The lab's views, drawn from the report fixtures (tests/e2e/fixtures) on the development page
// (www/dev/views.html, not part of the built site), over the views, engine and data of dist/:
// every view renders, captions carry the fixture's numbers, hostile class names stay text, and the
// console stays clean. Served as `make serve-dev` serves them: the site, the page under /dev/,
// the fixtures under /dev/fixtures/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serveRoutes, launch, openPage, ROOT, WWW, DIST, FIXTURES } from './harness.mjs';

const mnist = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'report-mnist-2seeds.json'), 'utf8'));
const shapes = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'report-shapes-1seed.json'), 'utf8'));
const SHOTS = path.join(ROOT, 'test-results');
const HOSTILE = '<img src=x onerror=alert(1)>';
const IDS = ['curves', 'perclass', 'confusion', 'cost', 'filters', 'similarity', 'draw'];

let server;
let browser;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, 'vendor', 'chart.umd.min.js')), 'dist/vendor/chart.umd.min.js is missing: run `make dist`');
  server = await serveRoutes({ '/': DIST, '/dev/': path.join(WWW, 'dev'), '/dev/fixtures/': FIXTURES });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function open(query, width = 1280) {
  const page = await openPage(browser.context, `${server.url}/dev/views.html${query}`);
  page.dialogs = [];
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss(); });
  await page.setViewportSize({ width, height: 900 });
  await page.waitForFunction(() => document.body.dataset.viewsState !== 'loading', null, { timeout: 30000 });
  assert.equal(await page.evaluate(() => document.body.dataset.viewsState), 'ready', `dev page failed: ${page.errors.join('\n')}`);
  return page;
}

/** Non-background pixels of each canvas matching `selector` (white and transparent are background). */
function inked(page, selector) {
  return page.evaluate((sel) => [...document.querySelectorAll(sel)].map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 245 || d[i + 1] < 245 || d[i + 2] < 245)) n++;
    return n;
  }), selector);
}

const caption = (page, id) => page.locator(`#${id} .view-caption`).textContent();
const pct = (x) => `${(x * 100).toFixed(1)}%`;

test('every view renders the two-seed MNIST fixture, with its numbers in the captions', async () => {
  const page = await open('?report=mnist');
  for (const id of IDS) {
    assert.equal(await page.locator(`#${id} h2`).count(), 1, `panel ${id}`);
    assert.ok((await caption(page, id)).length > 40, `caption of ${id}`);
  }
  // Charts are drawn.
  for (const n of await inked(page, '#curves canvas')) assert.ok(n > 500, `a curves chart is blank (${n} px)`);
  for (const n of await inked(page, '#perclass canvas')) assert.ok(n > 500, 'the per-class chart is blank');
  for (const n of await inked(page, '#similarity canvas.sim-canvas')) assert.ok(n > 500, 'a similarity heatmap is blank');

  const s = mnist.approaches.shared;
  const o = mnist.approaches.ovr;
  const curves = await caption(page, 'curves');
  assert.ok(curves.includes(`shared ${pct(s.test_accuracy)} ± ${(s.test_accuracy_std * 100).toFixed(1)}`), curves);
  assert.ok(curves.includes(`one-vs-rest ${pct(o.test_accuracy)} ± ${(o.test_accuracy_std * 100).toFixed(1)}`), curves);
  assert.ok(curves.includes(`positive-only ${pct(mnist.approaches['positive-only'].test_accuracy)}, chance is 10%`), curves);
  assert.match(curves, /2 seeds/);

  const cost = await caption(page, 'cost');
  assert.ok(cost.includes(o.params.toLocaleString('en-US')), cost);
  assert.equal(await page.locator('#cost tbody tr').count(), 4);

  const errors = s.confusion.reduce((acc, row, t) => acc + row.reduce((a, v, p) => a + (p === t ? 0 : v), 0), 0);
  assert.ok((await caption(page, 'confusion')).toLowerCase().includes(`shared ${errors.toLocaleString('en-US')} errors`));

  const sim = await caption(page, 'similarity');
  const m = mnist.similarity;
  assert.ok(sim.includes(`${m.ovr_within.toFixed(3)} alike after training vs ${m.ovr_within_init.toFixed(3)} at init`), sim);
  assert.ok(sim.includes(`${m.random_pairs[0].toFixed(2)}–${m.random_pairs[2].toFixed(2)}`), sim);

  const filters = await caption(page, 'filters');
  assert.match(filters, /cosine to init 0\.984/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('confusion cells are buttons with labels; a click or Enter shows the images behind them', async () => {
  const page = await open('?report=mnist');
  const cells = page.locator('#confusion .confusion-cell');
  assert.equal(await cells.count(), 4 * 10 * 10);
  const label = await cells.first().getAttribute('aria-label');
  assert.match(label, /true "0", predicted "0": \d+ of \d+/);

  // The shared matrix's "0 → 0" cell: the diagonal always has images.
  const shared = page.locator('#confusion .confusion-block').filter({ hasText: 'shared' }).first();
  await shared.locator('.confusion-cell').first().click();
  const detail = page.locator('#confusion .confusion-detail');
  await detail.waitFor();
  assert.match(await detail.textContent(), /\d+ of \d+ shown/);
  const imgs = await inked(page, '#confusion .confusion-detail canvas.test-image');
  assert.ok(imgs.length > 0 && imgs.length <= 48, `${imgs.length} images`);
  assert.ok(imgs.every((n) => n > 5), 'a test image is blank');

  // Keyboard: one tab stop per matrix; arrows move; Enter opens.
  await shared.locator('.confusion-cell').first().focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  assert.match(await detail.locator('h4').textContent(), /true "0", predicted "1"/);
  assert.equal(await shared.locator('.confusion-cell[tabindex="0"]').count(), 1);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('filter grids are drawn for every model, trained and at init, and enlarge on focus', async () => {
  const page = await open('?report=mnist');
  const sets = mnist.similarity.filter_sets;
  const expected = sets.reduce((n, f) => n + f.shape[3], 0);
  assert.equal(await page.locator('#filters canvas.filter-cell').count(), expected);
  const before = await inked(page, '#filters canvas.filter-cell');
  assert.ok(before.filter((n) => n > 0).length > expected / 2, 'filter canvases are blank');
  assert.match(await page.locator('#filters .scale-text').textContent(), /One colour scale for all 22 grids/);
  await page.locator('#filters input[value="init"]').check();
  assert.match(await caption(page, 'filters'), /at initialisation/);
  const cell = page.locator('#filters canvas.filter-cell').first();
  await cell.focus();
  const scale = await cell.evaluate((c) => c.ownerDocument.defaultView.getComputedStyle(c).transform);
  assert.notEqual(scale, 'none');
  assert.match(await page.locator('#filters .filter-readout').textContent(), /shared, filter 1: weights/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the x axis switches to training compute', async () => {
  const page = await open('?report=mnist');
  await page.locator('#curves input[value="flops"]').check();
  for (const n of await inked(page, '#curves canvas')) assert.ok(n > 500, 'a curves chart is blank after the switch');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('one seed says so; same init is stated; small class counts show counts in cells', async () => {
  const page = await open('?report=shapes');
  const curves = await caption(page, 'curves');
  assert.match(curves, /a single run \(1 seed\): no spread/);
  assert.ok(curves.includes(`shared ${pct(shapes.approaches.shared.test_accuracy)}`), curves);
  assert.doesNotMatch(curves, /±/);
  assert.match(await caption(page, 'similarity'), /init = same/);
  assert.equal(await page.locator('#confusion .confusion-cell').count(), 2 * 4 * 4);
  assert.equal(await page.locator('#confusion .confusion-cell').first().textContent(), String(shapes.approaches.shared.confusion[0][0]));
  assert.equal(await page.locator('#curves .chart-members').isVisible(), true);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a hostile class name is shown as text, never parsed', async () => {
  const page = await open('?report=mnist&xss=1');
  await page.waitForTimeout(300);
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  assert.deepEqual(page.dialogs, []);
  const texts = await page.evaluate((h) => ({
    confusion: [...document.querySelectorAll('#confusion .confusion-col')].some((n) => n.textContent === h),
    filters: [...document.querySelectorAll('#filters .filter-label')].some((n) => n.textContent === h),
    flags: document.querySelector('#cost .flag-list')?.textContent.includes(h),
    caption: document.querySelector('#draw .view-caption').textContent.includes(h),
  }), HOSTILE);
  assert.deepEqual(texts, { confusion: true, filters: true, flags: true, caption: true });
  assert.match(await page.locator('#cost td.flagged').first().textContent(), /1/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('partial reports during a run, with live filters, render without errors', async () => {
  const page = await openPage(browser.context, `${server.url}/dev/views.html?report=mnist&replay=1`);
  await page.waitForFunction(() => document.body.dataset.replayStep === '1', null, { timeout: 30000 });
  assert.match(await caption(page, 'curves'), /Still training: shared/);
  assert.match(await caption(page, 'similarity'), /No filter similarity yet: filter similarity appears here once the models finish/);
  assert.match(await caption(page, 'filters'), /Live: 22 models still training/);
  await page.waitForFunction(() => document.body.dataset.viewsState !== 'loading', null, { timeout: 30000 });
  assert.doesNotMatch(await caption(page, 'curves'), /Still training/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('drawing on the pad scores it with every model', async () => {
  const page = await open('?report=mnist');
  const pad = page.locator('#draw canvas.draw-pad');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.2 + 0.06 * i));
  await page.mouse.up();
  await page.locator('#draw .score-row').first().waitFor();
  assert.equal(await page.locator('#draw .score-row').count(), 4);
  const [preview] = await inked(page, '#draw canvas.draw-preview');
  assert.ok(preview > 10, 'the downsampled preview is blank');
  assert.match(await caption(page, 'draw'), /Your drawing: shared \(stub\) says "\d"/);
  await page.locator('#draw button', { hasText: 'clear' }).click();
  assert.equal(await page.locator('#draw .score-row').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('raw per-model scores, as the page gives them, are grouped into one row per approach', async () => {
  const page = await open('?report=mnist&raw=1');
  const pad = page.locator('#draw canvas.draw-pad');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.7, { steps: 8 });
  await page.mouse.up();
  await page.locator('#draw .score-row').first().waitFor();
  assert.equal(await page.locator('#draw .score-row').count(), 4);
  assert.equal(await page.locator('#draw .score-row').nth(1).locator('.score-col').count(), 10);
  assert.match(await caption(page, 'draw'), /Your drawing: shared says "\d" \([0-9.]+\); one-vs-rest says/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('readable at 1280 and 375 px: no sideways scrolling; screenshots in test-results/', async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const width of [1280, 375]) {
    const page = await open('?report=mnist', width);
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `page is ${overflow} px wider than ${width}`);
    await page.screenshot({ path: path.join(SHOTS, `views-${width}.png`), fullPage: true });
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});
