// Bad input, faults and limits on the lab page: every setting at and beyond its bounds in the
// URL, a worker killed mid-run, a diverging run, broken dataset files, hostile class names,
// and memory over ten runs. Every page is guarded (console, CSP, dialogs, foreign requests).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { serve, launch, DIST } from './harness.mjs';
import { guardedPage, assertClean, waitForState, labReady, png, npz } from './lab-helpers.mjs';

let server;
let browser;
let tmp;
before(async () => {
  server = await serve();
  browser = await launch();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ovr-lab-faults-'));
});
after(async () => {
  await browser?.close();
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const open = (query) => guardedPage(browser.context, `${server.url}/index.html?${query}`);
const HOSTILE = '<img src=x onerror=alert(1)>';

/** Nothing the page shows was parsed as HTML: no element carries an event-handler attribute. */
const injected = (page) => page.evaluate(() => [...document.querySelectorAll('*')].filter((e) => e.tagName === 'IMG' || [...e.attributes].some((a) => a.name.startsWith('on'))).map((e) => e.outerHTML.slice(0, 80)));

test('URL values at and beyond every bound, of the wrong type, unknown and huge: clamped or ignored with notices', { timeout: 120_000 }, async () => {
  const probe = await open('dataset=digits8x8');
  await labReady(probe);
  // The schema, from the engine the page loads.
  const schema = await probe.evaluate(async () => {
    const engine = await import('/pkg/ovr_lab.js');
    await engine.default();
    return engine.catalog().settings;
  });
  await probe.close();
  const numeric = schema.filter((s) => s.kind === 'int' || s.kind === 'float');
  // Static servers refuse request lines beyond 8–16 kB (Node's limit is 16 kB): "huge" here is
  // what a server lets through, and far beyond any setting's length.
  const big = 'x'.repeat(2500);
  const cases = {
    'at the minimum': (s) => (s.kind === 'int' || s.kind === 'float' ? String(s.min) : null),
    'at the maximum': (s) => (s.kind === 'int' || s.kind === 'float' ? String(s.max) : null),
    'just beyond the minimum': (s) => (s.kind === 'int' || s.kind === 'float' ? String(s.min - 1) : { bool: 'maybe', choice: 'none-of-these', choices: ',,,', int_list: '-1', text: '' }[s.kind]),
    'just beyond the maximum': (s) => (s.kind === 'int' || s.kind === 'float' ? String(s.max + 1) : { bool: '2', choice: 'SHARED', choices: 'shared,shared,zzz', int_list: '64,65', text: 'digits8x8' }[s.kind]),
    'far beyond': (s) => ({ int: '1e308', float: '-1e308', bool: 'true', choice: s.options?.[0], choices: s.options?.join(','), int_list: '0,1,0', text: 'digits8x8' }[s.kind]),
    'not numbers': () => 'NaN',
    'infinities and hex': (s) => (s.kind === 'int' ? '0x10' : s.kind === 'float' ? 'Infinity' : '[object Object]'),
    'huge strings': (s) => (['dataset', 'approaches', 'lr', 'classes'].includes(s.name) ? big : null),
  };
  for (const [name, valueOf] of Object.entries(cases)) {
    const params = new URLSearchParams();
    for (const s of schema) {
      const v = valueOf(s);
      if (v !== null && v !== undefined) params.append(s.name, v);
    }
    if (name === 'huge strings') {
      for (let i = 0; i < 200; i += 1) params.append(`u${i}`, '1');
      params.append(HOSTILE, HOSTILE);
      params.append('hide', big.slice(0, 1000));
      params.append('autorun', big.slice(0, 500));
    }
    if (!params.has('dataset')) params.append('dataset', 'digits8x8');
    const page = await open(params.toString());
    await page.waitForFunction(() => document.body.dataset.labState !== undefined && document.querySelector('.lab-run'), null, { timeout: 30_000 });
    assert.notEqual(await page.evaluate(() => document.body.dataset.labState), 'error', name);
    const config = await page.evaluate(() => globalThis.ovrLab.config);
    for (const s of numeric) {
      assert.ok(Number.isFinite(config[s.name]) && config[s.name] >= s.min - 1e-9 && config[s.name] <= s.max * (1 + 1e-6), `${name}: ${s.name} = ${config[s.name]}`);
    }
    // The page's configuration passes the engine's strict check (link() runs it).
    assert.match(await page.evaluate(() => globalThis.ovrLab.link()), /^http/);
    const notices = await page.locator('.lab-notices > p').count();
    if (name === 'at the minimum' || name === 'at the maximum') assert.equal(notices, 0, `${name}: ${await page.textContent('.lab-notices')}`);
    else assert.ok(notices > 0, `${name}: no notice`);
    if (name === 'at the maximum') assert.equal(config.epochs, 30);
    if (name === 'just beyond the maximum') {
      assert.equal(config.epochs, 30);
      assert.match(await page.textContent('.lab-notices'), /epochs: 31 is outside 1\.\.30/);
    }
    if (name === 'huge strings') {
      assert.ok(notices <= 12, `${notices} notices shown: the rest are folded away`);
      assert.match(await page.textContent('.lab-notices summary'), /more notices/);
      const longest = await page.$$eval('.lab-notices p', (ps) => Math.max(...ps.map((p) => p.textContent.length)));
      assert.ok(longest < 400, `a notice of ${longest} characters`);
    }
    assert.deepEqual(await injected(page), [], name);
    if (name === 'huge strings') {
      // createLab's options and lab.set() take the same path, without a server's length limit.
      const result = await page.evaluate(() => {
        const notices = globalThis.ovrLab.set({ dataset: 'd'.repeat(1_000_000), epochs: '9'.repeat(1_000_000), approaches: ['ovr', 'x'.repeat(100_000)] });
        return { notices, config: globalThis.ovrLab.config };
      });
      assert.equal(result.config.dataset, 'mnist28');
      assert.equal(result.config.epochs, 3); // 512 nines (the cut) is no finite number: the default stays
      assert.deepEqual(result.config.approaches, ['ovr']);
      assert.ok(result.notices.length >= 3 && result.notices.every((n) => n.length < 400), JSON.stringify(result.notices).slice(0, 400));
    }
    assertClean(assert, page, name);
    await page.close();
  }
});

test('test hooks exist only when the page asks for them (test_hooks=1), which is no setting', { timeout: 30_000 }, async () => {
  for (const [query, hooks] of [['dataset=digits8x8', 'undefined'], ['dataset=digits8x8&test_hooks=1', 'function']]) {
    const page = await open(query);
    await labReady(page);
    assert.equal(await page.evaluate(() => typeof globalThis.ovrLab.testHooks?.killBusyWorker), hooks, query);
    assert.equal(await page.evaluate(() => Object.keys(globalThis.ovrLab).some((k) => k.startsWith('_'))), false, 'no private members on the public object');
    assert.equal(await page.textContent('.lab-notices'), '', `${query}: no notice`);
    assertClean(assert, page);
    await page.close();
  }
});

test('a worker killed mid-run is replaced, its job retried, and the other models keep their progress', { timeout: 120_000 }, async () => {
  const page = await open('dataset=digits8x8&arch=tiny&approaches=ovr&epochs=4&test_hooks=1');
  await labReady(page);
  await page.click('.lab-run');
  await page.waitForFunction(() => document.querySelector('.lab-progress-overall progress').value > 0.2);
  const bars = () => page.$$eval('.lab-model-bar progress', (els) => els.map((b) => b.value));
  const before = await bars();
  assert.equal(await page.evaluate(() => globalThis.ovrLab.testHooks.killBusyWorker()), true);
  await page.waitForSelector('.lab-failure', { timeout: 10_000 });
  assert.match(await page.textContent('.lab-failure'), /ovr · \d+: the worker failed \(.*\); retrying once/);
  const after = await bars();
  const reset = before.filter((v, i) => after[i] < v);
  assert.ok(reset.length <= 1, `bars that went back: ${reset.length} (${before} → ${after})`);
  assert.equal(await waitForState(page, ['done', 'error']), 'done');
  // Every model finished, the retried one included; the failure stays listed with the results.
  assert.equal(await page.evaluate(() => globalThis.ovrLab.report.approaches.ovr.complete), true);
  assert.equal(await page.textContent('.lab-summary tr[data-approach="ovr"] td:last-child'), 'done');
  assert.ok(await page.isVisible('.lab-failure'));
  assert.ok((await bars()).every((v) => v === 1));
  // Two trainers (one per core here) and the worker that assembles the report.
  assert.equal(page.workers().length, 3, 'the pool is back to its size');
  assertClean(assert, page);
  await page.close();
});

test('a diverging run marks its models "diverged at epoch N" and the rest of the run continues', { timeout: 120_000 }, async () => {
  const page = await open('dataset=digits8x8&arch=wide&lr=10&momentum=0.99&weight_decay=0.1&approaches=shared,ovr&epochs=1');
  await labReady(page);
  await page.click('.lab-run');
  assert.equal(await waitForState(page, ['done', 'error']), 'done', await page.textContent('.lab-main'));
  const summary = await page.textContent('.lab-summary');
  assert.match(summary, /diverged at epoch 1/);
  const report = await page.evaluate(() => globalThis.ovrLab.report);
  const diverged = Object.values(report.approaches).reduce((n, a) => n + a.diverged.length, 0);
  assert.ok(diverged >= 1, 'a diverged model in the report');
  // Every model ran to its end: the diverged ones did not stop the others.
  assert.ok((await page.$$eval('.lab-model-bar progress', (els) => els.map((b) => b.value))).every((v) => v === 1));
  console.log(`# diverged: ${diverged} of 11 models`);
  assertClean(assert, page);
  await page.close();
});

test('broken dataset files get a message naming the file, and the previous dataset stays usable', { timeout: 90_000 }, async () => {
  const page = await open('dataset=digits8x8&arch=linear&approaches=shared&epochs=1');
  await labReady(page);
  const gz = fs.readFileSync(path.join(DIST, 'data', 'digits8x8.bin.gz'));
  const files = [
    { name: 'digits-half.bin.gz', mimeType: 'application/gzip', buffer: gz.subarray(0, gz.length >> 1) },
    { name: `${HOSTILE}.bin`, mimeType: 'application/octet-stream', buffer: crypto.randomBytes(4096) },
    { name: 'labels-out-of-range.npz', mimeType: 'application/octet-stream', buffer: npz([0, 1, 250, 1, 0, 1], [0, 1]) },
    { name: 'empty.npz', mimeType: 'application/octet-stream', buffer: Buffer.alloc(0) },
  ];
  for (const file of files) {
    await page.evaluate(() => {
      const box = document.querySelector('.lab-main > .lab-error');
      box.hidden = true;
      box.textContent = '';
    });
    await page.setInputFiles('.lab-user-data input[type=file]:not([webkitdirectory])', file);
    await page.waitForSelector('.lab-main > .lab-error:not([hidden])', { timeout: 15_000 });
    const message = await page.textContent('.lab-main > .lab-error');
    assert.ok(message.includes(file.name), `message names ${file.name}: ${message}`);
    console.log(`# ${file.name}: ${message.slice(0, 160)}`);
    assert.equal(await page.inputValue('.lab-field[data-setting="dataset"] select'), 'digits8x8');
    assert.equal(await page.evaluate(() => globalThis.ovrLab.config.dataset), 'digits8x8');
  }
  assert.deepEqual(await injected(page), []);
  await page.click('.lab-run');
  assert.equal(await waitForState(page, ['done', 'error']), 'done');
  assert.ok(Number(await page.getAttribute('.lab-summary tr[data-approach="shared"]', 'data-test-accuracy')) > 0.5);
  assertClean(assert, page);
  await page.close();
});

test('class and folder names from the user stay text: an image folder named like HTML trains and shows safely', { timeout: 90_000 }, async () => {
  const root = path.join(tmp, 'hostile-set');
  const classes = { [HOSTILE]: (x, y, i) => (Math.abs(x - 3 - (i % 3)) <= 1 ? 0 : 255), 'cat" onmouseover="alert(2)': (x, y, i) => (Math.abs(y - 3 - (i % 3)) <= 1 ? 0 : 255) };
  for (const [name, draw] of Object.entries(classes)) {
    fs.mkdirSync(path.join(root, name), { recursive: true });
    for (let i = 0; i < 24; i += 1) fs.writeFileSync(path.join(root, name, `${i}.png`), png(10, (x, y) => draw(x, y, i)));
  }
  const page = await open('dataset=digits8x8&arch=linear&approaches=shared,ovr&epochs=3');
  await labReady(page);
  await page.setInputFiles('.lab-user-data input[webkitdirectory]', root);
  await page.waitForFunction(() => /Loaded \d+ training/.test(document.querySelector('.lab-notices').textContent), null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => globalThis.ovrLab.config.dataset), 'hostile-set');
  const labels = await page.$$eval('.lab-field[data-setting="classes"] .lab-checks label', (ls) => ls.map((l) => l.textContent.trim()));
  assert.deepEqual(labels.sort(), Object.keys(classes).sort());
  await page.click('.lab-run');
  assert.equal(await waitForState(page, ['done', 'error']), 'done', await page.textContent('.lab-main'));
  await page.waitForTimeout(300);
  assert.ok((await page.textContent('.lab-view-confusion')).includes(HOSTILE));
  assert.ok((await page.textContent('.lab-view-perclass')).includes(HOSTILE) || (await page.locator('.lab-view-perclass canvas').count()) > 0);
  // Hover everything that has a title (where a class name might be an attribute).
  for (const cell of (await page.locator('.lab-view-confusion [title]:visible').all()).slice(0, 6)) await cell.hover();
  assert.deepEqual(await injected(page), []);
  assertClean(assert, page);
  await page.close();
});

test('ten successive runs do not grow memory; stopped runs leave no workers behind', { timeout: 180_000 }, async () => {
  const page = await open('dataset=digits8x8&arch=tiny&approaches=shared,ovr&epochs=1');
  await labReady(page);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Memory.getDOMCounters').catch(() => null);
  const measure = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const dom = await cdp.send('Memory.getDOMCounters');
    return { heap: heap.usedSize, nodes: dom.nodes, listeners: dom.jsEventListeners };
  };
  const runOnce = () => page.evaluate(async () => {
    await globalThis.ovrLab.run();
    return globalThis.ovrLab.state;
  });
  assert.equal(await runOnce(), 'done'); // warm-up: views built, caches filled
  await page.waitForTimeout(400);
  const first = await measure();
  for (let i = 0; i < 10; i += 1) assert.equal(await runOnce(), 'done', `run ${i + 2}`);
  await page.waitForTimeout(400); // the last scheduled redraw
  const last = await measure();
  const growth = { heap: last.heap - first.heap, nodes: last.nodes - first.nodes, listeners: last.listeners - first.listeners };
  console.log(`# after 1 run: ${JSON.stringify(first)}; after 11: ${JSON.stringify(last)}; growth ${JSON.stringify(growth)}`);
  assert.ok(growth.heap < 4 * 1024 * 1024, `JS heap grew ${(growth.heap / 1048576).toFixed(1)} MB over 10 runs`);
  assert.ok(growth.nodes < 2000, `${growth.nodes} more DOM nodes`);
  assert.ok(growth.listeners < 200, `${growth.listeners} more listeners`);
  // Stopping mid-run replaces the busy workers (their wasm memory goes with them): the page
  // never holds more than the pool's workers. Runs of one epoch can end (and a finished run's
  // analyses cannot be stopped) before the stop arrives: these train for six.
  const pool = page.workers().length;
  await page.evaluate(() => globalThis.ovrLab.set({ epochs: 6 }));
  for (let i = 0; i < 3; i += 1) {
    await page.evaluate(() => {
      globalThis.ovrLab.run();
    });
    await page.waitForFunction(() => document.querySelector('.lab-progress-overall progress').value > 0.1);
    await page.evaluate(() => globalThis.ovrLab.stop());
    await waitForState(page, ['idle']);
  }
  await page.waitForTimeout(500);
  assert.equal(page.workers().length, pool, `workers after 3 stops (pool of ${pool})`);
  assertClean(assert, page);
  await page.close();
});
