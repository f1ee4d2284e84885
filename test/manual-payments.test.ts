/**
 * Money recorded by hand, through the API on a real Temporal server (v1.1):
 * `POST /api/orders/:id/payments` on a confirmed offline order, and
 * `POST /api/orders/:id/refunds` with `manual: true` for a refund the shop
 * made by bank transfer. The card provider is the API's own demo provider.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryIdOf } from '../domain/delivery.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { startApi, STOREFRONT, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api?.close();
});

const ADDRESS = { line1: '3 Quai Voltaire', city: 'Paris', postalCode: '75007', country: 'FR' };
type Method = 'card' | 'wire_transfer' | 'pay_in_store';

/** A cart checked out with `method` (a card one paid at the provider); an offline one confirmed by the operator when `confirm` says so. */
async function order(lines: Array<{ sku: string; quantity: number }>, method: Method, { confirm = true, paymentReceived = false } = {}) {
  const cart = await api.storefront('POST', '/api/carts', { lines });
  const id = cart.body.id as string;
  await api.storefront('PUT', `/api/carts/${id}/contact`, { email: `${id.slice(-6)}@example.com`, name: 'Rita', shippingAddress: ADDRESS });
  const checkout = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: method });
  expect(checkout.status).toBe(200);
  const { reference, amount } = checkout.body.payment;
  if (method === 'card') {
    await api.webhook({ id: `evt_${id}`, type: 'payment.succeeded', data: { reference, amount, currency: 'EUR' } });
    await eventually(async () => expect((await api.storefront('GET', `/api/carts/${id}`)).body.state).toBe('sale'));
  } else if (confirm) {
    expect((await api.operator('POST', `/api/orders/${id}/confirm`, { paymentReceived })).status).toBe(200);
  }
  return { id, total: amount as number, reference: reference as string };
}

async function detail(id: string) {
  return (await api.operator('GET', `/api/orders/${id}`)).body;
}

const types = (d: { timeline: Array<{ type: string; message: string }> }, type: string) => d.timeline.filter((e) => e.type === type);

