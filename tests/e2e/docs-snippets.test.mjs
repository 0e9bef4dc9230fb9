// Every ```html snippet of docs/embedding.md (and so of the package's README, which repeats them),
// pasted into an otherwise empty page next to the built site served under /lab/ (as the snippets
// assume), trains its lab to the end: the docs cannot rot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, DIST, ROOT } from './harness.mjs';
import { serveRoutes, guardedPage, assertClean } from './lab-helpers.mjs';

const htmlSnippets = (file) => [...fs.readFileSync(file, 'utf8').matchAll(/^```html\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
const snippets = htmlSnippets(path.join(ROOT, 'docs', 'embedding.md'));

let browser;
let server;
let hostDir;
before(async () => {
  browser = await launch();
  hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovr-lab-docs-'));
  server = await serveRoutes({ '/lab/': DIST, '/': hostDir });
});
after(async () => {
  await server?.close();
  await browser?.close();
  fs.rmSync(hostDir, { recursive: true, force: true });
});

test('docs/embedding.md opens with the three ways to embed a lab: the tag, the module API, the iframe', () => {
  assert.ok(snippets.length >= 3, `${snippets.length} html snippets`);
  assert.match(snippets[0], /<ovr-lab\s/);
  assert.match(snippets[1], /createLab\(/);
  assert.match(snippets[2], /<iframe\s/);
});

test('the package\'s README shows the same three snippets (so the ones run here are the ones authors copy)', () => {
  assert.deepEqual(htmlSnippets(path.join(ROOT, 'package', 'README.md')), snippets.slice(0, 3));
});

/** The states of every lab in the page: elements with data-lab-state, and same-origin iframes' bodies. */
function labStates() {
  const states = [...document.querySelectorAll('[data-lab-state]')].map((e) => e.dataset.labState);
  for (const frame of document.querySelectorAll('iframe')) {
    const body = frame.contentDocument?.body;
    states.push(body?.dataset.labState ?? 'loading');
  }
  return states;
}

snippets.forEach((snippet, i) => {
  test(`snippet ${i + 1} of docs/embedding.md runs its lab to done`, { timeout: 240_000 }, async () => {
    fs.writeFileSync(path.join(hostDir, `snippet${i + 1}.html`), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Snippet ${i + 1}</title></head>
<body>
${snippet}
</body></html>
`);
    const page = await guardedPage(browser.context, `${server.url}/snippet${i + 1}.html`);
    await page.waitForFunction(`(${labStates})().length > 0 && (${labStates})().every((s) => s === 'done' || s === 'error')`, null, { timeout: 200_000, polling: 500 });
    const states = await page.evaluate(`(${labStates})()`);
    assert.ok(states.length >= 1 && states.every((s) => s === 'done'), `${states}: ${page.errors.join('\n')}`);
    assertClean(assert, page);
    await page.close();
  });
});
