/**
 * Shipping methods on orders, through the HTTP API on a real Temporal server:
 * the fee in the total (following the goods for a "free above" method), in the
 * payment and in a full refund; a method required at checkout and a switched-
 * off one refused; in-store pickup with no label and its "ready for pickup"
 * email; the delivery-done email with each parcel's tracking link, or none
 * when the setting is off; a service-only order with no delivery at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentProvidersOf } from '../activities/payment-providers.js';
import { deliveryIdOf } from '../domain/delivery.js';
import { startApi, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';
import { startProviderFake, type ProviderFake } from './support/provider-fake.js';
import { withSettings } from './support/settings.js';

let api: ApiHarness;
let provider: ProviderFake;
let colissimo: string;
let pickup: string;

beforeAll(async () => {
  provider = await startProviderFake();
  api = await startApi({ paymentProviders: paymentProvidersOf({ url: provider.url, apiKey: provider.apiKey }) });
  const carrierMethod = await api.operator('POST', '/api/shipping-methods', { name: 'Colissimo', kind: 'carrier', price: 490, currency: 'EUR', freeAbove: 5000 });
  expect(carrierMethod.status).toBe(201);
  colissimo = carrierMethod.body.id;
  const pickupMethod = await api.operator('POST', '/api/shipping-methods', { name: 'In-store pickup', kind: 'pickup', price: 0, currency: 'EUR' });
  expect(pickupMethod.status).toBe(201);
  pickup = pickupMethod.body.id;
});

afterAll(async () => {
  await api?.close();
  await provider?.close();
});

const ADDRESS = { line1: '3 Quai Voltaire', city: 'Paris', postalCode: '75007', country: 'FR' };
type Email = { id: string; kind: string };

async function cart(lines: Array<{ sku: string; quantity: number }>) {
  const created = await api.storefront('POST', '/api/carts', { lines });
  const id = created.body.id as string;
  expect((await api.storefront('PUT', `/api/carts/${id}/contact`, { email: `${id.slice(-6)}@example.com`, name: 'Rita', shippingAddress: ADDRESS })).status).toBe(200);
  return id;
}

/** A cart with its contact and the shipping method chosen. */
async function cartShippedBy(method: string, lines: Array<{ sku: string; quantity: number }>) {
  const id = await cart(lines);
  expect((await api.storefront('PUT', `/api/carts/${id}/shipping-method`, { id: method })).status).toBe(200);
  return id;
}

async function paid(id: string) {
  const checkout = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: 'card' });
  expect(checkout.status).toBe(200);
  const { reference, amount } = checkout.body.payment;
  expect((await api.webhook({ id: `evt_${id}`, type: 'payment.succeeded', data: { reference, amount, currency: 'EUR' } })).status).toBe(200);
  await eventually(async () => expect((await api.storefront('GET', `/api/carts/${id}`)).body.state).toBe('sale'));
  return amount as number;
}

async function shipped(id: string) {
  const deliveryId = deliveryIdOf(id);
  await eventually(async () => expect((await api.operator('GET', `/api/deliveries/${deliveryId}`)).body.state).toBe('ready'), 15_000);
  const done = await api.operator('POST', `/api/deliveries/${deliveryId}/validate`, { step: 'ship' });
  expect(done.status).toBe(200);
  await eventually(async () => expect((await api.storefront('GET', `/api/carts/${id}`)).body.deliveryState).toBe('done'));
  return done.body;
}

async function emails(id: string): Promise<Email[]> {
  return (await api.operator('GET', `/api/emails?orderId=${id}`)).body.items;
}

describe('shipping fee on the order', () => {
  it('the fee is in the total, follows the goods for "free above", is paid and comes back with a full refund', async () => {
    const id = await cart([{ sku: 'MUG-BLUE', quantity: 1 }]);
    expect((await api.storefront('GET', `/api/carts/${id}`)).body.total).toBe(1290);

    const chosen = await api.storefront('PUT', `/api/carts/${id}/shipping-method`, { id: colissimo });
    expect(chosen.status).toBe(200);
    expect(chosen.body).toMatchObject({ shipping: { methodId: colissimo, name: 'Colissimo', kind: 'carrier', amount: 490 }, total: 1290 + 490 });

    // 4 mugs are worth 5160, above 5000: shipping is free; back to 1, it is not.
    const four = await api.storefront('PATCH', `/api/carts/${id}/lines/MUG-BLUE`, { quantity: 4 });
    expect(four.body).toMatchObject({ shipping: { amount: 0 }, total: 5160 });
    const one = await api.storefront('PATCH', `/api/carts/${id}/lines/MUG-BLUE`, { quantity: 1 });
    expect(one.body).toMatchObject({ shipping: { amount: 490 }, total: 1780 });

    const amount = await paid(id);
    expect(amount).toBe(1780);

    const refund = await api.operator('POST', `/api/orders/${id}/refunds`, {});
    expect(refund.status).toBe(202);
    expect(refund.body.amount).toBe(1780);
    await eventually(async () => expect((await api.operator('GET', `/api/orders/${id}`)).body.paymentState).toBe('refunded'), 15_000);
    expect([...provider.refunds.values()].map((r) => r.amount)).toContain(1780);
  });

  it('a shop with methods requires one at checkout; a switched-off method is refused, nothing changed', async () => {
    const id = await cart([{ sku: 'TEE-M', quantity: 1 }]);
    const without = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: 'card' });
    expect(without.status).toBe(422);
    expect(without.body.error.code).toBe('shipping_method_required');
    expect((await api.storefront('GET', `/api/carts/${id}`)).body).toMatchObject({ state: 'draft', total: 2490 });

    const unknown = await api.storefront('PUT', `/api/carts/${id}/shipping-method`, { id: 'ship_nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('shipping_method_not_found');

    const express = await api.operator('POST', '/api/shipping-methods', { name: 'Express', kind: 'carrier', price: 1500, currency: 'EUR' });
    expect((await api.storefront('PUT', `/api/carts/${id}/shipping-method`, { id: express.body.id })).body.total).toBe(2490 + 1500);
    expect((await api.operator('PATCH', `/api/shipping-methods/${express.body.id}`, { enabled: false })).status).toBe(200);

    // Chosen before it was switched off: checkout asks for another; a new choice of it is refused.
    const stale = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: 'card' });
    expect(stale.status).toBe(422);
    expect(stale.body.error.code).toBe('shipping_method_disabled');
    const other = await cart([{ sku: 'TEE-M', quantity: 1 }]);
    const refused = await api.storefront('PUT', `/api/carts/${other}/shipping-method`, { id: express.body.id });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('shipping_method_disabled');
    const untouched = (await api.storefront('GET', `/api/carts/${other}`)).body;
    expect(untouched.total).toBe(2490);
    expect(untouched.shipping).toBeUndefined();
  });
});

