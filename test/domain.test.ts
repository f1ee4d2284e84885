/** The pure rules, without any server. */
import { describe, expect, it } from 'vitest';
import { signPayload, verifySignature } from '../api/webhook-signature.js';
import { ConfigError, loadConfig } from '../config.js';
import { durationMs, isDuration } from '../domain/duration.js';
import {
  applyAddLine,
  applyCancel,
  applyCheckout,
  applyConfirm,
  applyPaymentEvent,
  applySetLineQuantity,
  checkAddLine,
  checkCancel,
  checkCheckout,
  checkConfirm,
  checkNewQuotation,
  checkSetContact,
  contactEmail,
  LIMITS,
  newQuotation,
  planCheckout,
  type Order,
  type Payment,
  type PaymentMethod,
} from '../domain/order.js';

const T0 = '2026-11-26T10:00:00.000Z';
const T1 = '2026-11-26T10:05:00.000Z';
const mug = { sku: 'MUG', name: 'Mug', unitPrice: 1200, currency: 'EUR', type: 'storable' as const };
const tee = { sku: 'TEE', name: 'Tee', unitPrice: 2000, currency: 'EUR', type: 'storable' as const };

function quotation(lines = [{ product: mug, quantity: 1 }], customer = { loggedIn: false }): Order {
  return newQuotation(
    { id: 'ord_1', number: 'S00001', accessToken: 'tok', currency: 'EUR', customer, salesTeam: 'Website', salesperson: null, lines },
    T0,
  ).order;
}

function sentOrder(method: PaymentMethod = 'card'): { order: Order; payment: Payment } {
  const order = quotation();
  order.contact = { email: 'a@example.com' };
  const payment: Payment = { reference: 'pay_1', method, amount: order.total, currency: 'EUR', status: 'pending' };
  applyCheckout(order, payment, T1);
  return { order, payment };
}

describe('quotation', () => {
  it('is a draft, not paid, stamped with the sales team, with its lines merged and totalled', () => {
    const order = quotation([
      { product: mug, quantity: 1 },
      { product: mug, quantity: 2 },
      { product: tee, quantity: 1 },
    ]);
    expect(order).toMatchObject({ state: 'draft', paymentState: 'not_paid', deliveryState: 'none', salesTeam: 'Website', version: 1 });
    expect(order.lines).toMatchObject([
      { sku: 'MUG', quantity: 3, subtotal: 3600 },
      { sku: 'TEE', quantity: 1, subtotal: 2000 },
    ]);
    expect(order.total).toBe(5600);
  });

  it('refuses products in another currency, bad quantities and too many lines', () => {
    const base = { id: 'x', number: 'S1', accessToken: 't', currency: 'EUR', customer: { loggedIn: false }, salesTeam: 'W', salesperson: null };
    expect(checkNewQuotation({ ...base, lines: [{ product: { ...mug, currency: 'USD' }, quantity: 1 }] })?.code).toBe('currency_mismatch');
    expect(checkNewQuotation({ ...base, lines: [{ product: mug, quantity: 0 }] })?.code).toBe('quantity_out_of_range');
    expect(checkNewQuotation({ ...base, lines: [{ product: mug, quantity: 1.5 }] })?.code).toBe('quantity_out_of_range');
    const many = Array.from({ length: LIMITS.maxLines + 1 }, (_, i) => ({ product: { ...mug, sku: `S${i}` }, quantity: 1 }));
    expect(checkNewQuotation({ ...base, lines: many })?.code).toBe('too_many_lines');
  });
});

