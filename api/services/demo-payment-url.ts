/**
 * Where a customer pays a card payment on the demo provider's page
 * (api/routes/demo-provider.ts). Behind the same gate as the page itself,
 * `config.demoPaymentPage`: off the gate there is no such URL.
 */
import type { Config } from '../../config.js';
import { PaymentMethod, PaymentOutcome } from '../../domain/order.js';

/** The demo provider's page for this payment, while it can still be paid there; undefined off the gate. */
export function demoPaymentUrl(config: Pick<Config, 'demoPaymentPage' | 'publicUrl'>, payment: { reference: string; method: string; status?: string }): string | undefined {
  if (!config.demoPaymentPage || payment.method !== PaymentMethod.card || (payment.status && payment.status !== PaymentOutcome.pending)) return undefined;
  return `${config.publicUrl}/demo-provider/pay/${encodeURIComponent(payment.reference)}`;
}
