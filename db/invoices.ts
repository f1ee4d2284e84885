/**
 * Invoices and credit notes. Their numbers (`INV/2026/00001`,
 * `RINV/2026/00001`) run per kind and year without gaps and are never reused,
 * which French law requires; two workers, retried activities and crashes must
 * neither skip nor repeat one. So a number is allocated and its document
 * written in ONE transaction:
 * - the counter row of (kind, year) is bumped with an upsert, which locks it
 *   until commit: issuers of the same series queue there, one at a time;
 * - the document is inserted under its unique `key` (the order for an
 *   invoice, the refund for a credit note). If the key is already taken (a
 *   retry, or a second worker that lost the race) the transaction is rolled
 *   back, the counter with it, and the document already issued is returned;
 * - a crash before commit rolls the counter back too: no number is lost;
 * - dates follow numbers: a document is dated no earlier than the previous
 *   one of its series (workers' clocks may differ). The year is the UTC year.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import type { TaxAmount, TaxBreakdown } from '../domain/tax.js';
import { iso, type Db } from './index.js';
import { invoices, invoiceSequences } from './schema.js';

export const InvoiceKind = { invoice: 'invoice', credit_note: 'credit_note' } as const;
export type InvoiceKind = (typeof InvoiceKind)[keyof typeof InvoiceKind];

const PREFIX: Record<InvoiceKind, string> = { invoice: 'INV', credit_note: 'RINV' };

export function invoiceNumber(kind: InvoiceKind, year: number, sequence: number): string {
  return `${PREFIX[kind]}/${year}/${String(sequence).padStart(5, '0')}`;
}

export interface InvoiceLine {
  description: string;
  sku?: string | undefined;
  quantity: number;
  /** As the catalog priced it (tax included when `pricesIncludeTax`). */
  unitPrice: number;
  rate: number;
  base: number;
  tax: number;
  total: number;
}

export interface InvoiceParty {
  name: string | null;
  email?: string | null | undefined;
  address?: { line1: string; line2?: string | undefined; city: string; postalCode: string; country: string } | null | undefined;
}

export interface IssueInvoiceInput {
  kind: InvoiceKind;
  orderId: string;
  /** Required for a credit note: it is keyed by its refund. */
  refundId?: string | undefined;
  /** The invoice a credit note credits. */
  creditedInvoiceId?: string | undefined;
  /**
   * A credit note's split was computed from this many earlier credit notes of
   * the invoice; if another was issued meanwhile, CreditNotesChanged is thrown
   * (nothing written, no number taken) and the split must be computed again.
   */
  earlierCreditNotes?: number | undefined;
  currency: string;
  breakdown: TaxBreakdown;
  lines: InvoiceLine[];
  customer: InvoiceParty;
  seller: InvoiceParty;
  pricesIncludeTax: boolean;
  /** Tests only (a year boundary); otherwise the time the number is allocated. */
  issuedAt?: Date | undefined;
}

export interface Invoice {
  id: string;
  number: string;
  kind: InvoiceKind;
  orderId: string;
  refundId: string | null;
  creditedInvoiceId: string | null;
  year: number;
  sequence: number;
  currency: string;
  untaxedAmount: number;
  taxAmount: number;
  total: number;
  taxes: TaxAmount[];
  lines: InvoiceLine[];
  customer: InvoiceParty;
  seller: InvoiceParty;
  pricesIncludeTax: boolean;
  issuedAt: string;
}

type Row = typeof invoices.$inferSelect;

function toInvoice(row: Row): Invoice {
  return {
    id: row.id,
    number: row.number,
    kind: row.kind,
    orderId: row.orderId,
    refundId: row.refundId,
    creditedInvoiceId: row.creditedInvoiceId,
    year: row.year,
    sequence: row.sequence,
    currency: row.currency,
    untaxedAmount: row.untaxedAmount,
    taxAmount: row.taxAmount,
    total: row.total,
    taxes: row.taxes as TaxAmount[],
    lines: row.lines as InvoiceLine[],
    customer: row.customer as InvoiceParty,
    seller: row.seller as InvoiceParty,
    pricesIncludeTax: row.pricesIncludeTax,
    issuedAt: iso(row.issuedAt),
  };
}

/** What makes a document unique: one invoice per order, one credit note per refund. */
export function invoiceKey(input: Pick<IssueInvoiceInput, 'kind' | 'orderId' | 'refundId'>): string {
  if (input.kind === InvoiceKind.invoice) return `invoice:${input.orderId}`;
  if (!input.refundId) throw new RangeError('A credit note is issued for a refund: refundId is required.');
  return `credit_note:${input.refundId}`;
}

class AlreadyIssued extends Error {}
/** The clock crossed into a new year while waiting for the series: the number goes back, and the issue starts again in the new year's series. */
class YearTurned extends Error {}

/** Another credit note of the same invoice was issued while this one's split was computed. */
export class CreditNotesChanged extends Error {}

export async function findInvoiceByKey(db: Db, key: string): Promise<Invoice | null> {
  const [row] = await db.select().from(invoices).where(eq(invoices.key, key));
  return row ? toInvoice(row) : null;
}

/**
 * Issues the document once: allocates the next number of its series and writes
 * it in one transaction (see the module's header). Returns the document, and
 * whether this call issued it (false: it already existed).
 */
