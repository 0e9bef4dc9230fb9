// Your own data through the page: a NumPy .npz file and a folder of images (one sub-folder per
// class) are picked with the file inputs and trained on end to end; every bundled set loads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, ROOT } from './harness.mjs';
import { png } from './lab-helpers.mjs';

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

/** Two classes drawn as dark ink on white paper, as photos of drawings would be. */
function makeImageFolder() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovr-lab-images-'));
  const root = path.join(dir, 'my-shapes');
  for (const cls of ['bars', 'ring']) fs.mkdirSync(path.join(root, cls), { recursive: true });
  for (let i = 0; i < 30; i += 1) {
    const dx = (i * 7) % 9 - 4;
    const dy = (i * 5) % 9 - 4;
    fs.writeFileSync(path.join(root, 'bars', `b${i}.png`), png(32, (x) => ((x + dx) % 8 < 3 ? 20 : 235)));
    fs.writeFileSync(path.join(root, 'ring', `r${i}.png`), png(32, (x, y) => {
      const r = Math.hypot(x - 16 - dx, y - 16 - dy);
      return r > 7 && r < 11 ? 20 : 235;
    }));
  }
  fs.writeFileSync(path.join(root, 'ring', 'notes.txt'), 'not an image: skipped');
  return { dir, root };
}

async function readyLab(url) {
  const page = await openPage(browser.context, url);
  await page.waitForSelector('.lab-run:not([disabled])', { timeout: 30_000 });
  return page;
}

async function trainAndRead(page) {
  await page.click('.lab-run');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.labState), null, { timeout: 120_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.labState), 'done', await page.textContent('.lab-main'));
  return page.$$eval('.lab-summary tr[data-approach]', (rows) => Object.fromEntries(rows.map((r) => [r.dataset.approach, Number(r.dataset.testAccuracy)])));
}

test('a NumPy .npz picked with the file input trains end to end', { timeout: 120_000 }, async () => {
  const page = await readyLab(`${server.url}/index.html?arch=linear&approaches=shared,ovr&epochs=3`);
  await page.setInputFiles('input[type=file][accept*=".npz"]', path.join(ROOT, 'tests/data/uint8_nhw.npz'));
  await page.waitForFunction(() => document.querySelector('.lab-notices')?.textContent.includes('Loaded 30 training and 9 test images in 3 classes'), null, { timeout: 10_000 });
  const acc = await trainAndRead(page);
  assert.ok(acc.shared >= 0 && acc.ovr >= 0, JSON.stringify(acc));
  assert.match(await page.textContent('.lab-summary'), /uint8_nhw: 3 classes, 30 training \/ 9 test images/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('an image folder with one sub-folder per class trains end to end', { timeout: 120_000 }, async () => {
  const { dir, root } = makeImageFolder();
  try {
    const page = await readyLab(`${server.url}/index.html?arch=tiny&approaches=shared,ovr&epochs=4&lr=0.05`);
    await page.setInputFiles('input[type=file][webkitdirectory]', root);
    await page.waitForFunction(() => document.querySelector('.lab-notices')?.textContent.includes('in 2 classes'), null, { timeout: 30_000 });
    const notices = await page.textContent('.lab-notices');
    assert.match(notices, /the 60 images have light backgrounds, so they were inverted/);
    assert.match(notices, /seeded stratified|split/i);
    const acc = await trainAndRead(page);
    assert.ok(acc.shared >= 0.9 && acc.ovr >= 0.9, `bars vs rings should be easy: ${JSON.stringify(acc)}`);
    const classes = await page.$$eval('.lab-field[data-setting="classes"] label.lab-check', (ls) => ls.map((l) => l.textContent.trim()));
    assert.deepEqual(classes, ['bars', 'ring']);
    assert.deepEqual(page.errors, []);
    await page.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

for (const dataset of ['digits8x8', 'mnist28', 'fashion28', 'animals28', 'shapes']) {
  test(`the page loads ${dataset} and trains on it`, { timeout: 120_000 }, async () => {
    const page = await readyLab(`${server.url}/index.html?dataset=${dataset}&arch=linear&approaches=shared&epochs=1&train_per_class=30`);
    const acc = await trainAndRead(page);
    assert.ok(acc.shared > 0, JSON.stringify(acc));
    const expected = { digits8x8: 10, mnist28: 10, fashion28: 10, animals28: 10, shapes: 4 }[dataset];
    assert.match(await page.textContent('.lab-summary .lab-meta'), new RegExp(`: ${expected} classes, ${30 * expected} training`));
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

test('an image folder kept in colour (RGB) at a chosen size trains on three channels', { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovr-lab-colour-'));
  const root = path.join(dir, 'colours');
  // Same figure, different colour: only the colour tells the classes apart.
  for (const [cls, rgb] of [['red', [220, 30, 30]], ['blue', [30, 30, 220]]]) {
    fs.mkdirSync(path.join(root, cls), { recursive: true });
    for (let i = 0; i < 25; i += 1) {
      const dx = (i * 3) % 7 - 3;
      fs.writeFileSync(path.join(root, cls, `${i}.png`), png(20, (x, y) => (Math.hypot(x - 10 - dx, y - 10) < 6 ? rgb : [0, 0, 0]), true));
    }
  }
  try {
    const page = await readyLab(`${server.url}/index.html?arch=tiny&approaches=shared&epochs=4&lr=0.05`);
    await page.click('.lab-user-data summary');
    await page.fill('input[id$="-user-size"]', '16');
    await page.selectOption('select[id$="-user-colour"]', '3');
    await page.setInputFiles('input[type=file][webkitdirectory]', root);
    await page.waitForFunction(() => document.querySelector('.lab-notices')?.textContent.includes('in 2 classes'), null, { timeout: 30_000 });
    assert.match(await page.textContent('.lab-notices'), /resized to 16×16 px, colour kept \(RGB\)/);
    const acc = await trainAndRead(page);
    const info = await page.evaluate(() => globalThis.ovrLab.report.dataset);
    assert.deepEqual([info.width, info.height, info.channels], [16, 16, 3]);
    assert.ok(acc.shared >= 0.9, JSON.stringify(acc));
    assert.deepEqual(page.errors, []);
    await page.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
