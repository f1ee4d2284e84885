/**
 * Invoices and credit notes: issued once per paid order and once per
 * successful refund (db/invoices.ts allocates the gap-free number and writes
 * the document in one transaction, keyed by the order or the refund, so a
 * retried activity gets the same document back), and rendered as PDF.
 */
import { ApplicationFailure } from '@temporalio/common';
import PDFDocument from 'pdfkit';
import type { Db } from '../db/index.js';
import { CreditNotesChanged, findInvoiceByKey, getInvoice, invoiceKey, issueInvoice, listOrderInvoices, type Invoice, type InvoiceLine, type InvoiceParty } from '../db/invoices.js';
import { getSettings } from '../db/settings.js';
import { formatMoney } from '../domain/money.js';
import type { Address } from '../domain/order.js';
import { splitRefund, taxOrder, type TaxBreakdown } from '../domain/tax.js';

/** What the order workflow passes when the order becomes paid: the order as it was priced. */
export interface IssueInvoiceInput {
  orderId: string;
  orderNumber: string;
  currency: string;
  customer: { name: string | null; email: string | null; address: Address | null };
  /** Each line with the rate it was priced with (an order keeps its rates when the shop's change). */
  lines: Array<{ sku: string; name: string; quantity: number; unitPrice: number; taxRate: number }>;
  /** The shipping fee and its rate (the standard rate when the order was priced); absent or 0: none. */
  shipping?: { fee: number; taxRate: number } | null | undefined;
  /** Whether the order's prices included tax when it was priced. */
  pricesIncludeTax: boolean;
}

/** What the refund's workflow passes when the refund succeeded. */
export interface IssueCreditNoteInput {
  refundId: string;
  orderId: string;
  /** What the customer got back, tax included, in minor units. */
  amount: number;
  currency: string;
}

export interface IssuedDocument {
  invoiceId: string;
  number: string;
  total: number;
}

const issued = (invoice: Invoice): IssuedDocument => ({ invoiceId: invoice.id, number: invoice.number, total: invoice.total });

const breakdownOfInvoice = (i: Invoice): TaxBreakdown => ({ untaxedAmount: i.untaxedAmount, taxAmount: i.taxAmount, taxes: i.taxes, total: i.total });

async function sellerOf(db: Db): Promise<InvoiceParty> {
  const settings = await getSettings(db);
  return { name: settings.shopName, address: settings.shopAddress };
}

export function createInvoiceActivities({ db }: { db: Db }) {
  return {
    /** The order's invoice, issued once: a retry (or a second worker) gets the same number back. */
    async issueInvoice(input: IssueInvoiceInput): Promise<IssuedDocument> {
      const existing = await findInvoiceByKey(db, invoiceKey({ kind: 'invoice', orderId: input.orderId }));
      if (existing) return issued(existing);
      const taxed = taxOrder({
        pricesIncludeTax: input.pricesIncludeTax,
        lines: input.lines,
        shipping: input.shipping ? { fee: input.shipping.fee, rate: input.shipping.taxRate } : null,
      });
      const lines: InvoiceLine[] = input.lines.map((line, i) => ({
        description: line.name,
        sku: line.sku,
        quantity: line.quantity,
        unitPrice: line.unitPrice,
        rate: line.taxRate,
        base: taxed.lines[i]!.base,
        tax: taxed.lines[i]!.tax,
        total: taxed.lines[i]!.total,
      }));
      if (taxed.shipping) {
        const { base, tax, total, rate } = taxed.shipping;
        lines.push({ description: 'Shipping', quantity: 1, unitPrice: input.shipping!.fee, rate, base, tax, total });
      }
      const { invoice } = await issueInvoice(db, {
        kind: 'invoice',
        orderId: input.orderId,
        currency: input.currency,
        breakdown: taxed,
        lines,
        customer: { name: input.customer.name, email: input.customer.email, address: input.customer.address },
        seller: await sellerOf(db),
        pricesIncludeTax: input.pricesIncludeTax,
      });
      return issued(invoice);
    },

    /**
     * The refund's credit note, issued once: its amount split by rate in
     * proportion to what the order's invoice still holds after the earlier
     * credit notes (domain/tax.ts splitRefund). The order must have its invoice.
     */
    async issueCreditNote(input: IssueCreditNoteInput): Promise<IssuedDocument> {
      const existing = await findInvoiceByKey(db, invoiceKey({ kind: 'credit_note', orderId: input.orderId, refundId: input.refundId }));
      if (existing) return issued(existing);
      const documents = await listOrderInvoices(db, input.orderId);
      const invoice = documents.find((d) => d.kind === 'invoice');
      if (!invoice) throw ApplicationFailure.nonRetryable(`Order ${input.orderId} has no invoice to credit.`, 'invoice_not_found');
      if (invoice.currency !== input.currency) throw ApplicationFailure.nonRetryable(`The refund is in ${input.currency}, the invoice in ${invoice.currency}.`, 'currency_mismatch');
      const earlier = documents.filter((d) => d.kind === 'credit_note' && d.creditedInvoiceId === invoice.id).map(breakdownOfInvoice);
      let split: TaxBreakdown;
      try {
        split = splitRefund(input.amount, breakdownOfInvoice(invoice), earlier);
      } catch (error) {
        throw ApplicationFailure.nonRetryable((error as Error).message, 'refund_exceeds_invoice');
      }
      const lines: InvoiceLine[] = split.taxes.map((t) => ({
        description: `Refund on ${invoice.number}, tax ${t.rate} %`,
        quantity: 1,
        unitPrice: t.base + t.amount,
        rate: t.rate,
        base: t.base,
        tax: t.amount,
        total: t.base + t.amount,
      }));
      try {
        const { invoice: note } = await issueInvoice(db, {
          kind: 'credit_note',
          orderId: input.orderId,
          refundId: input.refundId,
          creditedInvoiceId: invoice.id,
          earlierCreditNotes: earlier.length,
          currency: input.currency,
          breakdown: split,
          lines,
          customer: invoice.customer,
          seller: invoice.seller,
          pricesIncludeTax: true,
        });
        return issued(note);
      } catch (error) {
        // A concurrent refund of the same order took its share first: the retry splits what remains.
        if (error instanceof CreditNotesChanged) throw ApplicationFailure.retryable(error.message, 'credit_notes_changed');
        throw error;
      }
    },
  };
}

