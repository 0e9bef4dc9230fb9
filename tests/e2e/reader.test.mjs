// A reader's first minute (issue 17), on a phone and on a first visit: the scenarios and Train are
// on the first screen; the form shows the basic settings and folds the rest under "More settings";
// help shows on focus or behind ⓘ; each result panel says what it will show; a scenario fills
// the form, the address and runs; the run bar stays in view; once a run starts the form folds to
// one line on a narrow screen and the results come within one screen of the top; nothing scrolls
// the page sideways at 320, 390 or 768 px. Screenshots in test-results/reader-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, DIST } from './harness.mjs';
import { ARTIFACTS, guardedPage, assertClean, waitForState, labReady } from './lab-helpers.mjs';

let server;
let browser;
before(async () => {
  server = await serve();
  browser = await launch();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const TINY = 'dataset=digits8x8&approaches=shared,ovr&epochs=1';
const open = (query, viewport) => guardedPage(browser.context, `${server.url}/index.html?${query}`, { viewport });

/** The top of `selector`'s box relative to the window (not the page). */
const topOf = (page, selector) => page.$eval(selector, (e) => e.getBoundingClientRect().top);
/** The top of `selector`'s box relative to the page. */
const pageTopOf = (page, selector) => page.$eval(selector, (e) => e.getBoundingClientRect().top + globalThis.scrollY);
const visibleSettings = (page) => page.$$eval('.lab-field', (rows) => rows.filter((r) => r.checkVisibility()).map((r) => r.dataset.setting));

test('first visit at 390 px: scenarios and Train on the first screen, the basic settings only, help on demand, every panel says what it will show', { timeout: 60_000 }, async () => {
  const page = await open('dataset=digits8x8&approaches=shared,ovr', PHONE);
  await labReady(page);
  const screen = PHONE.height;
  assert.ok(await topOf(page, '.lab-run') < screen - 40, `Train at ${await topOf(page, '.lab-run')} px`);
  assert.ok(await topOf(page, '.lab-scenario') < screen - 40, 'the first scenario');
  // One button per scenario of the engine's catalog, each with its one-line question.
  const scenarios = await page.$$eval('.lab-scenario', (bs) => bs.map((b) => ({ name: b.dataset.scenario, title: b.querySelector('strong').textContent, question: b.querySelector('span').textContent })));
  assert.ok(scenarios.length >= 3, JSON.stringify(scenarios));
  assert.ok(scenarios.every((s) => s.name && s.title && s.question.endsWith('?')), JSON.stringify(scenarios));
  // The basic settings, the others folded away.
  assert.deepEqual(await visibleSettings(page), ['dataset', 'classes', 'approaches', 'epochs', 'seeds']);
  assert.equal(await page.$eval('.lab-more', (d) => d.open), false);
  // Help: none shown until a control has focus, or its ⓘ is pressed.
  assert.deepEqual(await page.$$eval('.lab-help', (hs) => hs.filter((h) => h.checkVisibility()).map((h) => h.id)), []);
  await page.focus('.lab-field[data-setting="epochs"] input');
  assert.equal(await page.isVisible('.lab-field[data-setting="epochs"] .lab-help'), true);
  await page.click('.lab-field[data-setting="seeds"] .lab-info');
  assert.equal(await page.getAttribute('.lab-field[data-setting="seeds"] .lab-info', 'aria-expanded'), 'true');
  await page.focus('.lab-field[data-setting="dataset"] select');
  assert.equal(await page.isVisible('.lab-field[data-setting="seeds"] .lab-help'), true, 'an opened help stays open');
  assert.equal(await page.isVisible('.lab-field[data-setting="epochs"] .lab-help'), false, 'help on focus goes with the focus');
  // Every result panel says in a line what it will show; the results table says how to start.
  const intros = await page.$$eval('.lab-panels > .lab-panel', (ps) => ps.map((p) => [p.dataset.panel, p.querySelector('.lab-panel-intro')?.checkVisibility() ? p.querySelector('.lab-panel-intro').textContent : '']));
  assert.ok(intros.length >= 10, `${intros.length} panels`);
  for (const [id, text] of intros) assert.ok(text.length > 30, `${id}: "${text}"`);
  assert.match(await page.textContent('.lab-summary'), /Press Train/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'reader-390-first-visit.png') });
  assertClean(assert, page);
  await page.close();
});

