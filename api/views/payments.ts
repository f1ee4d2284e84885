/** How payments leave the API: with the link where the customer pays, when there is one. */
import type { Config } from '../../config.js';
import type { CheckoutResult } from '../../workflows/order-contract.js';
import { demoPaymentUrl } from '../services/demo-payment-url.js';

type PaymentLike = { reference: string; method: string; status?: string };

/** A stored payment, with `paymentUrl` while the customer can still pay it there. */
export function paymentView<P extends PaymentLike>(config: Config, payment: P): P & { paymentUrl?: string } {
  const paymentUrl = demoPaymentUrl(config, payment);
  return paymentUrl ? { ...payment, paymentUrl } : payment;
}

/** The payment a checkout answers with: what the customer must do next. */
export function checkoutPaymentView(
  config: Config,
  payment: CheckoutResult['payment'],
  opened?: { redirectUrl?: string | null; clientSecret?: string | null } | null,
) {
  const { reference, method, amount, currency, instructions } = payment;
  const paymentUrl = demoPaymentUrl(config, payment);
  return {
    reference,
    method,
    amount,
    currency,
    ...(instructions ? { instructions } : {}),
    ...(paymentUrl ? { paymentUrl } : {}),
    // What the provider opened (Stripe's redirect or client secret), read from the payment record.
    ...(opened?.redirectUrl ? { redirectUrl: opened.redirectUrl } : {}),
    ...(opened?.clientSecret ? { clientSecret: opened.clientSecret } : {}),
  };
}
