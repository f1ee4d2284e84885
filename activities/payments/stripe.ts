/**
 * Stripe as the card provider, through its official SDK.
 *
 * Why PaymentIntents rather than Checkout Sessions: a PaymentIntent lives as
 * long as the order needs it. A Checkout Session expires within 24 hours, yet
 * an abandoned cart's reminder goes out after hours and its recovery link may
 * be followed days later; with a PaymentIntent the link leads back to the
 * storefront's checkout, which asks checkout again and gets the SAME payment's
 * `clientSecret` (no second payment opened). The PaymentIntent also exists from
 * the first call (a Session's PaymentIntent appears only once paid), so
 * cancelling on a cart edit and refunding later need no extra lookup, and it
 * has an explicit cancel. The price: the storefront mounts Stripe's Payment
 * Element with the `clientSecret` instead of redirecting to a hosted page.
 *
 * Idempotency: the workflow's payment reference is the Idempotency-Key of the
 * create (and is in the metadata, where webhooks find it); a refund's id is
 * the Idempotency-Key of its refund. The SDK's own retries are off: Temporal
 * retries the activity with the same keys, visibly in the history.
 */
import { ApplicationFailure } from '@temporalio/common';
import Stripe from 'stripe';
import { PaymentMethod } from '../../domain/order.js';
import { toProviderAmount } from './amounts.js';
import { SupportRefund, type CancelResult, type PaymentProvider, type RefundResult } from './port.js';

/** Stable failure types: the checkout's caller sees a refusal, never a retry loop. */
export const StripeFailureType = {
  /** Stripe refused the request for good (invalid request, card error). */
  refused: 'payment_provider_refused',
  /** The secret key is wrong or lacks a permission: an operator must fix the configuration. */
  misconfigured: 'payment_provider_misconfigured',
} as const;

export interface StripeSettings {
  secretKey: string;
  /** A test double's base URL (the SDK takes host, port and protocol); unset: api.stripe.com. */
  apiBase?: string | undefined;
  timeoutMs?: number;
}

export function stripeClient({ secretKey, apiBase, timeoutMs = 15_000 }: StripeSettings): Stripe {
  const base = apiBase ? new URL(apiBase) : undefined;
  return new Stripe(secretKey, {
    maxNetworkRetries: 0,
    timeout: timeoutMs,
    telemetry: false,
    ...(base
      ? { host: base.hostname, port: base.port || (base.protocol === 'http:' ? 80 : 443), protocol: base.protocol === 'http:' ? 'http' : 'https' }
      : {}),
  });
}

export function stripeCardProvider(settings: StripeSettings): PaymentProvider {
  const stripe = stripeClient(settings);
  return {
    name: 'stripe',
    method: PaymentMethod.card,
    supportRefund: SupportRefund.partial,

    async createPayment(request) {
      const intent = await stripeRequest(() =>
        stripe.paymentIntents.create(
          {
            amount: toProviderAmount(request.amount, request.currency),
            currency: request.currency.toLowerCase(),
            automatic_payment_methods: { enabled: true },
            description: `${request.shopName} order ${request.orderNumber}`,
            metadata: { reference: request.reference, order_number: request.orderNumber },
          },
          { idempotencyKey: request.reference },
        ),
      );
      return { providerPaymentId: intent.id, clientSecret: intent.client_secret ?? undefined };
    },

    async cancelPayment(payment): Promise<CancelResult> {
      const id = requireIntentId(payment.providerPaymentId, payment.reference);
      try {
        const intent = await stripe.paymentIntents.cancel(id, {}, { idempotencyKey: `cancel_${payment.reference}` });
        return outcomeOfCancel(intent.status, payment.reference);
      } catch (error) {
        // Cancelling a PaymentIntent that is already cancelled or paid is refused with this code: read what it is.
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'payment_intent_unexpected_state') {
          const intent = await stripeRequest(() => stripe.paymentIntents.retrieve(id));
          return outcomeOfCancel(intent.status, payment.reference);
        }
        throw mapError(error);
      }
    },

    async refund(request): Promise<RefundResult> {
      const id = requireIntentId(request.providerPaymentId, request.paymentReference);
      try {
        const refund = await stripe.refunds.create(
          {
            payment_intent: id,
            amount: toProviderAmount(request.amount, request.currency),
            metadata: { refund_id: request.refundId, reference: request.paymentReference, ...(request.reason ? { reason: request.reason.slice(0, 500) } : {}) },
          },
          { idempotencyKey: request.refundId },
        );
        if (refund.status === 'failed' || refund.status === 'canceled') return { status: 'failed', reason: `Stripe refund ${refund.id} ${refund.status}` };
        return { status: 'succeeded', providerRefundId: refund.id };
      } catch (error) {
        // More than is left, a disputed charge...: refused for good, recorded on the refund.
        if (error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeCardError) {
          return { status: 'failed', reason: `${error.code ?? error.type}: ${error.message}` };
        }
        throw mapError(error);
      }
    },
  };
}

function outcomeOfCancel(status: Stripe.PaymentIntent.Status, reference: string): CancelResult {
  if (status === 'canceled') return { status: 'cancelled' };
  if (status === 'succeeded') return { status: 'already_paid' };
  // `processing`: the customer's bank has the payment; it ends succeeded or failed, and the cancel is retried until then.
  throw new Error(`Stripe payment ${reference} is ${status}: it cannot be cancelled yet`);
}

function requireIntentId(id: string | null | undefined, reference: string): string {
  if (id) return id;
  throw ApplicationFailure.nonRetryable(`Payment ${reference} has no Stripe PaymentIntent recorded`, StripeFailureType.refused);
}

/** One request to Stripe, its error mapped onto Temporal's retry (mapError). */
async function stripeRequest<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw mapError(error);
  }
}

/**
 * Stripe's errors onto Temporal's retry: what may pass later (5xx, 429, a
 * connection error, a lock conflict) is a plain Error, retried with the same
 * idempotency key; the rest is a non-retryable failure with a stable type.
 */
export function mapError(error: unknown): Error {
  if (!(error instanceof Stripe.errors.StripeError)) return error instanceof Error ? error : new Error(String(error));
  const status = error.statusCode ?? 0;
  const summary = `Stripe ${status || ''} ${error.type}${error.code ? ` ${error.code}` : ''}: ${error.message}`.replace(/\s+/g, ' ');
  if (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    error instanceof Stripe.errors.StripeAPIError ||
    status === 409 ||
    status === 429 ||
    status >= 500
  ) {
    return new Error(summary);
  }
  if (error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError) {
    return ApplicationFailure.nonRetryable(summary, StripeFailureType.misconfigured);
  }
  return ApplicationFailure.nonRetryable(summary, StripeFailureType.refused, { code: error.code ?? null, requestId: error.requestId ?? null });
}
