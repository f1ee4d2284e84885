/**
 * The Stripe card provider through the real `stripe` SDK against the loopback
 * fake: opening a payment once per reference, cancelling, refunding in full
 * and in part (never more than captured), and outages retried with the same
 * idempotency keys so nothing is doubled.
 */
import { ApplicationFailure } from '@temporalio/common';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fromProviderAmount, toProviderAmount } from '../activities/payments/amounts.js';
import type { PaymentProvider, PaymentRequest } from '../activities/payments/port.js';
import { StripeFailureType, stripeCardProvider } from '../activities/payments/stripe.js';
import { startStripeFake, type StripeFake } from './support/stripe-fake.js';

let fake: StripeFake;
let stripe: PaymentProvider;

beforeAll(async () => {
  fake = await startStripeFake();
  stripe = stripeCardProvider({ secretKey: fake.secretKey, apiBase: fake.url, timeoutMs: 2_000 });
});
afterAll(() => fake.close());
beforeEach(() => fake.setMode({ kind: 'ok' }));

let counter = 0;
const request = (overrides: Partial<PaymentRequest> = {}): PaymentRequest => ({
  reference: `pay_test_${Date.now()}_${++counter}`,
  orderNumber: `S0${counter}`,
  amount: 4250,
  currency: 'EUR',
  shopName: 'Demo Shop',
  bankAccount: 'unused',
  ...overrides,
});

/** A payment opened and paid by the customer (the fake's stand-in for Stripe.js confirming it). */
async function paidPayment(amount = 4250) {
  const req = request({ amount });
  const opened = await stripe.createPayment(req);
  fake.setIntentStatus(opened.providerPaymentId!, 'succeeded');
  return { reference: req.reference, providerPaymentId: opened.providerPaymentId! };
}

const refundOf = (payment: { reference: string; providerPaymentId: string }, refundId: string, amount: number) => ({
  refundId,
  paymentReference: payment.reference,
  providerPaymentId: payment.providerPaymentId,
  amount,
  currency: 'EUR',
  reason: 'damaged',
});

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('amounts', () => {
  it('converts hundredths to Stripe minor units per currency, and back', () => {
    expect(toProviderAmount(4250, 'EUR')).toBe(4250);
    expect(toProviderAmount(50000, 'JPY')).toBe(500);
    expect(toProviderAmount(1234, 'KWD')).toBe(12340);
    expect(() => toProviderAmount(150, 'JPY')).toThrow(/no minor unit/);
    expect(fromProviderAmount(500, 'jpy')).toBe(50000);
    expect(fromProviderAmount(4250, 'eur')).toBe(4250);
  });
});

