/**
 * Stripe's webhook events onto the order's payment events (the contract's
 * `payment.pending | payment.succeeded | payment.failed`). Only payments this
 * shop opened count: they carry the workflow's payment reference in their
 * metadata. Everything else is acknowledged and ignored.
 */
import type Stripe from 'stripe';
import type { PaymentEventType } from '../../domain/order.js';
import { fromProviderAmount } from './amounts.js';

export interface MappedPaymentEvent {
  id: string;
  type: PaymentEventType;
  data: { reference: string; amount: number; currency: string };
}

export function paymentEventOfStripe(event: Stripe.Event): MappedPaymentEvent | null {
  const of = (type: PaymentEventType, object: { metadata?: Stripe.Metadata | null; currency?: string | null }, minorAmount: number | null | undefined) => {
    const reference = object.metadata?.reference;
    if (!reference || !object.currency || minorAmount == null) return null;
    const currency = object.currency.toUpperCase();
    return { id: event.id, type, data: { reference, amount: fromProviderAmount(minorAmount, currency), currency } };
  };
  switch (event.type) {
    // The customer went through payment; the money is not confirmed yet (a bank debit, an authorisation).
    case 'payment_intent.processing':
    case 'payment_intent.amount_capturable_updated':
      return of('payment.pending', event.data.object, event.data.object.amount);
    case 'payment_intent.succeeded':
      return of('payment.succeeded', event.data.object, event.data.object.amount_received);
    // A declined attempt, or a payment cancelled (by the shop or by Stripe): the quotation may be checked out again.
    case 'payment_intent.payment_failed':
    case 'payment_intent.canceled':
      return of('payment.failed', event.data.object, event.data.object.amount);
    // Checkout Sessions (Payment Links) carrying our reference map the same way.
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return event.data.object.payment_status === 'paid' ? of('payment.succeeded', event.data.object, event.data.object.amount_total) : null;
    case 'checkout.session.async_payment_failed':
      return of('payment.failed', event.data.object, event.data.object.amount_total);
    default:
      return null;
  }
}
