/**
 * The console draws itself again when the worker writes a projection: the
 * API's server-sent events (GET /api/events, fed by PostgreSQL LISTEN/NOTIFY
 * from the projection's transaction). The operator never reloads here: each
 * page carries a marker set in its window, which a reload would clear.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CLOSING } from '../api/lifecycle.js';
import { deliveryIdOf } from '../domain/delivery.js';
import { OPERATOR, STOREFRONT, startApi, type ApiHarness } from './support/api.js';
import { browserTestsRun, launchBrowser } from './support/browser.js';
import { eventually } from './support/eventually.js';

let api: ApiHarness;
let browser: Browser;
/** Script errors in any page: none expected. */
const pageErrors: string[] = [];

beforeAll(async () => {
  api = await startApi();
  await api.operator('PATCH', '/api/settings', { deliverySteps: 'ship_only' });
});

afterAll(async () => {
  await browser?.close();
  expect(pageErrors).toEqual([]);
  await api?.close();
});

async function unpaidCardOrder(email: string) {
  const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
  const id = cart.body.id as string;
  await api.storefront('PUT', `/api/carts/${id}/contact`, {
    email,
    name: 'Camille Durand',
    shippingAddress: { line1: '12 rue de la République', city: 'Lyon', postalCode: '69002', country: 'FR' },
  });
  const checkout = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: 'card' });
  expect(checkout.status).toBe(200);
  const payment = checkout.body.payment as { reference: string; amount: number };
  // The customer went through the provider's page; the payment is not confirmed yet: a quotation sent (Unpaid orders).
  const pending = await api.webhook({ id: `evt_pending_${id}`, type: 'payment.pending', data: { reference: payment.reference, amount: payment.amount, currency: 'EUR' } });
  expect(pending.status).toBe(200);
  return { id, number: checkout.body.order.number as string, payment };
}

const pay = (order: Awaited<ReturnType<typeof unpaidCardOrder>>) =>
  api.webhook({ id: `evt_live_${order.id}`, type: 'payment.succeeded', data: { reference: order.payment.reference, amount: order.payment.amount, currency: 'EUR' } });

/** Reads server-sent events from /api/events until `until` returns true for one (or the time is up). */
async function readEvents(headers: Record<string, string>, until: (event: { event: string; data: any }) => boolean, during: () => Promise<void>) {
  const abort = new AbortController();
  const response = await fetch(`${api.baseUrl}/api/events`, { headers, signal: abort.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const seen: Array<{ event: string; data: any }> = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const timeout = setTimeout(() => abort.abort(), 20_000);
  let buffer = '';
  let found: { event: string; data: any } | undefined;
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!event || !data) continue;
        const parsed = { event, data: JSON.parse(data) };
        seen.push(parsed);
        if (until(parsed)) {
          found = parsed;
          return;
        }
      }
    }
  })();
  // The stream is open (headers received): now the change.
  await during();
  await reading.catch(() => {});
  clearTimeout(timeout);
  abort.abort();
  return { found, seen };
}

describe('GET /api/events', () => {
  it('is for the operator only', async () => {
    const anonymous = await api.call('GET', '/api/events');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('unauthorized');
    const storefront = await api.call('GET', '/api/events', { token: STOREFRONT });
    expect(storefront.status).toBe(403);
    const wrong = await api.call('GET', '/api/events', { token: 'not-a-token-at-all' });
    expect(wrong.status).toBe(401);
  });

  it("streams an `order` event when the worker writes an order's projection, and a `delivery` event for its delivery; no customer data", async () => {
    const order = await unpaidCardOrder('stream.customer@example.com');
    const { found, seen } = await readEvents(
      { authorization: `Bearer ${OPERATOR}` },
      (e) => e.event === 'delivery' && e.data.orderId === order.id && e.data.state === 'ready',
      async () => {
        expect((await pay(order)).status).toBe(200);
      },
    );
    expect(found?.data).toEqual({ orderId: order.id, deliveryId: deliveryIdOf(order.id), version: expect.any(Number), state: 'ready' });
    const sale = seen.find((e) => e.event === 'order' && e.data.orderId === order.id && e.data.state === 'sale');
    expect(sale?.data).toEqual({ orderId: order.id, version: expect.any(Number), state: 'sale', deliveryState: expect.any(String) });
    expect(JSON.stringify(seen)).not.toMatch(/stream\.customer|Camille|Lyon/);
  });
});

