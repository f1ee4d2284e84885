/**
 * The EasyPost adapter through the real `@easypost/api` SDK against a loopback
 * fake of EasyPost's endpoints, with the shipment ledger on the real database:
 * a label per parcel, retries and lost answers that buy nothing more, void,
 * refusals, and an outage followed by recovery.
 */
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEasyPostCarrier } from '../activities/carrier-easypost.js';
import { carrierOf, dbShipmentLedger } from '../activities/carriers.js';
import { demoCarrier, parcelLabelKey, type Carrier, type ShipmentRequest } from '../activities/shipping.js';
import { ConfigError, loadConfig } from '../config.js';
import { findCarrierShipment } from '../db/carrier-shipments.js';
import type { Database } from '../db/index.js';
import { FAKE_EASYPOST_KEY, startCarrierFake, type CarrierFake } from './support/carrier-fake.js';
import { createTestDatabase } from './support/database.js';

let fake: CarrierFake;
let database: Database;
let carrier: Carrier;

const sender = { name: 'Demo Shop', address: { line1: '1 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' } };
const recipient = { name: 'Ada Lovelace', address: { line1: '12 Baker Street', city: 'London', postalCode: 'NW1 6XE', country: 'GB' } };

function request(key: string, weightGrams: number | null = 1200): ShipmentRequest {
  return { idempotencyKey: key, orderNumber: 'S00042', sender, recipient, weightGrams };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

beforeAll(async () => {
  fake = await startCarrierFake();
  database = await createTestDatabase({ seed: false });
  carrier = createEasyPostCarrier({ apiKey: FAKE_EASYPOST_KEY, baseUrl: fake.baseUrl, ledger: dbShipmentLedger(database.db, 'easypost'), timeoutMs: 400 });
});

afterAll(async () => {
  await fake?.close();
  await database?.close();
});

beforeEach(() => fake.setMode({ kind: 'ok' }));

describe('EasyPost carrier through its SDK', () => {
  it('quotes rates in minor units', async () => {
    const rates = await carrier.rates({ sender, recipient, weightGrams: 1000 });
    // 1000 g = 35.3 oz → 3 steps of 16 oz at 0.85 on top of the base price.
    expect(rates).toEqual([
      { carrier: 'USPS', service: 'Priority', amount: 965, currency: 'USD' },
      { carrier: 'USPS', service: 'GroundAdvantage', amount: 705, currency: 'USD' },
    ]);
  });

  it('buys one label per parcel, each with its tracking number and tracking page', async () => {
    const before = fake.labelsBought.length;
    const first = await carrier.purchaseLabel(request(parcelLabelKey('dlv_a', 'p1', 1), 800));
    const second = await carrier.purchaseLabel(request(parcelLabelKey('dlv_a', 'p2', 1), 2500));
    expect(fake.labelsBought.length - before).toBe(2);
    expect(first.trackingNumber).not.toBe(second.trackingNumber);
    for (const label of [first, second]) {
      const stored = fake.shipments.get(label.carrierShipmentId!)!;
      expect(label).toEqual({ carrier: 'USPS', trackingNumber: stored.tracking_code, trackingUrl: stored.tracker!.public_url, carrierShipmentId: stored.id });
      // The cheapest rate when no service is asked for, and the parcel's weight in ounces.
      expect(stored.selected_rate!.service).toBe('GroundAdvantage');
    }
    expect(fake.shipments.get(first.carrierShipmentId!)!.parcel.weight).toBe(28.2);
    expect(fake.shipments.get(first.carrierShipmentId!)!.reference).toBe('dlv_a/p1/1');
    expect(await findCarrierShipment(database.db, 'dlv_a/p2/1')).toBe(second.carrierShipmentId);
  });

  it('buys the service asked for', async () => {
    const label = await carrier.purchaseLabel({ ...request('dlv_service/p1/1'), service: 'Priority' });
    expect(fake.shipments.get(label.carrierShipmentId!)!.selected_rate!.service).toBe('Priority');
    const failure = await failureOf(carrier.purchaseLabel({ ...request('dlv_service/p2/1'), service: 'Teleport' }));
    expect(failure).toMatchObject({ type: 'carrier_rejected', nonRetryable: true });
  });

  it('a retried purchase with the same key buys nothing more and returns the same label', async () => {
    const key = parcelLabelKey('dlv_retry', 'p1', 1);
    const first = await carrier.purchaseLabel(request(key));
    const bought = fake.labelsBought.length;
    const shipments = fake.shipments.size;
    const again = await carrier.purchaseLabel(request(key));
    expect(again).toEqual(first);
    expect(fake.labelsBought.length).toBe(bought);
    expect(fake.shipments.size).toBe(shipments);
  });

  it('two attempts at once for the same key buy one label', async () => {
    const key = parcelLabelKey('dlv_race', 'p1', 1);
    const bought = fake.labelsBought.length;
    const results = await Promise.allSettled([carrier.purchaseLabel(request(key)), carrier.purchaseLabel(request(key))]);
    expect(fake.labelsBought.length - bought).toBe(1);
    const labels = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    expect(labels.length).toBeGreaterThan(0);
    for (const label of labels) expect(label.trackingNumber).toBe(fake.shipments.get(fake.labelsBought.at(-1)!)!.tracking_code);
  });

  it('a label bought whose answer came too late is found, not bought again, by the retry', async () => {
    const key = parcelLabelKey('dlv_slow', 'p1', 1);
    fake.setMode({ kind: 'slow', holdMs: 1500 });
    const failure = await failureOf(carrier.purchaseLabel(request(key)));
    expect(failure).toMatchObject({ type: 'carrier_unavailable', nonRetryable: false });
    // Even the booking's answer was lost: the shipment exists at the carrier but not in the ledger.
    const booked = fake.shipments.size;
    fake.setMode({ kind: 'ok' });
    const bought = fake.labelsBought.length;
    const label = await carrier.purchaseLabel(request(key));
    expect(fake.labelsBought.length - bought).toBe(1);
    expect(fake.shipments.size).toBe(booked + 1);

    // Now the buy itself answers too late: the label is bought at the carrier, the client never hears it.
    const key2 = parcelLabelKey('dlv_slow', 'p2', 1);
    fake.holdBuyAnswers(1500);
    try {
      const before = fake.labelsBought.length;
      expect(await failureOf(carrier.purchaseLabel(request(key2)))).toMatchObject({ type: 'carrier_unavailable', nonRetryable: false });
      expect(fake.labelsBought.length - before).toBe(1);
    } finally {
      fake.holdBuyAnswers(0);
    }
    const boughtBefore = fake.labelsBought.length;
    const retried = await carrier.purchaseLabel(request(key2));
    expect(fake.labelsBought.length).toBe(boughtBefore);
    expect(retried.carrierShipmentId).toBe(fake.labelsBought.at(-1));
    expect(retried.trackingNumber).toBe(fake.shipments.get(retried.carrierShipmentId!)!.tracking_code);
    expect(label.trackingNumber).not.toBe(retried.trackingNumber);
  });

  it('voids a label; voiding again is harmless; relabelling is a new attempt with a new label', async () => {
    const label = await carrier.purchaseLabel(request(parcelLabelKey('dlv_void', 'p1', 1)));
    await carrier.voidLabel(label);
    expect(fake.shipments.get(label.carrierShipmentId!)!.refund_status).toBe('submitted');
    await carrier.voidLabel(label);
    expect(fake.refunds.filter((id) => id === label.carrierShipmentId)).toHaveLength(1);
    const relabel = await carrier.purchaseLabel(request(parcelLabelKey('dlv_void', 'p1', 2)));
    expect(relabel.trackingNumber).not.toBe(label.trackingNumber);
  });

  it('refusals are not retried: a wrong address, a wrong key', async () => {
    const noStreet = { ...request('dlv_bad/p1/1'), recipient: { name: 'Nobody', address: null } };
    expect(await failureOf(carrier.purchaseLabel(noStreet))).toMatchObject({ type: 'carrier_rejected', nonRetryable: true });
    const wrongKey = createEasyPostCarrier({ apiKey: 'EZTK_wrong', baseUrl: fake.baseUrl, ledger: dbShipmentLedger(database.db, 'easypost') });
    const refused = await failureOf(wrongKey.purchaseLabel(request('dlv_bad/p2/1')));
    expect(refused).toMatchObject({ type: 'carrier_rejected', nonRetryable: true });
    expect(refused.message).toContain('APIKEY.INACTIVE');
  });

  it('an outage (500s) fails retryably and buys nothing; after it the same key buys exactly one label', async () => {
    const key = parcelLabelKey('dlv_outage', 'p1', 1);
    const bought = fake.labelsBought.length;
    fake.setMode({ kind: 'error' });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(await failureOf(carrier.purchaseLabel(request(key)))).toMatchObject({ type: 'carrier_unavailable', nonRetryable: false });
    }
    expect(fake.labelsBought.length).toBe(bought);
    fake.setMode({ kind: 'ok' });
    const label = await carrier.purchaseLabel(request(key));
    expect(await carrier.purchaseLabel(request(key))).toEqual(label);
    expect(fake.labelsBought.length - bought).toBe(1);
  });
});

