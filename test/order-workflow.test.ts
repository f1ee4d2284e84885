/**
 * The order workflow on a real Temporal server, driven through its messages
 * (the same gateway the API uses), with the real activities and database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as orders from '../api/orders.js';
import type { TemporalGateway } from '../api/temporal-gateway.js';
import type { Database } from '../db/index.js';
import { getOrderSummary, getTimeline } from '../db/orders.js';
import { DomainError } from '../domain/errors.js';
import type { Order } from '../domain/order.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { createTestDatabase } from './support/database.js';
import { eventually } from './support/eventually.js';
import { startTemporal, type TemporalHarness } from './support/temporal.js';

let database: Database;
let temporal: TemporalHarness;
let gateway: TemporalGateway;

beforeAll(async () => {
  database = await createTestDatabase();
  temporal = await startTemporal(database.db);
  gateway = { client: temporal.client, taskQueue: temporal.taskQueue, db: database.db };
});

afterAll(async () => {
  await temporal?.close();
  await database?.close();
});

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

/** History length once the projection has caught up with the order (nothing left in flight). */
async function historyEventCount(orderId: string): Promise<number> {
  const order = await orders.getOrder(gateway, orderId);
  await eventually(async () => expect((await getOrderSummary(database.db, orderId))?.version ?? 0).toBeGreaterThanOrEqual(order.version));
  await eventually(async () => {
    const { raw } = await temporal.client.workflow.getHandle(orderWorkflowId(orderId)).describe();
    expect(raw.pendingActivities ?? []).toHaveLength(0);
    expect(raw.pendingWorkflowTask ?? null).toBeNull();
  });
  const history = await temporal.client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
  return history.events?.length ?? 0;
}

async function cartWithContact(method?: 'card' | 'wire_transfer' | 'pay_in_store'): Promise<Order> {
  const cart = await orders.openCart(gateway, { lines: [{ sku: 'MUG-BLUE', quantity: 2 }] });
  await orders.setContact(gateway, cart.id, { email: 'ada@example.com', name: 'Ada' });
  if (method) await orders.checkout(gateway, cart.id, method);
  return orders.getOrder(gateway, cart.id);
}

