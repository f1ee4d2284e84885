/**
 * Deliveries through the API, on a real Temporal server: every step layout,
 * the label read back from its PDF, stock in and out, waiting for stock,
 * wire transfers, cancellation, and many orders racing for few units.
 */
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityRuns } from './support/activities-in-history.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createStockActivities } from '../activities/stock.js';
import { updateProduct } from '../db/products.js';
import { allocateWaiting, reservationStatus } from '../db/stock.js';
import { deliveryIdOf } from '../domain/delivery.js';
import { deliveryWorkflowId, stockReservedSignal } from '../workflows/delivery-contract.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { startApi, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';
import { withSettings } from './support/settings.js';
import { decodedJson } from './support/payload-key.js';

let api: ApiHarness;
let skuCounter = 0;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api?.close();
});

async function product(onHand: number, extra: Record<string, unknown> = {}) {
  const sku = `DLV-${++skuCounter}-${Date.now()}`;
  const r = await api.operator('POST', '/api/products', { sku, name: `Lamp ${skuCounter}`, price: 2000, type: 'storable', onHand, weightGrams: 500, ...extra });
  expect(r.status).toBe(201);
  return sku;
}

async function stockOf(sku: string) {
  const r = await api.storefront('GET', '/api/products');
  return r.body.items.find((p: { sku: string }) => p.sku === sku) as { onHand: number; reserved: number; available: number };
}

const ADDRESS = { line1: '8 Baker Street', city: 'London', postalCode: 'NW1 6XE', country: 'GB' };

/** A card order for `quantity` of `sku`, paid by the provider's webhook. */
async function paidOrder(sku: string, quantity = 1, email = 'buyer@example.com') {
  const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku, quantity }] });
  await api.storefront('PUT', `/api/carts/${cart.body.id}/contact`, { email, name: 'Bea Buyer', shippingAddress: ADDRESS });
  const checkout = await api.storefront('POST', `/api/carts/${cart.body.id}/checkout`, { paymentMethod: 'card' });
  const { reference, amount } = checkout.body.payment;
  const hook = await api.webhook({ id: `evt_${cart.body.id}`, type: 'payment.succeeded', data: { reference, amount, currency: 'EUR' } });
  expect(hook.status).toBe(200);
  return { id: cart.body.id as string, number: cart.body.number as string, deliveryId: deliveryIdOf(cart.body.id) };
}

async function deliveryWhen(deliveryId: string, state: string) {
  let delivery: any;
  await eventually(async () => {
    const r = await api.operator('GET', `/api/deliveries/${deliveryId}`);
    expect(r.status).toBe(200);
    expect(r.body.state).toBe(state);
    delivery = r.body;
  }, 15_000);
  return delivery;
}

async function labelText(deliveryId: string): Promise<{ text: string; contentType: string | null }> {
  const response = await fetch(`${api.baseUrl}/api/deliveries/${deliveryId}/label`, { headers: { authorization: `Bearer ${(api.config.tokens.operator)}` } });
  expect(response.status).toBe(200);
  const bytes = new Uint8Array(await response.arrayBuffer());
  expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
  const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true });
  return { text, contentType: response.headers.get('content-type') };
}

