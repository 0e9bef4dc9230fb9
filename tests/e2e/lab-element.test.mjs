// The <ovr-lab> element (js/ovr-lab.js): embedded from another origin under a strict CSP, with
// hostile page styles it must not feel (shadow DOM), two on one page sharing one worker pool,
// run by `autorun` and by run(); and its attributes changed after it started.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, DIST } from './harness.mjs';
import { serveRoutes, guardedPage, assertClean, writeElementHost as writeHost } from './lab-helpers.mjs';

let browser;
let hostDir;
before(async () => {
  browser = await launch();
  hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovr-lab-element-'));
});
after(async () => {
  await browser?.close();
  fs.rmSync(hostDir, { recursive: true, force: true });
});

const FAST = 'dataset="digits8x8" arch="linear" approaches="shared,ovr" epochs="1"';
// Slow enough (a few seconds) for the workers to report progress between epochs.
const SLOWER = 'dataset="digits8x8" arch="tiny" approaches="shared,ovr" epochs="2"';

/** Waits until element `id`'s data-lab-state is one of `states`; returns it. */
async function elementState(page, id, states, timeout = 90_000) {
  await page.waitForFunction(([i, s]) => s.includes(document.getElementById(i)?.dataset.labState), [id, states], { timeout });
  return page.evaluate((i) => document.getElementById(i).dataset.labState, id);
}

test('<ovr-lab> from another origin, under a strict CSP and hostile page styles: autorun and run(), one shared pool', { timeout: 180_000 }, async (t) => {
  const lab = await serveRoutes({ '/lab/': DIST }, { cors: true });
  const host = await serveRoutes({ '/': hostDir });
  t.after(() => Promise.all([lab.close(), host.close()]));
  writeHost(hostDir, 'element', lab.url, `${lab.url}/lab/js/ovr-lab.js`, `
<ovr-lab id="first" class="wide" ${SLOWER} autorun workers="2" hide="controls,draw,similarity"></ovr-lab>
<ovr-lab id="second" dataset="digits8x8" arch="linear" approaches="shared,ovr" epochs="2" seed="2" hide="draw,similarity"></ovr-lab>`);
  const page = await guardedPage(browser.context, `${host.url}/element.html`, { allowed: [lab.url] });

  // The second is started by run() while the first trains (autorun): they take turns on one pool.
  await page.waitForFunction(() => document.getElementById('first').state === 'running', null, { timeout: 60_000 });
  const report = await page.evaluate(async () => {
    const r = await document.getElementById('second').run();
    if (!r) return { approaches: [], why: [document.getElementById('second').shadowRoot.querySelector('.lab-main')?.innerText, JSON.stringify(globalThis.seen)] };
    return { approaches: Object.keys(r.approaches), accuracy: r.approaches.ovr.test_accuracy };
  });
  assert.deepEqual(report.approaches.sort(), ['ovr', 'shared'], report.why?.join('\n'));
  assert.ok(report.accuracy > 0.5, `${report.accuracy}`);
  assert.equal(await elementState(page, 'first', ['done', 'error']), 'done');
  assert.equal(await elementState(page, 'second', ['done', 'error']), 'done');

  const seen = await page.evaluate(() => globalThis.seen);
  for (const id of ['first', 'second']) {
    assert.deepEqual(seen[id].errors, [], id);
    assert.equal(seen[id].done, 1, id);
    assert.deepEqual(seen[id].doneApproaches.sort(), ['ovr', 'shared'], id);
    assert.ok(seen[id].epochs.length > 0, `${id}: epoch events`);
    assert.deepEqual(seen[id].states.slice(-2), ['running', 'done'], id);
  }
  assert.ok(seen.first.progress.length > 0 && seen.first.progress.at(-1)[1] > 0, 'progress events, with the run\'s fraction');
  // One pool of two workers for both labs (plus each lab's report worker), and their runs took
  // turns: the models of one trained before those of the other (whichever reached the pool
  // first), never both at once.
  assert.equal(await page.evaluate(() => globalThis.workersCreated), 2 + 2);
  const span = (id) => {
    const times = [...seen[id].progress.map(([time]) => time), ...seen[id].epochs];
    return [Math.min(...times), Math.max(...times)];
  };
  const [a, b] = [span('first'), span('second')];
  assert.ok(a[1] <= b[0] || b[1] <= a[0], `the runs overlapped: first ${a}, second ${b}`);

  // The properties: report, state, lab.
  const props = await page.evaluate(() => {
    const el = document.getElementById('first');
    return { state: el.state, approaches: Object.keys(el.report.approaches), epochs: el.lab.config.epochs, dataset: el.report.config.dataset };
  });
  assert.deepEqual(props, { state: 'done', approaches: props.approaches, epochs: 2, dataset: 'digits8x8' });
  assert.deepEqual(props.approaches.sort(), ['ovr', 'shared']);

  // The page's styles hide every div, table and canvas of the page; the lab's, in its shadow
  // root, are drawn anyway, and its own styles (its buttons') do not reach the page. The panels
  // off screen are skipped by the renderer (content-visibility: auto) and may measure 0 until
  // scrolled to, so the second lab is brought into view first, as a reader would.
  const look = await page.evaluate(async () => {
    const root = document.getElementById('second').shadowRoot;
    root.querySelector('.lab-summary').scrollIntoView();
    await new Promise((r) => globalThis.requestAnimationFrame(() => globalThis.requestAnimationFrame(r)));
    const box = (sel) => {
      const e = root.querySelector(sel);
      return e ? { height: e.getBoundingClientRect().height, display: globalThis.getComputedStyle(e).display, color: globalThis.getComputedStyle(e).color } : null;
    };
    return {
      summary: box('.lab-summary tr[data-approach="ovr"]'),
      chart: box('.lab-view-curves canvas'),
      run: box('.lab-run'),
      firstControls: document.getElementById('first').shadowRoot.querySelector('.lab-controls').hidden,
      hostButton: globalThis.getComputedStyle(document.querySelector('.host-button')).borderTopLeftRadius,
      hostButtonBefore: globalThis.hostButtonBefore,
      documentSheets: [...document.styleSheets].map((s) => s.href),
    };
  });
  assert.ok(look.summary && look.summary.height > 0 && look.summary.display !== 'none', JSON.stringify(look.summary));
  assert.ok(look.chart && look.chart.height > 0, JSON.stringify(look.chart));
  assert.ok(look.run && look.run.height > 0 && look.run.color !== 'rgb(255, 0, 0)', JSON.stringify(look.run));
  assert.equal(look.firstControls, true, 'hide="controls" hides the first lab\'s settings');
  assert.equal(look.hostButton, look.hostButtonBefore);
  assert.deepEqual(look.documentSheets, [`${host.url}/element.css`]);

  // Every file of the lab came from its own origin: the workers' module, the engine, the data.
  for (const file of ['/lab/js/ovr-lab.js', '/lab/js/worker.js', '/lab/js/reporter.js', '/lab/pkg/ovr_lab_bg.wasm', '/lab/data/digits8x8.bin.gz', '/lab/vendor/chart.umd.min.js', '/lab/css/lab.css', '/lab/css/views.css']) {
    assert.ok(lab.requests.includes(file), `${file} not requested from the lab's origin: ${lab.requests.join(' ')}`);
  }
  assert.deepEqual(host.requests.filter((r) => !r.startsWith('/element.')), []);
  assertClean(assert, page);
  await page.close();
});

