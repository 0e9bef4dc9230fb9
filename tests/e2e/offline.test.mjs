// Offline after a first visit (www/sw.js, registered by js/offline.js): index.html, reloaded with
// the network gone, shows the lab and trains; the cache is the build's, and a new build replaces
// it; embeds install no service worker. These tests launch Chromium with service workers allowed
// (the other tests block them, harness.mjs), each on an origin of its own (a server per test).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, DIST } from './harness.mjs';
import { serveRoutes, guardedPage, assertClean, waitForState, labReady } from './lab-helpers.mjs';

const RUN = 'dataset=digits8x8&arch=linear&approaches=shared,ovr&epochs=1';
/** The version `make dist` wrote into dist/sw.js. */
const VERSION = fs.readFileSync(path.join(DIST, 'sw.js'), 'utf8').match(/^const VERSION = "([0-9a-f]+)";$/m)?.[1];

let browser;
const servers = [];
const tmpDirs = [];
before(async () => {
  browser = await launch({ serviceWorkers: 'allow' });
});
after(async () => {
  for (const s of servers) await s.close();
  await browser?.close();
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

async function serve(routes) {
  const server = await serveRoutes(routes);
  servers.push(server);
  return server;
}

/** The names of the site's caches on the page's origin. */
const siteCaches = (page) => page.evaluate(async () => (await globalThis.caches.keys()).filter((k) => k.startsWith('ovr-lab ')));

/** Resolves once the page is controlled by the site's service worker. */
async function controlled(page) {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
}

/** Resolves once `file` (relative to the site's root) is in the site's cache. */
async function cachedFile(page, file) {
  await page.waitForFunction(async (f) => Boolean(await globalThis.caches.match(new URL(f, globalThis.location.href).href)), file, { timeout: 30_000, polling: 200 });
}

test('dist/sw.js carries the build\'s version and precaches the shell, not the datasets', () => {
  assert.ok(VERSION, 'dist/sw.js declares a version (make dist)');
  const code = fs.readFileSync(path.join(DIST, 'sw.js'), 'utf8');
  const precache = JSON.parse(code.match(/^const PRECACHE = (\[[\s\S]*?\]);$/m)[1]);
  for (const f of ['index.html', 'article.html', 'js/lab.js', 'js/views/index.js', 'pkg/ovr_lab_bg.wasm', 'vendor/chart.umd.min.js', 'favicon.svg']) {
    assert.ok(precache.includes(f), `${f} is precached`);
  }
  assert.deepEqual(precache.filter((f) => f.startsWith('data/') || f.startsWith('figures/')), []);
  for (const f of precache) assert.ok(fs.existsSync(path.join(DIST, f)), `${f} is in dist/`);
});

test('offline reload of index.html after a first visit shows the lab and trains', { timeout: 240_000 }, async () => {
  const server = await serve({ '/': DIST });
  const page = await guardedPage(browser.context, `${server.url}/index.html?${RUN}`);
  await labReady(page);
  // The worker takes the first visit's page itself (clients.claim), no reload needed; the dataset
  // this page loaded before that is cached once the page has told the worker about it.
  await controlled(page);
  await cachedFile(page, 'data/digits8x8.bin.gz');
  assert.deepEqual(await siteCaches(page), [`ovr-lab ${server.url}/ ${VERSION}`], 'one cache, this build\'s');
  // Cached from the HTTP cache (force-cache), not downloaded again; twice where it kept nothing.
  const fetched = server.requests.filter((p) => p === '/data/digits8x8.bin.gz').length;
  assert.ok(fetched <= 2, `the dataset was fetched ${fetched} times`);
  assert.ok(!server.requests.some((p) => p.startsWith('/data/') && p !== '/data/digits8x8.bin.gz'), 'no other dataset was fetched');

  const before = server.requests.length;
  await browser.context.setOffline(true);
  try {
    await page.reload();
    await labReady(page);
    await page.click('.lab-run');
    assert.equal(await waitForState(page, ['done', 'error']), 'done');
    await page.waitForSelector('.lab-summary tr[data-approach="ovr"]');
  } finally {
    await browser.context.setOffline(false);
  }
  assert.equal(server.requests.length, before, 'nothing reached the server while offline');
  assertClean(assert, page, 'offline');
  await page.close();
});

test('a new build replaces the old cache', { timeout: 180_000 }, async () => {
  // A site like dist/ whose sw.js can be rewritten: links to dist's files, and a copy of sw.js.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovr-lab-sw-'));
  tmpDirs.push(dir);
  for (const entry of fs.readdirSync(DIST)) {
    if (entry !== 'sw.js') fs.symlinkSync(path.join(DIST, entry), path.join(dir, entry));
  }
  const code = fs.readFileSync(path.join(DIST, 'sw.js'), 'utf8');
  fs.writeFileSync(path.join(dir, 'sw.js'), code);
  const server = await serve({ '/': dir });
  const url = `${server.url}/index.html?${RUN}`;

  let page = await guardedPage(browser.context, url);
  await labReady(page);
  await controlled(page);
  await cachedFile(page, 'index.html');
  assert.deepEqual(await siteCaches(page), [`ovr-lab ${server.url}/ ${VERSION}`]);

  // The next build: another version. The browser finds the new sw.js on the next visit, installs
  // it beside the old one, and lets it take over once no page of the old build is open.
  const next = `${VERSION}0`;
  fs.writeFileSync(path.join(dir, 'sw.js'), code.replace(`const VERSION = "${VERSION}";`, `const VERSION = "${next}";`));
  await page.reload();
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    await registration.update();
  });
  await page.waitForFunction(async () => Boolean((await navigator.serviceWorker.getRegistration())?.waiting), null, { timeout: 60_000, polling: 200 });
  assertClean(assert, page, 'under the old build');
  await page.close();

  page = await guardedPage(browser.context, url);
  await labReady(page);
  await page.waitForFunction(async (want) => {
    const names = (await globalThis.caches.keys()).filter((k) => k.startsWith('ovr-lab '));
    return names.length === 1 && names[0] === want;
  }, `ovr-lab ${server.url}/ ${next}`, { timeout: 60_000, polling: 200 });
  assertClean(assert, page, 'under the new build');
  await page.close();
});

