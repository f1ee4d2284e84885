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
  supportRefund: SupportRefund;
}

export interface OrderActivities {
  projectOrder(order: Order, timeline: NumberedEntry[], delivery?: Delivery): Promise<void>;
  createPayment(input: CreatePaymentInput): Promise<CreatedPayment>;
  sendEmail(input: SendEmailInput): Promise<SendEmailResult>;
}

export type { SendEmailInput, SendEmailResult };