test('<ovr-lab> attributes changed later: applied when idle, the restart prompt while a run is in progress', { timeout: 180_000 }, async (t) => {
  const server = await serveRoutes({ '/lab/': DIST, '/': hostDir });
  t.after(() => server.close());
  writeHost(hostDir, 'attributes', server.url, '/lab/js/ovr-lab.js', `<ovr-lab id="lab" ${FAST} workers="1" hide="draw,similarity"></ovr-lab>`);
  const page = await guardedPage(browser.context, `${server.url}/attributes.html`);
  await page.waitForFunction(() => document.getElementById('lab').lab !== null, null, { timeout: 60_000 });

  // Idle: a changed attribute is applied at once (and shown in the form); a removed one goes back
  // to the schema's default; several changed together are one change.
  const idle = await page.evaluate(async () => {
    const el = document.getElementById('lab');
    el.setAttribute('epochs', '2');
    el.setAttribute('lr', '0.05');
    await new Promise((r) => setTimeout(r, 50));
    const changed = { epochs: el.lab.config.epochs, lr: el.lab.config.lr, field: el.shadowRoot.querySelector('[data-setting="epochs"] input').value };
    el.removeAttribute('lr');
    await new Promise((r) => setTimeout(r, 50));
    return { ...changed, lrDefault: el.lab.config.lr };
  });
  assert.deepEqual(idle, { epochs: 2, lr: idle.lr, field: '2', lrDefault: idle.lrDefault });
  assert.ok(Math.abs(idle.lr - 0.05) < 1e-6 && Math.abs(idle.lrDefault - 0.02) < 1e-6, JSON.stringify(idle));

  // Running: the lab asks, as when the reader changes a control; restarting trains with the change.
  await page.evaluate(() => {
    // A run long enough to change a setting during it.
    document.getElementById('lab').setAttribute('arch', 'ref');
    document.getElementById('lab').setAttribute('epochs', '30');
    document.getElementById('lab').run();
  });
  await page.waitForFunction(() => document.getElementById('lab').state === 'running');
  await page.evaluate(() => {
    document.getElementById('lab').setAttribute('arch', 'linear');
    document.getElementById('lab').setAttribute('epochs', '3');
  });
  const prompt = page.locator('#lab .lab-restart');
  await prompt.waitFor({ timeout: 10_000 });
  assert.equal(await page.evaluate(() => document.getElementById('lab').lab.config.epochs), 30, 'not applied during the run');
  await prompt.getByRole('button', { name: /Stop and restart/ }).click();
  assert.equal(await elementState(page, 'lab', ['done', 'error']), 'done');
  assert.deepEqual(await page.evaluate(() => {
    const { config } = document.getElementById('lab').report;
    return [config.arch, config.epochs];
  }), ['linear', 3]);
  const seen = await page.evaluate(() => globalThis.seen.lab);
  assert.deepEqual(seen.errors, []);
  assert.ok(seen.states.includes('idle'), 'the stopped run went idle before the restart');

  // Removed from the page, it lets its workers go.
  const left = await page.evaluate(async () => {
    document.getElementById('lab').remove();
    await new Promise((r) => setTimeout(r, 50));
    return document.querySelectorAll('ovr-lab').length;
  });
  assert.equal(left, 0);
  assertClean(assert, page);
  await page.close();
});

test('examples/element.html: the one-tag example runs to done under its strict CSP', { timeout: 180_000 }, async (t) => {
  const server = await serveRoutes({ '/': DIST });
  t.after(() => server.close());
  const page = await guardedPage(browser.context, `${server.url}/examples/element.html`);
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('ovr-lab').dataset.labState), null, { timeout: 150_000 });
  assert.equal(await page.$eval('ovr-lab', (e) => e.state), 'done');
  assert.deepEqual(await page.$eval('ovr-lab', (e) => Object.keys(e.report.approaches).sort()), ['ovr', 'shared']);
  assert.equal(await page.locator('ovr-lab .lab-view-draw').count(), 0, 'hide= removes the draw view');
  assertClean(assert, page);
  await page.close();
});