describe('a cart becomes a quotation, then a quotation sent, then a sales order', () => {
  it('creates a quotation stamped with the sales team when the first product is added', async () => {
    const cart = await orders.openCart(gateway, { lines: [{ sku: 'MUG-BLUE', quantity: 2 }] });
    expect(cart).toMatchObject({ state: 'draft', paymentState: 'not_paid', deliveryState: 'none', total: 2580, salesTeam: 'Website' });
    expect(cart.number).toMatch(/^S\d{5}$/);
    await eventually(async () => expect(await getOrderSummary(database.db, cart.id)).toMatchObject({ state: 'draft', total: 2580 }));
  });

  it('adds to an existing line, changes and removes lines, and keeps the total right', async () => {
    const cart = await orders.openCart(gateway, {});
    expect(cart.lines).toEqual([]);
    await orders.addLine(gateway, cart.id, { sku: 'TEE-M', quantity: 1 });
    let order = await orders.addLine(gateway, cart.id, { sku: 'TEE-M', quantity: 2 });
    expect(order.lines).toMatchObject([{ sku: 'TEE-M', quantity: 3, unitPrice: 2490, subtotal: 7470 }]);
    order = await orders.addLine(gateway, cart.id, { sku: 'GIFT-WRAP', quantity: 1 });
    order = await orders.setLineQuantity(gateway, cart.id, 'TEE-M', 1);
    expect(order.total).toBe(2490 + 350);
    order = await orders.setLineQuantity(gateway, cart.id, 'GIFT-WRAP', 0);
    expect(order.lines.map((l) => l.sku)).toEqual(['TEE-M']);
    order = await orders.removeLine(gateway, cart.id, 'TEE-M');
    expect(order.lines).toEqual([]);
    expect(order.total).toBe(0);
  });

  it('a card order: checkout opens the payment (still a quotation), going through payment sends it, the payment confirms it as a sales order', async () => {
    const cart = await cartWithContact();
    const { order, payment } = await orders.checkout(gateway, cart.id, 'card');
    expect(order).toMatchObject({ state: 'draft', paymentState: 'not_paid', paymentMethod: 'card' });
    expect(payment).toMatchObject({ method: 'card', amount: 2580, currency: 'EUR' });

    const again = await orders.checkout(gateway, cart.id, 'card');
    expect(again.payment.reference).toBe(payment.reference);

    await orders.forwardPaymentEvent(gateway, cart.id, { eventId: 'evt_0', type: 'payment.pending', reference: payment.reference, amount: 2580, currency: 'EUR' });
    await eventually(async () => expect(await orders.getOrder(gateway, cart.id)).toMatchObject({ state: 'sent', paymentState: 'pending' }));

    await orders.forwardPaymentEvent(gateway, cart.id, {
      eventId: 'evt_1',
      type: 'payment.succeeded',
      reference: payment.reference,
      amount: 2580,
      currency: 'EUR',
    });
    await eventually(async () => expect(await orders.getOrder(gateway, cart.id)).toMatchObject({ state: 'sale', paymentState: 'paid' }));
    await eventually(async () => expect(await getOrderSummary(database.db, cart.id)).toMatchObject({ state: 'sale', paymentState: 'paid' }));
    await eventually(async () => {
      const timeline = await getTimeline(database.db, cart.id);
      const types = timeline.map((e) => e.type);
      expect(types.slice(0, 5)).toEqual(['quotation_created', 'contact_set', 'payment_opened', 'quotation_sent', 'payment_received']);
      expect(types).toEqual(expect.arrayContaining(['email_sent', 'delivery_created', 'delivery_reserved']));
    });
  });

  it('a duplicate payment event has no further effect', async () => {
    const cart = await cartWithContact('card');
    const reference = cart.payments[0]!.reference;
    const event = { eventId: 'evt_dup', type: 'payment.succeeded' as const, reference, amount: 2580, currency: 'EUR' };
    await orders.forwardPaymentEvent(gateway, cart.id, event);
    await orders.forwardPaymentEvent(gateway, cart.id, event);
    await eventually(async () => expect((await orders.getOrder(gateway, cart.id)).state).toBe('sale'));
    const order = await orders.getOrder(gateway, cart.id);
    await eventually(async () => expect((await getOrderSummary(database.db, cart.id))?.version ?? 0).toBeGreaterThanOrEqual(order.version));
    const timeline = await getTimeline(database.db, cart.id);
    expect(timeline.filter((e) => e.type === 'payment_received')).toHaveLength(1);
  });

  it('a payment for the wrong amount is recorded and does not confirm the order', async () => {
    const cart = await cartWithContact('card');
    const reference = cart.payments[0]!.reference;
    await orders.forwardPaymentEvent(gateway, cart.id, { eventId: 'evt_short', type: 'payment.succeeded', reference, amount: 100, currency: 'EUR' });
    await eventually(async () => {
      const timeline = await getTimeline(database.db, cart.id);
      expect(timeline.at(-1)?.type).toBe('payment_amount_mismatch');
    });
    expect(await orders.getOrder(gateway, cart.id)).toMatchObject({ state: 'draft', paymentState: 'not_paid' });
  });

  it('a failed payment gives the cart back: editable, and checked out again (another way)', async () => {
    const cart = await cartWithContact('card');
    const reference = cart.payments[0]!.reference;
    await orders.forwardPaymentEvent(gateway, cart.id, { eventId: 'evt_pend', type: 'payment.pending', reference, amount: 2580, currency: 'EUR' });
    await eventually(async () => expect((await orders.getOrder(gateway, cart.id)).state).toBe('sent'));
    await orders.forwardPaymentEvent(gateway, cart.id, { eventId: 'evt_fail', type: 'payment.failed', reference, amount: 2580, currency: 'EUR' });
    await eventually(async () => expect(await orders.getOrder(gateway, cart.id)).toMatchObject({ state: 'draft', paymentState: 'not_paid' }));
    const edited = await orders.addLine(gateway, cart.id, { sku: 'MUG-BLUE', quantity: 1 });
    expect(edited.total).toBeGreaterThan(2580);
    const { order, payment } = await orders.checkout(gateway, cart.id, 'wire_transfer');
    expect(payment.reference).not.toBe(reference);
    expect(payment.instructions).toContain(order.number);
    expect(order).toMatchObject({ state: 'sent', paymentState: 'pending', paymentMethod: 'wire_transfer' });
  });
});

