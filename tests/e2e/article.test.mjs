// The article end to end: scroll through it like a reader, wait until every embedded lab is done
// (they must run one at a time), and check that every number quoted from a committed results file
// is filled in and equals the file's value; then the minimal embedding example.
/* global window, MutationObserver -- functions given to page.evaluate run in the page */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, openPage, DIST } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const figures = new Map();
function figure(name) {
  if (!figures.has(name)) figures.set(name, JSON.parse(fs.readFileSync(path.join(DIST, 'figures', `${name}.json`), 'utf8')));
  return figures.get(name);
}

// Paths as article.js reads them, written again here so that a mistake there shows: a number
// indexes an array (negative from the end), `@key=value` picks the element whose key is value.
function at(obj, dotted) {
  let v = obj;
  for (const part of dotted.split('.')) {
    if (Array.isArray(v) && part.startsWith('@')) {
      const [key, value] = part.slice(1).split('=');
      v = v.find((x) => String(x?.[key]) === value);
    } else if (Array.isArray(v) && /^-?\d+$/.test(part)) v = v.at(Number(part));
    else v = v?.[part];
  }
  return v;
}

// The formats of www/js/article.js, written again here so that a mistake there shows.
function expected(format, v) {
  const p1 = (x) => (100 * x).toFixed(1);
  const signed = (x) => {
    const s = p1(Math.abs(x));
    return s === '0.0' ? '±0.0' : `${x < 0 ? '−' : '+'}${s}`;
  };
  switch (format) {
    case 'pct': return `${p1(v)}%`;
    case 'pct2': return `${(100 * v).toFixed(2)}%`;
    case 'pp': return p1(v);
    case 'signed': return signed(v);
    case 'interval': return `${signed(v[0])} to ${signed(v[1])}`;
    case 'int': return Math.round(v).toLocaleString('en');
    case 'secs': return v.toFixed(1);
    case 'num2': return v.toFixed(2);
    case 'num3': return v.toFixed(3);
    case 'times': return `${v.toFixed(1)}×`;
    case 'verdict': return String(v).replaceAll('_', ' ');
    case 'pcts': return v.map(p1).join(' · ');
    case 'sentences': return v.join(' ');
    case 'text': return String(v);
    default: throw new Error(`unknown format ${format}`);
  }
}

// A claim the prose makes, checked here against the file as article.js checks it on the page.
function claimHolds(text) {
  const m = /^([\w-]+):(\S+)\s*(!=|=|<|>)\s*(.+)$/.exec(text.trim());
  assert.ok(m, `unreadable claim "${text}"`);
  const actual = at(figure(m[1]), m[2]);
  const want = m[4].trim();
  switch (m[3]) {
    case '=': return String(actual) === want;
    case '!=': return actual !== undefined && String(actual) !== want;
    case '<': return actual < Number(want);
    default: return actual > Number(want);
  }
}

