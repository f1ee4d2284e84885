/**
 * Taxes and invoices through the HTTP API on a real server. The order
 * workflow does not issue invoices yet, so the scenarios issue them through
 * the activities (as the workflow will) and read them through the API.
 */
import { getDocumentProxy, extractText } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvoiceActivities, type IssueInvoiceInput } from '../activities/invoices.js';
import { OPERATOR, startApi, type ApiHarness } from './support/api.js';
import { withSettings } from './support/settings.js';

let api: ApiHarness;
let activities: ReturnType<typeof createInvoiceActivities>;
const year = new Date().getUTCFullYear();
const pad = (n: number) => String(n).padStart(5, '0');

beforeAll(async () => {
  api = await startApi();
  activities = createInvoiceActivities({ db: api.database.db });
});
afterAll(() => api?.close());

async function pdfText(url: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(url.replace(api.config.publicUrl, api.baseUrl), { headers: { authorization: `Bearer ${OPERATOR}` } });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const document = await getDocumentProxy(bytes);
  const { text } = await extractText(document, { mergePages: true });
  return { status: response.status, type: response.headers.get('content-type'), text: text.replace(/\s+/g, ' ') };
}

const paidOrder = (orderId: string): IssueInvoiceInput => ({
  orderId,
  orderNumber: 'S00042',
  currency: 'EUR',
  customer: { name: 'Alex Martin', email: 'alex@example.com', address: { line1: '3 place Bellecour', city: 'Lyon', postalCode: '69002', country: 'FR' } },
  lines: [
    { sku: 'MUG-BLUE', name: 'Blue ceramic mug', quantity: 2, unitPrice: 1290, taxRate: 20 },
    { sku: 'BOOK-TEA', name: 'The book of tea', quantity: 3, unitPrice: 999, taxRate: 5.5 },
    { sku: 'GIFT-CARD', name: 'Gift card', quantity: 1, unitPrice: 350, taxRate: 0 },
  ],
  shipping: { fee: 490, taxRate: 20 },
  pricesIncludeTax: true,
});

