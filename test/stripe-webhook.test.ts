/**
 * Stripe end to end through the HTTP API on a real server and worker: the
 * card checkout opens a PaymentIntent at the loopback Stripe (real SDK), and
 * Stripe's signed events (Stripe.webhooks.generateTestHeaderString) reach the
 * order through the same intake as the contract's webhook.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentProvidersOf } from '../activities/payments/index.js';
import { paymentEventOfStripe } from '../activities/payments/stripe-events.js';
import { stripeCardProvider } from '../activities/payments/stripe.js';
import { startApi, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';
import { startStripeFake, type FakeIntent, type StripeFake } from './support/stripe-fake.js';

const WEBHOOK_SECRET = 'whsec_test0123456789abcdef';
let fake: StripeFake;
let api: ApiHarness;

beforeAll(async () => {
  fake = await startStripeFake();
  api = await startApi({
    paymentProviders: paymentProvidersOf(stripeCardProvider({ secretKey: fake.secretKey, apiBase: fake.url })),
    env: { STRIPE_SECRET_KEY: fake.secretKey, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_BASE: fake.url },
  });
});
afterAll(async () => {
  await api?.close();
  await fake?.close();
});

let eventCounter = 0;
function stripeEvent(type: string, object: object, id = `evt_test_${Date.now()}_${++eventCounter}`) {
  return { id, object: 'event', api_version: '2026-10-28.endive', created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type, data: { object } };
}

/** Posts an event as Stripe does: the exact bytes, signed with the endpoint's secret. */
async function deliver(event: object, secret = WEBHOOK_SECRET) {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret });
  return api.call('POST', '/api/webhooks/stripe', { body: payload, headers: { 'stripe-signature': signature } });
}

async function cardCheckout() {
  const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 2 }] });
  expect(cart.status).toBe(201);
  await api.storefront('PUT', `/api/carts/${cart.body.id}/contact`, {
    email: 'stripe-customer@example.com',
    name: 'Sam',
    shippingAddress: { line1: '1 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' },
  });
  const checkout = await api.storefront('POST', `/api/carts/${cart.body.id}/checkout`, { paymentMethod: 'card' });
  expect(checkout.status).toBe(200);
  const intent = [...fake.intents.values()].find((i) => i.metadata.reference === checkout.body.payment.reference);
  expect(intent).toBeDefined();
  return { id: cart.body.id as string, payment: checkout.body.payment, intent: intent! };
}

const timelineOf = async (id: string) => (await api.operator('GET', `/api/orders/${id}`)).body.timeline as Array<{ type: string }>;