test('article: scrolling through runs every lab to done, one at a time; every quoted number matches its results file', { timeout: 240_000 }, async () => {
  const page = await openPage(browser.context, `${server.url}/article.html`);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.waitForSelector('.article-lab .article-lab-mount');
  const labs = await page.$$eval('.article-lab', (els) => els.map((e) => e.dataset.lab));
  assert.ok(labs.length >= 6, `only ${labs.length} labs`);
  // Count how many labs train at once, at every change of state.
  await page.evaluate(() => {
    window.maxRunning = 0;
    new MutationObserver(() => {
      const n = document.querySelectorAll('.article-lab[data-lab-state="running"]').length;
      window.maxRunning = Math.max(window.maxRunning, n);
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-lab-state'] });
  });
  // Nothing trains before it is scrolled to.
  const offscreen = await page.$$eval('.article-lab', (els) => els.at(-1).dataset.labState);
  assert.equal(offscreen, 'idle');

  const t0 = Date.now();
  const height = await page.evaluate(() => document.body.scrollHeight);
  for (let y = 0; y <= height; y += 700) {
    await page.evaluate((top) => window.scrollTo(0, top), y);
    await page.waitForTimeout(100);
  }
  await page.waitForFunction(() => [...document.querySelectorAll('[data-lab-state]')].every((e) => ['done', 'error'].includes(e.dataset.labState)), null, { timeout: 200_000 });
  const states = await page.$$eval('[data-lab-state]', (els) => els.map((e) => `${e.dataset.lab || e.className}: ${e.dataset.labState}`));
  for (const s of states) assert.match(s, /: done$/, s);
  console.log(`# ${labs.length} labs done ${((Date.now() - t0) / 1000).toFixed(1)} s after the first scroll`);
  assert.equal(await page.evaluate(() => window.maxRunning), 1, 'labs must run one at a time');

  // Each lab's finding is written from its report: the accuracies it quotes are the lab's own.
  const findings = await page.$$eval('.article-lab', (els) => els.map((e) => {
    const p = document.querySelector(`[data-finding="${e.dataset.lab}"]`);
    const rows = [...e.querySelectorAll('.lab-summary tr[data-approach]')].map((r) => [r.dataset.approach, Number(r.dataset.testAccuracy)]);
    const link = e.querySelector('.article-lab-bar a').href;
    return { lab: e.dataset.lab, text: p?.textContent || '', state: p?.dataset.state, rows, link };
  }));
  for (const f of findings) {
    assert.equal(f.state, 'done', `${f.lab}: ${f.text}`);
    assert.ok(f.rows.length > 0, `${f.lab} shows no results`);
    // The filters finding quotes similarities, not accuracies.
    if (f.lab !== 'filters') for (const [approach, acc] of f.rows) {
      assert.ok(f.text.includes(`${(100 * acc).toFixed(1)}%`), `${f.lab}: "${f.text}" does not quote ${approach} ${acc}`);
    }
    const url = new URL(f.link);
    assert.equal(url.pathname, '/index.html', f.link);
    assert.ok(url.searchParams.get('dataset'), f.link);
  }

  // Numbers quoted from committed results: filled, and equal to the file's value.
  const spans = await page.$$eval('[data-figure]', (els) => els.map((e) => ({ ...e.dataset, text: e.textContent })));
  assert.ok(spans.length > 50, `only ${spans.length} figure numbers`);
  for (const s of spans) {
    assert.equal(s.filled, '1', `${s.figure} ${s.path}: ${s.text}`);
    const value = at(figure(s.figure), s.path);
    assert.notEqual(value, undefined, `${s.figure}: ${s.path}`);
    assert.equal(s.text, expected(s.format || 'text', value), `${s.figure} ${s.path} (${s.format})`);
  }
  // Every claim the prose makes holds in its file, here and on the page.
  const claims = await page.$$eval('[data-claim]', (els) => els.map((e) => ({ claim: e.dataset.claim, state: e.dataset.claimState, text: e.textContent.slice(0, 80) })));
  assert.ok(claims.length >= 15, `only ${claims.length} claims checked`);
  for (const c of claims) {
    for (const one of c.claim.split(';').filter((t) => t.trim())) assert.ok(claimHolds(one), `"${c.text}…" claims ${one}`);
    assert.equal(c.state, 'ok', `the page marks "${c.text}…" (${c.claim}) as ${c.state}`);
  }
  // The commands come from the manifest, and every figure cited has one.
  const manifest = figure('manifest');
  for (const name of new Set(spans.map((s) => s.figure))) assert.ok(manifest[name], `${name} is not in figures/manifest.json`);
  const commands = await page.$$eval('[data-manifest] tbody tr', (rows) => rows.length);
  assert.equal(commands, Object.keys(manifest).length);

  assert.deepEqual(page.errors, []);
  await page.close();
});

test('examples/embed.html: the minimal embedded lab runs to done', { timeout: 120_000 }, async () => {
  const page = await openPage(browser.context, `${server.url}/examples/embed.html`);
  await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('lab').dataset.labState), null, { timeout: 100_000 });
  assert.equal(await page.$eval('#lab', (e) => e.dataset.labState), 'done');
  assert.match(await page.textContent('#result'), /^Done: shared \d+\.\d%, one-vs-rest \d+\.\d%/);
  assert.match(await page.$eval('#full-lab', (a) => a.href), /\/index\.html\?.*dataset=animals28/);
  assert.deepEqual(page.errors, []);
  await page.close();
});
