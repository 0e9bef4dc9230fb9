// The lab's views, drawn from the report fixtures (tests/e2e/fixtures, version-2 documents the CLI
// wrote; tests/e2e/fixtures/README.md has the commands) on the development page
// (www/dev/views.html, not part of the built site), over the views, engine and data of dist/:
// every view renders every fixture with a clean console, prints the report's findings verbatim,
// shows the report's verdicts, keeps hostile class names as text, and reads at 1280 and 390 px.
// Served as `make serve-dev` serves them: the site, the page under /dev/, the fixtures under
// /dev/fixtures/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serveRoutes, launch, openPage, ROOT, WWW, DIST, FIXTURES } from './harness.mjs';

const load = (name) => JSON.parse(fs.readFileSync(path.join(FIXTURES, `report-${name}.json`), 'utf8'));
const REPORTS = { mnist: load('mnist-2seeds'), tuned: load('mnist-tuned'), shapes: load('shapes-1seed') };
const SHOTS = path.join(ROOT, 'test-results');
const HOSTILE = '<img src=x onerror=alert(1)>';
const IDS = ['summary', 'curves', 'training', 'perclass', 'confusion', 'calibration', 'cost', 'filters', 'similarity',
  'representations', 'transfer', 'ood', 'draw'];
/** Views whose caption prints report.findings[id]. */
const WITH_FINDINGS = IDS.filter((id) => id !== 'draw');
const VERDICT_WORDS = { ahead: 'ahead', behind: 'behind', no_difference_shown: 'no difference shown' };

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
const findingItems = (page, id) => page.locator(`#${id} .view-findings li`).allTextContents();