describe('cart edits', () => {
  it('bump the version and the customer activity time', () => {
    const order = quotation();
    const timeline = applyAddLine(order, { product: mug, quantity: 2 }, T1);
    expect(order).toMatchObject({ version: 2, lastCustomerActivityAt: T1, total: 3600 });
    expect(timeline[0]).toMatchObject({ type: 'line_added', data: { sku: 'MUG', quantity: 3 } });
    applySetLineQuantity(order, { sku: 'MUG', quantity: 0 }, T1);
    expect(order.lines).toEqual([]);
  });

  it('are refused once the quotation is sent', () => {
    const { order } = sentOrder();
    expect(checkAddLine(order, { product: tee, quantity: 1 })?.code).toBe('cart_not_editable');
    expect(checkSetContact(order, { email: 'b@example.com' })?.code).toBe('cart_not_editable');
  });

  it('refuse a merged quantity past the maximum', () => {
    const order = quotation([{ product: mug, quantity: LIMITS.maxQuantity }]);
    expect(checkAddLine(order, { product: mug, quantity: 1 })?.code).toBe('quantity_out_of_range');
  });
});

describe('checkout', () => {
  it('needs lines, something to pay and a contact email (given, or a logged-in customer)', () => {
    expect(checkCheckout(quotation([]), { paymentMethod: 'card' })?.code).toBe('empty_cart');
    expect(checkCheckout(quotation([{ product: { ...mug, unitPrice: 0 }, quantity: 1 }]), { paymentMethod: 'card' })?.code).toBe('nothing_to_pay');
    expect(checkCheckout(quotation(), { paymentMethod: 'card' })?.code).toBe('contact_required');
    const loggedIn = quotation([{ product: mug, quantity: 1 }], { loggedIn: true, email: 'l@example.com' } as never);
    expect(contactEmail(loggedIn)).toBe('l@example.com');
    expect(checkCheckout(loggedIn, { paymentMethod: 'card' })).toBeNull();
    const anonymousEmail = quotation([{ product: mug, quantity: 1 }], { loggedIn: false, email: 'x@example.com' } as never);
    expect(contactEmail(anonymousEmail)).toBeNull();
  });

  it('sends the quotation; the same method again repeats the payment, another replaces it', () => {
    const { order, payment } = sentOrder();
    expect(order).toMatchObject({ state: 'sent', paymentState: 'pending', paymentMethod: 'card' });
    expect(planCheckout(order, { paymentMethod: 'card' })).toEqual({ kind: 'repeat', payment });
    expect(planCheckout(order, { paymentMethod: 'wire_transfer' })).toMatchObject({ kind: 'pay', amount: order.total });
    applyCheckout(order, { ...payment, reference: 'pay_2', method: 'wire_transfer' }, T1);
    expect(order.payments.map((p) => p.status)).toEqual(['cancelled', 'pending']);
  });
});

describe('payment events', () => {
  const event = (type: 'payment.succeeded' | 'payment.failed' | 'payment.pending', amount = 1200, reference = 'pay_1') => ({
    eventId: `evt_${type}_${amount}`,
    type,
    reference,
    amount,
    currency: 'EUR',
  });

  it('a full payment makes the quotation sent a sales order', () => {
    const { order } = sentOrder();
    expect(applyPaymentEvent(order, event('payment.succeeded'), T1).outcome).toBe('confirmed');
    expect(order).toMatchObject({ state: 'sale', paymentState: 'paid' });
    expect(applyPaymentEvent(order, event('payment.failed'), T1).outcome).toBe('ignored');
    expect(order.paymentState).toBe('paid');
  });

  it('a wrong amount or currency confirms nothing', () => {
    const { order } = sentOrder();
    expect(applyPaymentEvent(order, event('payment.succeeded', 1199), T1).outcome).toBe('amount_mismatch');
    expect(applyPaymentEvent(order, { ...event('payment.succeeded'), currency: 'USD' }, T1).outcome).toBe('amount_mismatch');
    expect(order).toMatchObject({ state: 'sent', paymentState: 'pending' });
  });

  it('a failure lets the customer try again; an unknown reference is only recorded', () => {
    const { order } = sentOrder();
    expect(applyPaymentEvent(order, event('payment.failed'), T1).outcome).toBe('failed');
    expect(order).toMatchObject({ state: 'sent', paymentState: 'not_paid' });
    expect(checkCheckout(order, { paymentMethod: 'card' })).toBeNull();
    expect(applyPaymentEvent(order, event('payment.succeeded', 1200, 'pay_other'), T1).outcome).toBe('unknown_reference');
  });

  it('money arriving after a cancellation is flagged for a refund', () => {
    const { order } = sentOrder();
    applyCancel(order, {}, T1);
    expect(order.payments[0]?.status).toBe('cancelled');
    // The provider may still capture the cancelled payment: that money is recorded, and owed back.
    expect(applyPaymentEvent(order, event('payment.succeeded'), T1).outcome).toBe('paid_after_cancel');
    expect(order).toMatchObject({ state: 'cancel', paymentState: 'paid' });
  });
});

