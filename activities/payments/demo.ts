/**
 * The demo card provider's adapter: the customer pays on the provider's page
 * (served by api/routes/demo-provider.ts when the demo is on), a payment event
 * confirms; cancels and refunds are real HTTP calls to the provider's API, so
 * the same code runs against a loopback fake in the fault tests. Never built
 * in production (config.ts refuses it).
 */
import { PaymentMethod } from '../../domain/order.js';
import { SupportRefund, type CancelResult, type PaymentProvider, type RefundResult } from './port.js';

export interface DemoProviderApi {
  /** The provider's base URL (default: this API's own /demo-provider). */
  url: string;
  apiKey: string;
}

export function demoCardProvider(api: DemoProviderApi): PaymentProvider {
  const post = async (path: string, idempotencyKey: string, body: unknown) => {
    const response = await fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.apiKey}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const parsed = (await response.json().catch(() => ({}))) as { id?: string; status?: string; error?: { code?: string; message?: string } };
    return { response, body: parsed };
  };
  const permanent = (status: number) => status >= 400 && status < 500 && status !== 409 && status !== 429;

  return {
    name: 'demo_card',
    method: PaymentMethod.card,
    supportRefund: SupportRefund.partial,
    async createPayment(request) {
      // The demo provider keeps no payments of its own: its page reads the shop's payment record by reference.
      return { redirectUrl: `${api.url}/pay/${encodeURIComponent(request.reference)}` };
    },
    async cancelPayment(payment): Promise<CancelResult> {
      const { response, body } = await post(`/v1/payments/${encodeURIComponent(payment.reference)}/cancel`, `cancel_${payment.reference}`, {});
      if (response.ok) return { status: 'cancelled' };
      if (response.status === 409 && body.error?.code === 'payment_already_paid') return { status: 'already_paid' };
      throw new Error(`payment provider answered ${response.status}: ${body.error?.message ?? response.statusText}`);
    },
    async refund(request): Promise<RefundResult> {
      const { response, body } = await post('/v1/refunds', request.refundId, {
        payment: request.paymentReference,
        amount: request.amount,
        currency: request.currency,
        reason: request.reason,
      });
      if (response.ok && body.id) return { status: 'succeeded', providerRefundId: body.id };
      // 4xx: the provider refuses this refund for good; 5xx and the rest may pass later.
      if (permanent(response.status)) return { status: 'failed', reason: `${response.status} ${body.error?.message ?? response.statusText}` };
      throw new Error(`payment provider answered ${response.status}: ${body.error?.message ?? response.statusText}`);
    },
  };
}