describe.runIf(browserTestsRun)('the console, live, in Chromium', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });

  /** Signs in on `path`, waits for the page and its event stream, and marks the window (a reload would clear the mark). */
  async function openLive(path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${api.baseUrl}${path}`);
    await page.getByLabel('Operator token').fill(OPERATOR);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('main[data-ready="true"]').waitFor();
    await page.locator('body[data-live="open"]').waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    return page;
  }
  const notReloaded = (page: Page) => page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true);

  it('Deliveries: an order paid through the API appears, ready, without a reload; the order page follows its validation', async () => {
    const order = await unpaidCardOrder('live.customer@example.com');
    const page = await openLive('/console/deliveries');
    const card = page.getByRole('article', { name: `Delivery ${order.number}` });
    await expect(card.count()).resolves.toBe(0);

    expect((await pay(order)).status).toBe(200);
    await card.getByRole('button', { name: 'Validate ship' }).waitFor({ timeout: 20_000 });
    await expect(card.locator('h3 .badge').textContent()).resolves.toBe('Ready');
    expect(await notReloaded(page)).toBe(true);

    // The order's page: its delivery is ready; validated through the API, the page shows it done.
    await page.goto(`${api.baseUrl}/console/orders/${order.id}`);
    await page.locator('body[data-live="open"]').waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const deliveryFact = page.locator('.facts dd').nth(3);
    await expect(deliveryFact.textContent()).resolves.toBe('Ready');
    const validated = await api.operator('POST', `/api/deliveries/${deliveryIdOf(order.id)}/validate`, { step: 'ship' });
    expect(validated.status).toBe(200);
    await page.locator('.facts dd').nth(3).getByText('Done', { exact: true }).waitFor({ timeout: 20_000 });
    await page.getByRole('article', { name: `Delivery ${order.number}` }).getByText('Ship: Done').waitFor();
    expect(await notReloaded(page)).toBe(true);

    // Back on Deliveries: the done delivery has left the to-do list, again by itself.
    await page.goto(`${api.baseUrl}/console/deliveries`);
    await page.locator('body[data-live="open"]').waitFor();
    await expect(card.count()).resolves.toBe(0);
    await page.close();
  });

  it('Unpaid orders: a paid order leaves the list and Orders gains it, without a reload', async () => {
    const order = await unpaidCardOrder('list.customer@example.com');
    const unpaid = await openLive('/console/unpaid');
    const orders = await openLive('/console/orders');
    await unpaid.getByRole('link', { name: order.number }).waitFor();
    await expect(orders.getByRole('link', { name: order.number }).count()).resolves.toBe(0);

    await pay(order);
    await orders.getByRole('link', { name: order.number }).waitFor({ timeout: 20_000 });
    await unpaid.getByRole('link', { name: order.number }).waitFor({ state: 'detached', timeout: 20_000 });
    expect([await notReloaded(unpaid), await notReloaded(orders)]).toEqual([true, true]);
    await unpaid.close();
    await orders.close();
  });

  it('the stream dropped by the API, the page reconnects by itself and still follows changes', async () => {
    const order = await unpaidCardOrder('reconnect.customer@example.com');
    const page = await openLive('/console/unpaid');
    await page.getByRole('link', { name: order.number }).waitFor();
    // Each state the stream goes through, in order, as the page records it.
    await page.evaluate(() => {
      const states: string[] = [];
      (window as unknown as { liveStates: string[] }).liveStates = states;
      new MutationObserver(() => states.push(document.body.dataset.live ?? '')).observe(document.body, { attributes: true, attributeFilter: ['data-live'] });
    });

    api.app.emit(APP_CLOSING);
    await page.waitForFunction(() => (window as unknown as { liveStates: string[] }).liveStates.join() === 'reconnecting,open', undefined, { timeout: 20_000 });
    await pay(order);
    await page.getByRole('link', { name: order.number }).waitFor({ state: 'detached', timeout: 20_000 });
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  });

  it('while the operator types in a form, the page is not drawn again: a hint offers the change instead', async () => {
    const order = await unpaidCardOrder('typing.customer@example.com');
    await pay(order);
    await eventually(async () => expect((await api.operator('GET', `/api/orders/${order.id}`)).body.deliveryState).toBe('ready'), 20_000);
    const page = await openLive(`/console/orders/${order.id}`);
    await expect(page.locator('.facts dd').nth(3).textContent()).resolves.toBe('Ready');

    const reason = page.getByLabel('Reason (optional)').first();
    await reason.fill('Customer asked on the ph');
    expect((await api.operator('POST', `/api/deliveries/${deliveryIdOf(order.id)}/validate`, { step: 'ship' })).status).toBe(200);
    const hint = page.locator('#live');
    await hint.getByText('This page has changed since it was drawn.').waitFor({ timeout: 20_000 });
    // Nothing the operator wrote is lost, and the page still shows what it showed.
    await expect(reason.inputValue()).resolves.toBe('Customer asked on the ph');
    await expect(page.locator('.facts dd').nth(3).textContent()).resolves.toBe('Ready');

    await hint.getByRole('button', { name: 'Show the changes' }).click();
    await page.locator('.facts dd').nth(3).getByText('Done', { exact: true }).waitFor();
    await expect(hint.isHidden()).resolves.toBe(true);
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  });
});
