/**
 * The brief's card semantics as pure rules (domain/order.ts, issue 13), ahead
 * of their wiring into the order workflow: draft until the customer went
 * through payment, failed → editable again, an edit cancels the open payment,
 * a late success for a replaced payment is refunded and confirms nothing.
 */
import { describe, expect, it } from 'vitest';
import {
  applyCardCheckout,
  applyCardPaymentEvent,
  applyCartEditedAfterCheckout,
  newQuotation,
  type Order,
  type Payment,
  type PaymentEvent,
} from '../domain/order.js';

const T0 = '2026-11-26T10:00:00.000Z';
const T1 = '2026-11-26T10:05:00.000Z';
const mug = { sku: 'MUG', name: 'Mug', unitPrice: 1200, currency: 'EUR', type: 'storable' as const };

function cart(): Order {
  const order = newQuotation({ id: 'ord_1', number: 'S00001', accessToken: 'tok', currency: 'EUR', customer: { loggedIn: false }, salesTeam: 'Website', salesperson: null, lines: [{ product: mug, quantity: 1 }] }, T0).order;
  order.contact = { email: 'a@example.com' };
  return order;
}
const cardPayment = (reference: string, amount = 1200): Payment => ({ reference, method: 'card', amount, currency: 'EUR', status: 'pending', supportRefund: 'partial' });
const event = (type: PaymentEvent['type'], reference = 'pay_1', amount = 1200): PaymentEvent => ({ eventId: `evt_${type}_${reference}_${amount}`, type, reference, amount, currency: 'EUR' });

function checkedOut(): Order {
  const order = cart();
  applyCardCheckout(order, cardPayment('pay_1'), T1);
  return order;
}

describe('card checkout (issue 13 semantics)', () => {
  it('opens the payment and leaves the order a draft, not paid', () => {
    const order = cart();
    const { timeline, cancelAtProvider } = applyCardCheckout(order, cardPayment('pay_1'), T1);
    expect(order).toMatchObject({ state: 'draft', paymentState: 'not_paid', paymentMethod: 'card' });
    expect(timeline.map((e) => e.type)).toEqual(['payment_opened']);
    expect(cancelAtProvider).toEqual([]);
  });

  it('payment.pending: the customer went through payment — quotation sent', () => {
    const order = checkedOut();
    expect(applyCardPaymentEvent(order, event('payment.pending'), T1).outcome).toBe('sent');
    expect(order).toMatchObject({ state: 'sent', paymentState: 'pending' });
    expect(applyCardPaymentEvent(order, event('payment.succeeded'), T1).outcome).toBe('confirmed');
    expect(order).toMatchObject({ state: 'sale', paymentState: 'paid' });
  });

  it('payment.succeeded straight from the payment page: sent, then a sales order', () => {
    const order = checkedOut();
    const result = applyCardPaymentEvent(order, event('payment.succeeded'), T1);
    expect(result.outcome).toBe('confirmed');
    expect(result.timeline.map((e) => e.type)).toEqual(['quotation_sent', 'payment_received']);
    expect(order).toMatchObject({ state: 'sale', paymentState: 'paid', confirmedAt: T1 });
  });

  it('a wrong amount confirms nothing, from the draft either', () => {
    const order = checkedOut();
    expect(applyCardPaymentEvent(order, event('payment.succeeded', 'pay_1', 1), T1).outcome).toBe('amount_mismatch');
    expect(order).toMatchObject({ state: 'draft', paymentState: 'not_paid' });
  });

  it('payment.failed gives the cart back: a draft the customer may edit and check out again', () => {
    const order = checkedOut();
    applyCardPaymentEvent(order, event('payment.pending'), T1);
    const failed = applyCardPaymentEvent(order, event('payment.failed'), T1);
    expect(failed.outcome).toBe('reopened');
    expect(order).toMatchObject({ state: 'draft', paymentState: 'not_paid' });
    expect(order.payments.map((p) => p.status)).toEqual(['failed']);
    // Checked out again: a new payment, the failed one stays closed.
    expect(applyCardCheckout(order, cardPayment('pay_2'), T1).cancelAtProvider).toEqual([]);
    expect(applyCardPaymentEvent(order, event('payment.succeeded', 'pay_2'), T1).outcome).toBe('confirmed');
  });

  it('a declined attempt retried on the same provider payment still confirms the untouched cart', () => {
    const order = checkedOut();
    applyCardPaymentEvent(order, event('payment.failed'), T1);
    expect(applyCardPaymentEvent(order, event('payment.succeeded'), T1).outcome).toBe('confirmed');
    expect(order.state).toBe('sale');
  });

  it('editing the cart after checkout cancels the open payment at the provider; its late success is refunded, never confirms', () => {
    const order = checkedOut();
    const edit = applyCartEditedAfterCheckout(order, T1);
    expect(edit.cancelAtProvider).toEqual(['pay_1']);
    expect(edit.timeline.map((e) => e.type)).toEqual(['payment_cancelled']);
    expect(applyCartEditedAfterCheckout(order, T1).cancelAtProvider).toEqual([]);
    const late = applyCardPaymentEvent(order, event('payment.succeeded'), T1);
    expect(late).toMatchObject({ outcome: 'paid_stale', refundDue: { reference: 'pay_1', amount: 1200, currency: 'EUR' } });
    expect(late.timeline[0]!.message).toContain('after it was cancelled: refunded automatically');
    expect(order).toMatchObject({ state: 'draft', paymentState: 'not_paid' });
    // The same success again (another event id) finds the payment settled: no second refund.
    const again = applyCardPaymentEvent(order, { ...event('payment.succeeded'), eventId: 'evt_again' }, T1);
    expect(again.outcome).toBe('ignored');
    expect(again.refundDue).toBeUndefined();
  });

  it('a second checkout replaces the open payment and asks for its cancel at the provider', () => {
    const order = checkedOut();
    const second = applyCardCheckout(order, cardPayment('pay_2'), T1);
    expect(second.cancelAtProvider).toEqual(['pay_1']);
    expect(order.payments.map((p) => [p.reference, p.status])).toEqual([
      ['pay_1', 'cancelled'],
      ['pay_2', 'pending'],
    ]);
    expect(applyCardPaymentEvent(order, event('payment.pending', 'pay_1'), T1).outcome).toBe('ignored');
    expect(order.state).toBe('draft');
  });

  it('an order that is past the quotation is not reopened by a failure', () => {
    const order = checkedOut();
    applyCardPaymentEvent(order, event('payment.succeeded'), T1);
    expect(applyCardPaymentEvent(order, event('payment.failed'), T1).outcome).toBe('ignored');
    expect(order.state).toBe('sale');
  });
});
