// The benchmark page (www/bench.html, not part of the built site) runs every engine in its own worker from files served by us alone, and
// scripts/bench.mjs rewrites only its own section of BENCHMARKS.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPage, WWW } from './harness.mjs';
import { ENGINES } from '../../www/js/bench-engines.js';
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

for (const engine of Object.keys(ENGINES)) {
  test(`bench page: ${engine} on ref-cnn-binary`, { timeout: 120_000 }, async () => {
    const page = await openPage(browser.context, `${server.url}/bench.html?engine=${engine}&model=ref-cnn-binary&seconds=0.5`);
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.benchState), null, { timeout: 100_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.benchState), 'done', await page.textContent('#bench-status'));
    const r = JSON.parse(await page.textContent('#bench-result'));
    assert.equal(r.engine, engine);
    assert.equal(r.model, 'ref-cnn-binary');
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