describe('each step layout, end to end', () => {
  it('ship_only: one step; the label is printed at ship; stock leaves; one delivery_done email with the tracking number', async () => {
    await withSettings(api, { deliverySteps: 'ship_only' }, async () => {
      const sku = await product(5);
      const order = await paidOrder(sku, 2, 'ship-only@example.com');
      const ready = await deliveryWhen(order.deliveryId, 'ready');
      expect(ready.steps).toEqual([{ name: 'ship', state: 'ready' }]);
      expect(await stockOf(sku)).toMatchObject({ onHand: 5, reserved: 2, available: 3 });
      await eventually(async () => {
        const todo = await api.operator('GET', '/api/deliveries?state=ready');
        expect(todo.body.items.map((d: { id: string }) => d.id)).toContain(order.deliveryId);
      });

      const shipped = await api.operator('POST', `/api/deliveries/${order.deliveryId}/validate`, {});
      expect(shipped.status).toBe(200);
      expect(shipped.body).toMatchObject({ state: 'done', steps: [{ name: 'ship', state: 'done' }], carrier: 'demo_post' });
      const tracking = shipped.body.trackingNumber as string;
      expect(tracking).toMatch(/^DP\d{12}FR$/);
      expect(shipped.body.labelUrl).toContain(`/api/deliveries/${order.deliveryId}/label`);
      expect(await stockOf(sku)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });

      const label = await labelText(order.deliveryId);
      expect(label.contentType).toBe('application/pdf');
      expect(label.text).toContain(tracking);
      expect(label.text).toContain(order.number);
      expect(label.text).toContain('Bea Buyer');
      expect(label.text).toContain('Weight 1.00 kg');

      await eventually(async () => {
        const detail = (await api.operator('GET', `/api/orders/${order.id}`)).body;
        expect(detail.deliveryState).toBe('done');
        expect(detail.deliveries).toMatchObject([{ id: order.deliveryId, state: 'done', trackingNumber: tracking }]);
        const doneEmails = detail.emails.filter((e: { kind: string }) => e.kind === 'delivery_done');
        expect(doneEmails).toHaveLength(1);
        const email = (await api.operator('GET', `/api/emails/${doneEmails[0].id}`)).body;
        expect(email.text).toContain(tracking);
      });
    });
  });

  it('pick_ship: pick, then ship with the label', async () => {
    await withSettings(api, { deliverySteps: 'pick_ship' }, async () => {
      const sku = await product(3);
      const order = await paidOrder(sku);
      const ready = await deliveryWhen(order.deliveryId, 'ready');
      expect(ready.steps).toEqual([
        { name: 'pick', state: 'ready' },
        { name: 'ship', state: 'waiting' },
      ]);
      const picked = await api.operator('POST', `/api/deliveries/${order.deliveryId}/validate`, { step: 'pick' });
      expect(picked.body).toMatchObject({ state: 'in_progress', steps: [{ name: 'pick', state: 'done' }, { name: 'ship', state: 'ready' }] });
      expect(picked.body.trackingNumber).toBeUndefined();
      expect((await api.operator('GET', `/api/deliveries/${order.deliveryId}/label`)).status).toBe(404);
      const shipped = await api.operator('POST', `/api/deliveries/${order.deliveryId}/validate`, { step: 'ship' });
      expect(shipped.body.state).toBe('done');
      expect((await labelText(order.deliveryId)).text).toContain(shipped.body.trackingNumber);
    });
  });

  it('pick_pack_ship: the label is printed at pack; validating a step twice has no second effect', async () => {
    await withSettings(api, { deliverySteps: 'pick_pack_ship' }, async () => {
      const sku = await product(3);
      const order = await paidOrder(sku, 1);
      await deliveryWhen(order.deliveryId, 'ready');
      await api.operator('POST', `/api/deliveries/${order.deliveryId}/validate`, { step: 'pick' });
      const again = await api.operator('POST', `/api/deliveries/${order.deliveryId}/validate`, { step: 'pick' });
      expect(again.status).toBe(200);
      expect(again.body.steps.map((s: { state: string }) => s.state)).toEqual(['done', 'ready', 'waiting']);
      const outOfOrder = await api.operator('POST', `/api/deliveries/${order.deliveryId}/validate`, { step: 'ship' });
      expect(outOfOrder.status).toBe(409);
      expect(outOfOrder.body.error.code).toBe('step_out_of_order');

      const packed = await api.operator('POST', `/api/deliveries/${order.deliveryId}/validate`, { step: 'pack' });
      expect(packed.body.trackingNumber).toMatch(/^DP/);
      expect((await labelText(order.deliveryId)).text).toContain(packed.body.trackingNumber);
      expect(await stockOf(sku)).toMatchObject({ onHand: 3, reserved: 1 });
      const shipped = await api.operator('POST', `/api/deliveries/${order.deliveryId}/validate`, { step: 'ship' });
      expect(shipped.body.state).toBe('done');
      expect(shipped.body.trackingNumber).toBe(packed.body.trackingNumber);
      const twice = await api.operator('POST', `/api/deliveries/${order.deliveryId}/validate`, { step: 'ship' });
      expect(twice.status).toBe(200);
      expect(await stockOf(sku)).toMatchObject({ onHand: 2, reserved: 0 });
      const closed = await api.operator('POST', `/api/deliveries/${order.deliveryId}/validate`, {});
      expect(closed.status).toBe(409);
      expect(closed.body.error.code).toBe('delivery_closed');

      await eventually(async () => {
        const timeline: string[] = (await api.operator('GET', `/api/orders/${order.id}`)).body.timeline.map((e: { message: string }) => e.message);
        expect(timeline).toEqual(expect.arrayContaining(['Delivery step pick done', expect.stringMatching(/^Delivery step pack done, label printed/), expect.stringMatching(/^Delivered to the carrier/)]));
      });
    });
  });
});