export async function issueInvoice(db: Db, input: IssueInvoiceInput): Promise<{ invoice: Invoice; issued: boolean }> {
  const key = invoiceKey(input);
  const existing = await findInvoiceByKey(db, key);
  if (existing) return { invoice: existing, issued: false };
  const { breakdown } = input;
  if (breakdown.total !== breakdown.untaxedAmount + breakdown.taxAmount) throw new RangeError('The breakdown does not add up: total ≠ untaxed + tax.');
  for (;;) {
    try {
      return await issueOnce(db, key, input);
    } catch (error) {
      if (error instanceof YearTurned) continue;
      if (!(error instanceof AlreadyIssued)) throw error;
      const issued = await findInvoiceByKey(db, key);
      if (!issued) throw new Error(`Invoice ${key} was issued concurrently but cannot be read back.`);
      return { invoice: issued, issued: false };
    }
  }
}

async function issueOnce(db: Db, key: string, input: IssueInvoiceInput): Promise<{ invoice: Invoice; issued: boolean }> {
  const { breakdown } = input;
  const invoice = await db.transaction(async (tx) => {
      if (input.kind === InvoiceKind.credit_note && input.creditedInvoiceId && input.earlierCreditNotes !== undefined) {
        // The credited invoice's row lock queues the credit notes of one invoice, so two refunds cannot both split the same remainder.
        await tx.select({ id: invoices.id }).from(invoices).where(eq(invoices.id, input.creditedInvoiceId)).for('update');
        const [{ count } = { count: 0 }] = await tx
          .select({ count: sql<number>`count(*)::int` })
          .from(invoices)
          .where(eq(invoices.creditedInvoiceId, input.creditedInvoiceId));
        if (count !== input.earlierCreditNotes) throw new CreditNotesChanged(`Invoice ${input.creditedInvoiceId} got another credit note meanwhile.`);
      }
      const year = (input.issuedAt ?? new Date()).getUTCFullYear();
      // The upsert locks the series' row until commit: the next issuer of the series waits here.
      const [counter] = await tx
        .insert(invoiceSequences)
        .values({ kind: input.kind, year, last: 1 })
        .onConflictDoUpdate({ target: [invoiceSequences.kind, invoiceSequences.year], set: { last: sql`${invoiceSequences.last} + 1` } })
        .returning({ last: invoiceSequences.last, lastIssuedAt: invoiceSequences.lastIssuedAt });
      const sequence = counter!.last;
      // Dated once the number is ours, and never before the previous document of the series.
      const clock = input.issuedAt ?? new Date();
      const previous = counter!.lastIssuedAt ? new Date(counter!.lastIssuedAt) : null;
      const issuedAt = previous && previous > clock ? previous : clock;
      if (issuedAt.getUTCFullYear() !== year) throw new YearTurned();
      await tx
        .update(invoiceSequences)
        .set({ lastIssuedAt: issuedAt.toISOString() })
        .where(and(eq(invoiceSequences.kind, input.kind), eq(invoiceSequences.year, year)));
      const [row] = await tx
        .insert(invoices)
        .values({
          id: `${input.kind === InvoiceKind.invoice ? 'inv' : 'rinv'}_${randomUUID().replaceAll('-', '').slice(0, 20)}`,
          number: invoiceNumber(input.kind, year, sequence),
          kind: input.kind,
          key,
          orderId: input.orderId,
          refundId: input.refundId ?? null,
          creditedInvoiceId: input.creditedInvoiceId ?? null,
          year,
          sequence,
          currency: input.currency,
          untaxedAmount: breakdown.untaxedAmount,
          taxAmount: breakdown.taxAmount,
          total: breakdown.total,
          taxes: breakdown.taxes,
          lines: input.lines,
          customer: input.customer,
          seller: input.seller,
          pricesIncludeTax: input.pricesIncludeTax,
          issuedAt: issuedAt.toISOString(),
        })
        .onConflictDoNothing({ target: invoices.key })
        .returning();
      // Someone issued this key meanwhile: give the number back by rolling back.
      if (!row) throw new AlreadyIssued();
      return toInvoice(row);
    });
  return { invoice, issued: true };
}

export async function getInvoice(db: Db, id: string): Promise<Invoice | null> {
  const [row] = await db.select().from(invoices).where(eq(invoices.id, id));
  return row ? toInvoice(row) : null;
}

/** An order's invoice and credit notes, in the order they were issued. */
export async function listOrderInvoices(db: Db, orderId: string): Promise<Invoice[]> {
  const rows = await db.select().from(invoices).where(eq(invoices.orderId, orderId)).orderBy(invoices.issuedAt, invoices.id);
  return rows.map(toInvoice);
}

export interface InvoiceListQuery {
  year?: number | undefined;
  kind?: InvoiceKind | undefined;
  limit: number;
  cursor?: string | undefined;
}

function encodeCursor(row: Pick<Invoice, 'issuedAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([row.issuedAt, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' && !Number.isNaN(Date.parse(value[0]))) {
      return [value[0], value[1]];
    }
  } catch {
    // an unreadable cursor: the caller's error
  }
  return null;
}

export class InvalidCursor extends Error {}

/** The accountant's list: newest first, keyset-paged (stable while documents are issued). */
export async function listInvoices(db: Db, query: InvoiceListQuery): Promise<{ items: Invoice[]; nextCursor: string | null }> {
  const where: SQL[] = [];
  if (query.year !== undefined) where.push(eq(invoices.year, query.year));
  if (query.kind) where.push(eq(invoices.kind, query.kind));
  if (query.cursor) {
    const position = decodeCursor(query.cursor);
    if (!position) throw new InvalidCursor('The cursor is not one this list handed out.');
    const [issuedAt, id] = position;
    where.push(or(lt(invoices.issuedAt, issuedAt), and(eq(invoices.issuedAt, issuedAt), lt(invoices.id, id)))!);
  }
  const rows = await db
    .select()
    .from(invoices)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(invoices.issuedAt), desc(invoices.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit).map(toInvoice);
  const last = page.at(-1);
  return { items: page, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
}