describe('Stripe provider (real SDK, loopback fake)', () => {
  it('opens one PaymentIntent per reference: the reference is the idempotency key and in the metadata', async () => {
    const req = request({ amount: 50000, currency: 'JPY' });
    const first = await stripe.createPayment(req);
    const again = await stripe.createPayment(req);
    expect(first.providerPaymentId).toMatch(/^pi_/);
    expect(first.clientSecret).toMatch(new RegExp(`^${first.providerPaymentId}_secret_`));
    expect(again).toEqual(first);
    const created = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents' && r.idempotencyKey === req.reference);
    expect(created).toHaveLength(2);
    const intents = [...fake.intents.values()].filter((i) => i.metadata.reference === req.reference);
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({ amount: 500, currency: 'jpy', metadata: { reference: req.reference, order_number: req.orderNumber } });
  });

  it('the fake answers a replay as Stripe does: same key and parameters replayed, other parameters refused', async () => {
    const client = new Stripe(fake.secretKey, { host: '127.0.0.1', port: new URL(fake.url).port, protocol: 'http', maxNetworkRetries: 0 });
    const params = { amount: 1000, currency: 'eur' };
    const first = await client.paymentIntents.create(params, { idempotencyKey: 'replay-key' });
    const replay = await client.paymentIntents.create(params, { idempotencyKey: 'replay-key' });
    expect(replay.id).toBe(first.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    const conflict = await failureOf(client.paymentIntents.create({ amount: 2000, currency: 'eur' }, { idempotencyKey: 'replay-key' }));
    expect(conflict).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((conflict as Stripe.errors.StripeError).statusCode).toBe(400);
  });

  it('cancels an open payment, and cancelling again is harmless', async () => {
    const req = request();
    const opened = await stripe.createPayment(req);
    const handle = { reference: req.reference, providerPaymentId: opened.providerPaymentId };
    expect(await stripe.cancelPayment!(handle)).toEqual({ status: 'cancelled' });
    expect(fake.intents.get(opened.providerPaymentId!)!.status).toBe('canceled');
    expect(await stripe.cancelPayment!(handle)).toEqual({ status: 'cancelled' });
  });

  it('a cancel that arrives after the customer paid says so, for the caller to refund', async () => {
    const payment = await paidPayment();
    expect(await stripe.cancelPayment!(payment)).toEqual({ status: 'already_paid' });
    expect(fake.intents.get(payment.providerPaymentId)!.status).toBe('succeeded');
  });

  it('refunds in part, then the rest, each refund once per refund id; more than captured is refused', async () => {
    const payment = await paidPayment(4250);
    const part = await stripe.refund!(refundOf(payment, `ref_${payment.reference}_1`, 1000));
    expect(part).toMatchObject({ status: 'succeeded', providerRefundId: expect.stringMatching(/^re_/) });
    // The same refund id again (a retried activity): the same refund, not a second one.
    expect(await stripe.refund!(refundOf(payment, `ref_${payment.reference}_1`, 1000))).toEqual(part);
    const over = await stripe.refund!(refundOf(payment, `ref_${payment.reference}_2`, 3251));
    expect(over).toEqual({ status: 'failed', reason: expect.stringContaining('amount_too_large') });
    const rest = await stripe.refund!(refundOf(payment, `ref_${payment.reference}_3`, 3250));
    expect(rest.status).toBe('succeeded');
    const refunds = fake.refunds.filter((r) => r.payment_intent === payment.providerPaymentId);
    expect(refunds.map((r) => r.amount)).toEqual([1000, 3250]);
    expect(refunds[0]!.metadata).toMatchObject({ refund_id: `ref_${payment.reference}_1`, reference: payment.reference });
    const after = await stripe.refund!(refundOf(payment, `ref_${payment.reference}_4`, 1));
    expect(after).toEqual({ status: 'failed', reason: expect.stringContaining('charge_already_refunded') });
  });

  it('a full refund takes the whole captured amount', async () => {
    const payment = await paidPayment(1999);
    expect((await stripe.refund!(refundOf(payment, `ref_${payment.reference}_full`, 1999))).status).toBe('succeeded');
    expect(fake.refunds.filter((r) => r.payment_intent === payment.providerPaymentId).map((r) => r.amount)).toEqual([1999]);
  });

  it('5xx and 429 are retryable (a plain Error); the retry with the same key opens one payment', async () => {
    const req = request();
    fake.failNext(503, 429);
    const first = await failureOf(stripe.createPayment(req));
    expect(first).not.toBeInstanceOf(ApplicationFailure);
    expect(String(first)).toMatch(/503/);
    const second = await failureOf(stripe.createPayment(req));
    expect(second).not.toBeInstanceOf(ApplicationFailure);
    expect(String(second)).toMatch(/429/);
    const opened = await stripe.createPayment(req);
    expect([...fake.intents.values()].filter((i) => i.metadata.reference === req.reference).map((i) => i.id)).toEqual([opened.providerPaymentId]);
  });

  it('an answer lost in an outage (request done, reply too late) is retried without a second refund', async () => {
    const payment = await paidPayment(3000);
    const refundId = `ref_${payment.reference}_slow`;
    fake.setMode({ kind: 'slow', holdMs: 3_000 });
    const lost = await failureOf(stripe.refund!(refundOf(payment, refundId, 3000)));
    expect(lost).not.toBeInstanceOf(ApplicationFailure);
    expect(String(lost)).toMatch(/timeout|connection/i);
    fake.setMode({ kind: 'ok' });
    const retried = await stripe.refund!(refundOf(payment, refundId, 3000));
    expect(retried.status).toBe('succeeded');
    expect(fake.refunds.filter((r) => r.payment_intent === payment.providerPaymentId)).toHaveLength(1);
  });

  it('a request Stripe refuses is a non-retryable failure with a stable type', async () => {
    const refused = await failureOf(stripe.createPayment(request({ amount: 0 })));
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect((refused as ApplicationFailure).nonRetryable).toBe(true);
    expect((refused as ApplicationFailure).type).toBe(StripeFailureType.refused);
    const badKey = stripeCardProvider({ secretKey: 'sk_test_wrong', apiBase: fake.url });
    const misconfigured = await failureOf(badKey.createPayment(request()));
    expect((misconfigured as ApplicationFailure).type).toBe(StripeFailureType.misconfigured);
    expect((misconfigured as ApplicationFailure).nonRetryable).toBe(true);
  });

  it('a refund of a payment that was never paid is refused as data, not retried', async () => {
    const req = request();
    const opened = await stripe.createPayment(req);
    const result = await stripe.refund!({ refundId: `ref_${req.reference}`, paymentReference: req.reference, providerPaymentId: opened.providerPaymentId, amount: 100, currency: 'EUR' });
    expect(result).toEqual({ status: 'failed', reason: expect.stringContaining('charge_not_refundable') });
  });
});
