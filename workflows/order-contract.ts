/**
 * Everything a caller needs to talk to an order workflow — ids, messages,
 * inputs, search attributes — and nothing of its body. `api/` and `worker.ts`
 * import this module; only `workflows/` imports workflow code.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ReminderPolicy } from '../domain/abandoned-cart.js';
import type { ManualRefund, Refund, RefundOutcome, RefundRequest, ReturnRecord, ReturnRequest } from '../domain/refunds.js';
import type { DeliveryProgress } from './delivery-contract.js';
import type { ChosenShipping } from '../domain/shipping.js';
import { formatMoney } from '../domain/money.js';
import { contactEmail } from '../domain/order.js';
import type {
  AddLine,
  Cancel,
  Checkout,
  Confirm,
  Contact,
  NewQuotation,
  Order,
  PaymentEvent,
  PaymentMethod,
  RecordPayment,
  SetLineQuantity,
  TimelineEntry,
} from '../domain/order.js';

export const ORDER_WORKFLOW_PREFIX = 'order-';

export function orderWorkflowId(orderId: string): string {
  return `${ORDER_WORKFLOW_PREFIX}${orderId}`;
}

export function orderIdFromWorkflowId(workflowId: string): string | null {
  return workflowId.startsWith(ORDER_WORKFLOW_PREFIX) ? workflowId.slice(ORDER_WORKFLOW_PREFIX.length) : null;
}

/** What an order run carries into the next run when it continues as new. */
export interface CarriedOrder {
  order: Order;
  timelineSeq: number;
  projectedVersion: number;
  processedEventIds: string[];
  policy?: ReminderPolicy | undefined;
  /** Timeline entries recorded while the ending run wrote its last projection: the next run writes them first. */
  pending?: Array<TimelineEntry & { seq: number }> | undefined;
}

/** The workflow type's name; callers start it by name, never importing its body. */
export const ORDER_WORKFLOW_TYPE = 'orderWorkflow';
export type OrderWorkflow = (input: OrderWorkflowInput) => Promise<Order>;

export type OrderWorkflowInput =
  | { kind: 'new'; quotation: NewQuotation; policy?: ReminderPolicy | undefined }
  | { kind: 'continued'; carried: CarriedOrder };

export interface PaymentView {
  reference: string;
  method: PaymentMethod;
  amount: number;
  currency: string;
  instructions?: string | undefined;
}

export interface CheckoutResult {
  order: Order;
  payment: PaymentView;
}

// Updates answer the caller with the order as it is after the change.
export const openCartUpdate = defineUpdate<Order, []>('openCart');
export const addLineUpdate = defineUpdate<Order, [AddLine]>('addLine');
export const setLineQuantityUpdate = defineUpdate<Order, [SetLineQuantity]>('setLineQuantity');
export const removeLineUpdate = defineUpdate<Order, [{ sku: string }]>('removeLine');
export const setContactUpdate = defineUpdate<Order, [Contact]>('setContact');
/** The storefront's choice of shipping method (read from the shop's methods by the API): the fee joins the total. */
export const setShippingMethodUpdate = defineUpdate<Order, [ChosenShipping]>('setShippingMethod');
export const checkoutUpdate = defineUpdate<CheckoutResult, [Checkout]>('checkout');
export const confirmUpdate = defineUpdate<Order, [Confirm]>('confirm');
export const cancelUpdate = defineUpdate<Order, [Cancel]>('cancel');

// The provider's word arrives whether or not anyone waits for it.
export const paymentEventSignal = defineSignal<[PaymentEvent]>('paymentEvent');
/** The shop changed its abandoned-cart settings: open quotations follow at once. */
export const reminderPolicySignal = defineSignal<[ReminderPolicy]>('reminderPolicy');

/** The order's delivery moved on (created, reserved, a step done, done, cancelled). */
export const deliveryProgressSignal = defineSignal<[DeliveryProgress]>('deliveryProgress');

/** A refund child settled at the provider. */
export const refundSettledSignal = defineSignal<[RefundOutcome]>('refundSettled');
/** A return child's goods arrived at the warehouse. */
export const returnReceivedSignal = defineSignal<[{ returnId: string }]>('returnReceived');

/** The operator refunds (in full when no amount is given); answers with the refund started. */
export const requestRefundUpdate = defineUpdate<Refund, [RefundRequest & { by?: string | undefined }]>('requestRefund');
/** The customer's return form; answers with the return requested. */
export const requestReturnUpdate = defineUpdate<ReturnRecord, [ReturnRequest]>('requestReturn');
/** The operator records money received by hand on a confirmed offline order; answers with the order. */
export const recordPaymentUpdate = defineUpdate<Order, [RecordPayment]>('recordPayment');
/** The operator records a refund the shop made by hand (bank transfer); answers with the refund, succeeded. */
export const recordManualRefundUpdate = defineUpdate<Refund, [ManualRefund]>('recordManualRefund');

export const orderQuery = defineQuery<Order>('order');

/** Search attributes an operator filters runs by in the Temporal UI, e.g. OrderState="sent". */
export const OrderSearchAttributes = {
  number: defineSearchAttributeKey('OrderNumber', SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey('OrderState', SearchAttributeType.KEYWORD),
  paymentState: defineSearchAttributeKey('PaymentState', SearchAttributeType.KEYWORD),
  deliveryState: defineSearchAttributeKey('DeliveryState', SearchAttributeType.KEYWORD),
  customerEmail: defineSearchAttributeKey('CustomerEmail', SearchAttributeType.KEYWORD),
  salesTeam: defineSearchAttributeKey('SalesTeam', SearchAttributeType.KEYWORD),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(OrderSearchAttributes);

export type SearchAttributeValues = Record<keyof typeof OrderSearchAttributes, string | null>;

export function searchAttributesOf(order: Order): SearchAttributeValues {
  return {
    number: order.number,
    state: order.state,
    paymentState: order.paymentState,
    deliveryState: order.deliveryState,
    customerEmail: contactEmail(order) ?? order.customer.email ?? null,
    salesTeam: order.salesTeam,
  };
}

/** The first values, set with the workflow's start so the run is findable at once. */
export function initialSearchAttributePairs(order: Order) {
  const values = searchAttributesOf(order);
  return (Object.keys(values) as Array<keyof SearchAttributeValues>)
    .filter((name) => values[name] !== null)
    .map((name) => ({ key: OrderSearchAttributes[name], value: values[name] as string }));
}

const STATE_LABELS: Record<Order['state'], string> = { draft: 'Quotation', sent: 'Quotation sent', sale: 'Sales order', cancel: 'Cancelled' };

/**
 * What the Temporal UI shows for a run: its start summary names the order,
 * and these current details (free: no history event) say where it stands.
 */
export function orderDetailsText(order: Order): string {
  const customer = contactEmail(order) ?? order.customer.email ?? 'no contact yet';
  return [
    `**${order.number}** — ${STATE_LABELS[order.state]}`,
    `Customer: ${customer} · Total: ${formatMoney(order.total, order.currency)}`,
    `Payment: ${order.paymentState} · Delivery: ${order.deliveryState}`,
    `Sales team: ${order.salesTeam}${order.salesperson ? ` · Salesperson: ${order.salesperson}` : ''}`,
  ].join('\n');
}

/** The one-line summary a run starts with, so the runs list reads like an order list. */
export function orderSummaryText(order: Order): string {
  const customer = contactEmail(order) ?? order.customer.email;
  return `${STATE_LABELS[order.state]} ${order.number}${customer ? ` · ${customer}` : ''} · ${formatMoney(order.total, order.currency)}`;
}
