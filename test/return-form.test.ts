/**
 * The return form in a real browser (Debian's Chromium, headless): a customer
 * follows the link from their email, chooses what to send back, and reads the
 * answer. `.ci/run` installs Chromium; without it these tests do not run.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryIdOf } from '../domain/delivery.js';
import { startApi, type ApiHarness } from './support/api.js';
import { ARTIFACTS, browserTestsRun, launchBrowser } from './support/browser.js';
import { eventually } from './support/eventually.js';

let api: ApiHarness;
let browser: Browser;

describe.runIf(browserTestsRun)('the return form, in Chromium', () => {
  beforeAll(async () => {
    [api, browser] = await Promise.all([startApi(), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  async function deliveredOrder() {
    const cart = await api.storefront('POST', '/api/carts', {
      lines: [
        { sku: 'MUG-BLUE', quantity: 2 },
        { sku: 'POSTER-A2', quantity: 1 },
      ],
    });
    const id = cart.body.id as string;
    await api.storefront('PUT', `/api/carts/${id}/contact`, { email: 'form@example.com', name: 'Flo' });
    const { reference, amount } = (await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: 'card' })).body.payment;
    await api.webhook({ id: `evt_${id}`, type: 'payment.succeeded', data: { reference, amount, currency: 'EUR' } });
    await eventually(async () => expect((await api.operator('GET', `/api/deliveries/${deliveryIdOf(id)}`)).body.state).toBe('ready'), 15_000);
    await api.operator('POST', `/api/deliveries/${deliveryIdOf(id)}/validate`, {});
    await eventually(async () => expect((await api.storefront('GET', `/api/carts/${id}`)).body.deliveryState).toBe('done'));
    return (await api.operator('GET', `/api/orders/${id}`)).body as { id: string; number: string; returnUrl: string };
  }

  it('a customer returns one mug through the form, then is told why a second one cannot go', async () => {
    const order = await deliveredOrder();
    const page = await browser.newPage();
    // The link as the customer's email carries it, on this test server.
    const link = new URL(order.returnUrl);
    await page.goto(`${api.baseUrl}${link.pathname}${link.search}`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(`Return items from order ${order.number}`);
    await expect(page.getByLabel('Quantity of Poster A2 to return').isDisabled()).resolves.toBe(true);
    await expect(page.getByText('This product cannot be returned.').isVisible()).resolves.toBe(true);

    await page.getByLabel('Quantity of Blue ceramic mug to return').fill('1');
    await page.getByLabel('Reason for returning Blue ceramic mug').selectOption('Damaged');
    await page.screenshot({ path: join(ARTIFACTS, 'return-form.png'), fullPage: true });
    await page.getByRole('button', { name: 'Request the return' }).click();
    await page.getByRole('status').filter({ hasText: 'Your return is registered' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'return-form-done.png'), fullPage: true });

    await eventually(async () => {
      const returns = (await api.operator('GET', `/api/orders/${order.id}`)).body.returns;
      expect(returns).toMatchObject([{ state: 'requested', lines: [{ sku: 'MUG-BLUE', quantity: 1, reason: 'Damaged' }] }]);
    });

    await page.reload();
    await expect(page.getByText('Up to 1.').isVisible()).resolves.toBe(true);
    await page.getByLabel('Quantity of Blue ceramic mug to return').fill('2');
    await page.getByRole('button', { name: 'Request the return' }).click();
    await page.getByRole('status').filter({ hasText: 'At most 1 × Blue ceramic mug can still be returned.' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'return-form-refused.png'), fullPage: true });
    await page.close();
  });
});
