/**
 * The parcel activities on the real database with the real EasyPost SDK
 * against its loopback fake: a label per parcel, retries that buy nothing,
 * void and relabel, shipping, and the labels' PDF.
 */
import { ApplicationFailure } from '@temporalio/common';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEasyPostCarrier } from '../activities/carrier-easypost.js';
import { dbShipmentLedger } from '../activities/carriers.js';
import { createParcelActivities, parcelLabelsPdf, type ParcelActivities } from '../activities/parcels.js';
import type { Database } from '../db/index.js';
import type { DeliveryLine } from '../domain/delivery.js';
import { FAKE_EASYPOST_KEY, startCarrierFake, type CarrierFake } from './support/carrier-fake.js';
import { createTestDatabase } from './support/database.js';

let fake: CarrierFake;
let database: Database;
let parcels: ParcelActivities;

const recipient = { name: 'Ada Lovelace', email: 'ada@example.com', address: { line1: '12 Baker Street', city: 'London', postalCode: 'NW1 6XE', country: 'GB' } };

async function pageTexts(pdf: Buffer): Promise<string[]> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: false });
  return text as string[];
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

let lines: DeliveryLine[];

beforeAll(async () => {
  fake = await startCarrierFake();
  database = await createTestDatabase();
  const carrier = createEasyPostCarrier({ apiKey: FAKE_EASYPOST_KEY, baseUrl: fake.baseUrl, ledger: dbShipmentLedger(database.db, 'easypost'), timeoutMs: 2000 });
  parcels = createParcelActivities({ db: database.db, carrier });
  // Seeded: MUG-BLUE 350 g, TEE-M 180 g.
  lines = [
    { sku: 'MUG-BLUE', name: 'Blue ceramic mug', type: 'storable', quantity: 2 },
    { sku: 'TEE-M', name: 'Organic T-shirt (M)', type: 'storable', quantity: 3 },
  ];
});

afterAll(async () => {
  await fake?.close();
  await database?.close();
});

describe('parcel labels', () => {
  it('two parcels: two labels bought, two tracking numbers, a two-page PDF; a retry buys nothing', async () => {
    const [a, b] = lines as [DeliveryLine, DeliveryLine];
    const split = { parcels: [{ lines: [{ sku: a.sku, quantity: a.quantity }], weightGrams: 900 }, { lines: [{ sku: b.sku, quantity: b.quantity }], weightGrams: 1500 }] };
    const request = { deliveryId: 'dlv_two', orderNumber: 'S00077', recipient, lines, split };
    const bought = fake.labelsBought.length;
    const labelled = await parcels.labelParcels(request);
    expect(labelled.map((p) => [p.id, p.state, p.labelAttempt, p.weightGrams])).toEqual([
      ['p1', 'labelled', 1, 900],
      ['p2', 'labelled', 1, 1500],
    ]);
    expect(new Set(labelled.map((p) => p.trackingNumber)).size).toBe(2);
    for (const p of labelled) expect(p.trackingUrl).toMatch(/^https:\/\/track\.easypost\.com\//);
    expect(fake.labelsBought.length - bought).toBe(2);

    expect(await parcels.labelParcels(request)).toEqual(labelled);
    expect(fake.labelsBought.length - bought).toBe(2);

    const pdf = (await parcelLabelsPdf(database.db, 'dlv_two'))!;
    const pages = await pageTexts(pdf.pdf);
    expect(pages).toHaveLength(2);
    expect(pages[0]).toContain(`Tracking ${labelled[0]!.trackingNumber}`);
    expect(pages[1]).toContain(`Tracking ${labelled[1]!.trackingNumber}`);
    expect(pages[1]).toContain(`Parcel 2 of 2: ${b.quantity} x ${b.sku}`);
    const one = await pageTexts((await parcelLabelsPdf(database.db, 'dlv_two', 'p2'))!.pdf);
    expect(one).toHaveLength(1);
    expect(one[0]).toContain(labelled[1]!.trackingNumber);
  });

  it('a wrong split is refused for good, and nothing is bought or written', async () => {
    const bought = fake.labelsBought.length;
    const split = { parcels: [{ lines: [{ sku: lines[0]!.sku, quantity: 1 }] }] };
    const failure = await failureOf(parcels.labelParcels({ deliveryId: 'dlv_wrong', orderNumber: 'S00078', recipient, lines, split }));
    expect(failure).toMatchObject({ type: 'parcel_split_invalid', nonRetryable: true });
    expect(fake.labelsBought.length).toBe(bought);
    expect(await parcelLabelsPdf(database.db, 'dlv_wrong')).toBeNull();
  });

  it('void then relabel: the carrier refunds the first label and sells a new one; repeats change nothing; shipped parcels cannot be voided', async () => {
    const [first] = await parcels.labelParcels({ deliveryId: 'dlv_void', orderNumber: 'S00079', recipient, lines });
    expect(first!.lines).toEqual(lines.map((l) => ({ sku: l.sku, quantity: l.quantity })));
    // The weight from the products: 2 × 350 g + 3 × 180 g.
    expect(first!.weightGrams).toBe(1240);
    const voided = await parcels.voidParcelLabel('dlv_void', 'p1', 1);
    expect(voided.state).toBe('voided');
    expect(fake.refunds).toContain(first!.carrierShipmentId);
    expect(await parcels.voidParcelLabel('dlv_void', 'p1', 1)).toEqual(voided);
    expect(fake.refunds.filter((id) => id === first!.carrierShipmentId)).toHaveLength(1);
    // A voided label is not printed.
    expect(await parcelLabelsPdf(database.db, 'dlv_void')).toBeNull();

    const bought = fake.labelsBought.length;
    const relabelled = await parcels.relabelParcel('dlv_void', 'p1', 2);
    expect(relabelled).toMatchObject({ state: 'labelled', labelAttempt: 2 });
    expect(relabelled.trackingNumber).not.toBe(first!.trackingNumber);
    expect(await parcels.relabelParcel('dlv_void', 'p1', 2)).toEqual(relabelled);
    expect(fake.labelsBought.length - bought).toBe(1);
    expect((await pageTexts((await parcelLabelsPdf(database.db, 'dlv_void'))!.pdf))[0]).toContain(relabelled.trackingNumber);

    // Labelled already: labelling again needs a void first.
    expect(await failureOf(parcels.relabelParcel('dlv_void', 'p1', 3))).toMatchObject({ type: 'parcel_labelled', nonRetryable: true });

    await parcels.shipParcels('dlv_void');
    expect(await failureOf(parcels.voidParcelLabel('dlv_void', 'p1', 2))).toMatchObject({ type: 'parcel_shipped', nonRetryable: true });
    expect(await failureOf(parcels.voidParcelLabel('dlv_void', 'p9', 1))).toMatchObject({ type: 'parcel_not_found' });
  });

  it('a carrier outage fails the label step retryably; the retry after it buys one label per parcel', async () => {
    const bought = fake.labelsBought.length;
    fake.setMode({ kind: 'error' });
    const request = { deliveryId: 'dlv_outage', orderNumber: 'S00080', recipient, lines };
    expect(await failureOf(parcels.labelParcels(request))).toMatchObject({ nonRetryable: false });
    fake.setMode({ kind: 'ok' });
    await parcels.labelParcels(request);
    await parcels.labelParcels(request);
    expect(fake.labelsBought.length - bought).toBe(1);
  });
});
