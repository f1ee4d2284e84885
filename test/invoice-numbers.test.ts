/**
 * Invoice numbers on real PostgreSQL: sequential per kind and year, without
 * gaps, never reused, one document per order (or refund) — under two workers
 * issuing at once, retries of the same keys, and a crash mid-transaction.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createDb, type Database } from '../db/index.js';
import { ApplicationFailure } from '@temporalio/common';
import { createInvoiceActivities } from '../activities/invoices.js';
import { issueInvoice, listInvoices, listOrderInvoices, type IssueInvoiceInput } from '../db/invoices.js';
import { invoices, invoiceSequences } from '../db/schema.js';
import { taxOrder } from '../domain/tax.js';

const url = loadConfig().databaseUrl;

const breakdown = taxOrder({ pricesIncludeTax: true, lines: [{ unitPrice: 1200, quantity: 1, taxRate: 20 }] });
const invoiceFor = (orderId: string, issuedAt?: Date): IssueInvoiceInput => ({
  kind: 'invoice',
  orderId,
  currency: 'EUR',
  breakdown,
  lines: [{ description: 'Mug', sku: 'MUG', quantity: 1, unitPrice: 1200, rate: 20, base: 1000, tax: 200, total: 1200 }],
  customer: { name: 'Alex Martin', email: 'alex@example.com' },
  seller: { name: 'Demo Shop' },
  pricesIncludeTax: true,
  issuedAt,
});

describe.runIf(url)('invoice numbers on PostgreSQL', () => {
  let name: string;
  let workerA: Database;
  let workerB: Database;

  beforeAll(async () => {
    name = `orders_test_${randomBytes(6).toString('hex')}`;
    const admin = postgres(url!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const testUrl = new URL(url!);
    testUrl.pathname = `/${name}`;
    // Two pools on one database: two workers.
    workerA = await createDb({ url: testUrl.toString(), max: 5 });
    workerB = await createDb({ url: testUrl.toString(), max: 5 });
    await workerA.migrate();
  });

  afterAll(async () => {
    await workerA?.close();
    await workerB?.close();
    const admin = postgres(url!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it('50 orders invoiced at once by two workers, each issue retried: INV/…/00001 to 00050, unbroken, one invoice per order', async () => {
    const year = new Date().getUTCFullYear();
    const orders = Array.from({ length: 50 }, (_, i) => `ord_concurrent_${i}`);
    // Every order is issued by both workers, and by worker A twice (an activity retried): 150 calls racing.
    const calls = orders.flatMap((orderId, i) => [
      issueInvoice((i % 2 ? workerA : workerB).db, invoiceFor(orderId)),
      issueInvoice((i % 2 ? workerB : workerA).db, invoiceFor(orderId)),
      issueInvoice(workerA.db, invoiceFor(orderId)),
    ]);
    const results = await Promise.all(calls);

    expect(results.filter((r) => r.issued)).toHaveLength(50);
    const byOrder = new Map<string, Set<string>>();
    for (const { invoice } of results) byOrder.set(invoice.orderId, (byOrder.get(invoice.orderId) ?? new Set()).add(invoice.number));
    expect([...byOrder.values()].every((numbers) => numbers.size === 1)).toBe(true);

    const stored = await workerB.db
      .select({ sequence: invoices.sequence, number: invoices.number, orderId: invoices.orderId, issuedAt: invoices.issuedAt })
      .from(invoices)
      .where(and(eq(invoices.kind, 'invoice'), eq(invoices.year, year)))
      .orderBy(invoices.sequence);
    expect(stored.map((r) => r.sequence)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(stored.map((r) => r.number)).toEqual(Array.from({ length: 50 }, (_, i) => `INV/${year}/${String(i + 1).padStart(5, '0')}`));
    expect(new Set(stored.map((r) => r.orderId)).size).toBe(50);
    // Dated in the order of their numbers.
    const dates = stored.map((r) => Date.parse(r.issuedAt));
    expect(dates.every((d, i) => i === 0 || d >= dates[i - 1]!)).toBe(true);
    const [counter] = await workerA.db
      .select({ last: invoiceSequences.last })
      .from(invoiceSequences)
      .where(and(eq(invoiceSequences.kind, 'invoice'), eq(invoiceSequences.year, year)));
    expect(counter).toEqual({ last: 50 });
  });

  it('a crash between allocating the number and writing the invoice gives the number back', async () => {
    const issuedAt = new Date('2031-03-01T10:00:00Z');
    await issueInvoice(workerA.db, invoiceFor('ord_before_crash', issuedAt));
    // The number is allocated, then writing the invoice fails (an amount PostgreSQL refuses): the transaction never commits.
    const huge = 2 ** 40;
    const failing = { ...invoiceFor('ord_crashed', issuedAt), breakdown: { untaxedAmount: huge, taxAmount: 0, taxes: [{ rate: 0, base: huge, amount: 0 }], total: huge } };
    await expect(issueInvoice(workerB.db, failing)).rejects.toThrow(/insert into "invoices"/);
    const { invoice } = await issueInvoice(workerB.db, invoiceFor('ord_after_crash', issuedAt));
    expect(invoice.number).toBe('INV/2031/00002');
  });

  it('each kind and year has its own series, from 00001', async () => {
    const a = await issueInvoice(workerA.db, invoiceFor('ord_new_year', new Date('2032-01-01T00:00:01Z')));
    const credit = await issueInvoice(workerA.db, {
      ...invoiceFor('ord_new_year', new Date('2032-01-02T00:00:00Z')),
      kind: 'credit_note',
      refundId: 'ref_1',
      creditedInvoiceId: a.invoice.id,
    });
    const retried = await issueInvoice(workerB.db, { ...invoiceFor('ord_new_year'), kind: 'credit_note', refundId: 'ref_1' });
    expect([a.invoice.number, credit.invoice.number]).toEqual(['INV/2032/00001', 'RINV/2032/00001']);
    expect(retried).toEqual({ invoice: credit.invoice, issued: false });
    const page = await listInvoices(workerA.db, { year: 2032, limit: 10 });
    expect(page.items.map((i) => i.number)).toEqual(['RINV/2032/00001', 'INV/2032/00001']);
  });

  it('refunds of one order credited at once by two workers: each split from what the others left, never more than the invoice', async () => {
    const a = createInvoiceActivities({ db: workerA.db });
    const b = createInvoiceActivities({ db: workerB.db });
    const order = {
      orderId: 'ord_refunded_concurrently',
      orderNumber: 'S00100',
      currency: 'EUR',
      customer: { name: 'Alex Martin', email: null, address: null },
      lines: [
        { sku: 'MUG', name: 'Mug', quantity: 2, unitPrice: 1290, taxRate: 20 },
        { sku: 'BOOK', name: 'Book', quantity: 3, unitPrice: 999, taxRate: 5.5 },
        { sku: 'GIFT', name: 'Gift card', quantity: 1, unitPrice: 350, taxRate: 0 },
      ],
      shipping: { fee: 490, taxRate: 20 },
      pricesIncludeTax: true,
    };
    const invoice = await a.issueInvoice(order);
    expect(invoice.total).toBe(6417);
    /** What Temporal does with a retryable failure: run the activity again. */
    const withRetries = async <T>(run: () => Promise<T>): Promise<{ result: T; retries: number }> => {
      for (let retries = 0; ; retries++) {
        try {
          return { result: await run(), retries };
        } catch (error) {
          if (!(error instanceof ApplicationFailure) || error.nonRetryable) throw error;
        }
      }
    };
    const refunds = Array.from({ length: 6 }, (_, i) => ({ refundId: `ref_concurrent_${i}`, orderId: order.orderId, amount: 1000, currency: 'EUR' }));
    await Promise.all(refunds.map((r, i) => withRetries(() => (i % 2 ? a : b).issueCreditNote(r))));
    const last = await b.issueCreditNote({ refundId: 'ref_concurrent_last', orderId: order.orderId, amount: 417, currency: 'EUR' });

    const documents = await listOrderInvoices(workerA.db, order.orderId);
    const [issuedInvoice, ...notes] = documents;
    expect(notes).toHaveLength(7);
    expect(notes.map((n) => n.sequence).sort((x, y) => x - y)).toEqual(notes.map((_, i) => notes[0]!.sequence + i));
    expect(last.total).toBe(417);
    for (const t of issuedInvoice!.taxes) {
      const parts = notes.flatMap((n) => n.taxes.filter((x) => x.rate === t.rate));
      expect({ rate: t.rate, base: parts.reduce((s, x) => s + x.base, 0), amount: parts.reduce((s, x) => s + x.amount, 0) }).toEqual(t);
    }
    await expect(a.issueCreditNote({ refundId: 'ref_one_too_many', orderId: order.orderId, amount: 1, currency: 'EUR' })).rejects.toMatchObject({ type: 'refund_exceeds_invoice' });
  });

  it('two refunds that together exceed the invoice, credited at once by two workers: one credit note, the other refused', async () => {
    const a = createInvoiceActivities({ db: workerA.db });
    const b = createInvoiceActivities({ db: workerB.db });
    const withRetries = async <T>(run: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await run();
        } catch (error) {
          if (!(error instanceof ApplicationFailure) || error.nonRetryable) throw error;
        }
      }
    };
    // Ten orders at once, so the two credit notes of an order do race.
    const orderIds = Array.from({ length: 10 }, (_, i) => `ord_overrefund_${i}`);
    for (const orderId of orderIds) {
      await a.issueInvoice({
        orderId,
        orderNumber: orderId,
        currency: 'EUR',
        customer: { name: null, email: null, address: null },
        lines: [{ sku: 'MUG', name: 'Mug', quantity: 1, unitPrice: 6000, taxRate: 20 }],
        pricesIncludeTax: true,
      });
    }
    const outcomes = await Promise.all(
      orderIds.map((orderId) =>
        Promise.allSettled([
          withRetries(() => a.issueCreditNote({ refundId: `${orderId}_r1`, orderId, amount: 4000, currency: 'EUR' })),
          withRetries(() => b.issueCreditNote({ refundId: `${orderId}_r2`, orderId, amount: 4000, currency: 'EUR' })),
        ]),
      ),
    );
    for (const [index, outcome] of outcomes.entries()) {
      expect(outcome.filter((o) => o.status === 'fulfilled'), orderIds[index]).toHaveLength(1);
      expect(outcome.find((o) => o.status === 'rejected')).toMatchObject({ reason: { type: 'refund_exceeds_invoice' } });
      const notes = (await listOrderInvoices(workerA.db, orderIds[index]!)).filter((d) => d.kind === 'credit_note');
      expect(notes.map((n) => n.total)).toEqual([4000]);
    }
  });

  it('dates follow numbers: a worker whose clock is behind dates its invoice no earlier than the previous one', async () => {
    const first = await issueInvoice(workerA.db, invoiceFor('ord_clock_ahead', new Date('2033-05-02T10:00:00Z')));
    const second = await issueInvoice(workerB.db, invoiceFor('ord_clock_behind', new Date('2033-05-02T09:59:58Z')));
    expect([first.invoice.number, second.invoice.number]).toEqual(['INV/2033/00001', 'INV/2033/00002']);
    expect(second.invoice.issuedAt).toBe('2033-05-02T10:00:00.000Z');
    const third = await issueInvoice(workerB.db, invoiceFor('ord_clock_later', new Date('2033-05-03T08:00:00Z')));
    expect(third.invoice.issuedAt).toBe('2033-05-03T08:00:00.000Z');
  });

  it('a credit note needs its refund', async () => {
    await expect(issueInvoice(workerA.db, { ...invoiceFor('ord_x'), kind: 'credit_note' })).rejects.toThrow(/refundId/);
  });
});
