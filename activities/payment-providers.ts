/**
 * The payment provider port: one provider per payment method. A provider
 * creates the payment a customer goes through at checkout and, when it
 * supports them, refunds it — fully or in part — as Odoo's `support_refund`
 * says: `none`, `full_only` or `partial`.
 */
import { formatMoney } from '../domain/money.js';
import { PaymentMethod } from '../domain/order.js';
import { SupportRefund } from '../domain/refunds.js';

export { SupportRefund };

export interface PaymentRequest {
  reference: string;
  orderNumber: string;
  amount: number;
  currency: string;
  shopName: string;
  bankAccount: string;
}

export interface RefundRequest {
  /** The refund's id: the provider's idempotency key, so a retry never refunds twice. */
  refundId: string;
  paymentReference: string;
  amount: number;
  currency: string;
  reason?: string | undefined;
}

export type RefundResult = { status: 'succeeded'; providerRefundId: string } | { status: 'failed'; reason: string };

export interface PaymentProvider {
  readonly name: string;
  readonly method: PaymentMethod;
  readonly supportRefund: SupportRefund;
  /** Creates the payment at the provider; returns what the customer must be told, if anything. */
  createPayment(request: PaymentRequest): Promise<{ instructions?: string }>;
  /** Refunds a captured payment: a refusal for good is a `failed` result; anything thrown is retried. */
  refund?(request: RefundRequest): Promise<RefundResult>;
}

/**
 * The demo card provider: the customer pays on the provider's page and the
 * signed webhook confirms; refunds are real HTTP calls to the provider's API
 * (by default the demo provider this project serves at /demo-provider).
 */
export function demoCardProvider(api: { url: string; apiKey: string }): PaymentProvider {
  return {
    name: 'demo_card',
    method: PaymentMethod.card,
    supportRefund: SupportRefund.partial,
    async createPayment() {
      return {};
    },
    async refund(request) {
      const response = await fetch(`${api.url}/v1/refunds`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.apiKey}`, 'content-type': 'application/json', 'idempotency-key': request.refundId },
        body: JSON.stringify({ payment: request.paymentReference, amount: request.amount, currency: request.currency, reason: request.reason }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await response.json().catch(() => ({}))) as { id?: string; error?: { message?: string } };
      if (response.ok && body.id) return { status: 'succeeded', providerRefundId: body.id };
      // 4xx: the provider refuses this refund for good; 5xx and the rest may pass later.
      if (response.status >= 400 && response.status < 500 && response.status !== 409 && response.status !== 429) {
        return { status: 'failed', reason: `${response.status} ${body.error?.message ?? response.statusText}` };
      }
      throw new Error(`payment provider answered ${response.status}: ${body.error?.message ?? response.statusText}`);
    },
  };
}

export const wireTransferProvider: PaymentProvider = {
  name: 'wire_transfer',
  method: PaymentMethod.wire_transfer,
  supportRefund: SupportRefund.none,
  async createPayment(r) {
    return {
      instructions: `Please transfer ${formatMoney(r.amount, r.currency)} to ${r.shopName}, ${r.bankAccount}, with the communication ${r.orderNumber}. Your order is confirmed when the transfer arrives.`,
    };
  },
};

export const payInStoreProvider: PaymentProvider = {
  name: 'pay_in_store',
  method: PaymentMethod.pay_in_store,
  supportRefund: SupportRefund.none,
  async createPayment(r) {
    return {
      instructions: `Pay ${formatMoney(r.amount, r.currency)} at ${r.shopName} when you pick up order ${r.orderNumber}.`,
    };
  },
};

export type PaymentProviders = Record<PaymentMethod, PaymentProvider>;

export function paymentProvidersOf(cardApi: { url: string; apiKey: string }): PaymentProviders {
  return { card: demoCardProvider(cardApi), wire_transfer: wireTransferProvider, pay_in_store: payInStoreProvider };
}
