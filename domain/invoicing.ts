/**
 * When an order owes an invoice or a credit note, and what the invoice is
 * issued from: the order as it was priced (its lines keep their rates).
 * The documents themselves are numbered and written by db/invoices.ts.
 */
import { contactEmail, PaymentOutcome, PaymentState, shippingTaxRateOf, type Address, type Order, type TimelineEntry } from './order.js';

const PAID_STATES: ReadonlySet<string> = new Set([PaymentState.paid, PaymentState.partially_refunded, PaymentState.refunded]);

/**
 * Paid in full (a refund since does not take that back), invoicing on when the
 * order was created, and no invoice yet. Paid in full means a payment
 * succeeded: an order cancelled before its receipts covered the total is
 * `partially_refunded`/`refunded` once that money goes back, yet was never
 * sold, so it gets no invoice (and so no credit note: see refundsToCredit).
 */
export function invoiceDue(order: Pick<Order, 'paymentState' | 'autoInvoice' | 'invoice' | 'payments'>): boolean {
  return PAID_STATES.has(order.paymentState) && order.autoInvoice === true && !order.invoice && order.payments.some((p) => p.status === PaymentOutcome.succeeded);
}

/** Succeeded refunds without their credit note (or a recorded reason why none could be issued), oldest first. Only an invoiced order gets credit notes. */
export function refundsToCredit(order: Pick<Order, 'invoice' | 'refunds' | 'creditNotes' | 'uncreditedRefunds'>) {
  if (!order.invoice) return [];
  const done = new Set([...(order.creditNotes ?? []).map((c) => c.refundId), ...(order.uncreditedRefunds ?? [])]);
  return (order.refunds ?? []).filter((r) => r.status === 'succeeded' && !done.has(r.id));
}

/** What the invoice activity is given. An order line without a rate (priced before taxes) is invoiced at 0 %, as it was totalled. */
export function invoiceInputOf(order: Order): {
  orderId: string;
  orderNumber: string;
  currency: string;
  customer: { name: string | null; email: string | null; address: Address | null };
  lines: Array<{ sku: string; name: string; quantity: number; unitPrice: number; taxRate: number }>;
  shipping: { fee: number; taxRate: number } | null;
  pricesIncludeTax: boolean;
} {
  return {
    orderId: order.id,
    orderNumber: order.number,
    currency: order.currency,
    customer: { name: order.contact?.name ?? order.customer.name ?? null, email: contactEmail(order), address: order.contact?.shippingAddress ?? null },
    lines: order.lines.map((l) => ({ sku: l.sku, name: l.name, quantity: l.quantity, unitPrice: l.unitPrice, taxRate: l.taxRate ?? 0 })),
    shipping: order.shipping && order.shipping.amount > 0 ? { fee: order.shipping.amount, taxRate: shippingTaxRateOf(order) } : null,
    pricesIncludeTax: order.pricesIncludeTax ?? true,
  };
}

/** The PDF's file name, for a download and an email attachment: `INV/2026/00001` → `INV-2026-00001.pdf`. */
export function invoicePdfFilename(number: string): string {
  return `${number.replaceAll('/', '-')}.pdf`;
}

export function applyInvoiceIssued(order: Order, invoice: { invoiceId: string; number: string; total: number }, now: string): TimelineEntry[] {
  order.invoice = { id: invoice.invoiceId, number: invoice.number };
  order.version += 1;
  order.updatedAt = now;
  return [{ at: now, type: 'invoice_issued', message: `Invoice ${invoice.number} issued`, data: { invoiceId: invoice.invoiceId, number: invoice.number, total: invoice.total } }];
}

export function applyCreditNoteIssued(order: Order, refundId: string, note: { invoiceId: string; number: string; total: number }, now: string): TimelineEntry[] {
  order.creditNotes = [...(order.creditNotes ?? []), { refundId, id: note.invoiceId, number: note.number }];
  order.version += 1;
  order.updatedAt = now;
  return [{ at: now, type: 'credit_note_issued', message: `Credit note ${note.number} issued`, data: { refundId, invoiceId: note.invoiceId, number: note.number, total: note.total } }];
}

/** The credit note was refused for good (e.g. the refund exceeds what the invoice still holds): the operator sees why; the order does not retry for ever. */
export function applyCreditNoteRefused(order: Order, refundId: string, reason: string, now: string): TimelineEntry[] {
  order.uncreditedRefunds = [...(order.uncreditedRefunds ?? []), refundId];
  order.version += 1;
  order.updatedAt = now;
  return [{ at: now, type: 'credit_note_refused', message: `No credit note for refund ${refundId}: ${reason}`, data: { refundId, reason } }];
}
