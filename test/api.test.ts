/**
 * The HTTP contract, through HTTP, against a running worker and the test
 * database (PGlite by default, PostgreSQL when DATABASE_URL is set).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { OPERATOR, STOREFRONT, startApi, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';
import { withSettings } from './support/settings.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api?.close();
});

async function paidCartOf(method: 'card' | 'wire_transfer' | 'pay_in_store', email = 'carla@example.com') {
  const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
  expect(cart.status).toBe(201);
  await api.storefront('POST', `/api/carts/${cart.body.id}/lines`, { sku: 'TEE-M', quantity: 2 });
  await api.storefront('PUT', `/api/carts/${cart.body.id}/contact`, {
    email,
    name: 'Carla',
    shippingAddress: { line1: '1 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' },
  });
  const checkout = await api.storefront('POST', `/api/carts/${cart.body.id}/checkout`, { paymentMethod: method });
  expect(checkout.status).toBe(200);
  return { id: cart.body.id as string, number: cart.body.number as string, payment: checkout.body.payment };
}

/** Lists read the projection, which follows the workflow within moments. */
async function projected(id: string, expected: Record<string, unknown>) {
  await eventually(async () => {
    const detail = await api.operator('GET', `/api/orders/${id}`);
    const list = await api.operator('GET', `/api/orders?q=${encodeURIComponent(detail.body.number)}`);
    expect(list.body.items[0]).toMatchObject(expected);
  });
}