describe('wire transfer and pay in store wait for an operator', () => {
  it.each(['wire_transfer', 'pay_in_store'] as const)('a %s order stays sent until confirmed by hand', async (method) => {
    const cart = await cartWithContact(method);
    expect(cart).toMatchObject({ state: 'sent', paymentState: 'pending', paymentMethod: method });
    expect(cart.payments[0]?.instructions).toBeTruthy();
    const confirmed = await orders.confirm(gateway, cart.id, { by: 'operator', paymentReceived: method === 'wire_transfer' });
    expect(confirmed).toMatchObject({ state: 'sale', paymentState: method === 'wire_transfer' ? 'paid' : 'pending' });
  });

  it('a card order cannot be confirmed by hand', async () => {
    const cart = await cartWithContact('card');
    const error = await rejection(orders.confirm(gateway, cart.id, {}));
    expect(error.code).toBe('order_not_confirmable');
  });
});

describe('rejected updates change nothing and never reach the history', () => {
  it('checkout of an empty cart, or without a contact email, is refused', async () => {
    const empty = await orders.openCart(gateway, {});
    expect((await rejection(orders.checkout(gateway, empty.id, 'card'))).code).toBe('empty_cart');
    const noContact = await orders.openCart(gateway, { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    const before = await historyEventCount(noContact.id);
    expect((await rejection(orders.checkout(gateway, noContact.id, 'card'))).code).toBe('contact_required');
    expect(await historyEventCount(noContact.id)).toBe(before);
    expect((await orders.getOrder(gateway, noContact.id)).state).toBe('draft');
  });

  it('a logged-in customer with an email needs no separate contact', async () => {
    const cart = await orders.openCart(gateway, { lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: 'bob@example.com', loggedIn: true } });
    const { order } = await orders.checkout(gateway, cart.id, 'card');
    expect(order).toMatchObject({ state: 'draft', paymentMethod: 'card' });
    expect(order.payments).toHaveLength(1);
  });

  it('lines cannot change once the quotation is sent', async () => {
    const cart = await cartWithContact('wire_transfer');
    const before = await historyEventCount(cart.id);
    expect((await rejection(orders.addLine(gateway, cart.id, { sku: 'TEE-M', quantity: 1 }))).code).toBe('cart_not_editable');
    expect((await rejection(orders.setLineQuantity(gateway, cart.id, 'MUG-BLUE', 5))).code).toBe('cart_not_editable');
    expect(await historyEventCount(cart.id)).toBe(before);
  });

  it('unknown products, bad quantities and unknown lines are refused', async () => {
    const cart = await orders.openCart(gateway, { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    expect((await rejection(orders.addLine(gateway, cart.id, { sku: 'NOPE', quantity: 1 }))).code).toBe('unknown_product');
    expect((await rejection(orders.addLine(gateway, cart.id, { sku: 'TEE-M', quantity: 0 }))).code).toBe('quantity_out_of_range');
    expect((await rejection(orders.setLineQuantity(gateway, cart.id, 'TEE-M', 2))).code).toBe('line_not_found');
    expect((await rejection(orders.openCart(gateway, { lines: [{ sku: 'NOPE', quantity: 1 }] }))).code).toBe('unknown_product');
    expect((await orders.getOrder(gateway, cart.id)).lines).toHaveLength(1);
  });

  it('an unknown order is not found', async () => {
    expect((await rejection(orders.getOrder(gateway, 'ord_missing'))).code).toBe('order_not_found');
    expect((await rejection(orders.setLineQuantity(gateway, 'ord_missing', 'MUG-BLUE', 1))).code).toBe('order_not_found');
  });
});

describe('cancellation', () => {
  it('cancels a quotation sent, closes the run, and refuses later changes with a conflict', async () => {
    const cart = await cartWithContact('wire_transfer');
    const cancelled = await orders.cancel(gateway, cart.id, { reason: 'customer changed their mind' });
    expect(cancelled).toMatchObject({ state: 'cancel', paymentState: 'not_paid' });
    const handle = temporal.client.workflow.getHandle(orderWorkflowId(cart.id));
    await handle.result();
    await eventually(async () => expect((await getOrderSummary(database.db, cart.id))?.state).toBe('cancel'));
    expect((await rejection(orders.confirm(gateway, cart.id, {}))).code).toBe('cart_not_editable');
    expect((await orders.getOrder(gateway, cart.id)).state).toBe('cancel');
  });
});

describe('search attributes follow the order', () => {
  it('an operator finds the run by OrderState and CustomerEmail', async () => {
    const cart = await cartWithContact('wire_transfer');
    const workflowId = orderWorkflowId(cart.id);
    await eventually(async () => {
      const description = await temporal.client.workflow.getHandle(workflowId).describe();
      const attributes = Object.fromEntries(description.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
      expect(attributes).toMatchObject({ OrderState: 'sent', PaymentState: 'pending', CustomerEmail: 'ada@example.com', OrderNumber: cart.number });
    });
    await eventually(async () => {
      const found: string[] = [];
      for await (const run of temporal.client.workflow.list({ query: `OrderState="sent" AND CustomerEmail="ada@example.com" AND WorkflowId="${workflowId}"` })) {
        found.push(run.workflowId);
      }
      expect(found).toEqual([workflowId]);
    }, 15_000);
  });
});

describe('long-lived carts', () => {
  it('continue as new when Temporal suggests it, without losing a change made meanwhile', async () => {
    const cart = await orders.openCart(gateway, { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    const handle = temporal.client.workflow.getHandle(orderWorkflowId(cart.id));
    const firstRunId = (await handle.describe()).runId;
    const edits = 100;
    for (let batch = 0; batch < edits; batch += 10) {
      await Promise.all(Array.from({ length: 10 }, () => orders.addLine(gateway, cart.id, { sku: 'MUG-BLUE', quantity: 1 })));
    }
    const order = await orders.getOrder(gateway, cart.id);
    expect(order.lines[0]?.quantity).toBe(1 + edits);
    expect(order.version).toBe(1 + edits);

    await eventually(async () => {
      const firstRun = await temporal.client.workflow.getHandle(orderWorkflowId(cart.id), firstRunId).fetchHistory();
      expect(firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    });
    expect((await handle.describe()).runId).not.toBe(firstRunId);

    // And the cart still works in its new run.
    await orders.setContact(gateway, cart.id, { email: 'long@example.com' });
    const { order: sent } = await orders.checkout(gateway, cart.id, 'wire_transfer');
    expect(sent).toMatchObject({ state: 'sent', total: (1 + edits) * 1290 });

    // The projection and the timeline went on across runs: every edit once, in order.
    await eventually(async () => expect((await getOrderSummary(database.db, cart.id))?.version ?? 0).toBeGreaterThanOrEqual(sent.version));
    const timeline = await getTimeline(database.db, cart.id);
    expect(timeline.filter((e) => e.type === 'line_added')).toHaveLength(edits);
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
  });
});