describe('the demo carrier and the choice of carrier', () => {
  it('the demo carrier gives a stable tracking number and a tracking URL per key', async () => {
    const a = await demoCarrier.purchaseLabel(request('dlv_x/p1/1'));
    expect(await demoCarrier.purchaseLabel(request('dlv_x/p1/1'))).toEqual(a);
    expect(a.trackingUrl).toBe(`https://demo-post.example/track/${a.trackingNumber}`);
    expect((await demoCarrier.purchaseLabel(request('dlv_x/p2/1'))).trackingNumber).not.toBe(a.trackingNumber);
  });

  it('EasyPost when its key is configured; the demo carrier is refused in production', () => {
    const tokens = { STOREFRONT_API_TOKEN: 's'.repeat(20), OPERATOR_API_TOKEN: 'o'.repeat(20), PAYMENT_WEBHOOK_SECRET: 'w'.repeat(20), CARD_PAYMENTS: 'off' };
    expect(carrierOf(loadConfig({}), database.db)).toBe(demoCarrier);
    expect(() => carrierOf(loadConfig({ NODE_ENV: 'production', ...tokens }), database.db)).toThrow(ConfigError);
    const configured = loadConfig({ NODE_ENV: 'production', ...tokens, EASYPOST_API_KEY: 'EZAK_live', EASYPOST_API_URL: fake.baseUrl });
    expect(configured.easypost).toEqual({ apiKey: 'EZAK_live', baseUrl: fake.baseUrl, service: undefined });
    expect(carrierOf(configured, database.db).name).toBe('easypost');
  });
});
