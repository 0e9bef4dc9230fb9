// The built site (`make dist`): only what a reader's browser needs, and no broken reference. No
// browser: these read the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DIST, FIXTURES } from './harness.mjs';

/** Every file under `dir`, as paths relative to it with '/' separators. */
function files(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort();
}

const site = files(DIST);
const sha = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('dist/ holds the site: pages, scripts, styles, engine, datasets with their licences, figures, Chart.js', () => {
  for (const f of ['index.html', 'article.html', 'favicon.svg', 'examples/embed.html', 'examples/element.html', 'js/lab.js', 'js/ovr-lab.js', 'js/worker.js', 'js/reporter.js',
    'js/views/index.js', 'css/lab.css', 'css/views.css', 'pkg/ovr_lab.js', 'pkg/ovr_lab_bg.wasm', 'data/README.md',
    'data/digits8x8.bin.gz', 'figures/manifest.json', 'vendor/chart.umd.min.js', 'vendor/chart.js-LICENSE.md']) {
    assert.ok(site.includes(f), `${f} is missing from dist/`);
  }
  assert.match(fs.readFileSync(path.join(DIST, 'data', 'README.md'), 'utf8'), /## Licences/);
});

test('dist/ has no development pages, benchmark peers or test fixtures', () => {
  const unwanted = site.filter((f) => {
    const name = path.posix.basename(f);
    return f.startsWith('dev/') || name.startsWith('bench') || name === 'convnet.js' || /^tf.*\.js$/.test(name)
      || /^tfjs.*\.wasm$/.test(name) || f.includes('fixtures') || name.startsWith('.');
  });
  assert.deepEqual(unwanted, []);
  // Not under another name either: no file of the site is a fixture.
  const fixtures = new Set(files(FIXTURES).map((f) => sha(path.join(FIXTURES, f))));
  assert.deepEqual(site.filter((f) => fixtures.has(sha(path.join(DIST, f)))), []);
});

/** `href` and `src` values of an HTML file that point into the site (not other hosts, not anchors). */
function references(html) {
  const out = [];
  for (const m of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
    const ref = m[1].replaceAll('&amp;', '&');
    if (/^([a-z]+:|#|\/\/)/i.test(ref) || ref === '') continue;
    out.push(ref.split(/[?#]/)[0]);
  }
  return out;
}

test('every file that index.html, article.html and the examples reference is in dist/', () => {
  const pages = site.filter((f) => f.endsWith('.html'));
  assert.ok(pages.length >= 3, pages.join(' '));
  const broken = [];
  for (const page of pages) {
    for (const ref of references(fs.readFileSync(path.join(DIST, page), 'utf8'))) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(page), ref));
      const file = target.endsWith('/') ? `${target}index.html` : target;
      if (!site.includes(file)) broken.push(`${page}: ${ref}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('every module a script of dist/ imports, and every file it names relative to itself, is in dist/', () => {
  const broken = [];
  const scripts = site.filter((f) => f.endsWith('.js') && !f.startsWith('vendor/') && !f.startsWith('pkg/'));
  for (const script of scripts) {
    const code = fs.readFileSync(path.join(DIST, script), 'utf8');
    const refs = [
      ...[...code.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]),
      ...[...code.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]),
      ...[...code.matchAll(/new URL\('([^'$]+)', import\.meta\.url\)/g)].map((m) => m[1]),
    ];
    for (const ref of refs) {
      if (!ref.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(script), ref));
      if (!site.includes(target)) broken.push(`${script}: ${ref}`);
    }
  }
  assert.ok(scripts.length > 20, `${scripts.length} scripts`);
  assert.deepEqual(broken, []);
});
