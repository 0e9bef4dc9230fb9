// Takes a full-page screenshot of the lab after a run: node scripts/screenshot.mjs "<query>" [width].
import { serve, launch, openPage, WWW } from '../tests/e2e/harness.mjs';
const srv = await serve(WWW);
const { context, close } = await launch();
const q = process.argv[2] || 'dataset=mnist28&approaches=shared,ovr,positive-only&epochs=2&train_per_class=200';
const width = Number(process.argv[3] || 1280);
const page = await openPage(context, `${srv.url}/index.html?${q}`);
await page.setViewportSize({ width, height: 900 });
await page.waitForSelector('.lab-run:not([disabled])', { timeout: 30000 });
const t0 = Date.now();
await page.click('.lab-run');
await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.labState), null, { timeout: 300000 });
console.log('state', await page.evaluate(() => document.body.dataset.labState), 'seconds', (Date.now() - t0) / 1000);
await page.waitForTimeout(500);
await page.screenshot({ path: process.argv[4] || `/tmp/shot-${width}.png`, fullPage: true });
console.log(page.errors);
await close(); await srv.close();