test('a link that sets one of the further settings opens "More settings"', { timeout: 30_000 }, async () => {
  const page = await open('dataset=digits8x8&lr=0.05', DESKTOP);
  await labReady(page);
  assert.equal(await page.$eval('.lab-more', (d) => d.open), true);
  assert.equal(await page.inputValue('.lab-field[data-setting="lr"] input'), '0.05');
  assert.equal(await page.isVisible('.lab-field[data-setting="lr"] input'), true);
  assertClean(assert, page);
  await page.close();
});

test('at 390 px a scenario fills the form and the address and runs; the form folds to one line, the results are within a screen, the run bar stays in view', { timeout: 120_000 }, async () => {
  const page = await open('dataset=digits8x8', PHONE);
  await labReady(page);
  const pick = await page.$eval('.lab-scenario', (b) => ({ name: b.dataset.scenario, question: b.querySelector('span').textContent }));
  await page.click(`.lab-scenario[data-scenario="${pick.name}"]`);
  assert.equal(await waitForState(page, ['running', 'done', 'error']), 'running');
  // The form and the address carry the scenario's settings (the engine's, read back from the lab).
  const config = await page.evaluate(() => globalThis.ovrLab.config);
  assert.notEqual(config.dataset, 'digits8x8');
  assert.equal(await page.inputValue('.lab-field[data-setting="dataset"] select'), config.dataset);
  const address = new URL(page.url());
  assert.equal(address.searchParams.get('dataset'), config.dataset);
  assert.equal(address.search, new URL(await page.evaluate(() => globalThis.ovrLab.link())).search);
  assert.equal(await page.textContent('.lab-question'), `Question: ${pick.question}`);
  // The form is folded to a line of the settings with Edit.
  assert.equal(await page.isVisible('.lab-controls'), false);
  assert.equal(await page.isVisible('.lab-settings-line'), true);
  assert.match(await page.textContent('.lab-settings-text'), new RegExp(`Dataset ${config.dataset} · .*Epochs ${config.epochs}`));
  // The first result (the table) is within one screen of the top.
  const results = await pageTopOf(page, '.lab-summary');
  assert.ok(results < PHONE.height, `the results start ${results} px down`);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(ARTIFACTS, 'reader-390-scenario-running.png') });
  // Scrolled far down, the run bar (Stop and the progress) is still on screen.
  await page.evaluate(() => globalThis.scrollTo(0, document.documentElement.scrollHeight));
  const bar = await page.$eval('.lab-runbar', (e) => e.getBoundingClientRect().toJSON());
  assert.ok(bar.top >= 0 && bar.bottom <= PHONE.height, JSON.stringify(bar));
  assert.equal(await page.isVisible('.lab-actions button:has-text("Stop")'), true);
  assert.equal(await page.isVisible('.lab-progress-overall progress'), true);
  await page.screenshot({ path: path.join(ARTIFACTS, 'reader-390-scenario-scrolled.png') });
  // Stop from the bar; Edit brings the form back.
  await page.click('.lab-actions button:has-text("Stop")');
  assert.equal(await waitForState(page, ['idle', 'done', 'error']), 'idle');
  await page.click('.lab-settings-line .lab-edit');
  assert.equal(await page.isVisible('.lab-controls'), true);
  assert.equal(await page.isVisible('.lab-settings-line'), false);
  // Changing a setting by hand: the scenario's question no longer describes the run.
  await page.fill('.lab-field[data-setting="epochs"] input', '1');
  await page.press('.lab-field[data-setting="epochs"] input', 'Tab');
  assert.equal(await page.isVisible('.lab-question'), false);
  assertClean(assert, page);
  await page.close();
});

