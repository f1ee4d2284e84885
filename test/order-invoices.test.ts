/**
 * Orders carry their tax, and the order workflow issues the invoice when the
 * order becomes paid and a credit note for every succeeded refund: through
 * HTTP, on a real Temporal server, the card provider a loopback fake.
 * Expected figures are worked out by hand from the rule in domain/tax.ts
 * (per line, half away from zero; prices include tax).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentProvidersOf } from '../activities/payment-providers.js';
import { extractText, getDocumentProxy } from 'unpdf';
import { OPERATOR, startApi, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';
import { startProviderFake, type ProviderFake } from './support/provider-fake.js';

let api: ApiHarness;
let provider: ProviderFake;

beforeAll(async () => {
  provider = await startProviderFake();
  api = await startApi({ paymentProviders: paymentProvidersOf({ url: provider.url, apiKey: provider.apiKey }) });
  // A reduced-rate product (5.5 % in France) next to the standard-rate mug.
  const tea = await api.operator('POST', '/api/products', { sku: 'TEA-100', name: 'Green tea 100 g', price: 333, type: 'consumable', taxClass: 'reduced' });
  expect(tea.status).toBe(201);
});

afterAll(async () => {
  await api?.close();
  await provider?.close();
});

const ADDRESS = { line1: '3 Quai Voltaire', city: 'Paris', postalCode: '75007', country: 'FR' };

async function paidByCard(lines: Array<{ sku: string; quantity: number }>) {
  const cart = await api.storefront('POST', '/api/carts', { lines });
  expect(cart.status).toBe(201);
  const id = cart.body.id as string;
  await api.storefront('PUT', `/api/carts/${id}/contact`, { email: `${id.slice(-6)}@example.com`, name: 'Rita', shippingAddress: ADDRESS });
  const checkout = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: 'card' });
  expect(checkout.status).toBe(200);
  const { reference, amount } = checkout.body.payment;
  await api.webhook({ id: `evt_${id}`, type: 'payment.succeeded', data: { reference, amount, currency: 'EUR' } });
  await eventually(async () => expect((await api.storefront('GET', `/api/carts/${id}`)).body.paymentState).toBe('paid'));
  return { id, total: amount as number };
}

async function detail(id: string) {
  return (await api.operator('GET', `/api/orders/${id}`)).body;
}

// 1 mug at 12.90 (20 %): tax 12.90 × 20/120 = 2.15. 3 teas at 3.33 = 9.99 (5.5 %): tax 9.99 × 5.5/105.5 = 0.5208… → 0.52.
const MUG_AND_TEA = [
  { sku: 'MUG-BLUE', quantity: 1 },
  { sku: 'TEA-100', quantity: 3 },
];
const MUG_AND_TEA_TAXES = [
  { rate: 20, base: 1075, amount: 215 },
  { rate: 5.5, base: 947, amount: 52 },
];

describe('an order carries its taxes and gets its invoice once paid', () => {
  it('a paid card order shows its tax breakdown and has exactly one invoice whose totals match it', async () => {
    const o = await paidByCard(MUG_AND_TEA);
    expect(o.total).toBe(2289);
    await eventually(async () => expect((await detail(o.id)).invoice).toMatchObject({ number: expect.stringMatching(/^INV\/\d{4}\/\d{5}$/) }));
    const order = await detail(o.id);
    expect(order).toMatchObject({ total: 2289, untaxedAmount: 2022, taxAmount: 267, taxes: MUG_AND_TEA_TAXES, pricesIncludeTax: true });
    expect(order.lines.map((l: { sku: string; taxRate: number }) => [l.sku, l.taxRate])).toEqual([
      ['MUG-BLUE', 20],
      ['TEA-100', 5.5],
    ]);
    // The timeline is the projection's, a moment behind the workflow.
    await eventually(async () => expect((await detail(o.id)).timeline.filter((e: { type: string }) => e.type === 'invoice_issued')).toHaveLength(1));

    const invoices = await api.operator('GET', `/api/orders/${o.id}/invoices`);
    expect(invoices.status).toBe(200);
    expect(invoices.body.items).toHaveLength(1);
    expect(invoices.body.items[0]).toMatchObject({
      id: order.invoice.id,
      number: order.invoice.number,
      kind: 'invoice',
      amount: order.total,
      untaxedAmount: order.untaxedAmount,
      taxAmount: order.taxAmount,
      taxes: order.taxes,
      currency: 'EUR',
    });
    // The confirmation email names the invoice.
    await eventually(async () => expect((await detail(o.id)).emails).toMatchObject([{ kind: 'order_confirmation' }]));
    const confirmation = await api.operator('GET', `/api/emails/${(await detail(o.id)).emails[0].id}`);
    expect(confirmation.body.text).toContain(`Your invoice: ${order.invoice.number}.`);

    // The PDF shows the number and the totals.
    const response = await fetch(invoices.body.items[0].pdfUrl.replace(api.config.publicUrl, api.baseUrl), { headers: { authorization: `Bearer ${OPERATOR}` } });
    expect(response.status).toBe(200);
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(await response.arrayBuffer())), { mergePages: true });
    expect(text).toContain(order.invoice.number);
    expect(text.replace(/\s+/g, ' ')).toContain('Total: €22.89');
  });

  it('a partial refund gets a credit note split by rate', async () => {
    const o = await paidByCard(MUG_AND_TEA);
    await eventually(async () => expect((await detail(o.id)).invoice).toBeTruthy());
    const refund = await api.operator('POST', `/api/orders/${o.id}/refunds`, { amount: 1000, reason: 'goodwill' });
    expect(refund.status).toBe(202);
    await eventually(async () => expect((await detail(o.id)).creditNotes).toMatchObject([{ refundId: refund.body.id }]), 15_000);
    // 10.00 of 22.89: 20 % holds 12.90 → 5.635… → 5.64 (the larger remainder takes the cent), tax 2.15 × 564/1290 = 0.94;
    // 5.5 % holds 9.99 → 4.36, tax 0.52 × 436/999 = 0.2269… → 0.23.
    const items = (await api.operator('GET', `/api/orders/${o.id}/invoices`)).body.items;
    expect(items.map((i: { kind: string }) => i.kind)).toEqual(['invoice', 'credit_note']);
    expect(items[1]).toMatchObject({
      number: expect.stringMatching(/^RINV\/\d{4}\/\d{5}$/),
      amount: 1000,
      untaxedAmount: 883,
      taxAmount: 117,
      taxes: [
        { rate: 20, base: 470, amount: 94 },
        { rate: 5.5, base: 413, amount: 23 },
      ],
      creditedInvoiceId: items[0].id,
    });
    const order = await detail(o.id);
    expect(order.creditNotes).toEqual([{ refundId: refund.body.id, id: items[1].id, number: items[1].number }]);
    await eventually(async () => expect((await detail(o.id)).timeline.filter((e: { type: string }) => e.type === 'credit_note_issued')).toHaveLength(1));
    // The refund email names the credit note.
    await eventually(async () => expect((await detail(o.id)).emails.filter((e: { kind: string }) => e.kind === 'refund')).toHaveLength(1));
    const refundEmail = (await detail(o.id)).emails.find((e: { kind: string }) => e.kind === 'refund');
    expect((await api.operator('GET', `/api/emails/${refundEmail.id}`)).body.text).toContain(`Your credit note: ${items[1].number}.`);
  });
});

describe('rates apply to new quotations only', () => {
  it('a rate change leaves an order with the rates it was priced with; a new cart takes the new rate', async () => {
    const before = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'TEA-100', quantity: 3 }] });
    expect(before.body).toMatchObject({ total: 999, taxes: [{ rate: 5.5, base: 947, amount: 52 }] });
    const changed = await api.operator('PATCH', '/api/settings', { taxes: { rates: { FR: { reduced: 10 } } } });
    expect(changed.status).toBe(200);
    try {
      // More of the same product joins the line priced at 5.5 %: the line keeps its rate.
      const more = await api.storefront('POST', `/api/carts/${before.body.id}/lines`, { sku: 'TEA-100', quantity: 1 });
      expect(more.body.lines).toMatchObject([{ sku: 'TEA-100', quantity: 4, taxRate: 5.5 }]);
      // 13.32 × 5.5/105.5 = 0.6944… → 0.69.
      expect(more.body).toMatchObject({ total: 1332, taxAmount: 69, taxes: [{ rate: 5.5, base: 1263, amount: 69 }] });
      // A new cart: 9.99 × 10/110 = 0.9081… → 0.91.
      const after = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'TEA-100', quantity: 3 }] });
      expect(after.body).toMatchObject({ total: 999, untaxedAmount: 908, taxAmount: 91, taxes: [{ rate: 10, base: 908, amount: 91 }] });
      expect(after.body.lines).toMatchObject([{ taxRate: 10 }]);
    } finally {
      const restored = await api.operator('PATCH', '/api/settings', { taxes: { rates: { FR: { reduced: 5.5 } } } });
      expect(restored.status).toBe(200);
    }
  });

  it('with autoInvoice off, a paid order gets no invoice', async () => {
    expect((await api.operator('PATCH', '/api/settings', { autoInvoice: false })).body.autoInvoice).toBe(false);
    try {
      const o = await paidByCard([{ sku: 'MUG-BLUE', quantity: 1 }]);
      // The confirmation email follows the invoice reaction in the same loop: once it is recorded, no invoice came before it.
      await eventually(async () => expect((await detail(o.id)).emails).toMatchObject([{ kind: 'order_confirmation' }]));
      expect((await detail(o.id)).invoice).toBeNull();
      expect((await api.operator('GET', `/api/orders/${o.id}/invoices`)).body.items).toEqual([]);
    } finally {
      await api.operator('PATCH', '/api/settings', { autoInvoice: true });
    }
  });
});
