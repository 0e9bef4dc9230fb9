// What a first visit to index.html (default settings) costs in bytes: node scripts/first-visit-size.mjs
// Serves dist/ (run `make dist` first), opens index.html in a fresh Chromium with service workers
// allowed, and sums the sizes of the files the server sent: until the lab is ready, then what the
// service worker adds (its precache) until the page's dataset is cached for offline use. The test
// server sends files as they are, with no compression and no validators; the "gzip" column is what
// a host that compresses (gzip -6) would send, and on a host with validators (ETag or Last-Modified,
// as most have) the precache is mostly answered by 304s, the shell being in the HTTP cache.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { launch, serve, DIST } from '../tests/e2e/harness.mjs';

const server = await serve(DIST);
const { context, close } = await launch({ serviceWorkers: 'allow' });

const sizes = new Map();
function size(pathname) {
  if (!sizes.has(pathname)) {
    const file = path.join(DIST, decodeURIComponent(pathname));
    const body = fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file) : Buffer.alloc(0);
    sizes.set(pathname, { raw: body.length, gzip: zlib.gzipSync(body, { level: 6 }).length });
  }
  return sizes.get(pathname);
}
function total(paths) {
  const sum = { files: paths.length, raw: 0, gzip: 0 };
  for (const p of paths) {
    const s = size(p);
    sum.raw += s.raw;
    sum.gzip += s.gzip;
  }
  return sum;
}
const kB = (n) => `${(n / 1e6).toFixed(2)} MB`;

try {
  const page = await context.newPage();
  await page.goto(`${server.url}/index.html`);
  await page.waitForSelector('.lab-run:not([disabled])', { timeout: 60_000 });
  const ready = server.requests.slice();
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
  await page.waitForFunction(async () => Boolean(await globalThis.caches.match(new URL('data/mnist28.bin.gz', globalThis.location.href).href)), null, { timeout: 60_000, polling: 200 });
  const all = server.requests.slice();

  // This server sends no validators, so nothing is reused from the HTTP cache: each worker
  // fetches the engine again, and the precache fetches the shell again. A host with validators
  // sends each file once (then answers 304s): the "each file once" rows.
  const once = (paths) => [...new Set(paths)];
  const rows = [
    ['until the lab is ready', total(ready)],
    ['  each file once', total(once(ready))],
    ['  of which the dataset', total(once(ready.filter((p) => p.startsWith('/data/'))))],
    ['then the service worker', total(all.slice(ready.length))],
    ['first visit in all', total(all)],
    ['  each file once', total(once(all))],
  ];
  console.log('first visit to index.html (default settings), bytes the server sent:');
  for (const [what, t] of rows) console.log(`${what.padEnd(26)} ${String(t.files).padStart(3)} files ${kB(t.raw).padStart(9)} (gzip ${kB(t.gzip)})`);
  await page.close();
} finally {
  await close();
  await server.close();
}
