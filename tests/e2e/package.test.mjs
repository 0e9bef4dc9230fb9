// The npm package (`make package` packs dist/): what `npm pack` puts in it, that it installs offline
// into an empty folder (it has no dependencies and no install scripts), and that <ovr-lab> served
// from the installed folder on one origin runs to done in a page of another origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, DIST, ROOT } from './harness.mjs';
import { serveRoutes, guardedPage, assertClean, writeElementHost } from './lab-helpers.mjs';

let browser;
let tmp;
before(async () => {
  browser = await launch();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ovr-lab-package-'));
});
after(async () => {
  await browser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const npm = (args, cwd) => execFileSync('npm', [...args, '--cache', path.join(tmp, 'npm-cache'), '--no-audit', '--no-fund', '--no-update-notifier'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('npm pack of dist/: the site, the element, the engine, the datasets, the README and the licences, nothing else; it installs offline and runs from another origin', { timeout: 240_000 }, async (t) => {
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', tmp], DIST));
  const version = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8').match(/^version = "([^"]+)"/m)[1];
  assert.equal(packed.name, 'ovr-lab');
  assert.equal(packed.version, version, 'the package has the crate\'s version');
  const files = packed.files.map((f) => f.path).sort();
  for (const f of ['README.md', 'LICENSE', 'package.json', 'index.html', 'js/ovr-lab.js', 'js/lab.js', 'js/worker.js', 'js/reporter.js',
    'css/lab.css', 'css/views.css', 'pkg/ovr_lab.js', 'pkg/ovr_lab_bg.wasm', 'vendor/chart.umd.min.js', 'vendor/chart.js-LICENSE.md',
    'data/README.md', 'data/animals28.bin.gz', 'data/digits8x8.bin.gz', 'data/mnist28.bin.gz', 'data/fashion28.bin.gz', 'data/glyphs.bin.gz']) {
    assert.ok(files.includes(f), `${f} is not in the package`);
  }
  const unwanted = files.filter((f) => /(^|\/)(bench|dev\/|fixtures|src\/|tests\/|scripts\/|target\/|node_modules\/|Cargo|Makefile|\.)/.test(f)
    || /^(tf|convnet)/.test(path.posix.basename(f)));
  assert.deepEqual(unwanted, []);
  // Exactly the built site, plus the manifest, the README and the licence.
  const site = fs.readdirSync(DIST, { recursive: true, withFileTypes: true }).filter((d) => d.isFile())
    .map((d) => path.relative(DIST, path.join(d.parentPath, d.name)).split(path.sep).join('/')).sort();
  assert.deepEqual(files, site);
  const manifest = JSON.parse(fs.readFileSync(path.join(DIST, 'package.json'), 'utf8'));
  assert.deepEqual([manifest.dependencies, manifest.scripts, manifest.private], [undefined, undefined, undefined]);
  assert.equal(manifest.license, 'MIT');
  assert.match(fs.readFileSync(path.join(DIST, 'LICENSE'), 'utf8'), /^MIT License/);

  // Installed offline into an empty folder.
  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  npm(['install', '--offline', path.join(tmp, packed.filename)], app);
  const installed = path.join(app, 'node_modules', 'ovr-lab');
  assert.ok(fs.existsSync(path.join(installed, 'js', 'ovr-lab.js')));
  assert.deepEqual(fs.readdirSync(path.join(app, 'node_modules')).filter((d) => !d.startsWith('.')), ['ovr-lab'], 'no dependencies');

  // Served from the installed folder with CORS on one origin, embedded by a page of another.
  const lab = await serveRoutes({ '/ovr-lab/': installed }, { cors: true });
  const hostDir = path.join(tmp, 'host');
  fs.mkdirSync(hostDir);
  const host = await serveRoutes({ '/': hostDir });
  t.after(() => Promise.all([lab.close(), host.close()]));
  writeElementHost(hostDir, 'installed', lab.url, `${lab.url}/ovr-lab/js/ovr-lab.js`,
    '<ovr-lab id="lab" dataset="digits8x8" arch="linear" approaches="shared,ovr" epochs="1" autorun hide="draw,similarity"></ovr-lab>');
  const page = await guardedPage(browser.context, `${host.url}/installed.html`, { allowed: [lab.url] });
  await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('lab')?.dataset.labState), null, { timeout: 120_000 });
  const seen = await page.evaluate(() => ({ state: document.getElementById('lab').state, ...globalThis.seen.lab }));
  assert.equal(seen.state, 'done', seen.errors.join('\n'));
  assert.equal(seen.done, 1);
  assert.deepEqual(seen.doneApproaches.sort(), ['ovr', 'shared']);
  for (const file of ['/ovr-lab/js/worker.js', '/ovr-lab/pkg/ovr_lab_bg.wasm', '/ovr-lab/data/digits8x8.bin.gz']) {
    assert.ok(lab.requests.includes(file), `${file} not requested: ${lab.requests.join(' ')}`);
  }
  assertClean(assert, page);
  await page.close();
});
