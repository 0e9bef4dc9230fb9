// One results document, three readers: the CLI's table (`ovr-lab show`), the lab's views and the
// article print the same verdicts for it, because all three print the sentences the engine wrote
// in its `comparisons` (none of them decides a verdict itself).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { serveRoutes, launch, openPage, ROOT, WWW, DIST } from './harness.mjs';

const run = promisify(execFile);
// A committed results document the article quotes.
const NAME = 'animals-contestants';
const FILE = path.join(DIST, 'figures', `${NAME}.json`);
const doc = JSON.parse(fs.readFileSync(FILE, 'utf8'));
const VERDICT_WORDS = { ahead: 'ahead', behind: 'behind', no_difference_shown: 'no difference shown' };
// A sentence may open a finding, capitalised there.
const mentions = (text, sentence) => text.toLowerCase().includes(sentence.toLowerCase());

let server;
let browser;
before(async () => {
  server = await serveRoutes({ '/': DIST, '/dev/': path.join(WWW, 'dev') });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('the document has comparisons to agree on', () => {
  assert.ok(doc.comparisons.length >= 3, `${NAME} has ${doc.comparisons.length} comparisons`);
  assert.ok(new Set(doc.comparisons.map((c) => c.verdict)).size >= 2, 'at least two different verdicts, so agreement means something');
});

test('ovr-lab show prints every comparison\'s verdict and sentence', { timeout: 300_000 }, async () => {
  const { stdout } = await run('cargo', ['run', '--quiet', '--bin', 'ovr-lab', '--', 'show', FILE], { cwd: ROOT, maxBuffer: 1 << 24, timeout: 280_000 });
  const section = stdout.slice(stdout.indexOf('\ncomparisons'));
  assert.ok(section.length > 1, `no comparisons section in:\n${stdout}`);
  for (const c of doc.comparisons) {
    const line = section.split('\n').find((l) => l.trim().startsWith(`${c.approach} `));
    assert.ok(line, `no line for ${c.approach} in:\n${stdout}`);
    assert.ok(line.includes(VERDICT_WORDS[c.verdict]) && line.includes(c.text), `${c.approach}: ${line}`);
  }
});

test('the lab\'s views print every comparison\'s sentence', { timeout: 60_000 }, async () => {
  const page = await openPage(browser.context, `${server.url}/dev/views.html?figure=${NAME}`);
  await page.waitForFunction(() => document.body.dataset.viewsState !== 'loading', null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.viewsState), 'ready', page.errors.join('\n'));
  const summary = await page.locator('#summary').textContent();
  for (const c of doc.comparisons) assert.ok(mentions(summary, c.text), `the summary view does not say "${c.text}"`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the article prints the same sentences and verdict words for it', { timeout: 60_000 }, async () => {
  const page = await openPage(browser.context, `${server.url}/article.html`);
  const sel = `[data-figure="${NAME}"][data-path^="comparisons.@approach="]`;
  await page.waitForFunction((s) => [...document.querySelectorAll(s)].every((e) => e.dataset.filled), sel, { timeout: 30_000 });
  const spans = await page.$$eval(sel, (els) => els.map((e) => ({ path: e.dataset.path, text: e.textContent })));
  const seen = new Set();
  for (const s of spans) {
    const [, approach, field] = /^comparisons\.@approach=([\w-]+)\.(\w+)$/.exec(s.path) ?? [];
    const c = doc.comparisons.find((x) => x.approach === approach);
    assert.ok(c, s.path);
    if (field === 'text') assert.equal(s.text, c.text);
    if (field === 'verdict') assert.equal(s.text, VERDICT_WORDS[c.verdict]);
    if (field === 'text' || field === 'verdict') seen.add(approach);
  }
  assert.deepEqual([...seen].sort(), doc.comparisons.map((c) => c.approach).sort(), 'the article quotes every comparison of the document');
  await page.close();
});