describe('Stripe checkout and webhooks through the API', () => {
  it('card checkout opens one PaymentIntent and answers its client secret; checking out again returns the same payment', async () => {
    const { id, payment, intent } = await cardCheckout();
    expect(payment).toMatchObject({ method: 'card', amount: 2580, currency: 'EUR', clientSecret: intent.client_secret });
    expect(payment.paymentUrl).toBeUndefined();
    expect(intent).toMatchObject({ amount: 2580, currency: 'eur', status: 'requires_payment_method' });
    const again = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: 'card' });
    expect(again.body.payment).toEqual(payment);
    expect([...fake.intents.values()].filter((i) => i.metadata.reference === payment.reference)).toHaveLength(1);
  });

  it('a bad signature is 400 and changes nothing', async () => {
    const { id, intent } = await cardCheckout();
    const paid = fake.setIntentStatus(intent.id, 'succeeded');
    const event = stripeEvent('payment_intent.succeeded', paid);
    const paymentEntries = async () => (await timelineOf(id)).filter((e) => e.type.startsWith('payment'));
    const before = await paymentEntries();
    const forged = await deliver(event, 'whsec_not_the_endpoint_secret');
    expect(forged.status).toBe(400);
    expect(forged.body.error).toMatchObject({ code: 'invalid_request', details: { signature: 'invalid' } });
    const unsigned = await api.call('POST', '/api/webhooks/stripe', { body: event });
    expect(unsigned.status).toBe(400);
    expect((await api.storefront('GET', `/api/carts/${id}`)).body.state).not.toBe('sale');
    expect(await paymentEntries()).toEqual(before);
    // The refusals left no trace of the event id: the same event, properly signed, is new.
    expect((await deliver(event)).body).toMatchObject({ received: true, duplicate: false, orderId: id });
  });

  it('payment_intent.succeeded makes the order a sale; the redelivered event changes nothing', async () => {
    const { id, intent } = await cardCheckout();
    const paid = fake.setIntentStatus(intent.id, 'succeeded');
    const event = stripeEvent('payment_intent.succeeded', paid);
    expect(await deliver(event)).toEqual({ status: 200, body: { received: true, duplicate: false, orderId: id, ignored: false } });
    await eventually(async () => expect((await api.storefront('GET', `/api/carts/${id}`)).body).toMatchObject({ state: 'sale', paymentState: 'paid' }));
    await eventually(async () => expect((await timelineOf(id)).filter((e) => e.type === 'payment_received')).toHaveLength(1));
    // The sale goes on by itself (confirmation email, delivery): compare what the payment wrote.
    const paymentEntries = (timeline: Array<{ type: string }>) => timeline.filter((e) => e.type.startsWith('payment'));
    const settled = paymentEntries(await timelineOf(id));
    const redelivered = await deliver(event);
    expect(redelivered.body).toMatchObject({ duplicate: true, orderId: id });
    const detail = await api.operator('GET', `/api/orders/${id}`);
    expect(detail.body).toMatchObject({ state: 'sale', paymentState: 'paid' });
    expect(paymentEntries(detail.body.timeline)).toEqual(settled);
    expect(detail.body.payments).toMatchObject([{ method: 'card', status: 'succeeded', events: [{ id: event.id, type: 'payment.succeeded' }] }]);
  });

  it('refunds reach Stripe by the PaymentIntent: a partial refund through an outage (503, 429) is retried and made once', async () => {
    const { id, intent } = await cardCheckout();
    const paid = fake.setIntentStatus(intent.id, 'succeeded');
    expect((await deliver(stripeEvent('payment_intent.succeeded', paid))).status).toBe(200);
    await eventually(async () => expect((await api.storefront('GET', `/api/carts/${id}`)).body.state).toBe('sale'));
    const attemptsBefore = fake.requests.filter((r) => r.path === '/v1/refunds').length;
    fake.failNext(503, 429);
    const refund = await api.operator('POST', `/api/orders/${id}/refunds`, { amount: 1000, reason: 'goodwill' });
    expect(refund.status).toBe(202);
    await eventually(async () => {
      const detail = (await api.operator('GET', `/api/orders/${id}`)).body;
      expect(detail).toMatchObject({ paymentState: 'partially_refunded', refunds: [{ id: refund.body.id, status: 'succeeded', amount: 1000 }] });
    }, 20_000);
    const attempts = fake.requests.filter((r) => r.path === '/v1/refunds').slice(attemptsBefore);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(new Set(attempts.map((r) => r.idempotencyKey))).toEqual(new Set([refund.body.id]));
    expect(fake.refunds.filter((r) => r.payment_intent === intent.id)).toMatchObject([{ amount: 1000, metadata: { refund_id: refund.body.id, reason: 'goodwill' } }]);
  });

  it('events this shop does not act on, or for payments it did not open, are acknowledged and ignored', async () => {
    const unrelated = await deliver(stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }));
    expect(unrelated).toEqual({ status: 200, body: { received: true, duplicate: false, orderId: null, ignored: true } });
    const foreign = await deliver(stripeEvent('payment_intent.succeeded', { id: 'pi_x', object: 'payment_intent', amount: 100, amount_received: 100, currency: 'eur', metadata: {} }));
    expect(foreign.body).toMatchObject({ ignored: true });
  });

  it('the demo provider is not mounted when Stripe is the card provider', async () => {
    expect((await api.call('GET', '/demo-provider/pay/pay_x')).status).toBe(404);
    expect((await api.call('POST', '/demo-provider/v1/refunds', { body: { payment: 'p', amount: 1, currency: 'EUR' } })).status).toBe(404);
    const openapi = await api.call('GET', '/api/openapi.json');
    expect(Object.keys(openapi.body.paths)).toContain('/api/webhooks/stripe');
    expect(Object.keys(openapi.body.paths).filter((p) => p.startsWith('/demo-provider'))).toEqual([]);
  });
});

describe('Stripe event types onto the order payment events', () => {
  const intent = (over: Partial<FakeIntent> = {}) =>
    ({ id: 'pi_1', object: 'payment_intent', amount: 50000, amount_received: 0, currency: 'jpy', metadata: { reference: 'pay_1' }, ...over }) as unknown as FakeIntent;
  const map = (type: string, object: object) => paymentEventOfStripe(stripeEvent(type, object, 'evt_1') as unknown as Stripe.Event);

  it.each([
    ['payment_intent.processing', 'payment.pending'],
    ['payment_intent.amount_capturable_updated', 'payment.pending'],
    ['payment_intent.payment_failed', 'payment.failed'],
    ['payment_intent.canceled', 'payment.failed'],
  ])('%s → %s, amounts back in hundredths', (type, expected) => {
    expect(map(type, intent())).toEqual({ id: 'evt_1', type: expected, data: { reference: 'pay_1', amount: 5000000, currency: 'JPY' } });
  });

  it('payment_intent.succeeded carries the amount received', () => {
    expect(map('payment_intent.succeeded', intent({ amount_received: 50000, currency: 'eur' }))?.data).toEqual({ reference: 'pay_1', amount: 50000, currency: 'EUR' });
  });

  it('checkout.session.completed counts only when paid', () => {
    const session = { id: 'cs_1', object: 'checkout.session', amount_total: 2580, currency: 'eur', metadata: { reference: 'pay_2' } };
    expect(map('checkout.session.completed', { ...session, payment_status: 'paid' })).toMatchObject({ type: 'payment.succeeded', data: { reference: 'pay_2', amount: 2580 } });
    expect(map('checkout.session.completed', { ...session, payment_status: 'unpaid' })).toBeNull();
    expect(map('checkout.session.async_payment_failed', session)).toMatchObject({ type: 'payment.failed' });
  });

  it('a payment without our reference, and other event types, map to nothing', () => {
    expect(map('payment_intent.succeeded', intent({ metadata: {} }))).toBeNull();
    expect(map('charge.refunded', { id: 'ch_1', object: 'charge' })).toBeNull();
  });
});
