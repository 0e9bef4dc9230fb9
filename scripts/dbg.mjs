import { serve, launch, openPage } from '/work/main/tests/e2e/harness.mjs';
const srv = await serve();
const { context, close } = await launch();
const page = await openPage(context, `${srv.url}/index.html?dataset=digits8x8&arch=linear&approaches=shared&epochs=5`);
page.on('console', (m) => console.log('console', m.type(), m.text()));
await page.waitForTimeout(4000);
console.log(await page.evaluate(() => document.body.dataset.labState), (await page.textContent('body')).slice(0, 500), page.errors);
await close(); await srv.close();