export type InvoiceActivities = ReturnType<typeof createInvoiceActivities>;

// A4 portrait, in PDF points.
const A4 = [595.28, 841.89] as const;
const MARGIN = 48;

function partyLines(p: InvoiceParty): string[] {
  const a = p.address;
  return [p.name ?? '', ...(p.email ? [p.email] : []), ...(a ? [a.line1, ...(a.line2 ? [a.line2] : []), `${a.postalCode} ${a.city}`, a.country] : [])].filter(Boolean);
}

const percent = (rate: number) => `${rate} %`;

/** A stored invoice or credit note as PDF (with the number of the invoice a credit note credits); null when there is no such document. */
export async function renderStoredInvoicePdf(db: Db, id: string): Promise<{ invoice: Invoice; pdf: Buffer } | null> {
  const invoice = await getInvoice(db, id);
  if (!invoice) return null;
  const credited = invoice.creditedInvoiceId ? await getInvoice(db, invoice.creditedInvoiceId) : null;
  return { invoice, pdf: await renderInvoicePdf(invoice, credited) };
}

/**
 * The document as PDF: the shop, the customer, the lines, the tax breakdown
 * per rate, the totals, the number and the date; a credit note names the
 * invoice it credits. The same document always gives the same bytes (dated
 * by its issue, not by the rendering): an email retried under its
 * idempotency key carries the very same attachment.
 */
export function renderInvoicePdf(invoice: Invoice, credited?: Pick<Invoice, 'number'> | null): Promise<Buffer> {
  const title = invoice.kind === 'invoice' ? 'Invoice' : 'Credit note';
  const issued = new Date(invoice.issuedAt);
  const doc = new PDFDocument({
    size: [...A4],
    margin: MARGIN,
    info: { Title: `${title} ${invoice.number}`, Subject: invoice.number, Keywords: invoice.number, CreationDate: issued, ModDate: issued },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const money = (amount: number) => formatMoney(amount, invoice.currency);
  const width = A4[0] - 2 * MARGIN;

  doc.font('Helvetica-Bold').fontSize(16).text(partyLines(invoice.seller)[0] ?? '', { width });
  doc.font('Helvetica').fontSize(9).text(partyLines(invoice.seller).slice(1).join('\n'), { width });
  doc.moveDown(1.5);
  doc.font('Helvetica-Bold').fontSize(14).text(`${title} ${invoice.number}`, { width });
  doc.font('Helvetica').fontSize(10).text(`Date: ${invoice.issuedAt.slice(0, 10)}`, { width });
  if (invoice.kind === 'credit_note') doc.text(`Credits invoice ${credited?.number ?? invoice.creditedInvoiceId ?? ''}`, { width });
  doc.moveDown(1);
  doc.fontSize(9).text('Bill to', { width });
  doc.fontSize(10).text(partyLines(invoice.customer).join('\n') || '(no name given)', { width });
  doc.moveDown(1.5);

  // The lines: description, quantity, unit price, rate, untaxed, tax, total.
  const columns = [
    { header: 'Description', x: MARGIN, w: 190, align: 'left' as const },
    { header: 'Qty', x: MARGIN + 190, w: 35, align: 'right' as const },
    { header: invoice.pricesIncludeTax ? 'Unit (incl. tax)' : 'Unit (excl. tax)', x: MARGIN + 225, w: 75, align: 'right' as const },
    { header: 'Tax', x: MARGIN + 300, w: 40, align: 'right' as const },
    { header: 'Untaxed', x: MARGIN + 340, w: 55, align: 'right' as const },
    { header: 'Tax amt', x: MARGIN + 395, w: 50, align: 'right' as const },
    { header: 'Total', x: MARGIN + 445, w: width - 445, align: 'right' as const },
  ];
  const row = (cells: string[], bold = false) => {
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8);
    let bottom = y;
    cells.forEach((cell, i) => {
      const c = columns[i]!;
      doc.text(cell, c.x, y, { width: c.w, align: c.align });
      bottom = Math.max(bottom, doc.y);
    });
    doc.x = MARGIN;
    doc.y = bottom + 4;
  };
  row(columns.map((c) => c.header), true);
  for (const line of invoice.lines) {
    row([line.description, String(line.quantity), money(line.unitPrice), percent(line.rate), money(line.base), money(line.tax), money(line.total)]);
  }
  doc.moveDown(1);

  doc.font('Helvetica-Bold').fontSize(10).text('Tax breakdown', MARGIN, doc.y, { width });
  for (const t of invoice.taxes) doc.font('Helvetica').fontSize(9).text(`Tax ${percent(t.rate)} on ${money(t.base)}: ${money(t.amount)}`, { width });
  doc.moveDown(1);
  doc.font('Helvetica').fontSize(10).text(`Untaxed amount: ${money(invoice.untaxedAmount)}`, { width, align: 'right' });
  doc.text(`Tax: ${money(invoice.taxAmount)}`, { width, align: 'right' });
  doc.font('Helvetica-Bold').fontSize(12).text(`Total: ${money(invoice.total)}`, { width, align: 'right' });
  doc.end();
  return done;
}
