/**
 * Refunds and returns: what may be refunded, what may come back. Pure, like
 * the rest of the order's rules; the order workflow runs them.
 */
import { returnableByDefault } from './catalog.js';
import { DomainError } from './errors.js';
import { formatMoney } from './money.js';
import { amountReceived, DeliveryState, OrderState, PaymentState, PaymentOutcome, refundableAmount, refundOwed, type Order, type Payment, type TimelineEntry } from './order.js';
import { returnWindowDaysOf } from './settings.js';

export const SupportRefund = { none: 'none', full_only: 'full_only', partial: 'partial' } as const;
export type SupportRefund = (typeof SupportRefund)[keyof typeof SupportRefund];

export const RefundStatus = { pending: 'pending', succeeded: 'succeeded', failed: 'failed' } as const;
export type RefundStatus = (typeof RefundStatus)[keyof typeof RefundStatus];

export interface Refund {
  id: string;
  amount: number;
  currency: string;
  paymentReference: string;
  status: RefundStatus;
  reason?: string | undefined;
  returnId?: string | undefined;
  providerRefundId?: string | undefined;
  failureReason?: string | undefined;
  requestedAt: string;
  settledAt?: string | undefined;
  /** Made by the shop by hand (a bank transfer) and recorded by an operator: no provider call. */
  manual?: true | undefined;
  by?: string | undefined;
}

export interface ReturnLine {
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  reason: string;
}

export const ReturnState = {
  requested: 'requested',
  received: 'received',
  refunded: 'refunded',
  to_refund_manually: 'to_refund_manually',
  refund_failed: 'refund_failed',
} as const;
export type ReturnState = (typeof ReturnState)[keyof typeof ReturnState];

export interface ReturnRecord {
  id: string;
  state: ReturnState;
  lines: ReturnLine[];
  amount: number;
  refundId?: string | undefined;
  requestedAt: string;
  receivedAt?: string | undefined;
}