test('embeds install no service worker: the examples, index.html in an iframe or with embed=1', { timeout: 180_000 }, async () => {
  // A browser of its own, so that nothing the other tests registered is counted here.
  const fresh = await launch({ serviceWorkers: 'allow' });
  try {
    const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovr-lab-sw-host-'));
    tmpDirs.push(hostDir);
    fs.writeFileSync(path.join(hostDir, 'frame.html'), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A page with the lab in an iframe</title><link rel="icon" href="data:,"></head>
<body><iframe src="/lab/index.html?${RUN}" title="ovr-lab" width="1200" height="800"></iframe></body></html>
`);
    const server = await serve({ '/lab/': DIST, '/': hostDir });
    const registrations = (page) => page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length);
    // A page registers its worker once it has loaded: give it time to, then look.
    const settle = (page) => page.waitForTimeout(1500);

    for (const example of ['examples/embed.html', 'examples/element.html']) {
      const page = await guardedPage(fresh.context, `${server.url}/lab/${example}`);
      await page.waitForSelector('[data-lab-state]');
      await page.waitForLoadState('load');
      await settle(page);
      assert.equal(await registrations(page), 0, `${example} registered a service worker`);
      assertClean(assert, page, example);
      await page.close();
    }

    const framed = await guardedPage(fresh.context, `${server.url}/frame.html`);
    const frame = await (await framed.waitForSelector('iframe')).contentFrame();
    await frame.waitForSelector('.lab-run:not([disabled])', { timeout: 30_000 });
    await frame.waitForLoadState('load');
    await settle(framed);
    assert.equal(await registrations(framed), 0, 'index.html in an iframe registered a service worker');
    assertClean(assert, framed, 'iframe');
    await framed.close();

    const flagged = await guardedPage(fresh.context, `${server.url}/lab/index.html?${RUN}&embed=1`);
    await labReady(flagged);
    await flagged.waitForLoadState('load');
    await settle(flagged);
    assert.equal(await registrations(flagged), 0, 'index.html?embed=1 registered a service worker');
    assertClean(assert, flagged, 'embed=1');

    // And the same page without embed=1 does: the check above can see a registration.
    await flagged.goto(`${server.url}/lab/index.html?${RUN}`);
    await controlled(flagged);
    assert.equal(await registrations(flagged), 1);
    await flagged.close();
  } finally {
    await fresh.close();
  }
});
