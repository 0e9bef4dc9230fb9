// Makes docs/screenshot.png, the README's picture of the lab after a run:
//   node scripts/screenshot-readme.mjs [out.png]
// (after `make build`). The settings are the article's per-model comparison on four animals.
/* global window -- functions given to page.evaluate run in the page */
import path from 'node:path';
import { serve, launch, openPage, ROOT, WWW } from '../tests/e2e/harness.mjs';

const out = process.argv[2] || path.join(ROOT, 'docs', 'screenshot.png');
const query = 'dataset=animals28&classes=2,3,4,7&train_per_class=150&epochs=3&approaches=shared,ovr,positive-only';
const server = await serve(WWW);
const { context, close } = await launch();
try {
  const page = await openPage(context, `${server.url}/index.html?${query}`);
  await page.setViewportSize({ width: 1280, height: 1500 });
  await page.waitForSelector('.lab-run:not([disabled])', { timeout: 30_000 });
  await page.click('.lab-run');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.labState), null, { timeout: 300_000 });
  const state = await page.evaluate(() => document.body.dataset.labState);
  if (state !== 'done') throw new Error(`the lab ended in state ${state}`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(600); // the charts' last redraw
  await page.screenshot({ path: out });
  if (page.errors.length) console.error(page.errors);
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
} finally {
  await close();
  await server.close();
}
