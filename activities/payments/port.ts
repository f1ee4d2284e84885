/**
 * The payment provider port: one provider per payment method. A provider
 * opens the payment a customer goes through at checkout, cancels it when the
 * cart changes or expires, and, when it supports them, refunds it — fully or
 * in part — as Odoo's `support_refund` says: `none`, `full_only` or `partial`.
 *
 * Failures follow the house rule: a refusal for good is data (`failed`,
 * `not_cancelable`) or a non-retryable ApplicationFailure with a stable type;
 * anything thrown as a plain Error (outage, timeout, 429) is retried by Temporal.
 */
import type { PaymentMethod } from '../../domain/order.js';
import { SupportRefund } from '../../domain/refunds.js';

export { SupportRefund };

export interface PaymentRequest {
  /** Chosen by the workflow: the provider's idempotency key, so a retried activity opens one payment. */
  reference: string;
  orderNumber: string;
  /** Minor units (cents), as everywhere in this codebase; each provider converts with ./amounts.ts. */
  amount: number;
  currency: string;
  shopName: string;
  bankAccount: string;
  /** The shop's own wire-transfer text (settings), when it has one. */
  instructions?: string | undefined;
}

/** What the storefront needs to send the customer through payment. */
export interface OpenedPayment {
  /** The provider's own id for the payment (a Stripe PaymentIntent id), kept to cancel and refund it later. */
  providerPaymentId?: string | undefined;
  /** A page the customer is sent to (a hosted payment page). */
  redirectUrl?: string | undefined;
  /** A secret the storefront's own payment form uses (Stripe.js `confirmPayment`). */
  clientSecret?: string | undefined;
  /** What the customer must be told (offline methods). */
  instructions?: string | undefined;
}

export interface PaymentHandle {
  reference: string;
  providerPaymentId?: string | null | undefined;
}

export type CancelResult =
  /** Cancelled now, or cancelled before (cancelling twice is harmless). */
  | { status: 'cancelled' }
  /** The customer paid before the cancel arrived: the caller refunds it. */
  | { status: 'already_paid' };

export interface RefundRequest {
  /** The refund's id: the provider's idempotency key, so a retry never refunds twice. */
  refundId: string;
  paymentReference: string;
  providerPaymentId?: string | null | undefined;
  amount: number;
  currency: string;
  reason?: string | undefined;
}

export type RefundResult = { status: 'succeeded'; providerRefundId: string } | { status: 'failed'; reason: string };

export interface PaymentProvider {
  readonly name: string;
  readonly method: PaymentMethod;
  readonly supportRefund: SupportRefund;
  /** Opens the payment at the provider (idempotent by `reference`). */
  createPayment(request: PaymentRequest): Promise<OpenedPayment>;
  /** Cancels an open payment (idempotent); absent for methods with nothing open at a provider. */
  cancelPayment?(payment: PaymentHandle): Promise<CancelResult>;
  /** Refunds a captured payment: a refusal for good is a `failed` result; anything thrown is retried. */
  refund?(request: RefundRequest): Promise<RefundResult>;
}

export type PaymentProviders = Record<PaymentMethod, PaymentProvider>;
