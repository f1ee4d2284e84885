/**
 * Parcels through the HTTP API on a real Temporal server, the labels bought
 * with the real EasyPost SDK from its loopback fake: a delivery split into two
 * parcels, its two-page PDF, void and relabel, the wrong split refused with
 * nothing changed, and 409 once the goods have left.
 */
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEasyPostCarrier } from '../activities/carrier-easypost.js';
import { dbShipmentLedger } from '../activities/carriers.js';
import { deliveryIdOf } from '../domain/delivery.js';
import { startApi, type ApiHarness } from './support/api.js';
import { FAKE_EASYPOST_KEY, startCarrierFake, type CarrierFake } from './support/carrier-fake.js';
import { eventually } from './support/eventually.js';

let api: ApiHarness;
let fake: CarrierFake;
let counter = 0;

beforeAll(async () => {
  fake = await startCarrierFake();
  api = await startApi({ carrier: (db) => createEasyPostCarrier({ apiKey: FAKE_EASYPOST_KEY, baseUrl: fake.baseUrl, ledger: dbShipmentLedger(db, 'easypost'), timeoutMs: 3000 }) });
  expect((await api.operator('PATCH', '/api/settings', { deliverySteps: 'pick_pack_ship' })).status).toBe(200);
});

afterAll(async () => {
  await api?.close();
  await fake?.close();
});

const ADDRESS = { line1: '8 Baker Street', city: 'London', postalCode: 'NW1 6XE', country: 'GB' };

async function product(weightGrams: number) {
  const sku = `PCL-${++counter}-${Date.now()}`;
  expect((await api.operator('POST', '/api/products', { sku, name: `Vase ${counter}`, price: 1500, type: 'storable', onHand: 20, weightGrams })).status).toBe(201);
  return sku;
}

/** A paid order for 2 × a and 1 × b, its delivery picked and waiting to be packed. */
async function pickedDelivery() {
  const a = await product(400);
  const b = await product(1100);
  const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: a, quantity: 2 }, { sku: b, quantity: 1 }] });
  await api.storefront('PUT', `/api/carts/${cart.body.id}/contact`, { email: 'parcels@example.com', name: 'Bea Buyer', shippingAddress: ADDRESS });
  const checkout = await api.storefront('POST', `/api/carts/${cart.body.id}/checkout`, { paymentMethod: 'card' });
  const { reference, amount } = checkout.body.payment;
  expect((await api.webhook({ id: `evt_${cart.body.id}`, type: 'payment.succeeded', data: { reference, amount, currency: 'EUR' } })).status).toBe(200);
  const deliveryId = deliveryIdOf(cart.body.id);
  await eventually(async () => expect((await api.operator('GET', `/api/deliveries/${deliveryId}`)).body.state).toBe('ready'), 15_000);
  expect((await api.operator('POST', `/api/deliveries/${deliveryId}/validate`, { step: 'pick' })).status).toBe(200);
  return { deliveryId, a, b };
}

async function pdfPages(path: string): Promise<string[]> {
  const response = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${api.config.tokens.operator}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/pdf');
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(await response.arrayBuffer())), { mergePages: false });
  return text as string[];
}

