/**
 * Card payments under the brief's semantics, through the HTTP API on a real
 * server (the demo provider is the card provider here): the quotation stays a
 * draft until the customer went through payment, a failure gives the cart
 * back, an edit after checkout cancels the open payment at the provider and a
 * late success for it is refunded exactly once; wire-transfer instructions and
 * cancellation emails go out once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api?.close();
});

async function cartWithContact(email = 'dora@example.com') {
  const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 2 }] });
  expect(cart.status).toBe(201);
  await api.storefront('PUT', `/api/carts/${cart.body.id}/contact`, { email, name: 'Dora' });
  return cart.body.id as string;
}

async function checkout(id: string, paymentMethod: string) {
  const r = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { order: { state: string; paymentState: string; total: number }; payment: { reference: string; amount: number; redirectUrl?: string } };
}

const event = (id: string, type: string, reference: string, amount: number) => api.webhook({ id, type, data: { reference, amount, currency: 'EUR' } });

async function detail(id: string) {
  const r = await api.operator('GET', `/api/orders/${id}`);
  expect(r.status).toBe(200);
  return r.body;
}

const types = async (id: string): Promise<string[]> => (await detail(id)).timeline.map((e: { type: string }) => e.type);
const emailsOf = async (id: string, kind: string) =>
  ((await api.operator('GET', `/api/emails?orderId=${id}`)).body.items as Array<{ kind: string; id: string; to: string }>).filter((e) => e.kind === kind);

describe('card: the quotation waits for the customer at the payment page', () => {
  it('checkout opens the payment and leaves a draft; payment.pending sends it; payment.succeeded makes it a sales order', async () => {
    const id = await cartWithContact();
    const { order, payment } = await checkout(id, 'card');
    expect(order).toMatchObject({ state: 'draft', paymentState: 'not_paid' });
    expect(payment.redirectUrl).toContain(payment.reference);
    await eventually(async () => expect(await types(id)).toContain('payment_opened'));

    await event(`evt_p_${id}`, 'payment.pending', payment.reference, payment.amount);
    await eventually(async () => expect((await api.storefront('GET', `/api/carts/${id}`)).body).toMatchObject({ state: 'sent', paymentState: 'pending' }));
    await event(`evt_s_${id}`, 'payment.succeeded', payment.reference, payment.amount);
    await eventually(async () => expect(await detail(id)).toMatchObject({ state: 'sale', paymentState: 'paid' }));
    await eventually(async () => expect((await types(id)).slice(0, 5)).toEqual(['quotation_created', 'contact_set', 'payment_opened', 'quotation_sent', 'payment_received']));
  });

  it('payment.failed gives the cart back: editable, and checked out again with a new payment', async () => {
    const id = await cartWithContact();
    const first = await checkout(id, 'card');
    await event(`evt_p_${id}`, 'payment.pending', first.payment.reference, first.payment.amount);
    await eventually(async () => expect((await api.storefront('GET', `/api/carts/${id}`)).body.state).toBe('sent'));
    await event(`evt_f_${id}`, 'payment.failed', first.payment.reference, first.payment.amount);
    await eventually(async () => expect((await api.storefront('GET', `/api/carts/${id}`)).body).toMatchObject({ state: 'draft', paymentState: 'not_paid' }));

    const edited = await api.storefront('POST', `/api/carts/${id}/lines`, { sku: 'MUG-BLUE', quantity: 1 });
    expect(edited.status).toBe(200);
    const second = await checkout(id, 'card');
    expect(second.payment.reference).not.toBe(first.payment.reference);
    expect(second.payment.amount).toBe(edited.body.total);
    await event(`evt_s2_${id}`, 'payment.succeeded', second.payment.reference, second.payment.amount);
    await eventually(async () => expect(await detail(id)).toMatchObject({ state: 'sale', paymentState: 'paid', total: second.payment.amount }));
  });

  it('an edit after checkout cancels the open payment at the provider; its late success is refunded once and confirms nothing', async () => {
    const id = await cartWithContact();
    const first = await checkout(id, 'card');
    const edited = await api.storefront('PATCH', `/api/carts/${id}/lines/MUG-BLUE`, { quantity: 3 });
    expect(edited.status).toBe(200);
    await eventually(async () => expect(await types(id)).toEqual(expect.arrayContaining(['payment_cancelled', 'payment_cancelled_at_provider'])));

    // The customer had paid the old amount anyway: the order stays a quotation, the money goes back, once.
    await event(`evt_late_${id}`, 'payment.succeeded', first.payment.reference, first.payment.amount);
    await event(`evt_late_again_${id}`, 'payment.succeeded', first.payment.reference, first.payment.amount);
    await eventually(async () => {
      const order = await detail(id);
      expect(order.refunds).toMatchObject([{ amount: first.payment.amount, status: 'succeeded' }]);
      expect(order.timeline.filter((e: { type: string }) => e.type === 'refund_succeeded')).toHaveLength(1);
      expect(order.timeline.map((e: { type: string }) => e.type)).toContain('payment_after_replacement');
    });
    expect((await api.storefront('GET', `/api/carts/${id}`)).body).toMatchObject({ state: 'draft', paymentState: 'not_paid' });

    // The cart as it is now is paid by a new payment.
    const second = await checkout(id, 'card');
    expect(second.payment.reference).not.toBe(first.payment.reference);
    await event(`evt_s_${id}`, 'payment.succeeded', second.payment.reference, second.payment.amount);
    await eventually(async () => expect(await detail(id)).toMatchObject({ state: 'sale', paymentState: 'paid' }));
    expect((await detail(id)).refunds).toHaveLength(1);
  });
});

describe('emails of wire transfers and cancellations', () => {
  it('a wire transfer customer gets the payment instructions at checkout, once', async () => {
    const id = await cartWithContact('wire@example.com');
    const { order } = await checkout(id, 'wire_transfer');
    expect(order.state).toBe('sent');
    await eventually(async () => expect(await emailsOf(id, 'payment_instructions')).toHaveLength(1));
    const [sent] = await emailsOf(id, 'payment_instructions');
    expect(sent!.to).toBe('wire@example.com');
    const email = await api.operator('GET', `/api/emails/${sent!.id}`);
    const { number, payments } = await detail(id);
    expect(email.body.subject).toBe(`How to pay for your order ${number}`);
    // The instructions of the payment, word for word (they carry the order number as the transfer's reference).
    expect(payments[0].instructions).toContain(number);
    expect(email.body.text).toContain(payments[0].instructions);
  });

  it('a cancelled order tells its customer, once', async () => {
    const id = await cartWithContact('cancel@example.com');
    await checkout(id, 'pay_in_store');
    const cancelled = await api.operator('POST', `/api/orders/${id}/cancel`, { reason: 'out of stock' });
    expect(cancelled.status).toBe(200);
    await eventually(async () => expect(await emailsOf(id, 'order_cancelled')).toHaveLength(1));
    const email = await api.operator('GET', `/api/emails/${(await emailsOf(id, 'order_cancelled'))[0]!.id}`);
    expect(email.body.text).toContain('cancelled: out of stock');
  });
});