describe('reservation', () => {
  it('a wire-transfer order reserves nothing until an operator confirms it', async () => {
    const sku = await product(4);
    const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku, quantity: 3 }], customer: { email: 'wire@example.com', loggedIn: true } });
    expect((await api.storefront('POST', `/api/carts/${cart.body.id}/checkout`, { paymentMethod: 'wire_transfer' })).status).toBe(200);
    // The checkout is projected once the workflow's main loop has run after it: the point where a delivery
    // (and its reservation) would have been started. The history shows none was.
    await eventually(async () => {
      const unpaid = await api.operator('GET', '/api/orders?state=sent');
      expect(unpaid.body.items.map((o: { id: string }) => o.id)).toContain(cart.body.id);
    });
    const history = await api.temporal.client.workflow.getHandle(orderWorkflowId(cart.body.id)).fetchHistory();
    const started = (history.events ?? []).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length;
    const planned = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'planDelivery').length;
    expect({ started, planned }).toEqual({ started: 0, planned: 0 });
    expect(await stockOf(sku)).toMatchObject({ reserved: 0, available: 4 });
    expect((await api.operator('GET', `/api/deliveries/${deliveryIdOf(cart.body.id)}`)).status).toBe(404);
    await api.operator('POST', `/api/orders/${cart.body.id}/confirm`, {});
    await deliveryWhen(deliveryIdOf(cart.body.id), 'ready');
    expect(await stockOf(sku)).toMatchObject({ reserved: 3, available: 1 });
  });

  it('when stock is short the delivery waits, refuses validation, and is served as soon as stock is added', async () => {
    const sku = await product(1);
    const first = await paidOrder(sku);
    const second = await paidOrder(sku);
    await deliveryWhen(first.deliveryId, 'ready');
    await deliveryWhen(second.deliveryId, 'waiting');
    const refused = await api.operator('POST', `/api/deliveries/${second.deliveryId}/validate`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('stock_not_reserved');
    await eventually(async () => expect((await api.operator('GET', `/api/orders/${second.id}`)).body.deliveryState).toBe('waiting'));

    await api.operator('PATCH', `/api/products/${sku}`, { onHand: 2 });
    await deliveryWhen(second.deliveryId, 'ready');
    expect(await stockOf(sku)).toMatchObject({ onHand: 2, reserved: 2, available: 0 });
  });

  it('the waking activity wakes the deliveries it names at once, and a delivery that is gone is no error', async () => {
    const sku = await product(0);
    const order = await paidOrder(sku);
    await eventually(async () => expect(await reservationStatus(api.database.db, order.id)).toBe('waiting'));
    // Stock reserved behind the API's back: only the waking (or the 10-minute recheck) tells the delivery.
    await updateProduct(api.database.db, sku, { onHand: 1 });
    expect(await allocateWaiting(api.database.db)).toEqual([order.id]);
    const activities = createStockActivities();
    await new MockActivityEnvironment(undefined, { client: api.temporal.client }).run(activities.wakeDeliveriesWaitingForStock, [
      'ord_no_such_order',
      order.id,
    ]);
    await deliveryWhen(order.deliveryId, 'ready');
  });

  it('cancelling a confirmed order releases its stock to the next order in line; a delivered order cannot be cancelled', async () => {
    const sku = await product(1);
    const first = await paidOrder(sku);
    const second = await paidOrder(sku);
    await deliveryWhen(first.deliveryId, 'ready');
    await deliveryWhen(second.deliveryId, 'waiting');
    const cancelled = await api.operator('POST', `/api/orders/${first.id}/cancel`, { reason: 'out of our hands' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ state: 'cancel', deliveryState: 'cancel' });
    await deliveryWhen(first.deliveryId, 'cancel');
    await deliveryWhen(second.deliveryId, 'ready');
    expect(await stockOf(sku)).toMatchObject({ onHand: 1, reserved: 1 });

    await api.operator('POST', `/api/deliveries/${second.deliveryId}/validate`, {});
    await eventually(async () => expect((await api.operator('GET', `/api/orders/${second.id}`)).body.deliveryState).toBe('done'));
    const late = await api.operator('POST', `/api/orders/${second.id}/cancel`, {});
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('order_not_cancellable');
  });
});