describe('parcels through the API', () => {
  it('a wrong split is refused with the reason and nothing changes; then 2 parcels give 2 tracking numbers and a 2-page label', async () => {
    const { deliveryId, a, b } = await pickedDelivery();
    const before = (await api.operator('GET', `/api/deliveries/${deliveryId}`)).body;
    const bought = fake.labelsBought.length;

    const short = await api.operator('POST', `/api/deliveries/${deliveryId}/validate`, { step: 'pack', parcels: [{ lines: [{ sku: a, quantity: 2 }] }] });
    expect(short.status).toBe(422);
    expect(short.body.error).toMatchObject({ code: 'parcel_split_invalid', details: { lines: [{ sku: b, inDelivery: 1, inParcels: 0 }] } });
    expect(short.body.error.message).toContain(`1 unit(s) of ${b} are in no parcel`);
    const twice = await api.operator('POST', `/api/deliveries/${deliveryId}/validate`, {
      step: 'pack',
      parcels: [{ lines: [{ sku: a, quantity: 2 }, { sku: b, quantity: 1 }] }, { lines: [{ sku: a, quantity: 1 }] }],
    });
    expect(twice.status).toBe(422);
    expect(twice.body.error.code).toBe('parcel_split_invalid');
    const malformed = await api.operator('POST', `/api/deliveries/${deliveryId}/validate`, { step: 'pack', parcels: [{ lines: [{ sku: a, quantity: -1 }] }] });
    expect(malformed.status).toBe(400);
    expect((await api.operator('GET', `/api/deliveries/${deliveryId}`)).body).toEqual(before);
    expect(fake.labelsBought.length).toBe(bought);
    expect((await api.operator('GET', `/api/deliveries/${deliveryId}/label`)).status).toBe(404);

    const packed = await api.operator('POST', `/api/deliveries/${deliveryId}/validate`, {
      step: 'pack',
      parcels: [{ lines: [{ sku: a, quantity: 2 }] }, { lines: [{ sku: b, quantity: 1 }], weightGrams: 1300 }],
    });
    expect(packed.status).toBe(200);
    const parcels = packed.body.parcels as Array<Record<string, any>>;
    expect(parcels).toHaveLength(2);
    expect(parcels[0]).toMatchObject({ id: 'p1', lines: [{ sku: a, quantity: 2 }], weightGrams: 800, carrier: 'USPS', state: 'labelled' });
    expect(parcels[1]).toMatchObject({ id: 'p2', lines: [{ sku: b, quantity: 1 }], weightGrams: 1300, state: 'labelled' });
    expect(parcels[0]!.trackingNumber).not.toBe(parcels[1]!.trackingNumber);
    for (const p of parcels) {
      expect(p.trackingUrl).toMatch(/^https:\/\/track\.easypost\.com\//);
      expect(p.labelUrl).toBe(`${api.config.publicUrl}/api/deliveries/${deliveryId}/parcels/${p.id}/label`);
    }
    expect(fake.labelsBought.length - bought).toBe(2);
    // Validating pack again is a repeat: nothing more is bought.
    expect((await api.operator('POST', `/api/deliveries/${deliveryId}/validate`, { step: 'pack' })).body.parcels).toEqual(parcels);
    expect(fake.labelsBought.length - bought).toBe(2);

    const pages = await pdfPages(`/api/deliveries/${deliveryId}/label`);
    expect(pages).toHaveLength(2);
    expect(pages[0]).toContain(`Tracking ${parcels[0]!.trackingNumber}`);
    expect(pages[1]).toContain(`Tracking ${parcels[1]!.trackingNumber}`);
    const second = await pdfPages(`/api/deliveries/${deliveryId}/parcels/p2/label`);
    expect(second).toHaveLength(1);
    expect(second[0]).toContain(`Parcel 2 of 2: 1 x ${b}`);
  });

  it('void then relabel a parcel; after shipping, void is 409', async () => {
    const { deliveryId } = await pickedDelivery();
    const packed = (await api.operator('POST', `/api/deliveries/${deliveryId}/validate`, { step: 'pack' })).body;
    expect(packed.parcels).toHaveLength(1);
    const first = packed.parcels[0];

    // A live label cannot be labelled again.
    const early = await api.operator('POST', `/api/deliveries/${deliveryId}/parcels/p1/label`);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('parcel_labelled');

    const voided = await api.operator('POST', `/api/deliveries/${deliveryId}/parcels/p1/void`);
    expect(voided.status).toBe(200);
    expect(voided.body.parcels[0]).toMatchObject({ id: 'p1', state: 'voided', trackingNumber: first.trackingNumber });
    expect(fake.shipments.get(fake.labelsBought.find((id) => fake.shipments.get(id)!.tracking_code === first.trackingNumber)!)!.refund_status).toBe('submitted');
    expect((await api.operator('POST', `/api/deliveries/${deliveryId}/parcels/p1/void`)).body.parcels[0].state).toBe('voided');
    expect((await api.operator('GET', `/api/deliveries/${deliveryId}/parcels/p1/label`)).status).toBe(404);

    // The goods cannot leave with a voided label.
    const blocked = await api.operator('POST', `/api/deliveries/${deliveryId}/validate`, { step: 'ship' });
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe('parcel_label_voided');

    const relabelled = await api.operator('POST', `/api/deliveries/${deliveryId}/parcels/p1/label`);
    expect(relabelled.status).toBe(200);
    expect(relabelled.body.parcels[0]).toMatchObject({ id: 'p1', state: 'labelled' });
    expect(relabelled.body.parcels[0].trackingNumber).not.toBe(first.trackingNumber);
    expect(relabelled.body.trackingNumber).toBe(relabelled.body.parcels[0].trackingNumber);
    expect((await pdfPages(`/api/deliveries/${deliveryId}/label`))[0]).toContain(relabelled.body.parcels[0].trackingNumber);

    const shipped = await api.operator('POST', `/api/deliveries/${deliveryId}/validate`, { step: 'ship' });
    expect(shipped.status).toBe(200);
    expect(shipped.body).toMatchObject({ state: 'done', parcels: [{ id: 'p1', state: 'shipped' }] });
    await eventually(async () => {
      const late = await api.operator('POST', `/api/deliveries/${deliveryId}/parcels/p1/void`);
      expect(late.status).toBe(409);
      expect(late.body.error.code).toBe('parcel_shipped');
    });
    expect((await api.operator('POST', `/api/deliveries/${deliveryId}/parcels/p9/void`)).status).toBe(409);
  });

  it('an unknown parcel is 404 while the delivery is open; parcels at a step that prints no label are refused', async () => {
    const { deliveryId, a } = await pickedDelivery();
    expect((await api.operator('POST', `/api/deliveries/${deliveryId}/parcels/p1/void`)).body.error.code).toBe('parcel_not_found');
    await api.operator('POST', `/api/deliveries/${deliveryId}/validate`, { step: 'pack' });
    const unknown = await api.operator('POST', `/api/deliveries/${deliveryId}/parcels/p7/void`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('parcel_not_found');
    const atShip = await api.operator('POST', `/api/deliveries/${deliveryId}/validate`, { step: 'ship', parcels: [{ lines: [{ sku: a, quantity: 2 }] }] });
    expect(atShip.status).toBe(422);
    expect(atShip.body.error.code).toBe('parcel_split_invalid');
  });
});