describe('tax settings and product tax classes', () => {
  it('a French shop by default: 20 %, 5.5 %, 0 %, prices including tax; products are standard unless told', async () => {
    const settings = await api.operator('GET', '/api/settings');
    expect(settings.body.taxes).toEqual({ pricesIncludeTax: true, country: 'FR', rates: { FR: { standard: 20, reduced: 5.5, zero: 0 } } });
    const products = await api.storefront('GET', '/api/products');
    expect(products.body.items.length).toBeGreaterThan(0);
    expect(products.body.items.every((p: { taxClass: string }) => p.taxClass === 'standard')).toBe(true);
  });

  it("a shop adds its own class, products use it, and it cannot be removed while they do", async () => {
    // withSettings removes the `books` class if the test stops before it does;
    // the inner finally first moves the product off it (a class in use cannot go).
    await withSettings(api, null, async () => {
      try {
        await addBooksClassUseAndRemoveIt();
      } finally {
        const catalog = await api.storefront('GET', '/api/products');
        const product = catalog.body.items.find((p: { sku: string }) => p.sku === 'BOOK-TEA');
        if (product?.taxClass === 'books') {
          const moved = await api.operator('PATCH', '/api/products/BOOK-TEA', { taxClass: 'reduced' });
          if (moved.status !== 200) throw new Error(`moving BOOK-TEA off "books": ${moved.status} ${JSON.stringify(moved.body)}`);
        }
      }
    });
  });

  async function addBooksClassUseAndRemoveIt() {
    const added = await api.operator('PATCH', '/api/settings', { taxes: { rates: { FR: { books: 5.5 } } } });
    expect(added.status).toBe(200);
    expect(added.body.taxes.rates.FR).toEqual({ standard: 20, reduced: 5.5, zero: 0, books: 5.5 });

    const created = await api.operator('POST', '/api/products', { sku: 'BOOK-TEA', name: 'The book of tea', price: 999, type: 'storable', onHand: 5, taxClass: 'books' });
    expect(created.status).toBe(201);
    expect(created.body.taxClass).toBe('books');

    const removal = await api.operator('PATCH', '/api/settings', { taxes: { rates: { FR: { books: null } } } });
    expect(removal.status).toBe(422);
    expect(removal.body.error.message).toMatch(/"books" still used by products/);
    expect((await api.operator('GET', '/api/settings')).body.taxes.rates.FR.books).toBe(5.5);

    const moved = await api.operator('PATCH', '/api/products/BOOK-TEA', { taxClass: 'reduced' });
    expect(moved.body.taxClass).toBe('reduced');
    const removed = await api.operator('PATCH', '/api/settings', { taxes: { rates: { FR: { books: null } } } });
    expect(removed.status).toBe(200);
    expect(removed.body.taxes.rates.FR).toEqual({ standard: 20, reduced: 5.5, zero: 0 });
  }

  it('refuses an unknown class on a product, and nothing is created', async () => {
    const refused = await api.operator('POST', '/api/products', { sku: 'WINE-1', name: 'Wine', price: 1500, type: 'consumable', taxClass: 'alcohol' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('unknown_tax_class');
    const catalog = await api.storefront('GET', '/api/products');
    expect(catalog.body.items.some((p: { sku: string }) => p.sku === 'WINE-1')).toBe(false);
    const patched = await api.operator('PATCH', '/api/products/BOOK-TEA', { taxClass: 'alcohol' });
    expect(patched.status).toBe(422);
  });

  it('refuses rates outside 0–100 or with more than 3 decimals, and the standard class going', async () => {
    for (const rates of [{ FR: { standard: 120 } }, { FR: { reduced: 5.5555 } }, { FR: { reduced: -1 } }, { FR: { standard: null } }]) {
      const response = await api.operator('PATCH', '/api/settings', { taxes: { rates } });
      expect([400, 422], JSON.stringify(rates)).toContain(response.status);
    }
    expect((await api.operator('GET', '/api/settings')).body.taxes.rates.FR).toEqual({ standard: 20, reduced: 5.5, zero: 0 });
  });
});

describe('invoices and credit notes', () => {
  it('a paid order gets exactly one invoice whose totals and tax breakdown match the order, however often it is issued', async () => {
    const first = await activities.issueInvoice(paidOrder('ord_paid_1'));
    const again = await activities.issueInvoice(paidOrder('ord_paid_1'));
    expect(again).toEqual(first);
    expect(first.total).toBe(2580 + 2997 + 350 + 490);

    const listed = await api.operator('GET', '/api/orders/ord_paid_1/invoices');
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    const [invoice] = listed.body.items;
    expect(invoice).toMatchObject({ id: first.invoiceId, number: `INV/${year}/00001`, kind: 'invoice', amount: 6417, currency: 'EUR', untaxedAmount: 5749, taxAmount: 668 });
    expect(invoice.taxes).toEqual([
      { rate: 20, base: 2150 + 408, amount: 430 + 82 },
      { rate: 5.5, base: 2841, amount: 156 },
      { rate: 0, base: 350, amount: 0 },
    ]);
    expect(invoice.pdfUrl).toBe(`${api.config.publicUrl}/api/invoices/${first.invoiceId}/pdf`);

    const pdf = await pdfText(invoice.pdfUrl);
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe('application/pdf');
    expect(pdf.text).toContain(`Invoice INV/${year}/00001`);
    expect(pdf.text).toContain('Demo Shop');
    expect(pdf.text).toContain('Alex Martin');
    expect(pdf.text).toContain('The book of tea');
    expect(pdf.text).toContain('Tax 5.5 % on €28.41: €1.56');
    expect(pdf.text).toContain('Tax 20 % on €25.58: €5.12');
    expect(pdf.text).toContain('Untaxed amount: €57.49');
    expect(pdf.text).toContain('Tax: €6.68');
    expect(pdf.text).toContain('Total: €64.17');
  });

  it('a partial refund gets a credit note with its amount split by rate, naming the invoice it credits', async () => {
    const note = await activities.issueCreditNote({ refundId: 'ref_partial_1', orderId: 'ord_paid_1', amount: 1000, currency: 'EUR' });
    expect(await activities.issueCreditNote({ refundId: 'ref_partial_1', orderId: 'ord_paid_1', amount: 1000, currency: 'EUR' })).toEqual(note);
    expect(note.number).toBe(`RINV/${year}/00001`);

    const { body } = await api.operator('GET', '/api/orders/ord_paid_1/invoices');
    expect(body.items.map((i: { number: string }) => i.number)).toEqual([`INV/${year}/00001`, `RINV/${year}/00001`]);
    const credit = body.items[1];
    expect(credit).toMatchObject({ kind: 'credit_note', amount: 1000, untaxedAmount: 896, taxAmount: 104, creditedInvoiceId: body.items[0].id });
    expect(credit.taxes).toEqual([
      { rate: 20, base: 398, amount: 80 },
      { rate: 5.5, base: 443, amount: 24 },
      { rate: 0, base: 55, amount: 0 },
    ]);
    const pdf = await pdfText(credit.pdfUrl);
    expect(pdf.text).toContain(`Credit note RINV/${year}/00001`);
    expect(pdf.text).toContain(`Credits invoice INV/${year}/00001`);
    expect(pdf.text).toContain('Total: €10.00');
  });

  it('refunding the rest gives the invoice back rate by rate; nothing beyond it can be credited', async () => {
    await activities.issueCreditNote({ refundId: 'ref_rest_1', orderId: 'ord_paid_1', amount: 6417 - 1000, currency: 'EUR' });
    const { body } = await api.operator('GET', '/api/orders/ord_paid_1/invoices');
    const [invoice, ...notes] = body.items;
    for (const t of invoice.taxes) {
      const parts = notes.flatMap((n: { taxes: Array<{ rate: number; base: number; amount: number }> }) => n.taxes.filter((x) => x.rate === t.rate));
      expect({ rate: t.rate, base: parts.reduce((s: number, x: { base: number }) => s + x.base, 0), amount: parts.reduce((s: number, x: { amount: number }) => s + x.amount, 0) }).toEqual(t);
    }
    await expect(activities.issueCreditNote({ refundId: 'ref_too_much', orderId: 'ord_paid_1', amount: 1, currency: 'EUR' })).rejects.toMatchObject({ type: 'refund_exceeds_invoice', nonRetryable: true });
    await expect(activities.issueCreditNote({ refundId: 'ref_no_invoice', orderId: 'ord_never_paid', amount: 1, currency: 'EUR' })).rejects.toMatchObject({ type: 'invoice_not_found' });
    // The refused credit notes took no number.
    await activities.issueInvoice(paidOrder('ord_paid_2'));
    const next = await activities.issueCreditNote({ refundId: 'ref_other', orderId: 'ord_paid_2', amount: 100, currency: 'EUR' });
    expect(next.number).toBe(`RINV/${year}/00003`);
  });

  it("the accountant's list: by year and kind, newest first, keyset-paged without repeats or holes", async () => {
    for (const id of ['ord_paid_3', 'ord_paid_4', 'ord_paid_5']) await activities.issueInvoice(paidOrder(id));
    const numbers: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Array<{ number: string }>; nextCursor: string | null } } = await api.operator(
        'GET',
        `/api/invoices?year=${year}&kind=invoice&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      numbers.push(...page.body.items.map((i) => i.number));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(numbers).toEqual([5, 4, 3, 2, 1].map((n) => `INV/${year}/${pad(n)}`));
    const credits = await api.operator('GET', `/api/invoices?kind=credit_note`);
    expect(credits.body.items.map((i: { number: string }) => i.number)).toEqual([3, 2, 1].map((n) => `RINV/${year}/${pad(n)}`));
    expect((await api.operator('GET', `/api/invoices?year=${year - 1}`)).body.items).toEqual([]);
  });

  it('bad queries and unknown invoices are clear errors; the storefront cannot read invoices', async () => {
    expect((await api.operator('GET', '/api/invoices?cursor=nonsense')).status).toBe(400);
    expect((await api.operator('GET', '/api/invoices?kind=receipt')).status).toBe(400);
    const missing = await api.operator('GET', '/api/invoices/inv_nope/pdf');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('invoice_not_found');
    expect((await api.storefront('GET', '/api/orders/ord_paid_1/invoices')).status).toBe(403);
    expect((await api.call('GET', '/api/invoices')).status).toBe(401);
  });
});
