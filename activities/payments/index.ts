/** The providers a worker pays through: one per payment method, the card's chosen by the configuration. */
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../../config.js';
import { PaymentMethod } from '../../domain/order.js';
import { demoCardProvider, type DemoProviderApi } from './demo.js';
import { payInStoreProvider, wireTransferProvider } from './offline.js';
import { SupportRefund, type PaymentProvider, type PaymentProviders } from './port.js';
import { stripeCardProvider } from './stripe.js';

export * from './port.js';
export { demoCardProvider, payInStoreProvider, stripeCardProvider, wireTransferProvider };

/** The providers with the given card provider; a demo API address stands for the demo provider. */
export function paymentProvidersOf(card: DemoProviderApi | PaymentProvider): PaymentProviders {
  return { card: 'createPayment' in card ? card : demoCardProvider(card), wire_transfer: wireTransferProvider, pay_in_store: payInStoreProvider };
}

/**
 * Stripe when it is configured; otherwise the demo provider, which config.ts
 * never gives in production (there, card payments need Stripe or are off).
 */
export function paymentProvidersFor(payments: Config['payments']): PaymentProviders {
  if (payments.stripe) return paymentProvidersOf(stripeCardProvider({ secretKey: payments.stripe.secretKey, apiBase: payments.stripe.apiBase }));
  return paymentProvidersOf(payments.demo ?? noCardProvider);
}

/**
 * Production without Stripe runs with card payments off: the checkout refuses
 * them first (settings); should a card payment reach the worker anyway, it is
 * refused for good, never sent to a demo.
 */
const refuse = async (): Promise<never> => {
  throw ApplicationFailure.nonRetryable('No card payment provider is configured (STRIPE_SECRET_KEY).', 'payment_method_disabled');
};
export const noCardProvider: PaymentProvider = {
  name: 'none',
  method: PaymentMethod.card,
  supportRefund: SupportRefund.none,
  createPayment: refuse,
  cancelPayment: refuse,
};
