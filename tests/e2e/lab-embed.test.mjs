// Embedding the lab: hide= on index.html; index.html in a cross-origin iframe; createLab imported
// as a module from another page under another path (/lab/); and from another origin, which
// works when the lab's host sends CORS headers (the worker then starts from a blob: URL that
// imports the real worker module, since browsers refuse cross-origin module workers).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, DIST } from './harness.mjs';
import { serveRoutes, guardedPage, assertClean, waitForState, labReady } from './lab-helpers.mjs';

let browser;
let hostDir;
before(async () => {
  browser = await launch();
  hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovr-lab-host-'));
});
after(async () => {
  await browser?.close();
  fs.rmSync(hostDir, { recursive: true, force: true });
});

const RUN = 'dataset=digits8x8&arch=linear&approaches=shared,ovr&epochs=1';

/** A host page (no inline script) whose module imports createLab from `labJs`. */
function writeModuleHost(name, labJs) {
  fs.writeFileSync(path.join(hostDir, `${name}.js`), `// A page of someone else's that embeds the lab.
import { createLab } from ${JSON.stringify(labJs)};
const target = document.getElementById('experiment');
const lab = await createLab(target, { dataset: 'digits8x8', arch: 'linear', approaches: ['shared', 'ovr'], epochs: 1, hide: 'draw,similarity' });
document.body.dataset.link = lab.link();
lab.on('error', (e) => { document.body.dataset.hostError = e.message; });
await lab.run();
`);
  fs.writeFileSync(path.join(hostDir, `${name}.html`), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Host</title>
<script type="module" src="${name}.js"></script></head>
<body><h1>A blog post</h1><p>Some text before the lab.</p><div id="experiment"></div></body></html>
`);
}

test('hide= hides panels and settings by id on index.html', { timeout: 30_000 }, async () => {
  const lab = await serveRoutes({ '/': DIST });
  const page = await guardedPage(browser.context, `${lab.url}/index.html?${RUN}&hide=export,progress,filters,similarity,epochs,lr,shapes`);
  await labReady(page);
  assert.equal(await page.isHidden('.lab-exports'), true);
  assert.equal(await page.isHidden('.lab-progress'), true);
  assert.equal(await page.locator('.lab-view-filters').count(), 0);
  assert.equal(await page.locator('.lab-view-similarity').count(), 0);
  assert.equal(await page.isHidden('.lab-field[data-setting="epochs"]'), true);
  assert.equal(await page.isHidden('.lab-field[data-setting="lr"]'), true);
  assert.equal(await page.isVisible('.lab-field[data-setting="batch"]'), true);
  assert.equal(await page.isVisible('.lab-view-curves'), true);
  // A hidden setting keeps its value from the URL.
  assert.equal(await page.evaluate(() => globalThis.ovrLab.config.epochs), 1);
  assert.equal(new URL(page.url()).searchParams.get('hide'), 'export,progress,filters,similarity,epochs,lr,shapes');
  assertClean(assert, page);
  await page.close();
  await lab.close();
});

test('index.html in a cross-origin iframe (another port) runs to done with autorun=1', { timeout: 90_000 }, async () => {
  const lab = await serveRoutes({ '/': DIST });
  const host = await serveRoutes({ '/': hostDir });
  const src = `${lab.url}/index.html?${RUN}&autorun=1&hide=controls,export,draw`;
  fs.writeFileSync(path.join(hostDir, 'iframe.html'), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Host with an iframe</title></head>
<body><h1>A blog post</h1><iframe src="${src}" title="ovr-lab" width="1000" height="800"></iframe></body></html>
`);
  const page = await guardedPage(browser.context, `${host.url}/iframe.html`, { allowed: [lab.url] });
  const frame = page.frames().find((f) => f.url().startsWith(lab.url));
  assert.ok(frame, 'the lab frame');
  await frame.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.labState), null, { timeout: 60_000 });
  assert.equal(await frame.evaluate(() => document.body.dataset.labState), 'done', await frame.textContent('.lab-main'));
  assert.ok(Number(await frame.getAttribute('.lab-summary tr[data-approach="ovr"]', 'data-test-accuracy')) > 0.5);
  assert.equal(await frame.isHidden('.lab-controls'), true);
  assert.equal(await frame.locator('.lab-view-draw').count(), 0);
  // The iframe took every file from the lab's own origin, with no CORS headers.
  assert.ok(lab.requests.includes('/js/worker.js') && lab.requests.includes('/pkg/ovr_lab_bg.wasm') && lab.requests.includes('/data/digits8x8.bin.gz'), lab.requests.join(' '));
  assertClean(assert, page);
  await page.close();
  await host.close();
  await lab.close();
});

test('createLab imported as a module under /lab/ from another page runs to done', { timeout: 90_000 }, async () => {
  writeModuleHost('module', '/lab/js/lab.js');
  const server = await serveRoutes({ '/lab/': DIST, '/': hostDir });
  const page = await guardedPage(browser.context, `${server.url}/module.html`);
  assert.equal(await waitForState(page, ['done', 'error'], { selector: '#experiment', timeout: 60_000 }), 'done', await page.textContent('#experiment'));
  // The body is the host's: the lab's element carries the state, and the host's text is intact.
  assert.equal(await page.evaluate(() => document.body.dataset.labState), undefined);
  assert.match(await page.textContent('body'), /Some text before the lab/);
  assert.ok(Number(await page.getAttribute('#experiment .lab-summary tr[data-approach="shared"]', 'data-test-accuracy')) > 0.5);
  for (const file of ['/lab/js/worker.js', '/lab/pkg/ovr_lab_bg.wasm', '/lab/data/digits8x8.bin.gz', '/lab/vendor/chart.umd.min.js', '/lab/css/lab.css']) {
    assert.ok(server.requests.includes(file), `${file} not requested: ${server.requests.join(' ')}`);
  }
  assert.equal(await page.locator('#experiment .lab-view-draw').count(), 0);
  assert.ok((await page.locator('#experiment .lab-view-curves canvas').count()) > 0, 'charts drawn (Chart.js loaded by createLab)');
  // Its link opens the full lab with the same settings.
  const link = new URL(await page.evaluate(() => document.body.dataset.link));
  assert.equal(link.pathname, '/lab/index.html');
  assert.equal(link.searchParams.get('dataset'), 'digits8x8');
  // The host's own styles are left alone (lab.css is scoped to .lab).
  assert.equal(await page.evaluate(() => globalThis.getComputedStyle(document.body).margin), '8px');
  assertClean(assert, page);
  await page.close();
  await server.close();
});

test('createLab imported from another origin works when the lab is served with CORS headers', { timeout: 90_000 }, async () => {
  const lab = await serveRoutes({ '/lab/': DIST }, { cors: true });
  writeModuleHost('cross', `${lab.url}/lab/js/lab.js`);
  const host = await serveRoutes({ '/': hostDir });
  const page = await guardedPage(browser.context, `${host.url}/cross.html`, { allowed: [lab.url] });
  assert.equal(await waitForState(page, ['done', 'error'], { selector: '#experiment', timeout: 60_000 }), 'done', await page.textContent('#experiment'));
  assert.ok(lab.requests.includes('/lab/js/worker.js'), 'the worker module came from the lab origin');
  assert.ok(Number(await page.getAttribute('#experiment .lab-summary tr[data-approach="ovr"]', 'data-test-accuracy')) > 0.5);
  assertClean(assert, page);
  await page.close();
  await host.close();
  await lab.close();
});
