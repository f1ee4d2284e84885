/** Shipping methods: the fee rules (pure) and the routes on a real server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductSnapshot } from '../domain/catalog.js';
import { DomainError } from '../domain/errors.js';
import {
  applyAddLine,
  applySetShippingMethod,
  checkCheckout,
  checkSetShippingMethod,
  hasGoodsToDeliver,
  newQuotation,
  pickupReady,
  planCheckout,
  type Order,
} from '../domain/order.js';
import { checkChosenMethod, checkShippingMethod, chosenShipping, needsCarrierLabel, shippingFee, type ShippingMethod } from '../domain/shipping.js';
import { startApi, STOREFRONT, type ApiHarness } from './support/api.js';

const T = '2026-11-29T06:00:00.000Z';
const colissimo: ShippingMethod = {
  id: 'ship_colissimo',
  name: 'Colissimo',
  kind: 'carrier',
  price: 690,
  currency: 'EUR',
  freeAbove: 6000,
  carrierService: null,
  enabled: true,
  createdAt: T,
  updatedAt: T,
};
const flat: ShippingMethod = { ...colissimo, id: 'ship_flat', name: 'Express', price: 1290, freeAbove: null, carrierService: 'Priority' };
const pickup: ShippingMethod = { ...colissimo, id: 'ship_pickup', name: 'In-store pickup', kind: 'pickup', price: 0, freeAbove: null };

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a DomainError');
}

describe('shipping fees', () => {
  it('a flat rate is charged whatever the goods', () => {
    expect(shippingFee(flat, 100, 'EUR')).toBe(1290);
    expect(shippingFee(flat, 1_000_000, 'EUR')).toBe(1290);
  });

  it('free from the threshold on, charged just below it', () => {
    expect(shippingFee(colissimo, 5999, 'EUR')).toBe(690);
    expect(shippingFee(colissimo, 6000, 'EUR')).toBe(0);
    expect(shippingFee(colissimo, 6001, 'EUR')).toBe(0);
  });

  it('pickup costs its price (usually nothing) and needs no label', () => {
    expect(shippingFee(pickup, 2500, 'EUR')).toBe(0);
    expect(needsCarrierLabel({ kind: 'pickup' })).toBe(false);
    expect(needsCarrierLabel({ kind: 'carrier' })).toBe(true);
    expect(needsCarrierLabel(null)).toBe(true);
  });

  it('refuses a method priced in another currency', () => {
    expect(refusal(() => shippingFee(colissimo, 100, 'USD'))).toMatchObject({ code: 'currency_mismatch', status: 422 });
  });
});

describe('choosing a method', () => {
  it('a disabled or unknown method is refused', () => {
    expect(checkChosenMethod(colissimo, colissimo.id)).toBe(colissimo);
    expect(refusal(() => checkChosenMethod({ ...colissimo, enabled: false }, colissimo.id))).toMatchObject({ code: 'shipping_method_disabled', status: 422 });
    expect(refusal(() => checkChosenMethod(null, 'ship_x'))).toMatchObject({ code: 'shipping_method_not_found', status: 404 });
  });

  it('a shop with methods requires one at checkout; a shop without needs none; services only need none', () => {
    const order = cart();
    expect(checkCheckout(order, { paymentMethod: 'card' })).toBeNull();
    expect(checkCheckout(order, { paymentMethod: 'card', offeredShippingMethods: [] })).toBeNull();
    expect(checkCheckout(order, { paymentMethod: 'card', offeredShippingMethods: [colissimo.id, pickup.id] })).toMatchObject({ code: 'shipping_method_required', status: 422 });
    applySetShippingMethod(order, chosenShipping(pickup), T);
    expect(checkCheckout(order, { paymentMethod: 'card', offeredShippingMethods: [colissimo.id, pickup.id] })).toBeNull();
    // Switched off after the cart chose it: refused at checkout.
    expect(checkCheckout(order, { paymentMethod: 'card', offeredShippingMethods: [colissimo.id] })).toMatchObject({ code: 'shipping_method_disabled' });
    const services = cart([{ product: { ...mug, sku: 'WRAP', type: 'service' }, quantity: 1 }]);
    expect(hasGoodsToDeliver(services)).toBe(false);
    expect(checkCheckout(services, { paymentMethod: 'card', offeredShippingMethods: [colissimo.id] })).toBeNull();
  });

  it('a method must make sense as a whole', () => {
    expect(() => checkShippingMethod(colissimo)).not.toThrow();
    expect(refusal(() => checkShippingMethod({ ...pickup, carrierService: 'Priority' })).code).toBe('shipping_method_invalid');
    expect(refusal(() => checkShippingMethod({ ...colissimo, price: 0 })).message).toContain('free above');
    expect(refusal(() => checkShippingMethod({ ...colissimo, price: -1 })).code).toBe('shipping_method_invalid');
  });
});

const mug: ProductSnapshot = { sku: 'MUG', name: 'Mug', unitPrice: 2000, currency: 'EUR', type: 'storable' };

function cart(lines = [{ product: mug, quantity: 1 }]): Order {
  const { order } = newQuotation({ id: 'ord_1', number: 'S00001', accessToken: 'tok', currency: 'EUR', customer: { loggedIn: false }, salesTeam: 'Website', salesperson: null, lines }, T);
  order.contact = { email: 'a@example.com' };
  return order;
}

describe('the fee on the order', () => {
  it('is in the total and the payment, and follows the goods across "free above"', () => {
    const order = cart();
    expect(order.total).toBe(2000);
    applySetShippingMethod(order, chosenShipping(colissimo), T);
    expect(order.shipping).toMatchObject({ methodId: colissimo.id, kind: 'carrier', amount: 690 });
    expect(order.total).toBe(2690);
    applyAddLine(order, { product: mug, quantity: 2 }, T); // 6000 of goods: free from 6000 on
    expect(order.shipping!.amount).toBe(0);
    expect(order.total).toBe(6000);
    expect(planCheckout(order, { paymentMethod: 'card' })).toEqual({ kind: 'pay', amount: 6000, currency: 'EUR' });
    applySetShippingMethod(order, chosenShipping(flat), T);
    expect(order.total).toBe(6000 + 1290);
  });

  it('is chosen on a quotation only, in its currency', () => {
    const order = cart();
    expect(checkSetShippingMethod(order, chosenShipping(colissimo))).toBeNull();
    expect(checkSetShippingMethod(order, { ...chosenShipping(colissimo), currency: 'USD' })).toMatchObject({ code: 'currency_mismatch' });
    order.state = 'sale';
    expect(checkSetShippingMethod(order, chosenShipping(colissimo))?.status).toBe(409);
  });

  it('pickup is ready when only the hand-over is left and the goods are reserved', () => {
    expect(pickupReady({ state: 'ready', steps: [{ state: 'ready' }] })).toBe(true);
    expect(pickupReady({ state: 'waiting', steps: [{ state: 'waiting' }] })).toBe(false);
    expect(pickupReady({ state: 'in_progress', steps: [{ state: 'done' }, { state: 'ready' }] })).toBe(true);
    expect(pickupReady({ state: 'ready', steps: [{ state: 'ready' }, { state: 'waiting' }] })).toBe(false);
    expect(pickupReady({ state: 'done', steps: [{ state: 'done' }] })).toBe(false);
  });
});

describe('shipping methods through the API', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('operators create and change methods; the storefront lists those offered', async () => {
    expect((await api.storefront('GET', '/api/shipping-methods')).body).toEqual({ items: [] });
    const created = await api.operator('POST', '/api/shipping-methods', { name: 'Colissimo', kind: 'carrier', price: 690, currency: 'EUR', freeAbove: 6000 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^ship_/), name: 'Colissimo', kind: 'carrier', price: 690, currency: 'EUR', freeAbove: 6000, enabled: true });
    const pickupMethod = await api.operator('POST', '/api/shipping-methods', { name: 'In-store pickup', kind: 'pickup', price: 0, currency: 'EUR' });
    expect(pickupMethod.status).toBe(201);

    const listed = await api.storefront('GET', '/api/shipping-methods');
    expect(listed.body.items.map((m: { name: string }) => m.name)).toEqual(['Colissimo', 'In-store pickup']);

    const patched = await api.operator('PATCH', `/api/shipping-methods/${created.body.id}`, { price: 750, freeAbove: null, carrierService: 'Priority' });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...created.body, price: 750, freeAbove: undefined, carrierService: 'Priority' });
    expect(patched.body).not.toHaveProperty('freeAbove');

    // Switched off: gone for the storefront, still there for the operator.
    expect((await api.operator('PATCH', `/api/shipping-methods/${pickupMethod.body.id}`, { enabled: false })).body.enabled).toBe(false);
    expect((await api.storefront('GET', '/api/shipping-methods')).body.items.map((m: { id: string }) => m.id)).toEqual([created.body.id]);
    const all = await api.operator('GET', '/api/shipping-methods');
    expect(all.body.items.map((m: { id: string; enabled: boolean }) => [m.id, m.enabled])).toEqual([
      [created.body.id, true],
      [pickupMethod.body.id, false],
    ]);
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const before = (await api.operator('GET', '/api/shipping-methods')).body.items;
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/api/shipping-methods', { name: 'X', kind: 'drone', price: 100, currency: 'EUR' }, 400, 'invalid_request'],
      ['POST', '/api/shipping-methods', { name: 'X', kind: 'carrier', price: -5, currency: 'EUR' }, 400, 'invalid_request'],
      ['POST', '/api/shipping-methods', { name: 'X', kind: 'carrier', price: 100, currency: 'euro' }, 400, 'invalid_request'],
      ['POST', '/api/shipping-methods', { name: 'X', kind: 'carrier', price: 100, currency: 'EUR', surprise: 1 }, 400, 'invalid_request'],
      ['POST', '/api/shipping-methods', { name: 'Pickup', kind: 'pickup', price: 0, currency: 'EUR', carrierService: 'Priority' }, 422, 'shipping_method_invalid'],
      ['POST', '/api/shipping-methods', { name: 'Free', kind: 'carrier', price: 0, currency: 'EUR', freeAbove: 100 }, 422, 'shipping_method_invalid'],
      ['PATCH', '/api/shipping-methods/ship_nope', { price: 100 }, 404, 'shipping_method_not_found'],
      ['PATCH', `/api/shipping-methods/${before[0].id}`, { kind: 'pickup' }, 422, 'shipping_method_invalid'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const response = await api.operator(method, path, body);
      expect({ path, body, status: response.status, code: response.body.error?.code }).toEqual({ path, body, status, code });
      expect(response.body.error.message).toEqual(expect.any(String));
    }
    expect((await api.operator('GET', '/api/shipping-methods')).body.items).toEqual(before);
  });

  it('only operators manage methods', async () => {
    const created = await api.call('POST', '/api/shipping-methods', { token: STOREFRONT, body: { name: 'X', kind: 'carrier', price: 1, currency: 'EUR' } });
    expect(created.status).toBe(403);
    expect((await api.call('GET', '/api/shipping-methods')).status).toBe(401);
  });
});
