/**
 * The activities' signatures, for workflows to proxy. Workflows import only
 * types from `activities/`; the implementations are built in `worker.ts`.
 */
import type { NumberedEntry } from '../db/orders.js';
import type { Delivery } from '../domain/delivery.js';
import type { Order, PaymentMethod } from '../domain/order.js';
import type { SupportRefund } from '../domain/refunds.js';
import type { SendEmailInput, SendEmailResult } from './email.js';

export interface CreatePaymentInput {
  orderId: string;
  orderNumber: string;
  /** Chosen by the workflow, so a retried activity creates the same payment once. */
  reference: string;
  method: PaymentMethod;
  amount: number;
  currency: string;
}

export interface CreatedPayment {
  reference: string;
  provider: string;
  instructions?: string | undefined;
  /** The provider's hosted payment page, when it has one. */
  redirectUrl?: string | undefined;
  supportRefund: SupportRefund;
}

/** `already_paid`: the customer paid before the cancel arrived — the workflow refunds it. */
export type CancelledPayment = { status: 'cancelled' } | { status: 'already_paid' };

export interface OrderActivities {
  /** `delivery`: the order's delivery as it last told it; both, first and backorder, when it has one. */
  projectOrder(order: Order, timeline: NumberedEntry[], delivery?: Delivery | Delivery[]): Promise<void>;
  createPayment(input: CreatePaymentInput): Promise<CreatedPayment>;
  /** Cancels an open payment at its provider (idempotent). */
  cancelPayment(reference: string): Promise<CancelledPayment>;
  sendEmail(input: SendEmailInput): Promise<SendEmailResult>;
}

export type { SendEmailInput, SendEmailResult };