describe('delivery emails and pickup', () => {
  it('the delivery-done email carries the parcel tracking link', async () => {
    const id = await cartShippedBy(colissimo, [{ sku: 'MUG-BLUE', quantity: 1 }]);
    await paid(id);
    const delivery = await shipped(id);
    const parcel = delivery.parcels[0];
    expect(parcel.trackingUrl).toMatch(/^https?:\/\//);
    await eventually(async () => expect((await emails(id)).map((e) => e.kind)).toContain('delivery_done'), 15_000);
    const done = (await emails(id)).find((e) => e.kind === 'delivery_done')!;
    const text = (await api.operator('GET', `/api/emails/${done.id}`)).body.text as string;
    expect(text).toContain(parcel.trackingNumber);
    expect(text).toContain(parcel.trackingUrl);
  });

  it('delivery-done email switched off: no email (the refund email that follows it in line is sent)', async () => {
    await withSettings(api, { deliveryDoneEmail: false }, async () => {
      const id = await cartShippedBy(colissimo, [{ sku: 'MUG-BLUE', quantity: 1 }]);
      await paid(id);
      await shipped(id);
      expect((await api.operator('POST', `/api/orders/${id}/refunds`, { amount: 100 })).status).toBe(202);
      // The order's run sends the delivery-done email (when due) before a refund email: once the refund email is there, none came.
      await eventually(async () => expect((await emails(id)).map((e) => e.kind)).toContain('refund'), 15_000);
      expect((await emails(id)).map((e) => e.kind).sort()).toEqual(['order_confirmation', 'refund']);
    });
  });

  it('a pickup order: no label, a "ready for pickup" email, validating the last step hands it over', async () => {
    const id = await cartShippedBy(pickup, [{ sku: 'TEE-M', quantity: 1 }]);
    expect((await api.storefront('GET', `/api/carts/${id}`)).body).toMatchObject({ shipping: { kind: 'pickup', amount: 0 }, total: 2490 });
    await paid(id);
    await eventually(async () => expect((await emails(id)).map((e) => e.kind)).toContain('ready_for_pickup'), 15_000);
    const ready = (await emails(id)).find((e) => e.kind === 'ready_for_pickup')!;
    expect((await api.operator('GET', `/api/emails/${ready.id}`)).body.subject).toContain('ready for pickup');

    const refusedSplit = await api.operator('POST', `/api/deliveries/${deliveryIdOf(id)}/validate`, { step: 'ship', parcels: [{ lines: [{ sku: 'TEE-M', quantity: 1 }] }] });
    expect(refusedSplit.status).toBe(422);
    const delivery = await shipped(id);
    expect(delivery.trackingNumber).toBeUndefined();
    expect(delivery.parcels).toBeUndefined();
    expect((await api.operator('GET', `/api/deliveries/${deliveryIdOf(id)}/label`)).status).toBe(404);
    const detail = (await api.operator('GET', `/api/orders/${id}`)).body;
    expect(detail.timeline.map((e: { message: string }) => e.message)).toContain('Handed over to the customer at the shop');
    // A refund email would come after a delivery-done one in line: none for a pickup.
    expect((await api.operator('POST', `/api/orders/${id}/refunds`, { amount: 100 })).status).toBe(202);
    await eventually(async () => expect((await emails(id)).map((e) => e.kind)).toContain('refund'), 15_000);
    expect((await emails(id)).map((e) => e.kind).sort()).toEqual(['order_confirmation', 'ready_for_pickup', 'refund']);
  });

  it('a service-only order creates no delivery and no label, and needs no shipping method', async () => {
    const sku = `SVC-${Date.now()}`;
    expect((await api.operator('POST', '/api/products', { sku, name: 'Gift wrapping', price: 500, type: 'service' })).status).toBe(201);
    const id = await cart([{ sku, quantity: 1 }]);
    await paid(id);
    await eventually(async () => {
      const detail = (await api.operator('GET', `/api/orders/${id}`)).body;
      expect(detail.timeline.map((e: { type: string }) => e.type)).toContain('delivery_not_needed');
    }, 15_000);
    expect((await api.operator('GET', `/api/deliveries/${deliveryIdOf(id)}`)).status).toBe(404);
    expect((await api.operator('GET', `/api/deliveries/${deliveryIdOf(id)}/label`)).status).toBe(404);
    expect((await api.storefront('GET', `/api/carts/${id}`)).body.deliveryState).toBe('none');
  });
});