describe('many orders, few units', () => {
  it('fifty orders paid at once for ten units: exactly ten reserved, forty waiting, all served when stock arrives', async () => {
    const sku = await product(10);
    const carts = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku, quantity: 1 }], customer: { email: `race${i}@example.com`, loggedIn: true } });
        const checkout = await api.storefront('POST', `/api/carts/${cart.body.id}/checkout`, { paymentMethod: 'card' });
        return { id: cart.body.id as string, payment: checkout.body.payment };
      }),
    );
    const started = performance.now();
    const hooks = await Promise.all(
      carts.map((c) => api.webhook({ id: `evt_race_${c.id}`, type: 'payment.succeeded', data: { reference: c.payment.reference, amount: c.payment.amount, currency: 'EUR' } })),
    );
    expect(hooks.every((h) => h.status === 200)).toBe(true);
    const states = async () => {
      const all = await Promise.all(carts.map((c) => api.operator('GET', `/api/deliveries/${deliveryIdOf(c.id)}`)));
      return all.map((r) => r.body.state as string);
    };
    await eventually(async () => {
      const s = await states();
      expect(s.filter((x) => x === 'ready')).toHaveLength(10);
      expect(s.filter((x) => x === 'waiting')).toHaveLength(40);
    }, 60_000, 200);
    console.log(`50 simultaneous paid orders for 10 units: 10 ready, 40 waiting after ${(performance.now() - started).toFixed(0)} ms`);
    expect(await stockOf(sku)).toMatchObject({ onHand: 10, reserved: 10, available: 0 });

    await api.operator('PATCH', `/api/products/${sku}`, { onHand: 50 });
    await eventually(async () => expect((await states()).every((x) => x === 'ready')).toBe(true), 60_000, 200);
    expect(await stockOf(sku)).toMatchObject({ onHand: 50, reserved: 50, available: 0 });
  }, 180_000); // fifty workflows and their deliveries on 2 cores shared with the suite
});

describe('a backorder waiting for weeks', () => {

  it('continues as new while it waits, carrying the delivery, and is served in its new run', async () => {
    const sku = await product(0);
    const order = await paidOrder(sku);
    await deliveryWhen(order.deliveryId, 'waiting');
    const { client } = api.temporal;
    const handle = client.workflow.getHandle(deliveryWorkflowId(order.deliveryId));
    const firstRunId = (await handle.describe()).runId;
    const firstRun = async () => (await client.workflow.getHandle(deliveryWorkflowId(order.deliveryId), firstRunId).fetchHistory()).events ?? [];

    // Each stock signal makes the delivery look at its reservation again, as its 10-minute timer does;
    // the dev server suggests continuing as new after 150 events.
    let looks = 0;
    for (;;) {
      const before = await firstRun();
      if (before.at(-1)?.workflowExecutionContinuedAsNewEventAttributes) break;
      expect(looks).toBeLessThan(60);
      await handle.signal(stockReservedSignal);
      looks += 1;
      await eventually(async () => {
        const after = await firstRun();
        expect(activityRuns(after, 'reservationStatus') > activityRuns(before, 'reservationStatus') || Boolean(after.at(-1)?.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
      });
    }
    const ended = await firstRun();
    const carriedInput = await decodedJson(ended.at(-1)!.workflowExecutionContinuedAsNewEventAttributes!.input!.payloads![0]!);
    expect(carriedInput.carried).toMatchObject({ delivery: { id: order.deliveryId, state: 'waiting' } });
    // Its order requested the stock once, before starting it (the delivery only looks at the reservation).
    expect(activityRuns(ended, 'requestStock')).toBe(0);
    expect(activityRuns((await client.workflow.getHandle(orderWorkflowId(order.id)).fetchHistory()).events ?? [], 'requestStock')).toBe(1);
    expect(looks).toBeGreaterThan(10);

    // The new run waits on: it asks for no stock again, and is served when stock arrives.
    expect((await handle.describe()).runId).not.toBe(firstRunId);
    await deliveryWhen(order.deliveryId, 'waiting');
    await api.operator('PATCH', `/api/products/${sku}`, { onHand: 1 });
    await deliveryWhen(order.deliveryId, 'ready');
    expect(activityRuns((await handle.fetchHistory()).events ?? [], 'requestStock')).toBe(0);
    const shipped = await api.operator('POST', `/api/deliveries/${order.deliveryId}/validate`, {});
    expect(shipped.status).toBe(200);
    await eventually(async () => expect((await api.operator('GET', `/api/orders/${order.id}`)).body.deliveryState).toBe('done'));
    expect(await stockOf(sku)).toMatchObject({ onHand: 0, reserved: 0 });
  }, 60_000);
});
