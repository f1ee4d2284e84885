/** How orders leave the API: the contract's `Order`, never the access token except in the operator's detail. */
import type { OrderSummary } from '../../db/orders.js';
import { amountDue, isOfflineMethod, OrderState, refundOwed, taxesOf, type Order } from '../../domain/order.js';

export function orderView(order: Order) {
  // Computed from the lines: orders priced before taxes (no rate on their lines) show 0 % and their total unchanged.
  const { untaxedAmount, taxAmount, taxes } = taxesOf(order);
  return {
    id: order.id,
    number: order.number,
    state: order.state,
    paymentState: order.paymentState,
    deliveryState: order.deliveryState,
    lines: order.lines.map((l) => ({ sku: l.sku, name: l.name, quantity: l.quantity, unitPrice: l.unitPrice, subtotal: l.subtotal, taxRate: l.taxRate ?? 0 })),
    pricesIncludeTax: order.pricesIncludeTax ?? true,
    untaxedAmount,
    taxAmount,
    taxes,
    total: order.total,
    currency: order.currency,
    contact: order.contact,
    customer: order.customer,
    paymentMethod: order.paymentMethod,
    salesTeam: order.salesTeam,
    salesperson: order.salesperson,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    lastCustomerActivityAt: order.lastCustomerActivityAt,
    version: order.version,
    remindersSent: order.remindersSent ?? 0,
    lastReminderAt: order.lastReminderAt ?? null,
    confirmedAt: order.confirmedAt ?? null,
    invoice: order.invoice ?? null,
    creditNotes: order.creditNotes ?? [],
    receipts: order.receipts ?? [],
    // What the operator may still record by hand: a confirmed order paid offline.
    ...(order.state === OrderState.sale && order.paymentMethod && isOfflineMethod(order.paymentMethod) ? { amountDue: amountDue(order) } : {}),
    // What a cancelled order owes its customer: the money received and not (yet) refunded.
    ...(refundOwed(order) > 0 ? { refundDue: refundOwed(order) } : {}),
    ...(order.shipping ? { shipping: { methodId: order.shipping.methodId, name: order.shipping.name, kind: order.shipping.kind, amount: order.shipping.amount } } : {}),
  };
}

/** A projected order in the contract's shape, with the customer's email as far as it is known (contact, or a logged-in customer's). */
export function summaryView(summary: OrderSummary) {
  const { customerEmail, ...order } = summary;
  return { ...order, contact: summary.contact ?? null, ...(customerEmail ? { customerEmail } : {}) };
}
