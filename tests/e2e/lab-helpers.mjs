// Helpers for the lab's browser tests (lab*.test.mjs): pages that record every console error,
// dialog, CSP violation and request leaving the page's origin; static servers that map URL
// prefixes to folders (optionally with CORS headers, from scripts/lib/static-server.mjs); and
// tiny PNG / NPZ writers for hostile or broken user data.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT, serveRoutes } from './harness.mjs';

export { serveRoutes };

export const ARTIFACTS = path.join(ROOT, 'test-results');

/**
 * A page that records, from before its first script: console errors and uncaught exceptions
 * (`errors`), dialogs (`dialogs`, dismissed), CSP violations (`csp`, from the
 * securitypolicyviolation event and from the console), and requests to anything but the
 * `allowed` origins (`foreign`; `seen` has every request, the workers' included).
 */
export async function guardedPage(context, url, { allowed = [], viewport = { width: 1280, height: 900 } } = {}) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const origins = new Set([new URL(url).origin, ...allowed]);
  Object.assign(page, { errors: [], dialogs: [], csp: [], foreign: [], seen: [] });
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy/i.test(text)) page.csp.push(text);
    if (msg.type() === 'error') page.errors.push(text);
  });
  page.on('pageerror', (err) => page.errors.push(String(err)));
  page.on('dialog', (d) => {
    page.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  page.on('request', (req) => {
    const u = req.url();
    page.seen.push(u);
    if (u.startsWith('data:') || u.startsWith('blob:')) return;
    if (!origins.has(new URL(u).origin)) page.foreign.push(u);
  });
  await page.exposeFunction('__cspViolation', (text) => page.csp.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      globalThis.__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  await page.goto(url);
  return page;
}

/** Asserts (with node:assert) that a guarded page stayed clean. */
export function assertClean(assert, page, what = '') {
  assert.deepEqual(page.errors, [], `console errors ${what}`);
  assert.deepEqual(page.csp, [], `CSP violations ${what}`);
  assert.deepEqual(page.dialogs, [], `dialogs ${what}`);
  assert.deepEqual(page.foreign, [], `requests beyond the page's origin ${what}`);
}

/** Waits until the lab's state (body or `selector`'s data-lab-state) is one of `states`. */
export async function waitForState(page, states, { timeout = 120_000, selector = 'body' } = {}) {
  await page.waitForFunction(([s, sel]) => s.includes(document.querySelector(sel)?.dataset.labState), [states, selector], { timeout });
  return page.evaluate((sel) => document.querySelector(sel).dataset.labState, selector);
}

/** Waits for the Train button to be usable (engine loaded, workers spawned). */
export function labReady(page) {
  return page.waitForSelector('.lab-run:not([disabled])', { timeout: 30_000 });
}

/**
 * A host page, with no inline script, under a strict CSP that lets in the lab's origin `labOrigin`
 * (its module, styles, data and engine) and blob: workers; `body` is its content. Its script
 * records each element's events in `globalThis.seen` and counts the workers the page creates.
 */
export function writeElementHost(dir, name, labOrigin, elementSrc, body) {
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${labOrigin} 'wasm-unsafe-eval'`,
    `style-src 'self' ${labOrigin}`,
    `connect-src 'self' ${labOrigin}`,
    // The worker starts from a blob: URL and imports the lab's worker module, whose imports are
    // fetched as a worker's: worker-src needs both.
    `worker-src blob: ${labOrigin}`,
    "img-src 'self' data: blob:",
  ].join('; ');
  fs.writeFileSync(path.join(dir, `${name}.js`), `// Records what the page sees of its labs.
const NativeWorker = globalThis.Worker;
globalThis.workersCreated = 0;
globalThis.Worker = class extends NativeWorker {
  constructor(...args) {
    super(...args);
    globalThis.workersCreated += 1;
  }
};
const hostButton = document.querySelector('.host-button');
globalThis.hostButtonBefore = hostButton && globalThis.getComputedStyle(hostButton).borderTopLeftRadius;
globalThis.seen = {};
for (const lab of document.querySelectorAll('ovr-lab')) {
  const seen = { progress: [], epochs: [], done: 0, errors: [], states: [] };
  globalThis.seen[lab.id] = seen;
  lab.addEventListener('progress', (e) => seen.progress.push([performance.now(), e.detail.overall]));
  lab.addEventListener('epoch', () => seen.epochs.push(performance.now()));
  lab.addEventListener('done', (e) => { seen.done += 1; seen.doneApproaches = Object.keys(e.detail.approaches); });
  lab.addEventListener('error', (e) => seen.errors.push(e.detail.message));
  lab.addEventListener('state', (e) => seen.states.push(e.detail));
}
`);
  fs.writeFileSync(path.join(dir, `${name}.css`), `/* A page whose styles would wreck anything of the lab they reached. */
div, p, section, table, tr, td, canvas, button, form, progress, span, h2 { display: none !important; color: red !important; font-size: 40px !important; }
`);
  fs.writeFileSync(path.join(dir, `${name}.html`), `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="icon" href="data:,"><title>Someone's blog</title>
<link rel="stylesheet" href="${name}.css">
<script type="module" src="${name}.js"></script>
<script type="module" src="${elementSrc}"></script>
</head>
<body><h1>A blog post</h1><p>Some text before the lab.</p><button class="host-button" type="button">The host's button</button>
${body}
</body></html>
`);
}

// ----- tiny file writers -----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A PNG of `size`×`size` whose pixel (x, y) is `pixel(x, y)`: a grey level 0…255, or an
 * [r, g, b] triple when `colour`.
 */
export function png(size, pixel, colour = false) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colour ? 2 : 0; // truecolour or greyscale
  const bpp = colour ? 3 : 1;
  const row = size * bpp + 1; // each row starts with its filter byte (0: none)
  const raw = Buffer.alloc(size * row);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const v = pixel(x, y);
      if (colour) raw.set(v, y * row + 1 + x * 3);
      else raw[y * row + 1 + x] = v;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** An .npy file of a u8 array with `shape`. */
function npy(shape, data) {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data)]);
}

/** A stored (uncompressed) zip of {name: Buffer}. */
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const n = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** An .npz of 8×8 u8 images whose labels are `trainLabels` / `testLabels`. */
export function npz(trainLabels, testLabels) {
  const images = (n) => Uint8Array.from({ length: n * 64 }, (_, i) => (i * 37) % 256);
  return zip({
    'x_train.npy': npy([trainLabels.length, 8, 8], images(trainLabels.length)),
    'y_train.npy': npy([trainLabels.length], trainLabels),
    'x_test.npy': npy([testLabels.length, 8, 8], images(testLabels.length)),
    'y_test.npy': npy([testLabels.length], testLabels),
  });
}