describe('POST /api/orders/:id/payments: money received by hand', () => {
  it('confirmed first, paid at pickup in two parts: the amounts add up, the order is paid and invoiced once', async () => {
    const o = await order([{ sku: 'MUG-BLUE', quantity: 2 }], 'pay_in_store');
    expect(o.total).toBe(2580);
    const confirmed = await detail(o.id);
    expect(confirmed).toMatchObject({ state: 'sale', paymentState: 'pending', amountDue: 2580, receipts: [] });

    const first = await api.operator('POST', `/api/orders/${o.id}/payments`, { amount: 1000, note: 'deposit at the counter' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ state: 'sale', paymentState: 'pending', amountDue: 1580, receipts: [{ amount: 1000, method: 'pay_in_store', note: 'deposit at the counter', by: 'operator' }] });

    const tooMuch = await api.operator('POST', `/api/orders/${o.id}/payments`, { amount: 1581 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error).toMatchObject({ code: 'payment_exceeds_due', message: expect.stringContaining('15.80') });

    const rest = await api.operator('POST', `/api/orders/${o.id}/payments`, { amount: 1580, method: 'wire_transfer' });
    expect(rest.status).toBe(201);
    expect(rest.body).toMatchObject({ paymentState: 'paid', amountDue: 0 });
    expect(rest.body.receipts.map((r: { amount: number; method: string }) => [r.amount, r.method])).toEqual([
      [1000, 'pay_in_store'],
      [1580, 'wire_transfer'],
    ]);
    const after = await api.operator('POST', `/api/orders/${o.id}/payments`, { amount: 1 });
    expect(after.status).toBe(422);
    expect(after.body.error.message).toContain('paid in full');

    await eventually(async () => {
      const d = await detail(o.id);
      expect(d.paymentState).toBe('paid');
      expect(d.payments).toMatchObject([{ reference: o.reference, method: 'pay_in_store', status: 'succeeded' }]);
      expect(d.payments[0].events.map((e: { type: string; amount: number }) => [e.type, e.amount])).toEqual([
        ['payment.recorded', 1000],
        ['payment.recorded', 1580],
      ]);
      expect(types(d, 'payment_recorded').map((e: { message: string }) => e.message)).toEqual([
        '€10.00 received in store, recorded by operator (deposit at the counter): €15.80 still due',
        '€15.80 received by wire transfer, recorded by operator: paid in full',
      ]);
      expect(types(d, 'invoice_issued')).toHaveLength(1);
      expect(d.invoice).toMatchObject({ number: expect.stringMatching(/^INV\//) });
    }, 15_000);
    expect((await api.operator('GET', `/api/orders/${o.id}/invoices`)).body.items).toMatchObject([{ kind: 'invoice', amount: 2580 }]);
  });

  it('the same full payment recorded twice at once counts once; so does the same manual refund', async () => {
    const o = await order([{ sku: 'TEE-M', quantity: 1 }], 'wire_transfer');
    const twice = await Promise.all([1, 2].map(() => api.operator('POST', `/api/orders/${o.id}/payments`, { amount: o.total })));
    expect(twice.map((r) => r.status).sort()).toEqual([201, 422]);
    const refunds = await Promise.all([1, 2].map(() => api.operator('POST', `/api/orders/${o.id}/refunds`, { manual: true })));
    expect(refunds.map((r) => r.status).sort()).toEqual([201, 422]);
    await eventually(async () => {
      const d = await detail(o.id);
      expect(d.receipts).toHaveLength(1);
      expect(d.payments[0].events).toHaveLength(1);
      expect(d.refunds).toMatchObject([{ amount: o.total, manual: true }]);
      expect(d.paymentState).toBe('refunded');
    });
  });

  it('refused, changing nothing: a card order, a quotation sent, a cancelled order, bad input, no operator', async () => {
    const card = await order([{ sku: 'MUG-BLUE', quantity: 1 }], 'card');
    const onCard = await api.operator('POST', `/api/orders/${card.id}/payments`, { amount: 100 });
    expect(onCard.status).toBe(409);
    expect(onCard.body.error.code).toBe('payment_not_recordable');

    const sent = await order([{ sku: 'MUG-BLUE', quantity: 1 }], 'wire_transfer', { confirm: false });
    const onSent = await api.operator('POST', `/api/orders/${sent.id}/payments`, { amount: 100 });
    expect(onSent.status).toBe(409);
    expect(onSent.body.error).toMatchObject({ code: 'order_not_confirmed', message: expect.stringContaining('confirm it') });

    const cancelled = await order([{ sku: 'MUG-BLUE', quantity: 1 }], 'wire_transfer', { confirm: false });
    expect((await api.operator('POST', `/api/orders/${cancelled.id}/cancel`, { reason: 'customer changed their mind' })).status).toBe(200);
    expect((await api.operator('POST', `/api/orders/${cancelled.id}/payments`, { amount: 100 })).body.error.code).toBe('order_not_confirmed');

    const o = await order([{ sku: 'MUG-BLUE', quantity: 1 }], 'wire_transfer');
    for (const body of [{ amount: 0 }, { amount: -5 }, { amount: 10.5 }, {}, { amount: 100, method: 'card' }, { amount: 100, extra: true }]) {
      const bad = await api.operator('POST', `/api/orders/${o.id}/payments`, body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
    }
    expect((await api.call('POST', `/api/orders/${o.id}/payments`, { token: STOREFRONT, body: { amount: 100 } })).status).toBe(403);
    expect((await api.call('POST', `/api/orders/${o.id}/payments`, { body: { amount: 100 } })).status).toBe(401);
    expect((await api.operator('POST', '/api/orders/ord_unknown/payments', { amount: 100 })).status).toBe(404);

    for (const id of [card.id, sent.id, o.id]) {
      const d = await detail(id);
      expect(d.receipts).toEqual([]);
      expect(types(d, 'payment_recorded')).toEqual([]);
    }
    expect((await detail(o.id)).paymentState).toBe('pending');
  });
});

describe('POST /api/orders/:id/refunds with manual: true: a refund made by bank transfer', () => {
  it('settles the return waiting to be refunded by hand, moves the payment state, a credit note and the refund email follow', async () => {
    const o = await order(
      [
        { sku: 'TEE-M', quantity: 1 },
        { sku: 'MUG-BLUE', quantity: 1 },
      ],
      'wire_transfer',
      { paymentReceived: true },
    );
    await eventually(async () => expect((await api.operator('GET', `/api/deliveries/${deliveryIdOf(o.id)}`)).body.state).toBe('ready'), 15_000);
    expect((await api.operator('POST', `/api/deliveries/${deliveryIdOf(o.id)}/validate`, { step: 'ship' })).status).toBe(200);
    await eventually(async () => expect((await detail(o.id)).deliveryState).toBe('done'));
    const token = (await detail(o.id)).accessToken as string;
    const requested = await api.call('POST', `/api/orders/${o.id}/returns`, { body: { token, lines: [{ sku: 'MUG-BLUE', quantity: 1, reason: 'Chipped' }] } });
    expect(requested.status).toBe(201);
    const returnId = requested.body.id as string;
    expect((await api.operator('POST', `/api/returns/${returnId}/receive`)).status).toBe(200);
    await eventually(async () => expect((await detail(o.id)).returns).toMatchObject([{ id: returnId, state: 'to_refund_manually' }]));

    // The provider cannot refund a wire transfer; the operator cannot record more than was paid.
    expect((await api.operator('POST', `/api/orders/${o.id}/refunds`, { amount: 1290 })).body.error.code).toBe('refund_not_supported');
    const tooMuch = await api.operator('POST', `/api/orders/${o.id}/refunds`, { amount: o.total + 1, manual: true });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.code).toBe('refund_exceeds_paid');

    const refund = await api.operator('POST', `/api/orders/${o.id}/refunds`, { amount: 1290, reason: 'chipped mug, sent by bank transfer', manual: true });
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ amount: 1290, status: 'succeeded', manual: true, returnId });

    await eventually(async () => {
      const d = await detail(o.id);
      expect(d.paymentState).toBe('partially_refunded');
      expect(d.returns).toMatchObject([{ id: returnId, state: 'refunded', refundId: refund.body.id }]);
      expect(d.refunds).toMatchObject([{ id: refund.body.id, amount: 1290, status: 'succeeded', manual: true, provider: 'manual' }]);
      expect(d.creditNotes).toMatchObject([{ refundId: refund.body.id }]);
      expect(d.emails.filter((e: { kind: string }) => e.kind === 'refund')).toHaveLength(1);
      expect(types(d, 'refund_recorded')).toHaveLength(1);
    }, 15_000);
    const credit = (await api.operator('GET', `/api/orders/${o.id}/invoices`)).body.items.filter((i: { kind: string }) => i.kind === 'credit_note');
    expect(credit).toMatchObject([{ amount: 1290 }]);
    expect((await api.operator('GET', '/api/returns?state=to_refund_manually')).body.items.map((r: { id: string }) => r.id)).not.toContain(returnId);

    // The rest, in full: refunded, and nothing is left.
    const rest = await api.operator('POST', `/api/orders/${o.id}/refunds`, { manual: true });
    expect(rest.body).toMatchObject({ amount: o.total - 1290, status: 'succeeded' });
    await eventually(async () => expect((await detail(o.id)).paymentState).toBe('refunded'));
    expect((await api.operator('POST', `/api/orders/${o.id}/refunds`, { manual: true })).body.error.code).toBe('nothing_to_refund');
  });

  it('refused where the provider refunds itself, and where nothing was received', async () => {
    const card = await order([{ sku: 'MUG-BLUE', quantity: 1 }], 'card');
    const onCard = await api.operator('POST', `/api/orders/${card.id}/refunds`, { manual: true });
    expect(onCard.status).toBe(422);
    expect(onCard.body.error.code).toBe('refund_through_provider');
    const unpaid = await order([{ sku: 'MUG-BLUE', quantity: 1 }], 'pay_in_store');
    expect((await api.operator('POST', `/api/orders/${unpaid.id}/refunds`, { manual: true })).body.error.code).toBe('nothing_to_refund');
    for (const id of [card.id, unpaid.id]) expect((await detail(id)).refunds).toEqual([]);
  });
});

describe('an order cancelled before its receipts covered the total: the money received goes back by hand', () => {
  it('the order shows what it owes and stays open; refunded by hand up to what was received, paymentState moves, no invoice', async () => {
    const o = await order([{ sku: 'MUG-BLUE', quantity: 2 }], 'pay_in_store');
    expect(o.total).toBe(2580);
    expect((await api.operator('POST', `/api/orders/${o.id}/payments`, { amount: 1000, note: 'deposit' })).status).toBe(201);

    // A live order's receipts pay for it: not refunded, by hand or through the provider.
    for (const body of [{ manual: true }, {}]) {
      const early = await api.operator('POST', `/api/orders/${o.id}/refunds`, body);
      expect(early.status, JSON.stringify(body)).toBe(409);
      expect(early.body.error).toMatchObject({ code: 'order_not_paid_in_full', details: { received: 1000 } });
    }

    await eventually(async () => expect((await api.operator('GET', `/api/deliveries/${deliveryIdOf(o.id)}`)).body.state).toBe('ready'), 15_000);
    const cancelled = await api.operator('POST', `/api/orders/${o.id}/cancel`, { reason: 'customer changed their mind' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ state: 'cancel', paymentState: 'not_paid', refundDue: 1000, receipts: [{ amount: 1000 }] });

    // The cancellation says what is owed, the order notes it once; the cancellation email goes (under the old code the run closed here).
    await eventually(async () => {
      const d = await detail(o.id);
      expect(types(d, 'order_cancelled').map((e) => e.message)).toEqual(['Cancelled by operator: customer changed their mind (€10.00 received: refund due)']);
      expect(types(d, 'refund_owed').map((e) => e.message)).toEqual([
        `€10.00 received on the cancelled order ${d.number} is owed to the customer: refund it by bank transfer, then record the manual refund`,
      ]);
      expect(d.emails.filter((e: { kind: string }) => e.kind === 'order_cancelled')).toHaveLength(1);
      expect(d).toMatchObject({ refundDue: 1000, refunds: [] });
    }, 15_000);

    // No provider ever held this money; never more than was received.
    const throughProvider = await api.operator('POST', `/api/orders/${o.id}/refunds`, {});
    expect(throughProvider.status).toBe(422);
    expect(throughProvider.body.error).toMatchObject({ code: 'refund_not_supported', message: expect.stringContaining('manual: true') });
    const tooMuch = await api.operator('POST', `/api/orders/${o.id}/refunds`, { amount: 1001, manual: true });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error).toMatchObject({ code: 'refund_exceeds_paid', details: { remaining: 1000 } });

    const first = await api.operator('POST', `/api/orders/${o.id}/refunds`, { amount: 600, reason: 'deposit back, part 1', manual: true });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ amount: 600, currency: 'EUR', status: 'succeeded', manual: true, paymentReference: o.reference });
    await eventually(async () => expect(await detail(o.id)).toMatchObject({ paymentState: 'partially_refunded', refundDue: 400 }));

    // A second refund beyond what is left is refused and changes nothing.
    const beyond = await api.operator('POST', `/api/orders/${o.id}/refunds`, { amount: 401, manual: true });
    expect(beyond.status).toBe(422);
    expect(beyond.body.error).toMatchObject({ code: 'refund_exceeds_paid', details: { remaining: 400 } });

    const rest = await api.operator('POST', `/api/orders/${o.id}/refunds`, { manual: true });
    expect(rest.status).toBe(201);
    expect(rest.body).toMatchObject({ amount: 400, status: 'succeeded', manual: true });

    // All given back: refunded, the refund emails went, no invoice nor credit note (never paid in full), and the order closes.
    const handle = api.temporal.client.workflow.getHandle(orderWorkflowId(o.id));
    await eventually(async () => {
      const d = await detail(o.id);
      expect(d.paymentState).toBe('refunded');
      expect(d.refundDue).toBeUndefined();
      expect(d.refunds.map((r: { amount: number; provider: string; status: string }) => [r.amount, r.provider, r.status])).toEqual([
        [600, 'manual', 'succeeded'],
        [400, 'manual', 'succeeded'],
      ]);
      expect(d.emails.filter((e: { kind: string }) => e.kind === 'refund')).toHaveLength(2);
      expect((await handle.describe()).status.name).toBe('COMPLETED');
    }, 15_000);
    const d = await detail(o.id);
    expect(d).toMatchObject({ invoice: null, creditNotes: [] });
    expect(types(d, 'invoice_issued')).toEqual([]);
    expect((await api.operator('GET', `/api/orders/${o.id}/invoices`)).body.items).toEqual([]);
    expect(types(d, 'refund_recorded')).toHaveLength(2);
  });

  it('a wire transfer confirmed as received, then cancelled, owes it all and can record its refund', async () => {
    const o = await order([{ sku: 'TEE-M', quantity: 1 }], 'wire_transfer', { paymentReceived: true });
    await eventually(async () => expect((await api.operator('GET', `/api/deliveries/${deliveryIdOf(o.id)}`)).body.state).toBe('ready'), 15_000);
    expect((await api.operator('POST', `/api/orders/${o.id}/cancel`, {})).body).toMatchObject({ state: 'cancel', paymentState: 'paid', refundDue: o.total });
    await eventually(async () => expect(types(await detail(o.id), 'refund_owed')).toHaveLength(1), 15_000);
    const refund = await api.operator('POST', `/api/orders/${o.id}/refunds`, { manual: true });
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ amount: o.total, manual: true });
    await eventually(async () => expect(await detail(o.id)).toMatchObject({ paymentState: 'refunded' }), 15_000);
  });
});
