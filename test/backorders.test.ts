/**
 * Backorders through the API on a real server (issue 14, Odoo's shipping
 * policy): with `as_soon_as_possible` an order whose stock is only partly
 * there ships what is there in a first delivery and the rest in a backorder
 * delivery that waits for stock; stock is right at each step, the done email
 * goes once after the last, returns count what was delivered, and the waiting
 * backorder keeps its place in line (first come, first served).
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backorderIdOf, deliveryIdOf } from '../domain/delivery.js';
import { OPERATOR, startApi, type ApiHarness } from './support/api.js';
import { browserTestsRun, launchBrowser } from './support/browser.js';
import { eventually } from './support/eventually.js';
import { withSettings } from './support/settings.js';

let api: ApiHarness;
let skuCounter = 0;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api?.close();
});

async function product(onHand: number) {
  const sku = `BO-${++skuCounter}-${Date.now()}`;
  const r = await api.operator('POST', '/api/products', { sku, name: `Chair ${skuCounter}`, price: 3000, type: 'storable', onHand, weightGrams: 800 });
  expect(r.status).toBe(201);
  return sku;
}

async function stockOf(sku: string) {
  const r = await api.storefront('GET', '/api/products');
  const p = r.body.items.find((i: { sku: string }) => i.sku === sku) as { onHand: number; reserved: number; available: number };
  return { onHand: p.onHand, reserved: p.reserved, available: p.available };
}

const ADDRESS = { line1: '8 Baker Street', city: 'London', postalCode: 'NW1 6XE', country: 'GB' };

async function paidOrder(lines: Array<{ sku: string; quantity: number }>, email = 'back@example.com') {
  const cart = await api.storefront('POST', '/api/carts', { lines });
  expect(cart.status).toBe(201);
  await api.storefront('PUT', `/api/carts/${cart.body.id}/contact`, { email, name: 'Bo Order', shippingAddress: ADDRESS });
  const checkout = await api.storefront('POST', `/api/carts/${cart.body.id}/checkout`, { paymentMethod: 'card' });
  expect(checkout.status).toBe(200);
  const { reference, amount } = checkout.body.payment;
  expect((await api.webhook({ id: `evt_${cart.body.id}`, type: 'payment.succeeded', data: { reference, amount, currency: 'EUR' } })).status).toBe(200);
  const id = cart.body.id as string;
  return { id, token: cart.body.accessToken as string | undefined, first: deliveryIdOf(id), backorder: backorderIdOf(id) };
}

async function deliveryWhen(deliveryId: string, state: string) {
  let delivery: any;
  await eventually(async () => {
    const r = await api.operator('GET', `/api/deliveries/${deliveryId}`);
    expect(r.status).toBe(200);
    expect(r.body.state).toBe(state);
    delivery = r.body;
  }, 20_000);
  return delivery;
}

const orderOf = async (id: string) => (await api.operator('GET', `/api/orders/${id}`)).body;
const doneEmailsOf = (order: { emails: Array<{ kind: string; id: string }> }) => order.emails.filter((e) => e.kind === 'delivery_done');

describe('shipping policy as_soon_as_possible', () => {
  it('the settings carry the policy (when_all_ready by default) and refuse an unknown one', async () => {
    expect((await api.operator('GET', '/api/settings')).body.shippingPolicy).toBe('when_all_ready');
    const refused = await api.operator('PATCH', '/api/settings', { shippingPolicy: 'whenever' });
    expect(refused.status).toBe(400);
    expect((await api.operator('GET', '/api/settings')).body.shippingPolicy).toBe('when_all_ready');
  });

  it('a backorder ships in two deliveries, stock right at each step, one done email after the last, returns count what was delivered', async () => {
    await withSettings(api, { shippingPolicy: 'as_soon_as_possible', deliverySteps: 'ship_only', deliveryDoneEmail: true }, async () => {
      const chair = await product(3);
      const lamp = await product(2);
      const order = await paidOrder([
        { sku: chair, quantity: 5 },
        { sku: lamp, quantity: 1 },
      ]);

      // What is there now goes in the first delivery, reserved; the rest waits in the backorder.
      const first = await deliveryWhen(order.first, 'ready');
      expect(first).not.toHaveProperty('backorderOf');
      const backorder = await deliveryWhen(order.backorder, 'waiting');
      expect(backorder.backorderOf).toBe(order.first);
      expect(await stockOf(chair)).toEqual({ onHand: 3, reserved: 3, available: 0 });
      expect(await stockOf(lamp)).toEqual({ onHand: 2, reserved: 1, available: 1 });
      const refused = await api.operator('POST', `/api/deliveries/${order.backorder}/validate`, {});
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('stock_not_reserved');
      await eventually(async () => {
        const detail = await orderOf(order.id);
        expect(detail.deliveryState).toBe('ready');
        expect(detail.deliveries.map((d: { id: string }) => d.id).sort()).toEqual([order.first, order.backorder].sort());
        expect(detail.timeline.map((e: { type: string }) => e.type)).toContain('backorder_created');
      });

      // The first delivery leaves in two parcels: its goods leave the stock, the backorder's do not.
      const shipped = await api.operator('POST', `/api/deliveries/${order.first}/validate`, {
        step: 'ship',
        parcels: [{ lines: [{ sku: chair, quantity: 3 }] }, { lines: [{ sku: lamp, quantity: 1 }] }],
      });
      expect(shipped.status).toBe(200);
      expect(shipped.body.state).toBe('done');
      expect(shipped.body.parcels).toHaveLength(2);
      const firstTracking = shipped.body.parcels.map((p: { trackingNumber: string }) => p.trackingNumber) as string[];
      expect(await stockOf(chair)).toEqual({ onHand: 0, reserved: 0, available: 0 });
      expect(await stockOf(lamp)).toEqual({ onHand: 1, reserved: 0, available: 1 });
      await eventually(async () => {
        const detail = await orderOf(order.id);
        expect(detail.deliveryState).toBe('in_progress');
        expect(detail.timeline.map((e: { type: string }) => e.type)).toContain('delivery_done');
      });
      // Part of it has left: no done email yet, no cancel, no return before the rest arrives.
      expect(doneEmailsOf(await orderOf(order.id))).toEqual([]);
      const cancel = await api.operator('POST', `/api/orders/${order.id}/cancel`, { reason: 'changed my mind' });
      expect(cancel.status).toBe(409);
      expect(cancel.body.error.code).toBe('order_not_cancellable');
      const early = await api.operator('POST', `/api/orders/${order.id}/returns`, { lines: [{ sku: chair, quantity: 1, reason: 'early' }] });
      expect(early.status).toBe(422);
      expect(early.body.error.code).toBe('order_not_delivered');
      expect(await stockOf(chair)).toEqual({ onHand: 0, reserved: 0, available: 0 });

      // Stock arrives: the backorder is served (the existing waking) and ships the rest.
      expect((await api.operator('PATCH', `/api/products/${chair}`, { onHand: 4 })).status).toBe(200);
      await deliveryWhen(order.backorder, 'ready');
      expect(await stockOf(chair)).toEqual({ onHand: 4, reserved: 2, available: 2 });
      const rest = await api.operator('POST', `/api/deliveries/${order.backorder}/validate`, { step: 'ship' });
      expect(rest.status).toBe(200);
      expect(rest.body.state).toBe('done');
      const restTracking = rest.body.trackingNumber as string;
      expect(await stockOf(chair)).toEqual({ onHand: 2, reserved: 0, available: 2 });
      expect(await stockOf(lamp)).toEqual({ onHand: 1, reserved: 0, available: 1 });

      await eventually(async () => {
        const detail = await orderOf(order.id);
        expect(detail.deliveryState).toBe('done');
        expect(doneEmailsOf(detail)).toHaveLength(1);
      }, 20_000);
      const detail = await orderOf(order.id);
      const email = (await api.operator('GET', `/api/emails/${doneEmailsOf(detail)[0]!.id}`)).body;
      for (const tracking of [...firstTracking, restTracking]) expect(email.text).toContain(tracking);

      // Returns count what the two deliveries took: five chairs, not six.
      const tooMany = await api.operator('POST', `/api/orders/${order.id}/returns`, { lines: [{ sku: chair, quantity: 6, reason: 'x' }] });
      expect(tooMany.status).toBe(422);
      expect(tooMany.body.error.code).toBe('return_exceeds_delivered');
      expect((await api.operator('POST', `/api/orders/${order.id}/returns`, { lines: [{ sku: chair, quantity: 5, reason: 'Wrong colour' }] })).status).toBe(201);

      // The closing note's example: one delivery with two parcels, as the API returns it.
      // A done delivery answers from the lists, its parcels with it (each shipped).
      const firstDone = (await api.operator('GET', `/api/deliveries/${order.first}`)).body;
      expect(firstDone.parcels.map((p: { trackingNumber: string; state: string }) => [p.trackingNumber, p.state])).toEqual(firstTracking.map((t) => [t, 'shipped']));
      const capture = process.env.CAPTURE_DELIVERY_JSON;
      if (capture) await writeFile(capture, `${JSON.stringify(firstDone, null, 2)}\n`);
    });
  });

  it('a waiting backorder keeps its place in line: stock that arrives serves it before a later order', async () => {
    await withSettings(api, { shippingPolicy: 'as_soon_as_possible', deliverySteps: 'ship_only' }, async () => {
      const chair = await product(1);
      const lamp = await product(5);
      const early = await paidOrder([
        { sku: chair, quantity: 2 },
        { sku: lamp, quantity: 1 },
      ]);
      await deliveryWhen(early.first, 'ready');
      await deliveryWhen(early.backorder, 'waiting');
      // Nothing of the chair is there for the later order: one delivery, waiting for everything; no backorder.
      const later = await paidOrder([{ sku: chair, quantity: 1 }], 'later@example.com');
      await deliveryWhen(later.first, 'waiting');
      expect((await api.operator('GET', `/api/deliveries/${later.backorder}`)).status).toBe(404);
      expect(await stockOf(chair)).toEqual({ onHand: 1, reserved: 1, available: 0 });

      // One more chair: the earlier order's backorder gets it, the later order still waits.
      expect((await api.operator('PATCH', `/api/products/${chair}`, { onHand: 2 })).status).toBe(200);
      await deliveryWhen(early.backorder, 'ready');
      expect((await api.operator('GET', `/api/deliveries/${later.first}`)).body.state).toBe('waiting');
      expect(await stockOf(chair)).toEqual({ onHand: 2, reserved: 2, available: 0 });
      expect((await api.operator('PATCH', `/api/products/${chair}`, { onHand: 3 })).status).toBe(200);
      await deliveryWhen(later.first, 'ready');
      expect(await stockOf(chair)).toEqual({ onHand: 3, reserved: 3, available: 0 });
    });
  });

  it('cancelling an order before anything left cancels both deliveries and releases all its stock', async () => {
    await withSettings(api, { shippingPolicy: 'as_soon_as_possible', deliverySteps: 'ship_only' }, async () => {
      const chair = await product(1);
      const order = await paidOrder([{ sku: chair, quantity: 3 }]);
      await deliveryWhen(order.first, 'ready');
      await deliveryWhen(order.backorder, 'waiting');
      const cancelled = await api.operator('POST', `/api/orders/${order.id}/cancel`, { reason: 'out of patience' });
      expect(cancelled.status).toBe(200);
      await deliveryWhen(order.first, 'cancel');
      await deliveryWhen(order.backorder, 'cancel');
      expect(await stockOf(chair)).toEqual({ onHand: 1, reserved: 0, available: 1 });
      await eventually(async () => expect((await orderOf(order.id)).deliveryState).toBe('cancel'));
    });
  });

  it('when_all_ready (the default): one delivery waits for everything, no backorder', async () => {
    const chair = await product(1);
    const order = await paidOrder([{ sku: chair, quantity: 2 }]);
    await deliveryWhen(order.first, 'waiting');
    expect((await api.operator('GET', `/api/deliveries/${order.backorder}`)).status).toBe(404);
    expect(await stockOf(chair)).toEqual({ onHand: 1, reserved: 0, available: 1 });
  });
});

describe.runIf(browserTestsRun)("the console's deliveries page, in Chromium", () => {
  it('shows the first delivery, ready, and its backorder, waiting for stock, each in its own card', async () => {
    const browser = await launchBrowser();
    try {
      await withSettings(api, { shippingPolicy: 'as_soon_as_possible', deliverySteps: 'ship_only' }, async () => {
        const chair = await product(1);
        const order = await paidOrder([{ sku: chair, quantity: 2 }], 'console@example.com');
        await deliveryWhen(order.first, 'ready');
        const number = (await deliveryWhen(order.backorder, 'waiting')).orderNumber as string;
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(`${api.baseUrl}/console/deliveries`);
        await page.getByLabel('Operator token').fill(OPERATOR);
        await page.getByRole('button', { name: 'Sign in' }).click();
        const first = page.getByRole('article', { name: `Delivery ${number}` });
        const backorder = page.getByRole('article', { name: `Backorder ${number}` });
        await eventually(async () => {
          await page.reload();
          await first.getByRole('button', { name: 'Validate ship' }).waitFor({ timeout: 1000 });
          await backorder.getByText('Backorder: the rest of this order, shipped when the stock arrives.').waitFor({ timeout: 1000 });
        }, 20_000);
        expect(await backorder.getByText('Waiting for stock: validate once the goods are reserved.').count()).toBe(1);
        expect(await backorder.getByRole('button', { name: 'Validate ship' }).count()).toBe(0);
      });
    } finally {
      await browser.close();
    }
  });

  it('the settings page switches the shipping policy, by clicking', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${api.baseUrl}/console/settings`);
      await page.getByLabel('Operator token').fill(OPERATOR);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const form = page.getByRole('form', { name: 'Delivery and returns', exact: true });
      const policy = form.getByLabel('Shipping policy');
      await expect(policy.inputValue()).resolves.toBe('when_all_ready');
      await policy.selectOption('as_soon_as_possible');
      await form.getByRole('button', { name: 'Save delivery and returns' }).click();
      await page.locator('#notice').getByText('Delivery and returns saved.').waitFor();
      expect((await api.operator('GET', '/api/settings')).body.shippingPolicy).toBe('as_soon_as_possible');
      // Drawn again from the saved settings, then back to the default.
      await page.reload();
      const again = page.getByRole('form', { name: 'Delivery and returns', exact: true });
      await expect(again.getByLabel('Shipping policy').inputValue()).resolves.toBe('as_soon_as_possible');
      await again.getByLabel('Shipping policy').selectOption('when_all_ready');
      await again.getByRole('button', { name: 'Save delivery and returns' }).click();
      await page.locator('#notice').getByText('Delivery and returns saved.').waitFor();
      expect((await api.operator('GET', '/api/settings')).body.shippingPolicy).toBe('when_all_ready');
    } finally {
      await browser.close();
    }
  });
});