function paidPayment(order: Order): Payment | undefined {
  return order.payments.find((p) => p.status === PaymentOutcome.succeeded);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** The rule lives with the order's money (domain/order.ts): received (a succeeded payment, or the receipts recorded by hand), minus what was refunded or is being refunded. */
export { amountReceived, refundableAmount, refundOwed };

/** Receipts on a live order pay for it (the customer still owes the rest): they go back once the order is cancelled. */
function notPaidInFull(order: Order): DomainError {
  return new DomainError(
    'order_not_paid_in_full',
    `Order ${order.number} is not paid in full: the ${formatMoney(amountReceived(order), order.currency)} received count towards it. Cancel the order to give them back.`,
    { received: amountReceived(order) },
  );
}

export interface RefundRequest {
  amount?: number | undefined;
  reason?: string | undefined;
}

export function checkRefund(order: Order, request: RefundRequest): DomainError | null {
  const payment = paidPayment(order);
  if (!payment && amountReceived(order) > 0 && order.state !== OrderState.cancel) return notPaidInFull(order);
  if (!payment && refundableAmount(order) > 0) {
    // Receipts recorded by hand (an order cancelled before they covered the total): no provider ever held that money.
    return new DomainError(
      'refund_not_supported',
      `The ${formatMoney(refundableAmount(order), order.currency)} received on ${order.number} was recorded by hand: refund the customer by bank transfer and record it (manual: true).`,
      { method: order.paymentMethod },
    );
  }
  if (!payment) return new DomainError('nothing_to_refund', `Order ${order.number} has no payment received to refund.`);
  const support = payment.supportRefund ?? SupportRefund.none;
  if (support === SupportRefund.none) {
    return new DomainError(
      'refund_not_supported',
      `Order ${order.number} was paid by ${payment.method.replace('_', ' ')}, whose provider does not refund: refund the customer by bank transfer and record it in your books.`,
      { method: payment.method },
    );
  }
  const remaining = refundableAmount(order);
  if (remaining <= 0) return new DomainError('nothing_to_refund', `Order ${order.number} has been refunded in full already.`);
  const amount = request.amount ?? remaining;
  if (!Number.isInteger(amount) || amount <= 0) return new DomainError('invalid_request', 'A refund amount is a positive whole number of cents.');
  if (amount > remaining) {
    return new DomainError('refund_exceeds_paid', `At most ${formatMoney(remaining, payment.currency)} can still be refunded on ${order.number}.`, { remaining });
  }
  if (support === SupportRefund.full_only && (amount !== payment.amount || remaining !== payment.amount)) {
    return new DomainError('partial_refund_not_supported', `The ${payment.method} provider only refunds in full (${formatMoney(payment.amount, payment.currency)}).`);
  }
  return null;
}

/** Whether a return's value can be refunded automatically, or needs the operator. */
export function canRefundAutomatically(order: Order, amount: number): boolean {
  return checkRefund(order, { amount: Math.min(amount, refundableAmount(order)) }) === null && refundableAmount(order) > 0;
}

function touch(order: Order, now: string): void {
  order.updatedAt = now;
  order.version += 1;
}

export function applyRefundRequested(order: Order, refund: Refund, now: string): TimelineEntry[] {
  order.refunds = [...(order.refunds ?? []), refund];
  touch(order, now);
  return [
    {
      at: now,
      type: 'refund_requested',
      message: `Refund of ${formatMoney(refund.amount, refund.currency)} requested${refund.reason ? `: ${refund.reason}` : ''}`,
      data: { refundId: refund.id, amount: refund.amount, returnId: refund.returnId },
    },
  ];
}

export interface RefundOutcome {
  refundId: string;
  status: 'succeeded' | 'failed';
  providerRefundId?: string | undefined;
  reason?: string | undefined;
}

/**
 * The refunds that succeeded, in the order they succeeded (then as
 * requested). A refund email goes per succeeded refund, the n-th email for the
 * n-th of this list: a refund that succeeds later is always appended, so each
 * gets its email once even when they succeed out of the order they were asked
 * in (a provider answering the second before the first).
 */
export function refundsInSettlementOrder(order: Order): Refund[] {
  return (order.refunds ?? [])
    .map((refund, asked) => ({ refund, asked }))
    .filter(({ refund }) => refund.status === RefundStatus.succeeded)
    .sort((a, b) => (a.refund.settledAt ?? '').localeCompare(b.refund.settledAt ?? '') || a.asked - b.asked)
    .map(({ refund }) => refund);
}

export function applyRefundSettled(order: Order, outcome: RefundOutcome, now: string): TimelineEntry[] {
  const refund = (order.refunds ?? []).find((r) => r.id === outcome.refundId);
  if (!refund || refund.status !== 'pending') return [];
  refund.status = outcome.status;
  refund.settledAt = now;
  refund.providerRefundId = outcome.providerRefundId;
  refund.failureReason = outcome.reason;
  const payment = paidPayment(order);
  const refunded = sum((order.refunds ?? []).filter((r) => r.status === 'succeeded').map((r) => r.amount));
  if (payment && refunded > 0) order.paymentState = refunded >= payment.amount ? PaymentState.refunded : PaymentState.partially_refunded;
  const ret = refund.returnId ? (order.returns ?? []).find((r) => r.id === refund.returnId) : undefined;
  if (ret) ret.state = outcome.status === 'succeeded' ? 'refunded' : 'refund_failed';
  touch(order, now);
  return [
    outcome.status === 'succeeded'
      ? { at: now, type: 'refund_succeeded', message: `Refunded ${formatMoney(refund.amount, refund.currency)} (${outcome.providerRefundId})`, data: { refundId: refund.id } }
      : { at: now, type: 'refund_failed', message: `Refund of ${formatMoney(refund.amount, refund.currency)} refused by the provider: ${outcome.reason}`, data: { refundId: refund.id } },
  ];
}

// ---------------------------------------------------------------- payments that came after they were cancelled

/** The card payment the provider has not yet been told is cancelled (an edit, a replacement, a cancel, an expiry closed it). */
export function paymentToCancelAtProvider(order: Order): Payment | undefined {
  return order.payments.find((p) => p.untilPaid && !p.providerCancelled && p.status === PaymentOutcome.cancelled);
}

/** The provider was asked to cancel the payment: it did, or the customer had paid already (that money is refunded when its success arrives). */
export function applyProviderCancelled(order: Order, payment: Payment, answer: { status: string }, now: string): TimelineEntry[] {
  payment.providerCancelled = true;
  order.version += 1;
  return [
    answer.status === 'already_paid'
      ? { at: now, type: 'payment_cancel_too_late', message: `Payment ${payment.reference} was already paid at the provider: it will be refunded`, data: { reference: payment.reference } }
      : { at: now, type: 'payment_cancelled_at_provider', message: `Payment ${payment.reference} cancelled at the provider`, data: { reference: payment.reference } },
  ];
}

/** A payment that succeeded after it was cancelled and whose refund has not been asked yet. */
export function latePaymentToRefund(order: Order): Payment | undefined {
  return order.payments.find((p) => p.paidLate && !p.lateRefund);
}

/** Its refund, keyed by the payment's reference: one refund per late payment, whatever happens. */
export function applyLatePaymentRefundRequested(order: Order, payment: Payment, now: string): { refundId: string; timeline: TimelineEntry[] } {
  const refundId = `rfd_late_${payment.reference}`;
  payment.lateRefund = { id: refundId, status: 'pending' };
  order.version += 1;
  return {
    refundId,
    timeline: [
      {
        at: now,
        type: 'refund_requested',
        message: `Refund of ${formatMoney(payment.amount, payment.currency)} requested: payment ${payment.reference} arrived after it was cancelled`,
        data: { refundId, reference: payment.reference },
      },
    ],
  };
}

/**
 * The outcome of a late payment's refund, or null when the outcome is not of
 * one (an ordinary refund: applyRefundSettled). Its first outcome only.
 */
export function applyLatePaymentRefundSettled(order: Order, outcome: RefundOutcome, now: string): TimelineEntry[] | null {
  const late = order.payments.find((p) => p.lateRefund?.id === outcome.refundId);
  if (!late?.lateRefund) return null;
  if (late.lateRefund.status !== 'pending') return [];
  late.lateRefund.status = outcome.status;
  order.version += 1;
  return [
    {
      at: now,
      type: outcome.status === 'succeeded' ? 'refund_succeeded' : 'refund_failed',
      message:
        outcome.status === 'succeeded'
          ? `Late payment ${late.reference} refunded (${outcome.providerRefundId})`
          : `Refund of the late payment ${late.reference} refused by the provider: ${outcome.reason}`,
      data: { refundId: outcome.refundId, reference: late.reference },
    },
  ];
}

// ---------------------------------------------------------------- refunds made by hand

export interface ManualRefund {
  amount?: number | undefined;
  reason?: string | undefined;
  by?: string | undefined;
}

/**
 * A refund the shop made itself (a bank transfer) is recorded where the
 * provider cannot make it: a payment whose provider does not refund, or not
 * this amount. One the provider can make goes through it, so the money and
 * the books never part. Never more than is left to refund.
 */
export function checkManualRefund(order: Order, request: ManualRefund): DomainError | null {
  const payment = paidPayment(order);
  if (amountReceived(order) <= 0) return new DomainError('nothing_to_refund', `Order ${order.number} has no payment received to refund.`);
  if (!payment && order.state !== OrderState.cancel) return notPaidInFull(order);
  const remaining = refundableAmount(order);
  if (remaining <= 0) return new DomainError('nothing_to_refund', `Order ${order.number} has been refunded in full already.`);
  const amount = request.amount ?? remaining;
  if (!Number.isInteger(amount) || amount <= 0) return new DomainError('invalid_request', 'A refund amount is a positive whole number of cents.');
  if (amount > remaining) {
    return new DomainError('refund_exceeds_paid', `At most ${formatMoney(remaining, order.currency)} can still be refunded on ${order.number}.`, { remaining });
  }
  if (payment && checkRefund(order, { amount }) === null) {
    return new DomainError(
      'refund_through_provider',
      `Order ${order.number} was paid by ${payment.method.replace('_', ' ')} and its provider refunds this amount: refund it through the provider (without "manual").`,
      { method: payment.method },
    );
  }
  return null;
}

/**
 * A cancelled order that keeps the customer's money (its payment, or receipts
 * recorded by hand before it was paid in full) owes it back: noted once, with
 * how it goes back (through the provider where it can, else by hand and
 * recorded as a manual refund). The order's run stays open until it is refunded.
 */
export function applyRefundOwed(order: Order, now: string): TimelineEntry[] {
  const amount = refundOwed(order);
  if (amount <= 0 || order.refundOwed) return [];
  order.refundOwed = { amount, at: now };
  touch(order, now);
  const byProvider = checkRefund(order, {}) === null;
  return [
    {
      at: now,
      type: 'refund_owed',
      message: `${formatMoney(amount, order.currency)} received on the cancelled order ${order.number} is owed to the customer: ${
        byProvider ? 'refund it through the provider' : 'refund it by bank transfer, then record the manual refund'
      }`,
      data: { amount, manual: !byProvider },
    },
  ];
}

/** Returns waiting for a refund by hand, oldest first. */
export function returnsToRefundManually(order: Order): ReturnRecord[] {
  return (order.returns ?? []).filter((r) => r.state === ReturnState.to_refund_manually);
}

/**
 * Records the refund as made (succeeded), moves the payment state, and
 * settles the returns it covers: oldest first while the amount covers each
 * (what is left of a return's value to refund: all of it once nothing is left
 * to refund on the order).
 */
export function applyManualRefund(order: Order, id: string, request: ManualRefund, now: string): { refund: Refund; timeline: TimelineEntry[] } {
  // The payment paid in full, or the one the receipts counted towards (an order cancelled before they covered it).
  const payment = paidPayment(order);
  const received = amountReceived(order);
  const amount = request.amount ?? refundableAmount(order);
  const refund: Refund = {
    id,
    amount,
    currency: payment?.currency ?? order.currency,
    paymentReference: payment?.reference ?? order.receipts?.findLast((r) => r.reference)?.reference ?? order.payments.at(-1)?.reference ?? '',
    status: RefundStatus.succeeded,
    reason: request.reason,
    requestedAt: now,
    settledAt: now,
    manual: true,
    ...(request.by ? { by: request.by } : {}),
  };
  const waiting = returnsToRefundManually(order);
  order.refunds = [...(order.refunds ?? []), refund];
  const nothingLeft = refundableAmount(order) <= 0;
  let left = amount;
  const settled: string[] = [];
  for (const ret of waiting) {
    if (!nothingLeft && ret.amount > left) break;
    left -= ret.amount;
    ret.state = ReturnState.refunded;
    ret.refundId = id;
    settled.push(ret.id);
  }
  if (settled.length === 1) refund.returnId = settled[0];
  const refunded = sum((order.refunds ?? []).filter((r) => r.status === RefundStatus.succeeded).map((r) => r.amount));
  order.paymentState = refunded >= received ? PaymentState.refunded : PaymentState.partially_refunded;
  touch(order, now);
  return {
    refund,
    timeline: [
      {
        at: now,
        type: 'refund_recorded',
        message: `Refund of ${formatMoney(amount, refund.currency)} made by hand (bank transfer), recorded by ${request.by ?? 'an operator'}${request.reason ? `: ${request.reason}` : ''}${
          settled.length ? ` — settles ${settled.length === 1 ? 'the return' : `${settled.length} returns`} waiting for it` : ''
        }`,
        data: { refundId: id, amount, manual: true, returnIds: settled },
      },
    ],
  };
}

// ---------------------------------------------------------------- returns

export interface ReturnRequest {
  lines: Array<{ sku: string; quantity: number; reason: string }>;
  /** The catalog now: a product may have become non-returnable since it was sold. */
  catalog: Record<string, { returnable: boolean; type: string }>;
  /** The shop's return window now: it applies only to an order that recorded none at delivery (see returnWindowDaysOf). */
  returnWindowDays: number;
}

/**
 * Whether a product may come back: services never do, nor a product the
 * catalog now marks non-returnable. `soldType` is the type on the order line,
 * when known (the catalog may have changed since).
 */
export function isReturnable(product: { returnable: boolean; type: string } | undefined, soldType?: string): boolean {
  if (soldType !== undefined && !returnableByDefault(soldType)) return false;
  return product === undefined || (returnableByDefault(product.type) && product.returnable);
}

/** How many of each product may still come back: delivered, minus what returns already ask for. */
export function returnableQuantities(order: Order): Map<string, number> {
  // With a backorder, what each delivery actually took (the order's lines as sold, else).
  const delivered = order.delivery?.delivered;
  const left = new Map(order.lines.map((l) => [l.sku, order.deliveryState !== DeliveryState.done ? 0 : delivered ? (delivered[l.sku] ?? 0) : l.quantity]));
  for (const ret of order.returns ?? []) for (const l of ret.lines) left.set(l.sku, (left.get(l.sku) ?? 0) - l.quantity);
  return left;
}

/**
 * What may still come back of one product, as the return form offers it:
 * nothing of a product that is not returnable, nor of an order whose live
 * state is unknown (null); else what was delivered minus what returns ask for.
 */
export function returnAllowance(order: Order | null, sku: string, product: { returnable: boolean; type: string } | undefined): { returnable: boolean; left: number } {
  const sold = order?.lines.find((l) => l.sku === sku);
  const returnable = isReturnable(product, sold?.type);
  return { returnable, left: returnable && order ? Math.max(0, returnableQuantities(order).get(sku) ?? 0) : 0 };
}

export function returnWindowEnd(order: Order, returnWindowDays: number): number | null {
  return order.deliveredAt ? Date.parse(order.deliveredAt) + returnWindowDays * 86_400_000 : null;
}

export function checkReturn(order: Order, request: ReturnRequest, now: string): DomainError | null {
  if (order.state !== OrderState.sale || order.deliveryState !== DeliveryState.done || !order.deliveredAt) {
    return new DomainError('order_not_delivered', `Order ${order.number} has not been delivered yet: goods can be returned once they have arrived.`);
  }
  const windowDays = returnWindowDaysOf(order, request.returnWindowDays);
  const end = returnWindowEnd(order, windowDays)!;
  if (Date.parse(now) > end) {
    return new DomainError('return_window_closed', `The ${windowDays}-day return window for ${order.number} closed on ${new Date(end).toISOString().slice(0, 10)}.`);
  }
  if (request.lines.length === 0) return new DomainError('invalid_request', 'Choose at least one product to return.');
  const left = returnableQuantities(order);
  const seen = new Set<string>();
  for (const line of request.lines) {
    const sold = order.lines.find((l) => l.sku === line.sku);
    if (!sold || seen.has(line.sku)) return new DomainError('return_exceeds_delivered', `${line.sku} is not on order ${order.number} (or is listed twice).`, { sku: line.sku });
    seen.add(line.sku);
    if (!isReturnable(request.catalog[line.sku], sold.type)) {
      return new DomainError('product_not_returnable', `${sold.name} cannot be returned.`, { sku: line.sku });
    }
    if (line.quantity > (left.get(line.sku) ?? 0)) {
      return new DomainError('return_exceeds_delivered', `At most ${Math.max(0, left.get(line.sku) ?? 0)} × ${sold.name} can still be returned.`, {
        sku: line.sku,
        returnable: Math.max(0, left.get(line.sku) ?? 0),
      });
    }
  }
  return null;
}

export function applyReturnRequested(order: Order, id: string, request: ReturnRequest, now: string): { record: ReturnRecord; timeline: TimelineEntry[] } {
  const lines = request.lines.map((l) => {
    const sold = order.lines.find((s) => s.sku === l.sku)!;
    return { sku: l.sku, name: sold.name, quantity: l.quantity, unitPrice: sold.unitPrice, reason: l.reason };
  });
  const record: ReturnRecord = { id, state: 'requested', lines, amount: sum(lines.map((l) => l.quantity * l.unitPrice)), requestedAt: now };
  order.returns = [...(order.returns ?? []), record];
  touch(order, now);
  return {
    record,
    timeline: [
      {
        at: now,
        type: 'return_requested',
        message: `Return requested: ${lines.map((l) => `${l.quantity} × ${l.name}`).join(', ')}`,
        data: { returnId: id, amount: record.amount },
      },
    ],
  };
}

export function applyReturnReceived(order: Order, returnId: string, now: string): { record: ReturnRecord | undefined; timeline: TimelineEntry[] } {
  const record = (order.returns ?? []).find((r) => r.id === returnId);
  if (!record || record.state !== 'requested') return { record: undefined, timeline: [] };
  record.state = 'received';
  record.receivedAt = now;
  touch(order, now);
  return { record, timeline: [{ at: now, type: 'return_received', message: `Returned goods received, back in stock`, data: { returnId } }] };
}

export function applyReturnNeedsManualRefund(order: Order, record: ReturnRecord, now: string): TimelineEntry[] {
  record.state = 'to_refund_manually';
  touch(order, now);
  return [
    {
      at: now,
      type: 'return_to_refund_manually',
      message: `Return of ${formatMoney(record.amount, order.currency)} must be refunded by hand: the payment provider does not refund it`,
      data: { returnId: record.id },
    },
  ];
}
