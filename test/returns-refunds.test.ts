/**
 * Returns and refunds through the API on a real Temporal server. The card
 * provider is a loopback HTTP server, so refunds cross a real HTTP boundary
 * with retries and idempotency keys.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentProvidersOf } from '../activities/payment-providers.js';
import { deliveryIdOf } from '../domain/delivery.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { startApi, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';
import { withSettings } from './support/settings.js';
import { startProviderFake, type ProviderFake } from './support/provider-fake.js';

let api: ApiHarness;
let provider: ProviderFake;

beforeAll(async () => {
  provider = await startProviderFake();
  api = await startApi({ paymentProviders: paymentProvidersOf({ url: provider.url, apiKey: provider.apiKey }) });
});

afterAll(async () => {
  await api?.close();
  await provider?.close();
});

const ADDRESS = { line1: '3 Quai Voltaire', city: 'Paris', postalCode: '75007', country: 'FR' };

async function order(lines: Array<{ sku: string; quantity: number }>, method: 'card' | 'wire_transfer' = 'card') {
  const cart = await api.storefront('POST', '/api/carts', { lines });
  const id = cart.body.id as string;
  await api.storefront('PUT', `/api/carts/${id}/contact`, { email: `${id.slice(-6)}@example.com`, name: 'Rita', shippingAddress: ADDRESS });
  const checkout = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: method });
  const { reference, amount } = checkout.body.payment;
  if (method === 'card') await api.webhook({ id: `evt_${id}`, type: 'payment.succeeded', data: { reference, amount, currency: 'EUR' } });
  else await api.operator('POST', `/api/orders/${id}/confirm`, { paymentReceived: true });
  await eventually(async () => expect((await api.storefront('GET', `/api/carts/${id}`)).body.state).toBe('sale'));
  return { id, total: amount as number };
}

async function delivered(lines: Array<{ sku: string; quantity: number }>, method: 'card' | 'wire_transfer' = 'card') {
  const o = await order(lines, method);
  await eventually(async () => expect((await api.operator('GET', `/api/deliveries/${deliveryIdOf(o.id)}`)).body.state).toBe('ready'), 15_000);
  expect((await api.operator('POST', `/api/deliveries/${deliveryIdOf(o.id)}/validate`, { step: 'ship' })).status).toBe(200);
  await eventually(async () => expect((await api.storefront('GET', `/api/carts/${o.id}`)).body.deliveryState).toBe('done'));
  const token = (await api.operator('GET', `/api/orders/${o.id}`)).body.accessToken as string;
  return { ...o, token };
}

async function detail(id: string) {
  return (await api.operator('GET', `/api/orders/${id}`)).body;
}

async function onHand(sku: string): Promise<number> {
  const products = (await api.storefront('GET', '/api/products')).body.items as Array<{ sku: string; onHand: number }>;
  return products.find((p) => p.sku === sku)!.onHand;
}

describe('a customer returns goods through the form; the refund follows', () => {
  it('card order delivered → return → received → partial refund → partially refunded, one refund email', async () => {
    const o = await delivered([
      { sku: 'MUG-BLUE', quantity: 2 },
      { sku: 'TEE-M', quantity: 1 },
    ]);
    const before = await onHand('MUG-BLUE');
    const requested = await api.call('POST', `/api/orders/${o.id}/returns`, { body: { token: o.token, lines: [{ sku: 'MUG-BLUE', quantity: 1, reason: 'Damaged' }] } });
    expect(requested.status).toBe(201);
    expect(requested.body).toMatchObject({ state: 'requested', amount: 1290, lines: [{ sku: 'MUG-BLUE', quantity: 1, reason: 'Damaged' }] });
    const returnId = requested.body.id as string;
    await eventually(async () => expect((await api.operator('GET', '/api/returns?state=requested')).body.items.map((r: { id: string }) => r.id)).toContain(returnId));

    const received = await api.operator('POST', `/api/returns/${returnId}/receive`);
    expect(received.status).toBe(200);
    expect(await onHand('MUG-BLUE')).toBe(before + 1);
    expect((await api.operator('POST', `/api/returns/${returnId}/receive`)).status).toBe(409);

    await eventually(async () => {
      const d = await detail(o.id);
      expect(d.paymentState).toBe('partially_refunded');
      expect(d.refunds).toMatchObject([{ amount: 1290, status: 'succeeded', returnId }]);
      expect(d.returns).toMatchObject([{ id: returnId, state: 'refunded' }]);
      expect(d.emails.filter((e: { kind: string }) => e.kind === 'refund')).toHaveLength(1);
      expect(d.emails.filter((e: { kind: string }) => e.kind === 'return')).toHaveLength(1);
    }, 15_000);
    expect([...provider.refunds.values()].filter((r) => r.amount === 1290 && r.payment)).not.toHaveLength(0);
  });

  it('a return received before the lists show it still puts the goods back on hand, once', async () => {
    const o = await delivered([{ sku: 'MUG-BLUE', quantity: 2 }]);
    const before = await onHand('MUG-BLUE');
    const requested = await api.call('POST', `/api/orders/${o.id}/returns`, { body: { token: o.token, lines: [{ sku: 'MUG-BLUE', quantity: 2, reason: 'Wrong colour' }] } });
    const returnId = requested.body.id as string;
    // The warehouse is faster than the order's projection: no row for the return yet.
    await eventually(async () => expect((await api.operator('GET', `/api/returns/${returnId}`)).status).toBe(200));
    await api.database.db.execute(sql`delete from returns where id = ${returnId}`);

    const received = await api.operator('POST', `/api/returns/${returnId}/receive`);
    expect(received.status).toBe(200);
    expect(received.body).toMatchObject({ id: returnId, orderId: o.id, state: 'received', lines: [{ sku: 'MUG-BLUE', quantity: 2 }] });
    expect(await onHand('MUG-BLUE')).toBe(before + 2);
    await eventually(async () => expect((await detail(o.id)).returns).toMatchObject([{ id: returnId, state: 'refunded' }]), 15_000);
    expect(await onHand('MUG-BLUE')).toBe(before + 2);
  });

  it('the return policy: not delivered, more than delivered, not returnable, wrong token', async () => {
    const notYet = await order([{ sku: 'MUG-BLUE', quantity: 1 }]);
    const token = (await detail(notYet.id)).accessToken;
    const early = await api.call('POST', `/api/orders/${notYet.id}/returns`, { body: { token, lines: [{ sku: 'MUG-BLUE', quantity: 1, reason: 'x' }] } });
    expect(early.status).toBe(422);
    expect(early.body.error.code).toBe('order_not_delivered');

    const o = await delivered([
      { sku: 'MUG-BLUE', quantity: 1 },
      { sku: 'POSTER-A2', quantity: 1 },
      { sku: 'GIFT-WRAP', quantity: 1 },
    ]);
    const tooMany = await api.call('POST', `/api/orders/${o.id}/returns`, { body: { token: o.token, lines: [{ sku: 'MUG-BLUE', quantity: 2, reason: 'x' }] } });
    expect(tooMany.body.error).toMatchObject({ code: 'return_exceeds_delivered', message: 'At most 1 × Blue ceramic mug can still be returned.' });
    const poster = await api.call('POST', `/api/orders/${o.id}/returns`, { body: { token: o.token, lines: [{ sku: 'POSTER-A2', quantity: 1, reason: 'x' }] } });
    expect(poster.status).toBe(422);
    expect(poster.body.error).toMatchObject({ code: 'product_not_returnable', message: 'Poster A2 cannot be returned.' });
    const service = await api.call('POST', `/api/orders/${o.id}/returns`, { body: { token: o.token, lines: [{ sku: 'GIFT-WRAP', quantity: 1, reason: 'x' }] } });
    expect(service.body.error.code).toBe('product_not_returnable');
    const wrongToken = await api.call('POST', `/api/orders/${o.id}/returns`, { body: { token: 'guess', lines: [{ sku: 'MUG-BLUE', quantity: 1, reason: 'x' }] } });
    expect(wrongToken.status).toBe(404);
    expect(JSON.stringify(wrongToken.body)).not.toContain(o.id);
    expect((await api.call('GET', `/returns/${o.id}?token=guess`)).status).toBe(404);

    // The first return takes the only mug; a second one for it is refused.
    expect((await api.call('POST', `/api/orders/${o.id}/returns`, { body: { token: o.token, lines: [{ sku: 'MUG-BLUE', quantity: 1, reason: 'x' }] } })).status).toBe(201);
    const again = await api.call('POST', `/api/orders/${o.id}/returns`, { body: { token: o.token, lines: [{ sku: 'MUG-BLUE', quantity: 1, reason: 'x' }] } });
    expect(again.body.error.code).toBe('return_exceeds_delivered');
  });

  it('outside the return window: refused, and the order workflow has completed', async () => {
    await withSettings(api, { returnWindowDays: 0 }, async () => {
      const o = await delivered([{ sku: 'MUG-BLUE', quantity: 1 }]);
      await api.temporal.client.workflow.getHandle(orderWorkflowId(o.id)).result();
      const late = await api.call('POST', `/api/orders/${o.id}/returns`, { body: { token: o.token, lines: [{ sku: 'MUG-BLUE', quantity: 1, reason: 'x' }] } });
      expect(late.status).toBe(422);
      expect(late.body.error.code).toBe('return_window_closed');
    });
  });

  it('a wire-transfer order: the received return is left for the operator to refund by hand', async () => {
    const o = await delivered([{ sku: 'TEE-M', quantity: 1 }], 'wire_transfer');
    const requested = await api.call('POST', `/api/orders/${o.id}/returns`, { body: { token: o.token, lines: [{ sku: 'TEE-M', quantity: 1, reason: 'Does not fit' }] } });
    await api.operator('POST', `/api/returns/${requested.body.id}/receive`);
    await eventually(async () => expect((await detail(o.id)).returns).toMatchObject([{ state: 'to_refund_manually' }]));
  });
});

describe('refunds from the operator', () => {
  it('a full refund of a card order', async () => {
    const o = await order([{ sku: 'TEE-M', quantity: 2 }]);
    const refund = await api.operator('POST', `/api/orders/${o.id}/refunds`, { reason: 'goodwill' });
    expect(refund.status).toBe(202);
    expect(refund.body).toMatchObject({ amount: o.total, status: 'pending' });
    await eventually(async () => {
      const d = await detail(o.id);
      expect(d.paymentState).toBe('refunded');
      expect(d.refunds).toMatchObject([{ id: refund.body.id, status: 'succeeded', amount: o.total }]);
      expect(d.emails.filter((e: { kind: string }) => e.kind === 'refund')).toHaveLength(1);
    });
    const more = await api.operator('POST', `/api/orders/${o.id}/refunds`, {});
    expect(more.status).toBe(422);
    expect(more.body.error.code).toBe('nothing_to_refund');
  });

  it('a wire-transfer order cannot be refunded through the provider', async () => {
    const o = await order([{ sku: 'TEE-M', quantity: 1 }], 'wire_transfer');
    const refused = await api.operator('POST', `/api/orders/${o.id}/refunds`, {});
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('refund_not_supported');
    expect(refused.body.error.message).toContain('bank transfer');
  });

  it('never more than was paid; partial refunds add up', async () => {
    const o = await order([{ sku: 'MUG-BLUE', quantity: 1 }]);
    expect((await api.operator('POST', `/api/orders/${o.id}/refunds`, { amount: o.total + 1 })).body.error.code).toBe('refund_exceeds_paid');
    expect((await api.operator('POST', `/api/orders/${o.id}/refunds`, { amount: 290 })).status).toBe(202);
    const rest = await api.operator('POST', `/api/orders/${o.id}/refunds`, { amount: 1001 });
    expect(rest.body.error).toMatchObject({ code: 'refund_exceeds_paid' });
    expect((await api.operator('POST', `/api/orders/${o.id}/refunds`, { amount: 1000 })).status).toBe(202);
    await eventually(async () => expect((await detail(o.id)).paymentState).toBe('refunded'));
  });

  it('the same refund request sent twice at once refunds once', async () => {
    const o = await order([{ sku: 'TEE-M', quantity: 1 }]);
    const [a, b] = await Promise.all([api.operator('POST', `/api/orders/${o.id}/refunds`, {}), api.operator('POST', `/api/orders/${o.id}/refunds`, {})]);
    expect([a.status, b.status].sort()).toEqual([202, 422]);
    await eventually(async () => expect((await detail(o.id)).refunds).toMatchObject([{ status: 'succeeded' }]));
    expect([...provider.refunds.values()].filter((r) => r.payment === (a.status === 202 ? a : b).body.paymentReference)).toHaveLength(1);
  });

  it('a provider failing twice, then succeeding, refunds once', async () => {
    const o = await order([{ sku: 'MUG-BLUE', quantity: 1 }]);
    provider.failNext(500, 500);
    const refund = await api.operator('POST', `/api/orders/${o.id}/refunds`, {});
    await eventually(async () => expect((await detail(o.id)).refunds).toMatchObject([{ status: 'succeeded', attempts: 3 }]), 20_000);
    const calls = provider.requests.filter((r) => r.key === refund.body.id);
    expect(calls).toHaveLength(3);
    expect(provider.refunds.has(refund.body.id)).toBe(true);
  });

  it('a provider refusing for good leaves the refund failed with its reason, visible to the operator', async () => {
    const o = await order([{ sku: 'MUG-BLUE', quantity: 1 }]);
    provider.failNext(422);
    await api.operator('POST', `/api/orders/${o.id}/refunds`, {});
    await eventually(async () => {
      const d = await detail(o.id);
      expect(d.refunds).toMatchObject([{ status: 'failed', failureReason: expect.stringContaining('card account closed') }]);
      expect(d.paymentState).toBe('paid');
      expect(d.timeline).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'refund_failed' })]));
    });
    // Failed refunds do not count: the operator may try again.
    expect((await api.operator('POST', `/api/orders/${o.id}/refunds`, {})).status).toBe(202);
  });

  it('cancelling a paid order before delivery gives the money back', async () => {
    const o = await order([{ sku: 'TEE-M', quantity: 1 }]);
    await eventually(async () => expect((await detail(o.id)).deliveryState).not.toBe('none'));
    expect((await api.operator('POST', `/api/orders/${o.id}/cancel`, { reason: 'out of stock at the supplier' })).status).toBe(200);
    await api.temporal.client.workflow.getHandle(orderWorkflowId(o.id)).result();
    const d = await detail(o.id);
    expect(d).toMatchObject({ state: 'cancel', paymentState: 'refunded', refunds: [{ reason: 'order cancelled', status: 'succeeded' }] });
  });
});

describe('the demo card provider this API serves', () => {
  it('refunds once per key and never more than captured', async () => {
    const o = await order([{ sku: 'MUG-BLUE', quantity: 1 }]);
    const reference = (await detail(o.id)).payments[0].reference;
    const call = (key: string, amount: number) =>
      api.call('POST', '/demo-provider/v1/refunds', {
        headers: { authorization: `Bearer ${api.config.paymentProvider.apiKey}`, 'idempotency-key': key },
        body: { payment: reference, amount, currency: 'EUR' },
      });
    await eventually(async () => expect((await call('k1', 1000)).status).toBe(200));
    const again = await call('k1', 1000);
    const first = await call('k1', 1000);
    expect(again.body.id).toBe(first.body.id);
    expect((await call('k2', 291)).status).toBe(422);
    expect((await call('k3', 290)).status).toBe(200);
    expect((await api.call('POST', '/demo-provider/v1/refunds', { headers: { 'idempotency-key': 'k4' }, body: { payment: reference, amount: 1, currency: 'EUR' } })).status).toBe(401);
  });
});
