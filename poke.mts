import { launchBrowser } from './test/support/browser.ts';
const base = 'http://127.0.0.1:3100';
const browser = await launchBrowser();
const page = await browser.newPage();
page.on('console', (m) => console.log('console:', m.type(), m.text()));
page.on('pageerror', (e) => console.log('pageerror:', e.message));
await page.goto(`${base}/console`);
console.log('url', page.url());
await page.getByLabel('Operator token').fill('dev-operator-token');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL('**/console/orders');
await page.getByRole('heading', { name: 'Orders' }).waitFor();
await page.screenshot({ path: '/tmp/orders.png', fullPage: true });
for (const p of ['unpaid', 'abandoned-carts', 'deliveries', 'returns', 'settings']) {
  await page.goto(`${base}/console/${p}`);
  await page.waitForTimeout(800);
  await page.screenshot({ path: `/tmp/${p}.png`, fullPage: true });
  console.log(p, (await page.locator('main').innerText()).slice(0, 200).replace(/\n/g, ' | '));
}
await browser.close();
