/** When an order owes an invoice or a credit note, and the taxes of its lines (domain/invoicing.ts, domain/order.ts). */
import { describe, expect, it } from 'vitest';
import { applyCreditNoteIssued, applyCreditNoteRefused, applyInvoiceIssued, invoiceDue, invoiceInputOf, refundsToCredit } from '../domain/invoicing.js';
import { newQuotation, type Order } from '../domain/order.js';
import type { Refund } from '../domain/refunds.js';

const NOW = '2026-03-01T10:00:00.000Z';

function quotation(extra: { pricesIncludeTax?: boolean; autoInvoice?: boolean; rate?: number } = {}): Order {
  return newQuotation(
    {
      id: 'ord_1',
      number: 'S00001',
      accessToken: 't',
      currency: 'EUR',
      customer: { loggedIn: false, name: 'Rita' },
      salesTeam: 'team_website',
      salesperson: null,
      lines: [{ product: { sku: 'TEA', name: 'Tea', unitPrice: 333, currency: 'EUR', type: 'consumable', ...(extra.rate !== undefined ? { taxRate: extra.rate } : {}) }, quantity: 3 }],
      ...(extra.pricesIncludeTax !== undefined ? { pricesIncludeTax: extra.pricesIncludeTax } : {}),
      ...(extra.autoInvoice !== undefined ? { autoInvoice: extra.autoInvoice } : {}),
    },
    NOW,
  ).order;
}

const refund = (id: string, status: Refund['status']): Refund => ({ id, amount: 100, currency: 'EUR', paymentReference: 'p', status, requestedAt: NOW });

describe('an order priced with taxes', () => {
  it('prices including tax: the total is the lines, the tax is inside it', () => {
    expect(quotation({ rate: 5.5 })).toMatchObject({ total: 999, untaxedAmount: 947, taxAmount: 52, taxes: [{ rate: 5.5, base: 947, amount: 52 }] });
  });

  it('prices excluding tax: the tax comes on top', () => {
    // 9.99 × 5.5 % = 0.54945 → 0.55
    expect(quotation({ rate: 5.5, pricesIncludeTax: false })).toMatchObject({ total: 1054, untaxedAmount: 999, taxAmount: 55 });
  });

  it('a line without a rate (priced before taxes) counts at 0 %: its total does not change', () => {
    expect(quotation()).toMatchObject({ total: 999, untaxedAmount: 999, taxAmount: 0, taxes: [{ rate: 0, base: 999, amount: 0 }] });
    expect(invoiceInputOf(quotation()).lines).toEqual([{ sku: 'TEA', name: 'Tea', quantity: 3, unitPrice: 333, taxRate: 0 }]);
  });
});

describe('invoice and credit notes due', () => {
  it('an invoice once paid, only with autoInvoice, only once', () => {
    const order = quotation({ rate: 20, autoInvoice: true });
    expect(invoiceDue(order)).toBe(false);
    order.payments = [{ reference: 'pay_1', method: 'card', amount: order.total, currency: 'EUR', status: 'succeeded' }];
    order.paymentState = 'paid';
    expect(invoiceDue(order)).toBe(true);
    expect(invoiceDue({ ...order, autoInvoice: undefined })).toBe(false);
    expect(invoiceDue({ ...order, paymentState: 'partially_refunded' })).toBe(true);
    const version = order.version;
    expect(applyInvoiceIssued(order, { invoiceId: 'inv_1', number: 'INV/2026/00001', total: 999 }, NOW)).toMatchObject([{ type: 'invoice_issued' }]);
    expect(order.version).toBe(version + 1);
    expect(invoiceDue(order)).toBe(false);
  });

  it('one credit note per succeeded refund of an invoiced order, oldest first; a refused one is not asked again', () => {
    const order = quotation({ rate: 20, autoInvoice: true });
    order.refunds = [refund('r1', 'succeeded'), refund('r2', 'pending'), refund('r3', 'succeeded')];
    expect(refundsToCredit(order)).toEqual([]); // no invoice: nothing to credit
    order.invoice = { id: 'inv_1', number: 'INV/2026/00001' };
    expect(refundsToCredit(order).map((r) => r.id)).toEqual(['r1', 'r3']);
    applyCreditNoteIssued(order, 'r1', { invoiceId: 'inv_2', number: 'RINV/2026/00001', total: 100 }, NOW);
    expect(refundsToCredit(order).map((r) => r.id)).toEqual(['r3']);
    applyCreditNoteRefused(order, 'r3', 'too much', NOW);
    expect(refundsToCredit(order)).toEqual([]);
    expect(order.creditNotes).toEqual([{ refundId: 'r1', id: 'inv_2', number: 'RINV/2026/00001' }]);
  });
});