test('a run sticks the bar to the top at 1280 px too; screenshots at desktop and phone widths', { timeout: 120_000 }, async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    const page = await open(TINY, viewport);
    await labReady(page);
    await page.screenshot({ path: path.join(ARTIFACTS, `reader-${viewport.width}-before-run.png`) });
    await page.click('.lab-run');
    assert.equal(await waitForState(page, ['done', 'error']), 'done');
    await page.waitForTimeout(300);
    assert.ok(await pageTopOf(page, '.lab-summary') < viewport.height, 'the results within a screen');
    await page.evaluate(() => globalThis.scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, `reader-${viewport.width}-after-run.png`) });
    await page.evaluate(() => globalThis.scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForTimeout(100);
    const train = await page.$eval('.lab-run', (e) => e.getBoundingClientRect().toJSON());
    assert.ok(train.top >= 0 && train.bottom <= viewport.height, `Train at the foot of the page: ${JSON.stringify(train)}`);
    await page.screenshot({ path: path.join(ARTIFACTS, `reader-${viewport.width}-after-run-bottom.png`) });
    assertClean(assert, page);
    await page.close();
  }
});

const FIGURES_BUILT = fs.existsSync(path.join(DIST, 'figures', 'manifest.json'));

/**
 * The article is clean; before `make figures` has written its results files, the only errors
 * allowed are those files' 404s (the article says so on the page; tests/e2e/article.test.mjs
 * checks the article with them).
 */
function articleClean(page) {
  if (!FIGURES_BUILT) page.errors = page.errors.filter((e) => !/figures\/[\w.-]+\.json: HTTP 404|status of 404/.test(e));
  assertClean(assert, page, 'on the article');
}

test('nothing scrolls the page sideways at 320, 390 and 768 px: index (before and after a run) and article', { timeout: 180_000 }, async () => {
  const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - globalThis.innerWidth);
  for (const width of [320, 390, 768]) {
    const viewport = { width, height: 800 };
    const page = await open(TINY, viewport);
    await labReady(page);
    assert.ok(await overflow(page) <= 0, `index at ${width} px, before a run: ${await overflow(page)} px`);
    await page.click('.lab-run');
    assert.equal(await waitForState(page, ['done', 'error']), 'done');
    await page.waitForTimeout(300);
    assert.ok(await overflow(page) <= 0, `index at ${width} px, after a run: ${await overflow(page)} px`);
    if (width === 320) await page.screenshot({ path: path.join(ARTIFACTS, 'reader-320-after-run-full.png'), fullPage: true });
    assertClean(assert, page);
    await page.close();
    const article = await guardedPage(browser.context, `${server.url}/article.html`, { viewport });
    await article.waitForSelector('.article-lab');
    await article.waitForTimeout(500);
    assert.ok(await overflow(article) <= 0, `article at ${width} px: ${await overflow(article)} px`);
    articleClean(article);
    await article.close();
  }
});