describe('operator actions', () => {
  it('only offline-paid quotations sent are confirmed by hand', () => {
    expect(checkConfirm(sentOrder('card').order, {})?.code).toBe('order_not_confirmable');
    expect(checkConfirm(quotation(), {})?.code).toBe('order_not_confirmable');
    const { order } = sentOrder('wire_transfer');
    expect(checkConfirm(order, {})).toBeNull();
    applyConfirm(order, {}, T1);
    expect(order).toMatchObject({ state: 'sale', paymentState: 'pending' });
    const paid = sentOrder('pay_in_store').order;
    applyConfirm(paid, { paymentReceived: true }, T1);
    expect(paid).toMatchObject({ state: 'sale', paymentState: 'paid' });
  });

  it('cancel releases a pending payment and cannot happen twice or after delivery', () => {
    const { order } = sentOrder();
    applyCancel(order, { reason: 'r' }, T1);
    expect(order).toMatchObject({ state: 'cancel', paymentState: 'not_paid', cancelReason: 'r' });
    expect(order.payments[0]?.status).toBe('cancelled');
    expect(checkCancel(order, {})?.code).toBe('order_not_cancellable');
    const delivered = sentOrder().order;
    delivered.deliveryState = 'done';
    expect(checkCancel(delivered, {})?.code).toBe('order_not_cancellable');
  });
});

describe('durations', () => {
  it('reads the settings spelling', () => {
    expect(durationMs('90s')).toBe(90_000);
    expect(durationMs('30m')).toBe(1_800_000);
    expect(durationMs('10h')).toBe(36_000_000);
    expect(durationMs('2d')).toBe(172_800_000);
    expect(isDuration('10 hours')).toBe(false);
    expect(() => durationMs('1w')).toThrow(RangeError);
  });
});

describe('webhook signatures', () => {
  const body = Buffer.from('{"id":"evt_1"}');
  const now = 1_800_000_000;
  it('accept the right secret within 5 minutes only', () => {
    expect(verifySignature('s3cret', signPayload('s3cret', body, now), body, now + 300)).toEqual({ ok: true });
    expect(verifySignature('s3cret', signPayload('s3cret', body, now), body, now + 301).ok).toBe(false);
    expect(verifySignature('s3cret', signPayload('other', body, now), body, now).ok).toBe(false);
    expect(verifySignature('s3cret', signPayload('s3cret', body, now), Buffer.from('{"id":"evt_2"}'), now).ok).toBe(false);
    expect(verifySignature('s3cret', 't=abc,v1=zz', body, now).ok).toBe(false);
    expect(verifySignature('s3cret', undefined, body, now).ok).toBe(false);
  });
});

describe('configuration', () => {
  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });

  it('uses development defaults outside production and refuses to start without secrets in production', () => {
    expect(loadConfig({}).tokens).toEqual({ storefront: 'dev-storefront-token', operator: 'dev-operator-token' });
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', STOREFRONT_API_TOKEN: 'dev-storefront-token', OPERATOR_API_TOKEN: 'x'.repeat(20), PAYMENT_WEBHOOK_SECRET: 'y'.repeat(20) }),
    ).toThrow(/STOREFRONT_API_TOKEN/);
    const production = loadConfig({ NODE_ENV: 'production', STOREFRONT_API_TOKEN: 's'.repeat(20), OPERATOR_API_TOKEN: 'o'.repeat(20), PAYMENT_WEBHOOK_SECRET: 'w'.repeat(20), CARD_PAYMENTS: 'off' });
    expect(production.devDefaultsUsed).toEqual([]);
  });
});
