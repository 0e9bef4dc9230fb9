// The benchmark page (www/bench.html, not part of the built site) runs every engine in its own worker from files served by us alone, and
// scripts/bench.mjs rewrites only its own section of BENCHMARKS.md. Speed is reported, never
// asserted here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, openPage, WWW } from './harness.mjs';
import { ENGINES, modelsOf } from '../../www/js/bench-engines.js';
import { replaceSection } from '../../scripts/lib/bench-report.mjs';

let server;
let browser;
const requested = [];
before(async () => {
  // The benchmark page and its peers are development files: served from www/, not the site.
  server = await serve(WWW);
  browser = await launch();
  browser.context.on('request', (req) => requested.push(req.url()));
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** A Rust peer's state in www/peers: built by `make bench` (never by `make test`), failed, or absent. */
function peerState(peer) {
  const dir = path.join(WWW, 'peers', peer);
  if (fs.existsSync(path.join(dir, `${peer}_bg.wasm`))) return 'built';
  return fs.existsSync(path.join(dir, 'build-error.txt')) ? 'failed' : 'absent';
}

const pageState = (page) => page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.benchState), null, { timeout: 100_000 })
  .then(() => page.evaluate(() => document.body.dataset.benchState));

// The Rust peers and the SIMD peak exist only after `make bench`: then they run like the others;
// before, the page must say how to build them (or why they failed to build) instead of hanging.
for (const [engine, spec] of Object.entries(ENGINES).filter(([, s]) => s.peer)) {
  const state = peerState(spec.peer);
  test(`bench page: ${engine} (${state === 'built' ? 'built' : `${state}: reports it`})`, { timeout: 120_000 }, async () => {
    const page = await openPage(browser.context, `${server.url}/bench.html?engine=${engine}&model=ref-cnn&seconds=0.5`);
    const status = await pageState(page);
    const text = await page.textContent('#bench-status');
    if (state !== 'built') {
      assert.equal(status, 'error', text);
      assert.match(text, state === 'failed' ? /did not build for wasm32/ : /make bench/);
    } else {
      assert.equal(status, 'done', text);
      const r = JSON.parse(await page.textContent('#bench-result'));
      assert.equal(r.engine, engine);
      if (spec.kind === 'peak') {
        assert.ok(r.gflops > 0 && r.median_gflops > 0 && r.lanes === 4 && r.fma === false, JSON.stringify(r));
        assert.equal(r.kernel, spec.kernel, 'the page ran the kernel the engine names');
      } else {
        assert.equal(r.model, 'ref-cnn');
        assert.equal(r.batch, 32);
        assert.equal(r.params, 11_274);
        assert.ok(r.train_samples_per_s > 0 && r.infer_samples_per_s > 0 && r.gflops > 0, JSON.stringify(r));
        assert.ok(Number.isFinite(r.last_loss), 'the peer trained');
      }
      assert.deepEqual(page.errors, []);
    }
    await page.close();
  });
}

test('bench page: a peer asked for a model it does not implement says so', async () => {
  const page = await openPage(browser.context, `${server.url}/bench.html?engine=burn&model=ref-cnn-binary`);
  assert.equal(await pageState(page), 'error');
  assert.match(await page.textContent('#bench-status'), /burn implements ref-cnn only/);
  await page.close();
});

test('bench page: workers=2 runs two Workers at once and sums their rates', { timeout: 120_000 }, async () => {
  const page = await openPage(browser.context, `${server.url}/bench.html?engine=ovr-lab&model=ref-cnn&seconds=0.5&workers=2`);
  assert.equal(await pageState(page), 'done', await page.textContent('#bench-status'));
  const r = JSON.parse(await page.textContent('#bench-result'));
  assert.equal(r.workers, 2);
  assert.equal(r.per_worker.length, 2);
  const sum = r.per_worker.reduce((a, w) => a + w.train_samples_per_s, 0);
  assert.ok(Math.abs(r.train_samples_per_s - sum) <= 1e-9 * sum, `${r.train_samples_per_s} vs ${sum}`);
  assert.ok(r.overlap > 0 && r.overlap <= 1, String(r.overlap));
  assert.deepEqual(page.errors, []);
  await page.close();
});

for (const engine of Object.keys(ENGINES).filter((e) => !ENGINES[e].peer)) {
  const model = modelsOf(engine).includes('ref-cnn-binary') ? 'ref-cnn-binary' : 'ref-cnn';
  test(`bench page: ${engine} on ${model}`, { timeout: 120_000 }, async () => {
    const page = await openPage(browser.context, `${server.url}/bench.html?engine=${engine}&model=${model}&seconds=0.5`);
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.benchState), null, { timeout: 100_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.benchState), 'done', await page.textContent('#bench-status'));
    const r = JSON.parse(await page.textContent('#bench-result'));
    assert.equal(r.engine, engine);
    assert.equal(r.model, model);
    assert.equal(r.batch, 32);
    assert.ok(r.infer_samples_per_s > 0);
    if (engine === 'tfjs-wasm') {
      assert.equal(r.train_samples_per_s, null);
      assert.match(r.note, /Conv2DBackpropFilter/);
    } else {
      assert.ok(r.train_samples_per_s > 0 && r.gflops > 0);
    }
    for (const key of ['infer_gflops', 'params', 'simd']) assert.ok(key in r, key);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

test('bench page: an unknown engine is an error, not a hang', async () => {
  const page = await openPage(browser.context, `${server.url}/bench.html?engine=nope`);
  await page.waitForFunction(() => document.body.dataset.benchState === 'error');
  await page.close();
});

test('bench page: no request leaves our server (no CDN)', () => {
  assert.ok(requested.some((u) => u.endsWith('/vendor/tfjs-backend-wasm-simd.wasm')), 'the wasm backend loaded its SIMD build');
  assert.deepEqual(requested.filter((u) => !u.startsWith(`${server.url}/`)), []);
});

test('replaceSection keeps other sections and text, and appends a new one', () => {
  const md = '# B\n\nintro\n\n<!-- bench:wall:start -->\nwall 1\n<!-- bench:wall:end -->\n\nouter\n';
  const once = replaceSection(md, 'engine', 'engine 1');
  assert.match(once, /<!-- bench:engine:start -->\nengine 1\n<!-- bench:engine:end -->\n$/);
  const twice = replaceSection(replaceSection(once, 'engine', 'engine 2'), 'wall', 'wall 2');
  assert.equal(twice, md.replace('wall 1', 'wall 2') + '\n<!-- bench:engine:start -->\nengine 2\n<!-- bench:engine:end -->\n');
  assert.throws(() => replaceSection('<!-- bench:engine:end --> <!-- bench:engine:start -->', 'engine', 'x'));
});