for (const [name, report] of Object.entries(REPORTS)) {
  test(`${name}: every view renders, prints its findings verbatim and the report's verdicts`, async () => {
    assert.equal(report.version, 2);
    const page = await open(`?report=${name}`);
    for (const id of IDS) assert.equal(await page.locator(`#${id} h2`).count(), 1, `panel ${id}`);
    for (const id of WITH_FINDINGS) {
      assert.deepEqual(await findingItems(page, id), report.findings[id] ?? [], `findings of ${id}`);
    }
    // Summary: one row per approach in the run's order; its verdicts are the comparisons'.
    const rows = await page.locator('#summary tbody tr').evaluateAll((trs) => trs.map((r) => r.dataset.approach));
    assert.deepEqual(rows, report.approach_order.map((a) => a.id));
    for (const c of report.comparisons) {
      const cell = page.locator(`#summary tr[data-approach="${c.approach}"] td.lab-verdict`);
      assert.equal(await cell.getAttribute('data-verdict'), c.verdict, `verdict of ${c.approach}`);
      assert.match(await cell.textContent(), new RegExp(`^${VERDICT_WORDS[c.verdict]} \\(`));
    }
    // Per class, the same, class by class.
    const perClassVerdicts = await page.locator('#perclass td.verdict-cell').evaluateAll((tds) => tds.map((td) => td.dataset.verdict));
    const expected = report.dataset.class_names.flatMap((_, k) => report.comparisons.map((c) => c.per_class.find((p) => p.class === k).verdict));
    assert.deepEqual(perClassVerdicts, expected, 'per-class verdicts');
    // Charts are drawn.
    await page.locator('#curves [data-drawn="epoch"]').waitFor();
    for (const n of await inked(page, '#curves canvas')) assert.ok(n > 500, `a curves chart is blank (${n} px)`);
    for (const n of await inked(page, '#perclass canvas, #calibration canvas')) assert.ok(n > 500, 'a chart is blank');
    for (const n of await inked(page, '#similarity canvas.sim-canvas')) assert.ok(n > 500, 'a similarity heatmap is blank');
    // Sections the report has are shown; those it lacks say what they would show.
    assert.equal(await page.locator('#representations .cka-table').first().isVisible(), Boolean(report.representations));
    assert.equal(await page.locator('#transfer .probe-table').isVisible(), Boolean(report.transfer));
    assert.equal(await page.locator('#ood .ood-table').isVisible(), Boolean(report.ood));
    if (!report.ood) assert.match(await page.locator('#ood').textContent(), /set "Out-of-distribution images" \(ood_dataset/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

test('a run scored only at the end (curves false): one point per approach and per model, where it ended', async () => {
  const report = REPORTS.shapes;
  assert.equal(report.config.curves, false, 'the shapes fixture is scored at the end (fixtures/README.md)');
  const page = await open('?report=shapes');
  await page.locator('#curves [data-drawn="epoch"]').waitFor();
  const sets = await page.evaluate(() => [...document.querySelectorAll('#curves canvas')].flatMap((c) => (globalThis.Chart.getChart(c)?.data.datasets ?? [])
    .filter((d) => !d.band).map((d) => ({ label: d.label, member: Boolean(d.member), xs: d.data.map((p) => p.x) }))));
  const ended = report.approach_order.map((a) => report.approaches[a.id].curve.at(-1).epoch);
  assert.ok(sets.some((d) => d.member), 'the per-class models are drawn');
  for (const d of sets) assert.deepEqual(d.xs, [Math.max(...ended)], d.label);
  assert.ok(report.findings.curves.some((f) => /one point per approach/.test(f)));
  assert.match(await page.locator('#curves .view-findings').textContent(), /one point per approach/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the tuned run: the tuning table marks each approach\'s chosen rate; how each model ended', async () => {
  const report = REPORTS.tuned;
  const page = await open('?report=tuned');
  const tuned = report.approach_order.map((a) => report.approaches[a.id]).filter((a) => a.tuning);
  const header = await page.locator('#training .tuning-table thead th').allTextContents();
  assert.deepEqual(header.slice(1), tuned.map((a) => report.approach_order.find((o) => o.id === a.id).label));
  const grid = await page.locator('#training .tuning-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.classList.contains('chosen'))));
  const rates = report.config.lr_grid;
  tuned.forEach((a, j) => {
    const chosen = rates.map((_, i) => grid[i][j + 1]);
    assert.deepEqual(chosen, rates.map((r) => r === a.tuning.chosen), `chosen rate of ${a.id}`);
  });
  assert.match(await page.locator('#summary thead').textContent(), /Learning rate/);
  assert.match(await page.locator('#summary').textContent(), /Learning rate: chosen on validation from the grid/);
  assert.equal(await page.locator('#summary tr[data-approach="shared"] td.lab-lr').textContent(), String(report.approaches.shared.lr));
  const ended = await page.locator('#training .training-table tbody td:nth-child(2)').allTextContents();
  const all = report.approach_order.flatMap((a) => report.approaches[a.id].training);
  assert.equal(ended.length, all.length);
  all.forEach((t, i) => {
    if (t.stop === 'patience') assert.match(ended[i], /^stopped improving/);
    else if (t.still_improving === true) assert.equal(ended[i], 'still improving at the epoch limit');
  });
  assert.match(await caption(page, 'curves'), /validation accuracy/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('confusion cells are buttons with labels; a click or Enter shows the images behind them', async () => {
  const report = REPORTS.mnist;
  const k = report.dataset.class_names.length;
  const page = await open('?report=mnist');
  const cells = page.locator('#confusion .confusion-cell');
  assert.equal(await cells.count(), 4 * k * k);
  const s = report.approaches.shared;
  const label = await cells.first().getAttribute('aria-label');
  assert.equal(label, `shared: true "0", predicted "0": ${s.confusion[0][0]} of ${s.per_class[0].support} (${(100 * s.confusion_rows[0][0]).toFixed(1)}%)`);

  const shared = page.locator('#confusion .confusion-block').filter({ hasText: 'shared' }).first();
  await shared.locator('.confusion-cell').first().click();
  const detail = page.locator('#confusion .confusion-detail');
  await detail.waitFor();
  assert.match(await detail.textContent(), /\d+ of \d+ shown/);
  await detail.locator('canvas.test-image').first().waitFor();
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

test('filter grids: trained, at init and change from init, each on one stated scale', async () => {
  const report = REPORTS.mnist;
  const page = await open('?report=mnist');
  const sets = report.similarity.filter_sets;
  const expected = sets.reduce((n, f) => n + f.shape[3], 0);
  assert.equal(await page.locator('#filters canvas.filter-cell').count(), expected);
  await page.locator('#filters [data-painted]').waitFor();
  const before = await inked(page, '#filters canvas.filter-cell');
  assert.ok(before.filter((n) => n > 0).length > expected / 2, 'filter canvases are blank');
  assert.match(await page.locator('#filters .scale-text').textContent(), new RegExp(`^Colour: weight\\. One colour scale for all ${sets.length} grids`));
  await page.locator('#filters input[value="init"]').check();
  assert.match(await caption(page, 'filters'), /Showing the weights at initialisation/);
  await page.locator('#filters input[value="change"]').check();
  assert.match(await page.locator('#filters .scale-text').textContent(), /^Colour: trained − initial weight\./);
  const largest = Math.max(...sets.flatMap((f) => {
    const [kh, kw, c, fc] = f.shape;
    const out = [];
    for (let i = 0; i < kh * kw; i++) {
      for (let j = 0; j < fc; j++) {
        let s = 0;
        for (let ch = 0; ch < c; ch++) s += f.change[(i * c + ch) * fc + j];
        out.push(Math.abs(s / c));
      }
    }
    return out;
  }));
  assert.match(await page.locator('#filters .scale-text').textContent(), new RegExp(`± ${largest.toFixed(3)} is the largest`));
  const cell = page.locator('#filters canvas.filter-cell').first();
  await cell.focus();
  assert.notEqual(await cell.evaluate((c) => c.ownerDocument.defaultView.getComputedStyle(c).transform), 'none');
  assert.match(await page.locator('#filters .filter-readout').textContent(), /shared, filter 1: change from init/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('representations: the per-class heatmap is readable by keyboard, on a stated colour scale', async () => {
  const rep = REPORTS.mnist.representations;
  const page = await open('?report=mnist');
  const cells = page.locator('#representations .cka-cell');
  assert.equal(await cells.count(), rep.layers.length * rep.member_names.length);
  assert.equal(await cells.first().textContent(), rep.layers[0].shared_vs_members[0].toFixed(2));
  await cells.first().focus();
  await page.keyboard.press('ArrowRight');
  const readout = await page.locator('#representations .sim-readout').textContent();
  assert.equal(readout, `${rep.layers[0].name}, class "${rep.member_names[1]}": CKA shared vs one-vs-rest ${rep.layers[0].shared_vs_members[1].toFixed(3)} after training (${rep.layers[0].shared_vs_members_init[1].toFixed(3)} at init)`);
  await page.locator('#representations input[value="init"]').check();
  assert.equal(await cells.first().textContent(), rep.layers[0].shared_vs_members_init[0].toFixed(2));
  const shown = rep.layers.flatMap((l) => [...l.shared_vs_members, ...l.shared_vs_members_init]);
  assert.ok((await page.locator('#representations .cka-legend').textContent())
    .includes(`Colour: CKA from ${Math.min(...shown).toFixed(3)} to ${Math.max(...shown).toFixed(3)}`));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the x axis switches to training compute', async () => {
  const page = await open('?report=mnist');
  await page.locator('#curves input[value="flops"]').check();
  await page.locator('#curves [data-drawn="flops"]').waitFor();
  for (const n of await inked(page, '#curves canvas')) assert.ok(n > 500, 'a curves chart is blank after the switch');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('one seed says so; same init is stated; small class counts show counts in cells', async () => {
  const report = REPORTS.shapes;
  const page = await open('?report=shapes');
  assert.match(await page.locator('#curves .view-note').first().textContent(), /One seed: a single run/);
  assert.doesNotMatch(await page.locator('#summary .lab-test-accuracy').first().textContent(), /±/);
  assert.match(await caption(page, 'similarity'), /init = same/);
  const k = report.dataset.class_names.length;
  assert.equal(await page.locator('#confusion .confusion-cell').count(), 2 * k * k);
  assert.equal(await page.locator('#confusion .confusion-cell').first().textContent(), String(report.approaches.shared.confusion[0][0]));
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
    heatmap: [...document.querySelectorAll('#representations .cka-heat-table th')].some((n) => n.textContent === h),
    caption: document.querySelector('#draw .view-caption').textContent.includes(h),
  }), HOSTILE);
  assert.deepEqual(texts, { confusion: true, filters: true, flags: true, heatmap: true, caption: true });
  assert.match(await page.locator('#cost td.flagged').first().textContent(), /1/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('partial reports during a run, with live filters, render without errors', async () => {
  const page = await openPage(browser.context, `${server.url}/dev/views.html?report=mnist&replay=1`);
  await page.waitForFunction(() => document.body.dataset.replayStep === '1', null, { timeout: 30000 });
  assert.match(await caption(page, 'curves'), /Still training: shared/);
  assert.match(await caption(page, 'similarity'), /No filter similarity yet: filter similarity appears here once the models finish/);
  assert.match(await caption(page, 'filters'), /Live: \d+ models still training/);
  assert.match(await page.locator('#transfer').textContent(), /runs once every model has finished/);
  await page.waitForFunction(() => document.body.dataset.viewsState !== 'loading', null, { timeout: 30000 });
  assert.doesNotMatch(await caption(page, 'curves'), /Still training/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('drawing on the pad: the engine prepares the input, and every approach\'s row is shown', async () => {
  const report = REPORTS.mnist;
  const page = await open('?report=mnist');
  const pad = page.locator('#draw canvas.draw-pad');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  // A vertical stroke near the left edge: the engine centres it.
  await page.mouse.move(box.x + box.width * 0.15, box.y + box.height * 0.2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width * 0.15, box.y + box.height * (0.2 + 0.06 * i));
  await page.mouse.up();
  await page.locator('#draw .score-row').first().waitFor();
  assert.equal(await page.locator('#draw .score-row').count(), report.approach_order.length);
  const ink = await page.locator('#draw canvas.draw-preview').evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let m = 0; let mx = 0;
    for (let i = 0; i < c.width * c.height; i++) { const v = 255 - d[i * 4]; m += v; mx += v * (i % c.width); }
    return { m, cx: mx / m, w: c.width };
  });
  assert.ok(ink.m > 1000, 'the preview is blank');
  assert.ok(Math.abs(ink.cx - (ink.w - 1) / 2) < 1.5, `the stroke is not centred (${ink.cx})`);
  assert.match(await caption(page, 'draw'), /Your drawing: shared \(stub\) says "\d"/);
  await page.locator('#draw button', { hasText: 'clear' }).click();
  assert.equal(await page.locator('#draw .score-row').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('readable at 1280 and 390 px: no sideways scrolling; screenshots in test-results/', async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const name of Object.keys(REPORTS)) {
    for (const width of [1280, 390]) {
      const page = await open(`?report=${name}`, width);
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `${name}: page is ${overflow} px wider than ${width}`);
      await page.screenshot({ path: path.join(SHOTS, `views-${name}-${width}.png`), fullPage: true });
      assert.deepEqual(page.errors, []);
      await page.close();
    }
  }
});

test('no view throws on an empty, a loaded-models or a missing report', async () => {
  const page = await open('?report=shapes&hide=summary,curves,training,perclass,confusion,calibration,cost,filters,similarity,representations,transfer,ood,draw');
  const failures = await page.evaluate(async () => {
    const { VIEWS } = await import('/js/views/index.js');
    const summary = await import('/js/views/summary.js');
    const dataset = { name: 'loaded models', width: 28, height: 28, channels: 1, class_names: ['a', 'b'], train_count: 0, test_count: 0, train_per_class: [], notes: [], source: '', license: '' };
    const reports = [undefined, null, {}, { version: 0, config: { approaches: ['shared'], seeds: 1 }, dataset, approaches: {}, notes: [], similarity: null }];
    const ctx = { classNames: ['a', 'b'], testLabels: new Uint8Array(), testImages: async () => ({ pixels: new Uint8Array(), width: 0, height: 0, channels: 1 }), score: async () => [], onError: () => {} };
    const out = [];
    for (const v of [{ id: 'summary', createView: summary.createView }, ...VIEWS]) {
      const box = document.createElement('div');
      document.body.append(box);
      try {
        const view = v.createView(box, ctx);
        for (const r of reports) view.update(r, { running: true, filters: new Map(), models: [], failures: [] });
        view.destroy();
      } catch (e) {
        out.push(`${v.id}: ${e.message}`);
      }
      box.remove();
    }
    return out;
  });
  assert.deepEqual(failures, []);
  assert.deepEqual(page.errors, []);
  await page.close();
});
