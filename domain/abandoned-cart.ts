/**
 * When an idle quotation gets a reminder, and when it expires. Pure: the
 * order workflow asks these questions when its single idle timer fires.
 */
import { durationMs } from './duration.js';
import { contactEmail, OrderState, type Order, type TimelineEntry } from './order.js';
import type { AbandonedCartSettings } from './settings.js';

export interface ReminderPolicy {
  enabled: boolean;
  /** Idle time before each reminder, measured from the customer's last change. */
  delaysMs: number[];
  /** Idle time after which the quotation is cancelled and its workflow completes. */
  expireAfterMs: number;
}

export function reminderPolicyOf(settings: AbandonedCartSettings): ReminderPolicy {
  return {
    enabled: settings.enabled,
    delaysMs: [settings.delay, ...settings.followUps].map(durationMs),
    expireAfterMs: durationMs(settings.expireAfter),
  };
}

export type IdleStep = { kind: 'remind'; at: number; seq: number } | { kind: 'expire'; at: number };

/** The next thing that happens to an idle quotation if the customer does nothing. */
export function nextIdleStep(order: Order, policy: ReminderPolicy): IdleStep {
  const last = Date.parse(order.lastCustomerActivityAt);
  const expire: IdleStep = { kind: 'expire', at: last + policy.expireAfterMs };
  const delay = policy.delaysMs[order.remindersSent];
  if (policy.enabled && delay !== undefined && order.reminderPassedOverAt !== order.lastCustomerActivityAt) {
    const at = last + delay;
    if (at < expire.at) return { kind: 'remind', at, seq: order.remindersSent + 1 };
  }
  return expire;
}

export type ReminderBlocker = 'no_contact' | 'nothing_to_pay';

/** A cart worth reminding its customer of: lines, and a total above zero. */
export function hasSomethingToPay(order: Pick<Order, 'total' | 'lines'>): boolean {
  return order.total > 0 && order.lines.length > 0;
}

/** Only a quotation with something to pay and a known email gets a reminder. */
export function reminderBlocker(order: Order): ReminderBlocker | null {
  if (!hasSomethingToPay(order)) return 'nothing_to_pay';
  if (!contactEmail(order)) return 'no_contact';
  return null;
}

/** Nothing could be sent for this idle period; a new change by the customer starts another. */
export function applyReminderPassedOver(order: Order, blocker: ReminderBlocker, now: string): TimelineEntry[] {
  order.reminderPassedOverAt = order.lastCustomerActivityAt;
  order.updatedAt = now;
  order.version += 1;
  const why = blocker === 'no_contact' ? 'no contact email is known' : 'the cart has nothing to pay';
  return [{ at: now, type: 'reminder_passed_over', message: `Cart idle, but no reminder: ${why}`, data: { blocker } }];
}

export function applyReminderDone(order: Order, seq: number, now: string): void {
  order.remindersSent = Math.max(order.remindersSent, seq);
  order.lastReminderAt = now;
  order.updatedAt = now;
  order.version += 1;
}

export function applyExpiry(order: Order, now: string): TimelineEntry[] {
  order.state = OrderState.cancel;
  order.cancelReason = 'expired';
  order.updatedAt = now;
  order.version += 1;
  return [{ at: now, type: 'cart_expired', message: `Quotation ${order.number} expired after ${describeIdle(order, now)} without a change` }];
}

function describeIdle(order: Order, now: string): string {
  const days = (Date.parse(now) - Date.parse(order.lastCustomerActivityAt)) / 86_400_000;
  return days >= 1 ? `${Math.floor(days)} days` : `${Math.round(days * 24 * 60)} minutes`;
}

/**
 * What the operator's list calls an abandoned cart: a quotation with
 * something to pay whose customer has been idle longer than the first
 * reminder's delay. The database filters with these same fields (db/orders.ts
 * `listOrders`), so the list and `isAbandonedCart` cannot disagree.
 */
export interface AbandonedCartCriteria {
  state: typeof OrderState.draft;
  /** Something to pay: a total above this (a cart with lines has a total above zero). */
  totalAbove: number;
  /** The customer's last change came before this instant. */
  idleBefore: string;
}

export function abandonedCartCriteria(settings: AbandonedCartSettings, now: number): AbandonedCartCriteria {
  const firstReminderDelay = reminderPolicyOf(settings).delaysMs[0]!;
  return { state: OrderState.draft, totalAbove: 0, idleBefore: new Date(now - firstReminderDelay).toISOString() };
}

export function isAbandonedCart(order: Pick<Order, 'state' | 'total' | 'lastCustomerActivityAt'>, criteria: AbandonedCartCriteria): boolean {
  return (
    order.state === criteria.state &&
    order.total > criteria.totalAbove &&
    Date.parse(order.lastCustomerActivityAt) < Date.parse(criteria.idleBefore)
  );
}
