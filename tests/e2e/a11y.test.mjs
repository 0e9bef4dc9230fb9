// Accessibility, measured with axe-core (npm devDependency): the lab (index.html), the article and
// the embedding example (examples/embed.html), at 1280 and 390 px, before and after a run, have no
// serious or critical violation. axe is evaluated in the page through the browser's debugging
// protocol, so the pages keep their strict CSP. Every violation found (any impact) is printed as a
// diagnostic; the counts are in test-results/a11y.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { serve, launch, DIST } from './harness.mjs';
import { ARTIFACTS, guardedPage, waitForState, labReady } from './lab-helpers.mjs';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = [{ width: 1280, height: 900 }, { width: 390, height: 844 }];
const FIGURES_BUILT = fs.existsSync(path.join(DIST, 'figures', 'manifest.json'));

let server;
let browser;
const found = [];
before(async () => {
  server = await serve();
  browser = await launch();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});
after(async () => {
  fs.writeFileSync(path.join(ARTIFACTS, 'a11y.json'), `${JSON.stringify(found, null, 2)}\n`);
  await browser?.close();
  await server?.close();
});

/** Runs axe on `page`; fails on a serious or critical violation, prints the others. */
async function check(page, what) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  const violations = result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
  }));
  found.push({ page: what, violations });
  for (const v of violations) console.log(`# ${what}: ${v.impact} ${v.id} (${v.nodes}×): ${v.help} — ${v.where.join(', ')}`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${what}: serious or critical violations`);
  return violations;
}

/** Console errors beyond the article's missing results files (before `make figures`). */
function errorsOf(page) {
  return FIGURES_BUILT ? page.errors : page.errors.filter((e) => !/figures\/[\w.-]+\.json: HTTP 404|status of 404/.test(e));
}

test('the lab: no serious or critical axe violation at 1280 and 390 px, before and after a run (digits8x8, 1 epoch)', { timeout: 180_000 }, async () => {
  for (const viewport of WIDTHS) {
    const page = await guardedPage(browser.context, `${server.url}/index.html?dataset=digits8x8&approaches=shared,ovr&epochs=1`, { viewport });
    await labReady(page);
    await check(page, `index ${viewport.width} px before a run`);
    // With "More settings" open, and a help shown.
    await page.click('.lab-more > summary');
    await page.click('.lab-field[data-setting="epochs"] .lab-info');
    await check(page, `index ${viewport.width} px, all settings shown`);
    await page.click('.lab-run');
    assert.equal(await waitForState(page, ['done', 'error']), 'done');
    await page.waitForTimeout(300);
    await check(page, `index ${viewport.width} px after a run`);
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('the embedding example: no serious or critical axe violation at 1280 and 390 px, while and after it runs', { timeout: 300_000 }, async () => {
  for (const viewport of WIDTHS) {
    const page = await guardedPage(browser.context, `${server.url}/examples/embed.html`, { viewport });
    await page.waitForSelector('#lab .lab-run');
    await check(page, `embed ${viewport.width} px at load`);
    await page.waitForFunction(() => /^(Done|Failed)/.test(document.getElementById('result').textContent), null, { timeout: 240_000 });
    assert.match(await page.textContent('#result'), /^Done/);
    await page.waitForTimeout(300);
    await check(page, `embed ${viewport.width} px after its run`);
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('the article: no serious or critical axe violation at 1280 and 390 px', { timeout: 120_000 }, async () => {
  for (const viewport of WIDTHS) {
    const page = await guardedPage(browser.context, `${server.url}/article.html`, { viewport });
    await page.waitForSelector('.article-lab');
    await page.waitForTimeout(500);
    await check(page, `article ${viewport.width} px`);
    assert.deepEqual(errorsOf(page), []);
    await page.close();
  }
});