test('keyboard: Tab from the top goes through the scenarios, the run bar and the settings, and every stop shows its focus', { timeout: 60_000 }, async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    const page = await open(TINY, viewport);
    await labReady(page);
    await page.evaluate(() => document.activeElement?.blur());
    const stops = [];
    // Up to the end of the page (the panels have nothing to focus before a run).
    for (let i = 0; i < 80; i += 1) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement === document.body)) break;
      stops.push(await page.evaluate(() => {
        const e = document.activeElement;
        const s = globalThis.getComputedStyle(e);
        // The ring a reader sees: an outline, or a box-shadow ring (none of the lab's controls uses one).
        const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1) || s.boxShadow !== 'none';
        const r = e.getBoundingClientRect();
        // Not under the sticky run bar: the element is what is at its centre.
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        const seen = r.bottom > 0 && r.top < globalThis.innerHeight && Boolean(hit) && (e.contains(hit) || hit.contains(e) || hit.closest('label') === e.closest('label'));
        return { what: e.className || e.tagName, setting: e.closest('.lab-field')?.dataset.setting ?? '', ring, onScreen: seen };
      }));
    }
    const order = stops.map((s) => s.what);
    const first = (cls) => order.findIndex((w) => w.includes(cls));
    assert.ok(first('lab-scenario') >= 0 && first('lab-scenario') < first('lab-run'), order.join(' '));
    assert.ok(first('lab-run') < stops.findIndex((s) => s.setting === 'dataset'), 'Train comes before the settings');
    assert.ok(stops.some((s) => s.what.includes('lab-info')), 'the ⓘ buttons are tab stops');
    console.log(`# Tab order at ${viewport.width} px: ${order.join(" | ")}`);
    assert.deepEqual(stops.filter((s) => !s.ring).map((s) => `${s.what} ${s.setting}`), [], `no visible focus at ${viewport.width} px`);
    assert.deepEqual(stops.filter((s) => !s.onScreen).map((s) => `${s.what} ${s.setting}`), [], `focus scrolled into view, not under the run bar, at ${viewport.width} px`);
    // Enter on a focused ⓘ opens its help.
    await page.focus('.lab-field[data-setting="approaches"] .lab-info');
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('.lab-field[data-setting="approaches"] .lab-info', 'aria-expanded'), 'true');
    assertClean(assert, page);
    await page.close();
  }
});

test('at 390 px a setting the engine refuses unfolds the form and opens "More settings", so its mark is seen', { timeout: 60_000 }, async () => {
  // digits8x8's 8×8 images cannot stand in for mnist28's as other images: refused when the run starts.
  const page = await open('dataset=mnist28&ood_dataset=digits8x8&arch=linear&approaches=shared&epochs=1&train_per_class=20', PHONE);
  await labReady(page);
  // Folded away by hand first, as a narrow screen folds it once a run starts.
  await page.$eval('.lab-more', (d) => { d.open = false; });
  await page.click('.lab-run');
  assert.equal(await waitForState(page, ['done', 'error']), 'error');
  const field = '.lab-field[data-setting="ood_dataset"]';
  assert.equal(await page.isVisible('.lab-controls'), true, 'the form is unfolded');
  assert.equal(await page.isVisible(`${field} .lab-field-error`), true, 'the refused setting and its message are on show');
  assert.match(await page.textContent(`${field} .lab-field-error`), /8×8×1 images/);
  await page.close();
});

test('index.html?scenario=NAME starts from that scenario\'s settings (those beside it win) and shows its question; an unknown name says which exist', { timeout: 60_000 }, async () => {
  const page = await open('scenario=less-data&epochs=2', DESKTOP);
  await labReady(page);
  const { config, scenario } = await page.evaluate(async () => {
    const { loadEngine } = await import('./js/engine.js');
    const s = (await loadEngine()).catalog().scenarios.find((x) => x.name === 'less-data');
    return { config: globalThis.ovrLab.config, scenario: s };
  });
  for (const [name, value] of scenario.settings) {
    if (name === 'epochs') continue;
    assert.equal(String(config[name]).replace(/ /g, ''), value, name);
  }
  assert.equal(config.epochs, 2, 'the epochs given beside the scenario');
  assert.equal(await page.textContent('.lab-question'), `Question: ${scenario.question}`);
  // The address carries the settings themselves, so that it reopens them without the scenario.
  const address = new URL(page.url());
  assert.equal(address.searchParams.has('scenario'), false);
  assert.equal(address.searchParams.get('train_per_class'), config.train_per_class.toString());
  assert.equal(await page.$eval('.lab-more', (d) => d.open), true, 'the scenario sets a further setting');
  assertClean(assert, page);
  await page.close();
  const unknown = await open('scenario=nope', DESKTOP);
  await labReady(unknown);
  assert.match(await unknown.textContent('.lab-notices'), /No scenario is named "nope"; the scenarios are .*less-data/);
  assert.equal(await unknown.isVisible('.lab-question'), false);
  assertClean(assert, unknown);
  await unknown.close();
});