describe('a storefront takes a cart to a sales order', () => {
  it('card: cart, lines, contact, checkout, signed webhook, sales order in the Orders list', async () => {
    const created = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'draft', paymentState: 'not_paid', total: 1290, currency: 'EUR', salesTeam: 'Website' });
    expect(created.body.accessToken).toBeUndefined();
    const id = created.body.id as string;

    let r = await api.storefront('POST', `/api/carts/${id}/lines`, { sku: 'MUG-BLUE', quantity: 2 });
    expect(r.body.lines).toEqual([{ sku: 'MUG-BLUE', name: 'Blue ceramic mug', quantity: 3, unitPrice: 1290, subtotal: 3870, taxRate: 20 }]);
    r = await api.storefront('POST', `/api/carts/${id}/lines`, { sku: 'GIFT-WRAP', quantity: 1 });
    r = await api.storefront('PATCH', `/api/carts/${id}/lines/MUG-BLUE`, { quantity: 2 });
    expect(r.body.total).toBe(2 * 1290 + 350);
    r = await api.storefront('DELETE', `/api/carts/${id}/lines/GIFT-WRAP`);
    expect(r.body.total).toBe(2580);
    r = await api.storefront('PUT', `/api/carts/${id}/contact`, { email: 'dora@example.com', name: 'Dora' });
    expect(r.body.contact).toEqual({ email: 'dora@example.com', name: 'Dora' });

    const checkout = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: 'card' });
    expect(checkout.status).toBe(200);
    // The payment page is open; the order stays a quotation until the customer went through payment.
    expect(checkout.body.order).toMatchObject({ state: 'draft', paymentState: 'not_paid' });
    expect(checkout.body.payment).toMatchObject({ method: 'card', amount: 2580, currency: 'EUR' });
    expect(checkout.body.payment.redirectUrl).toContain(checkout.body.payment.reference);
    const again = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: 'card' });
    expect(again.body.payment).toEqual(checkout.body.payment);

    await api.webhook({ id: `evt_pending_${id}`, type: 'payment.pending', data: { reference: checkout.body.payment.reference, amount: 2580, currency: 'EUR' } });
    await projected(id, { state: 'sent', paymentState: 'pending' });
    const unpaid = await api.operator('GET', '/api/orders?state=sent');
    expect(unpaid.body.items.map((o: { id: string }) => o.id)).toContain(id);

    const hook = await api.webhook({ id: `evt_${id}`, type: 'payment.succeeded', data: { reference: checkout.body.payment.reference, amount: 2580, currency: 'EUR' } });
    expect(hook).toEqual({ status: 200, body: { received: true, duplicate: false, orderId: id } });
    await eventually(async () => expect((await api.storefront('GET', `/api/carts/${id}`)).body.state).toBe('sale'));
    await projected(id, { state: 'sale', paymentState: 'paid' });
    const salesOrders = await api.operator('GET', '/api/orders?state=sale');
    expect(salesOrders.body.items.map((o: { id: string }) => o.id)).toContain(id);

    // The sales order's confirmation email goes out once, with the link to the return form.
    await eventually(async () => {
      const emails = await api.operator('GET', `/api/emails?orderId=${id}`);
      expect(emails.body.items).toMatchObject([{ kind: 'order_confirmation', to: 'dora@example.com', status: 'outbox', transport: 'outbox' }]);
    });
    const detail = await api.operator('GET', `/api/orders/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id, state: 'sale', paymentState: 'paid', workflowId: orderWorkflowId(id) });
    expect(detail.body.accessToken).toMatch(/^[\w-]{32}$/);
    expect(detail.body.returnUrl).toContain(`/returns/${id}?token=${detail.body.accessToken}`);
    expect(detail.body.temporalUrl).toContain(encodeURIComponent(orderWorkflowId(id)));
    expect(detail.body.payments).toMatchObject([{ method: 'card', status: 'succeeded' }]);
    expect(detail.body.payments[0].events.map((e: { id: string; type: string }) => [e.id, e.type]).sort()).toEqual([
      [`evt_${id}`, 'payment.succeeded'],
      [`evt_pending_${id}`, 'payment.pending'],
    ]);
    expect(detail.body.emails).toMatchObject([{ kind: 'order_confirmation' }]);
    const email = await api.operator('GET', `/api/emails/${detail.body.emails[0].id}`);
    expect(email.body.text).toContain(detail.body.returnUrl);
    expect(email.body.subject).toBe(`Your order ${detail.body.number} is confirmed`);
    await eventually(async () => {
      const types: string[] = (await api.operator('GET', `/api/orders/${id}`)).body.timeline.map((e: { type: string }) => e.type);
      expect(types.slice(0, 9)).toEqual([
        'quotation_created',
        'line_added',
        'line_added',
        'line_changed',
        'line_removed',
        'contact_set',
        'payment_opened',
        'quotation_sent',
        'payment_received',
      ]);
      // Then, in the order they happen: the invoice, the confirmation email and the delivery order with its reservation.
      expect(types).toEqual(expect.arrayContaining(['invoice_issued', 'email_sent', 'delivery_created', 'delivery_reserved']));
      expect(types).toHaveLength(13);
    });
  });

  it('wire transfer: stays in Unpaid orders with instructions until an operator confirms it', async () => {
    const { id, number, payment } = await paidCartOf('wire_transfer');
    expect(payment.instructions).toContain(number);
    await projected(id, { state: 'sent', paymentMethod: 'wire_transfer' });
    const confirm = await api.operator('POST', `/api/orders/${id}/confirm`, { paymentReceived: true });
    expect(confirm.status).toBe(200);
    expect(confirm.body).toMatchObject({ state: 'sale', paymentState: 'paid' });
    const twice = await api.operator('POST', `/api/orders/${id}/confirm`, {});
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('order_not_confirmable');
  });

  it('a retried cart creation with the same Idempotency-Key returns the same cart', async () => {
    const headers = { 'idempotency-key': `key-${Date.now()}` };
    const body = { lines: [{ sku: 'TEE-M', quantity: 1 }] };
    const first = await api.call('POST', '/api/carts', { token: STOREFRONT, body, headers });
    const second = await api.call('POST', '/api/carts', { token: STOREFRONT, body, headers });
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.lines).toEqual(first.body.lines);
  });
});

describe('payment webhooks', () => {
  it('a wrong or stale signature is refused and changes nothing', async () => {
    const { id, payment } = await paidCartOf('card');
    const event = { id: `evt_bad_${id}`, type: 'payment.succeeded', data: { reference: payment.reference, amount: payment.amount, currency: 'EUR' } };
    const wrong = await api.webhook(event, { secret: 'not-the-secret-at-all' });
    expect(wrong.status).toBe(400);
    const stale = await api.webhook(event, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(stale.status).toBe(400);
    expect(stale.body.error.message).toContain('older than 5 minutes');
    const unsigned = await api.call('POST', '/api/webhooks/payments', { body: event });
    expect(unsigned.status).toBe(400);
    expect((await api.storefront('GET', `/api/carts/${id}`)).body.state).toBe('draft');
    // The same event, properly signed, is then accepted: the refusals left no trace of its id.
    expect((await api.webhook(event)).body.duplicate).toBe(false);
  });

  it('the same event delivered again is acknowledged and has no further effect', async () => {
    const { id, payment } = await paidCartOf('card');
    const event = { id: `evt_twice_${id}`, type: 'payment.succeeded', data: { reference: payment.reference, amount: payment.amount, currency: 'EUR' } };
    const [a, b] = await Promise.all([api.webhook(event), api.webhook(event)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const third = await api.webhook(event);
    expect(third.body.duplicate).toBe(true);
    await projected(id, { state: 'sale', paymentState: 'paid' });
    const detail = await api.operator('GET', `/api/orders/${id}`);
    expect(detail.body.timeline.filter((e: { type: string }) => e.type === 'payment_received')).toHaveLength(1);
  });

  it('an amount that does not match is recorded and does not confirm the order', async () => {
    const { id, payment } = await paidCartOf('card');
    await api.webhook({ id: `evt_short_${id}`, type: 'payment.succeeded', data: { reference: payment.reference, amount: 1, currency: 'EUR' } });
    await eventually(async () => {
      const detail = await api.operator('GET', `/api/orders/${id}`);
      expect(detail.body.timeline.at(-1).type).toBe('payment_amount_mismatch');
      expect(detail.body.payments[0].events).toHaveLength(1);
    });
    expect((await api.storefront('GET', `/api/carts/${id}`)).body).toMatchObject({ state: 'draft', paymentState: 'not_paid' });
  });

  it('an event for an unknown reference is acknowledged and recorded', async () => {
    const r = await api.webhook({ id: 'evt_unknown_ref', type: 'payment.succeeded', data: { reference: 'pay_nope', amount: 100, currency: 'EUR' } });
    expect(r).toEqual({ status: 200, body: { received: true, duplicate: false, orderId: null } });
  });
});

describe('bad input gets a clear error and changes nothing', () => {
  it('authentication and roles', async () => {
    expect((await api.call('GET', '/api/products')).status).toBe(401);
    expect((await api.call('GET', '/api/products', { token: 'wrong-token' })).status).toBe(401);
    expect((await api.call('GET', '/api/orders', { token: STOREFRONT })).status).toBe(403);
    expect((await api.call('GET', '/api/orders', { token: OPERATOR })).status).toBe(200);
    expect((await api.call('POST', '/api/carts', { token: OPERATOR, body: {} })).status).toBe(201);
    const r = await api.call('PATCH', '/api/settings', { token: STOREFRONT, body: { salesTeam: 'Hackers' } });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('forbidden');
  });

  it('malformed bodies are 400, not-allowed requests 422, unknown ids 404, state conflicts 409', async () => {
    const malformed = await api.call('POST', '/api/carts', { token: STOREFRONT, body: '{"lines": [', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_request');
    const badShape = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: -1 }] });
    expect(badShape.status).toBe(400);
    expect(badShape.body.error.details.issues[0].path).toBe('body.lines.0.quantity');
    const extra = await api.storefront('POST', '/api/carts', { lines: [], coupon: 'FREE' });
    expect(extra.status).toBe(400);

    const unknownSku = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'NOPE', quantity: 1 }] });
    expect(unknownSku.status).toBe(422);
    expect(unknownSku.body.error.code).toBe('unknown_product');

    const empty = await api.storefront('POST', '/api/carts', {});
    const emptyCheckout = await api.storefront('POST', `/api/carts/${empty.body.id}/checkout`, { paymentMethod: 'card' });
    expect(emptyCheckout.status).toBe(422);
    expect(emptyCheckout.body.error).toMatchObject({ code: 'empty_cart' });
    await api.storefront('POST', `/api/carts/${empty.body.id}/lines`, { sku: 'MUG-BLUE', quantity: 1 });
    const noContact = await api.storefront('POST', `/api/carts/${empty.body.id}/checkout`, { paymentMethod: 'card' });
    expect(noContact.status).toBe(422);
    expect(noContact.body.error.code).toBe('contact_required');
    const badMethod = await api.storefront('POST', `/api/carts/${empty.body.id}/checkout`, { paymentMethod: 'bitcoin' });
    expect(badMethod.status).toBe(400);
    const noLine = await api.storefront('PATCH', `/api/carts/${empty.body.id}/lines/TEE-M`, { quantity: 2 });
    expect(noLine.status).toBe(404);

    expect((await api.storefront('GET', '/api/carts/ord_does_not_exist')).status).toBe(404);
    expect((await api.operator('GET', '/api/orders/ord_does_not_exist')).status).toBe(404);
    expect((await api.storefront('POST', '/api/carts/ord_does_not_exist/lines', { sku: 'MUG-BLUE', quantity: 1 })).status).toBe(404);

    const { id } = await paidCartOf('wire_transfer');
    const late = await api.storefront('POST', `/api/carts/${id}/lines`, { sku: 'MUG-BLUE', quantity: 1 });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('cart_not_editable');
    expect((await api.storefront('GET', `/api/carts/${id}`)).body.lines).toHaveLength(2);
    expect((await api.operator('GET', '/api/nowhere')).status).toBe(404);
  });

  it('cancelling closes the order; changing it afterwards is a conflict', async () => {
    const { id } = await paidCartOf('pay_in_store');
    const cancelled = await api.operator('POST', `/api/orders/${id}/cancel`, { reason: 'customer called' });
    expect(cancelled.body).toMatchObject({ state: 'cancel' });
    await api.temporal.client.workflow.getHandle(orderWorkflowId(id)).result();
    const again = await api.operator('POST', `/api/orders/${id}/cancel`, {});
    expect(again.status).toBe(409);
    const confirm = await api.operator('POST', `/api/orders/${id}/confirm`, {});
    expect(confirm.status).toBe(409);
    await projected(id, { state: 'cancel' });
  });
});

describe('catalog and settings', () => {
  it('operators manage products; stock never drops below what is reserved', async () => {
    const created = await api.operator('POST', '/api/products', { sku: 'LAMP-1', name: 'Desk lamp', price: 4500, type: 'storable', onHand: 3 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sku: 'LAMP-1', returnable: true, onHand: 3, reserved: 0, available: 3 });
    expect((await api.operator('POST', '/api/products', { sku: 'LAMP-1', name: 'Again', price: 1, type: 'storable' })).status).toBe(409);
    const patched = await api.operator('PATCH', '/api/products/LAMP-1', { onHand: 10, price: 3900 });
    expect(patched.body).toMatchObject({ onHand: 10, price: 3900, available: 10 });
    expect((await api.operator('PATCH', '/api/products/NOPE', { onHand: 1 })).status).toBe(404);
    expect((await api.storefront('POST', '/api/products', { sku: 'X', name: 'X', price: 1, type: 'service' })).status).toBe(403);
    const list = await api.storefront('GET', '/api/products');
    expect(list.body.items.map((p: { sku: string }) => p.sku)).toContain('LAMP-1');
  });

  it('the sales team and salesperson from the settings are records, stamped on new quotations', async () => {
    await withSettings(api, null, async () => {
      const unknown = await api.operator('PATCH', '/api/settings', { salesTeam: 'Europe' });
      expect(unknown.status).toBe(422);
      expect(unknown.body.error).toMatchObject({ code: 'unknown_sales_team' });
      const team = await api.operator('POST', '/api/sales-teams', { name: 'Europe' });
      expect(team.status).toBe(201);
      expect((await api.operator('POST', '/api/sales-teams', { name: 'Europe' })).status).toBe(409);
      const marc = await api.operator('POST', `/api/sales-teams/${team.body.id}/salespeople`, { name: 'Marc Demo', email: 'marc@example.com' });
      expect(marc.status).toBe(201);
      expect((await api.operator('PATCH', '/api/settings', { salesTeam: 'Europe', salesperson: 'Nobody' })).status).toBe(422);
      // A refusal changes nothing.
      expect((await api.operator('GET', '/api/settings')).body).toMatchObject({ salesTeam: 'Website', salesperson: null });

      const patched = await api.operator('PATCH', '/api/settings', { salesTeam: 'Europe', salesperson: 'Marc Demo' });
      expect(patched.body).toMatchObject({ salesTeam: 'Europe', salesperson: 'Marc Demo', salesTeamId: team.body.id, salespersonId: marc.body.id, abandonedCart: { delay: '10h' } });
      const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
      expect(cart.body).toMatchObject({ salesTeam: 'Europe', salesperson: 'Marc Demo' });
      const bad = await api.operator('PATCH', '/api/settings', { abandonedCart: { delay: 'soon' } });
      expect(bad.status).toBe(400);
      expect((await api.operator('GET', '/api/settings')).body.abandonedCart.delay).toBe('10h');
      // Deactivated, Marc cannot be chosen again, and new orders go to the team alone.
      await api.operator('PATCH', `/api/salespeople/${marc.body.id}`, { active: false });
      expect((await api.storefront('POST', '/api/carts', {})).body).toMatchObject({ salesTeam: 'Europe', salesperson: null });
      expect((await api.operator('PATCH', '/api/settings', { salespersonId: marc.body.id })).status).toBe(422);
      await api.operator('PATCH', '/api/settings', { salesTeam: 'Website' });
      expect((await api.operator('GET', '/api/settings')).body).toMatchObject({ salesTeam: 'Website', salesperson: null });
    });
  });

  it('a round-robin team gives new orders to its active salespeople in turn, never the same turn twice', async () => {
    const team = (await api.operator('POST', '/api/sales-teams', { name: 'Rotation', assignment: 'round_robin' })).body;
    const names = ['Ana', 'Bea', 'Cy'];
    const people: Array<{ id: string }> = [];
    for (const name of names) people.push((await api.operator('POST', `/api/sales-teams/${team.id}/salespeople`, { name })).body);
    await withSettings(api, { salesTeamId: team.id }, async () => {
      // Nine carts at once: three each, whatever the interleaving.
      const carts = await Promise.all(Array.from({ length: 9 }, () => api.storefront('POST', '/api/carts', {})));
      const counts = Object.fromEntries(names.map((n) => [n, carts.filter((c) => c.body.salesperson === n).length]));
      expect(counts).toEqual({ Ana: 3, Bea: 3, Cy: 3 });
      // Bea leaves the rotation: the next two go to Ana and Cy, one each.
      await api.operator('PATCH', `/api/salespeople/${people[1]!.id}`, { active: false });
      const next = await Promise.all([1, 2].map(() => api.storefront('POST', '/api/carts', {})));
      expect(next.map((c) => c.body.salesperson).sort()).toEqual(['Ana', 'Cy']);
      // A fixed salesperson wins over the rotation.
      await api.operator('PATCH', '/api/settings', { salesperson: 'Cy' });
      expect((await api.storefront('POST', '/api/carts', {})).body.salesperson).toBe('Cy');
    });
  });

  it('abandoned carts: quotations with lines idle longer than the delay, searchable and paged', async () => {
    await withSettings(api, { abandonedCart: { delay: '1s' } }, async () => {
      // Two idle carts, so a page of one must leave a cursor to the other.
      const idle = await Promise.all([0, 1].map(() => api.storefront('POST', '/api/carts', { lines: [{ sku: 'TEE-M', quantity: 1 }] })));
      const empty = await api.storefront('POST', '/api/carts', {});
      await eventually(async () => {
        const r = await api.operator('GET', '/api/abandoned-carts');
        const ids = r.body.items.map((o: { id: string }) => o.id);
        expect(ids).toEqual(expect.arrayContaining(idle.map((c) => c.body.id)));
        expect(ids).not.toContain(empty.body.id);
      });
      // Searchable by number and paged like the orders.
      const found = await api.operator('GET', `/api/abandoned-carts?q=${idle[0]!.body.number}`);
      expect(found.body.items.map((o: { id: string }) => o.id)).toEqual([idle[0]!.body.id]);
      const first = await api.operator('GET', '/api/abandoned-carts?limit=1');
      expect(first.body.items).toHaveLength(1);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const next = await api.operator('GET', `/api/abandoned-carts?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(next.status).toBe(200);
      expect(next.body.items).toHaveLength(1);
      expect(next.body.items[0].id).not.toBe(first.body.items[0].id);
      expect((await api.operator('GET', '/api/abandoned-carts?state=sale')).status).toBe(400);
    });
  });
});

describe('operations', () => {
  it('health, OpenAPI and paging', async () => {
    const health = await api.call('GET', '/healthz');
    expect(health.body).toMatchObject({ status: 'ok', database: 'ok', temporal: 'ok' });
    const openapi = await api.call('GET', '/api/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/api/carts', '/api/carts/{id}/checkout', '/api/webhooks/payments', '/api/orders/{id}/confirm']));

    const first = await api.operator('GET', '/api/orders?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toBeTruthy();
    const second = await api.operator('GET', `/api/orders?limit=2&cursor=${first.body.nextCursor}`);
    const seen = new Set(first.body.items.map((o: { id: string }) => o.id));
    for (const order of second.body.items) expect(seen.has(order.id)).toBe(false);
    expect((await api.operator('GET', '/api/orders?limit=0')).status).toBe(400);
    expect((await api.operator('GET', '/api/orders?state=paid')).status).toBe(400);
  });
});
