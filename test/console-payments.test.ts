/**
 * The console's money by hand and payment methods, in a real browser
 * (Debian's Chromium, headless): the settings page switches payment methods
 * and edits the wire-transfer instructions; an order paid at pickup gets its
 * payments recorded in two parts; a return waiting for a refund by hand gets
 * it recorded, as does the money an order cancelled before it was paid in full
 * owes back. Each click is checked against the API's own state.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryIdOf } from '../domain/delivery.js';
import { OPERATOR, startApi, type ApiHarness } from './support/api.js';
import { ARTIFACTS, browserTestsRun, launchBrowser } from './support/browser.js';
import { eventually } from './support/eventually.js';

let api: ApiHarness;
let browser: Browser;

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage: true });
const ADDRESS = { line1: '3 quai Saint-Vincent', city: 'Lyon', postalCode: '69001', country: 'FR' };

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api?.close();
});

async function checkedOut(email: string, paymentMethod: 'wire_transfer' | 'pay_in_store', lines = [{ sku: 'MUG-BLUE', quantity: 2 }]) {
  const cart = await api.storefront('POST', '/api/carts', { lines });
  const id = cart.body.id as string;
  await api.storefront('PUT', `/api/carts/${id}/contact`, { email, name: 'Alex Martin', shippingAddress: ADDRESS });
  const checkout = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod });
  expect(checkout.status).toBe(200);
  return { id, number: checkout.body.order.number as string, total: checkout.body.payment.amount as number };
}

async function signIn(page: Page, next: string) {
  await page.goto(`${api.baseUrl}${next}`);
  await page.getByLabel('Operator token').fill(OPERATOR);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('main h1').first().waitFor();
}

/** Clicks an action's button and waits for its success notice (the page is drawn again from the API first). */
async function act(page: Page, form: ReturnType<Page['locator']>, button: string, notice: string | RegExp) {
  await form.getByRole('button', { name: button, exact: true }).click();
  await page.locator('#notice').getByText(notice).waitFor();
}

describe.runIf(browserTestsRun)("the console's payment methods and money by hand, in Chromium", () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('Settings: pay in store switched off and the transfer instructions changed by clicking; checkout follows; switching everything off is refused with the reason', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page, '/console/settings');
    const form = page.getByRole('form', { name: 'Payment methods', exact: true });
    await expect(form.getByText('Card provider: the demo provider (development only), as configured on the server.').count()).resolves.toBe(1);
    await expect(form.getByLabel('Card', { exact: true }).isChecked()).resolves.toBe(true);
    await form.getByLabel('Pay in store', { exact: true }).uncheck();
    await form.getByLabel(/^Wire transfer instructions/).fill('Reference: your order number. IBAN FR76 3000 6000 0112 3456 7890 189');
    await act(page, form, 'Save payment methods', /Payment methods saved/);
    await shot(page, 'settings-payment-methods');
    expect((await api.operator('GET', '/api/settings')).body.paymentMethods).toMatchObject({
      card: { enabled: true, provider: 'demo' },
      wire_transfer: { enabled: true, instructions: 'Reference: your order number. IBAN FR76 3000 6000 0112 3456 7890 189' },
      pay_in_store: { enabled: false },
    });
    const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    await api.storefront('PUT', `/api/carts/${cart.body.id}/contact`, { email: 'store.off@example.com' });
    const refused = await api.storefront('POST', `/api/carts/${cart.body.id}/checkout`, { paymentMethod: 'pay_in_store' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('payment_method_disabled');

    // Every method off: the API says why, and nothing is saved.
    const drawn = page.getByRole('form', { name: 'Payment methods', exact: true });
    await drawn.getByLabel('Card', { exact: true }).uncheck();
    await drawn.getByLabel('Wire transfer', { exact: true }).uncheck();
    await drawn.getByRole('button', { name: 'Save payment methods' }).click();
    await expect(drawn.getByRole('alert').first().textContent()).resolves.toContain('at least one payment method must stay on');
    expect((await api.operator('GET', '/api/settings')).body.paymentMethods).toMatchObject({ card: { enabled: true }, wire_transfer: { enabled: true } });

    // Back on, by clicking (the page drawn again from the saved settings).
    await page.reload();
    const again = page.getByRole('form', { name: 'Payment methods', exact: true });
    await again.getByLabel('Pay in store', { exact: true }).check();
    await act(page, again, 'Save payment methods', /Payment methods saved/);
    expect((await api.operator('GET', '/api/settings')).body.paymentMethods.pay_in_store.enabled).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('Order: confirmed before the money came, paid at pickup in two parts recorded by clicking; the form leaves once paid', async () => {
    const order = await checkedOut('pickup.customer@example.com', 'pay_in_store');
    expect((await api.operator('POST', `/api/orders/${order.id}/confirm`, { paymentReceived: false })).status).toBe(200);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, `/console/orders/${order.id}`);
    const form = page.getByRole('form', { name: 'Record a payment', exact: true });
    await expect(form.getByLabel(/^Amount received in EUR/).inputValue()).resolves.toBe('25.80');
    await form.getByLabel(/^Amount received in EUR/).fill('10.00');
    await form.getByLabel('Note (optional)').fill('deposit at the counter');
    await act(page, form, 'Record the payment', 'Payment recorded: €15.80 still due.');
    expect((await api.operator('GET', `/api/orders/${order.id}`)).body).toMatchObject({ paymentState: 'pending', amountDue: 1580 });
    await page.locator('.facts').getByText(/€15\.80 due/).waitFor();

    const rest = page.getByRole('form', { name: 'Record a payment', exact: true });
    await expect(rest.getByLabel(/^Amount received in EUR/).inputValue()).resolves.toBe('15.80');
    await rest.getByLabel('How it came').selectOption('wire_transfer');
    await act(page, rest, 'Record the payment', `${order.number} is paid in full.`);
    await expect(page.getByRole('form', { name: 'Record a payment', exact: true }).count()).resolves.toBe(0);
    const received = page.locator('table', { has: page.locator('caption', { hasText: 'Received by hand' }) });
    await expect(received.locator('tbody tr').count()).resolves.toBe(2);
    await shot(page, 'order-paid-by-hand');
    const detail = (await api.operator('GET', `/api/orders/${order.id}`)).body;
    expect(detail).toMatchObject({ paymentState: 'paid', amountDue: 0 });
    expect(detail.receipts.map((r: { amount: number; method: string; note?: string }) => [r.amount, r.method, r.note])).toEqual([
      [1000, 'pay_in_store', 'deposit at the counter'],
      [1580, 'wire_transfer', undefined],
    ]);
    await page.close();
  });

  it('Order: a return waiting for a refund by hand gets it recorded by clicking; the return is refunded', async () => {
    const order = await checkedOut('bank.refund@example.com', 'wire_transfer', [{ sku: 'TEE-M', quantity: 1 }]);
    expect((await api.operator('POST', `/api/orders/${order.id}/confirm`, { paymentReceived: true })).status).toBe(200);
    await eventually(async () => expect((await api.operator('GET', `/api/deliveries/${deliveryIdOf(order.id)}`)).body.state).toBe('ready'), 15_000);
    expect((await api.operator('POST', `/api/deliveries/${deliveryIdOf(order.id)}/validate`, { step: 'ship' })).status).toBe(200);
    await eventually(async () => expect((await api.operator('GET', `/api/orders/${order.id}`)).body.deliveryState).toBe('done'));
    const token = (await api.operator('GET', `/api/orders/${order.id}`)).body.accessToken as string;
    const requested = await api.call('POST', `/api/orders/${order.id}/returns`, { body: { token, lines: [{ sku: 'TEE-M', quantity: 1, reason: 'Does not fit' }] } });
    expect((await api.operator('POST', `/api/returns/${requested.body.id}/receive`)).status).toBe(200);
    await eventually(async () => expect((await api.operator('GET', `/api/orders/${order.id}`)).body.returns).toMatchObject([{ state: 'to_refund_manually' }]));

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, `/console/orders/${order.id}`);
    const form = page.getByRole('form', { name: 'Record a manual refund', exact: true });
    await form.getByText('A return waits for a refund by hand').waitFor();
    await form.getByLabel('Reason (optional)').fill('Bank transfer of 12 May');
    await act(page, form, 'Record the refund', `Manual refund of €${(order.total / 100).toFixed(2)} recorded.`);
    await shot(page, 'order-manual-refund');
    await eventually(async () => {
      const detail = (await api.operator('GET', `/api/orders/${order.id}`)).body;
      expect(detail).toMatchObject({ paymentState: 'refunded', returns: [{ state: 'refunded' }], refunds: [{ manual: true, status: 'succeeded', reason: 'Bank transfer of 12 May' }] });
    });
    await page.reload();
    await page.getByRole('heading', { name: 'Refunds' }).waitFor();
    await expect(page.getByRole('form', { name: 'Record a manual refund', exact: true }).count()).resolves.toBe(0);
    await page.locator('section', { has: page.getByRole('heading', { name: 'Refunds' }) }).getByText('Made by hand').waitFor();
    await page.close();
  });

  it('Order: cancelled after part of the money came, it shows what it owes; the refund by hand is recorded by clicking', async () => {
    const order = await checkedOut('deposit.back@example.com', 'pay_in_store');
    expect((await api.operator('POST', `/api/orders/${order.id}/confirm`, { paymentReceived: false })).status).toBe(200);
    expect((await api.operator('POST', `/api/orders/${order.id}/payments`, { amount: 1000, note: 'deposit' })).status).toBe(201);
    await eventually(async () => expect((await api.operator('GET', `/api/deliveries/${deliveryIdOf(order.id)}`)).body.state).toBe('ready'), 15_000);
    expect((await api.operator('POST', `/api/orders/${order.id}/cancel`, { reason: 'changed their mind' })).body).toMatchObject({ state: 'cancel', refundDue: 1000 });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, `/console/orders/${order.id}`);
    await page.locator('.facts').getByText(/€10\.00 received · €10\.00 owed to the customer/).waitFor();
    const form = page.getByRole('form', { name: 'Record a manual refund', exact: true });
    await form.getByText("The order was cancelled keeping €10.00 of the customer's money").waitFor();
    await expect(form.getByLabel(/^Amount refunded in EUR/).inputValue()).resolves.toBe('10.00');
    // No provider ever held this money: no "Refund" through one.
    await expect(page.getByRole('form', { name: 'Refund', exact: true }).count()).resolves.toBe(0);
    await form.getByLabel('Reason (optional)').fill('Deposit sent back by bank transfer');
    await act(page, form, 'Record the refund', 'Manual refund of €10.00 recorded.');
    await shot(page, 'order-cancelled-refunded-by-hand');
    await eventually(async () => {
      const detail = (await api.operator('GET', `/api/orders/${order.id}`)).body;
      expect(detail).toMatchObject({ state: 'cancel', paymentState: 'refunded', invoice: null, refunds: [{ amount: 1000, manual: true, reason: 'Deposit sent back by bank transfer' }] });
      expect(detail.refundDue).toBeUndefined();
    });
    await page.reload();
    await page.getByRole('heading', { name: 'Refunds' }).waitFor();
    await expect(page.getByRole('form', { name: 'Record a manual refund', exact: true }).count()).resolves.toBe(0);
    await page.close();
  });
});
