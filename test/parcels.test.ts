/** Parcels: the split rules and the label's life (pure), and the labels' PDF (one page per parcel, read back as text). */
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { renderLabel, renderLabels, type ParcelLabelContent } from '../activities/shipping.js';
import type { DeliveryLine } from '../domain/delivery.js';
import { DomainError } from '../domain/errors.js';
import {
  findParcel,
  labelledParcel,
  mustVoid,
  nextLabelAttempt,
  planParcels,
  relabelledParcel,
  shippedParcels,
  trackingEmailValues,
  voidedParcel,
  type ParcelSplit,
} from '../domain/parcels.js';

const lines: DeliveryLine[] = [
  { sku: 'MUG', name: 'Mug', type: 'storable', quantity: 3 },
  { sku: 'TEA', name: 'Tea', type: 'consumable', quantity: 2 },
  { sku: 'GIFTWRAP', name: 'Gift wrapping', type: 'service', quantity: 1 },
];
const weights = new Map<string, number | null>([
  ['MUG', 350],
  ['TEA', 100],
  ['GIFTWRAP', null],
]);

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a DomainError');
}

describe('splitting a delivery into parcels', () => {
  it('without a split, one parcel holds every unit, weighed from the products (services are not packed)', () => {
    expect(planParcels(lines, undefined, weights)).toEqual([
      { id: 'p1', lines: [{ sku: 'MUG', quantity: 3 }, { sku: 'TEA', quantity: 2 }], weightGrams: 1250 },
    ]);
  });

  it('an unknown product weight leaves the weight unknown', () => {
    expect(planParcels(lines, undefined, new Map([['MUG', 350]]))[0]!.weightGrams).toBeNull();
  });

  it('a valid split: ids in order, same SKU lines merged, given weights kept and missing ones computed', () => {
    const split: ParcelSplit = {
      parcels: [
        { lines: [{ sku: 'MUG', quantity: 1 }, { sku: 'MUG', quantity: 1 }] },
        { lines: [{ sku: 'MUG', quantity: 1 }, { sku: 'TEA', quantity: 2 }], weightGrams: 900 },
      ],
    };
    expect(planParcels(lines, split, weights)).toEqual([
      { id: 'p1', lines: [{ sku: 'MUG', quantity: 2 }], weightGrams: 700 },
      { id: 'p2', lines: [{ sku: 'MUG', quantity: 1 }, { sku: 'TEA', quantity: 2 }], weightGrams: 900 },
    ]);
  });

  it('refuses a unit left out, with the reason and the counts', () => {
    const e = refusal(() => planParcels(lines, { parcels: [{ lines: [{ sku: 'MUG', quantity: 2 }, { sku: 'TEA', quantity: 2 }] }] }, weights));
    expect(e).toMatchObject({ code: 'parcel_split_invalid', status: 422, details: { lines: [{ sku: 'MUG', inDelivery: 3, inParcels: 2 }] } });
    expect(e.message).toContain('1 unit(s) of MUG are in no parcel');
  });

  it('refuses a unit packed twice', () => {
    const split = { parcels: [{ lines: [{ sku: 'MUG', quantity: 3 }, { sku: 'TEA', quantity: 2 }] }, { lines: [{ sku: 'TEA', quantity: 1 }] }] };
    const e = refusal(() => planParcels(lines, split, weights));
    expect(e.message).toContain('TEA is packed 3 time(s) but the delivery has 2');
  });

  it('refuses a SKU not in the delivery, a service, an empty parcel, no parcels, bad quantities and weights', () => {
    const rest = [{ sku: 'MUG', quantity: 3 }, { sku: 'TEA', quantity: 2 }];
    const cases: Array<[ParcelSplit, string]> = [
      [{ parcels: [{ lines: [...rest, { sku: 'LAMP', quantity: 1 }] }] }, 'LAMP is not in this delivery'],
      [{ parcels: [{ lines: [...rest, { sku: 'GIFTWRAP', quantity: 1 }] }] }, 'GIFTWRAP is not in this delivery'],
      [{ parcels: [{ lines: rest }, { lines: [] }] }, 'Parcel 2 is empty'],
      [{ parcels: [] }, 'at least one parcel'],
      [{ parcels: [{ lines: [{ sku: 'MUG', quantity: 0 }, ...rest] }] }, 'positive whole number'],
      [{ parcels: [{ lines: [{ sku: 'MUG', quantity: 1.5 }, { sku: 'MUG', quantity: 1.5 }, rest[1]!] }] }, 'positive whole number'],
      [{ parcels: [{ lines: rest, weightGrams: 0 }] }, 'weight must be a positive whole number'],
      [{ parcels: Array.from({ length: 51 }, () => ({ lines: rest })) }, 'At most 50 parcels'],
    ];
    for (const [split, reason] of cases) {
      const e = refusal(() => planParcels(lines, split, weights));
      expect(e.code).toBe('parcel_split_invalid');
      expect(e.message).toContain(reason);
    }
  });

  it('refuses to parcel a delivery of services only', () => {
    expect(refusal(() => planParcels([lines[2]!], undefined, weights)).code).toBe('parcel_split_invalid');
  });
});

describe("a parcel's label", () => {
  const planned = planParcels(lines, undefined, weights)[0]!;
  const labelled = labelledParcel(planned, { carrier: 'demo_post', trackingNumber: 'DP1FR', trackingUrl: 'https://demo-post.example/track/DP1FR' });

  it('is labelled at attempt 1; void then relabel makes attempt 2 with the new label', () => {
    expect(labelled).toMatchObject({ state: 'labelled', labelAttempt: 1 });
    expect(mustVoid(labelled)).toBe(true);
    const voided = voidedParcel(labelled);
    expect(voided.state).toBe('voided');
    // Voiding again: nothing to do at the carrier.
    expect(mustVoid(voided)).toBe(false);
    expect(nextLabelAttempt(voided)).toBe(2);
    const again = relabelledParcel(voided, { carrier: 'demo_post', trackingNumber: 'DP2FR' });
    expect(again).toMatchObject({ state: 'labelled', labelAttempt: 2, trackingNumber: 'DP2FR', lines: planned.lines });
  });

  it('cannot be labelled again while its label is live', () => {
    expect(refusal(() => nextLabelAttempt(labelled))).toMatchObject({ code: 'parcel_labelled', status: 409 });
  });

  it('ships only with live labels; after shipping, void and relabel are 409', () => {
    expect(refusal(() => shippedParcels([labelled, voidedParcel({ ...labelled, id: 'p2' })]))).toMatchObject({ code: 'parcel_label_voided', status: 409, details: { parcels: ['p2'] } });
    const [shipped] = shippedParcels([labelled]);
    expect(shipped!.state).toBe('shipped');
    expect(refusal(() => mustVoid(shipped!))).toMatchObject({ code: 'parcel_shipped', status: 409 });
    expect(refusal(() => voidedParcel(shipped!))).toMatchObject({ code: 'parcel_shipped', status: 409 });
    expect(refusal(() => nextLabelAttempt(shipped!))).toMatchObject({ code: 'parcel_shipped', status: 409 });
  });

  it('an unknown parcel is 404', () => {
    expect(findParcel([labelled], 'p1')).toBe(labelled);
    expect(refusal(() => findParcel([labelled], 'p9'))).toMatchObject({ code: 'parcel_not_found', status: 404 });
  });
});

describe("the delivery-done email's tracking", () => {
  it('lists every parcel that left with its link; one parcel is its link alone; none falls back to the single tracking number', () => {
    const a = { trackingNumber: 'T1', trackingUrl: 'https://t.example/T1', state: 'shipped' as const };
    const b = { trackingNumber: 'T2', trackingUrl: 'https://t.example/T2', state: 'shipped' as const };
    const voided = { trackingNumber: 'T0', trackingUrl: 'https://t.example/T0', state: 'voided' as const };
    expect(trackingEmailValues([a, voided, b], 'T1')).toEqual({ tracking_number: 'T1, T2', tracking_link: 'T1: https://t.example/T1\nT2: https://t.example/T2' });
    expect(trackingEmailValues([a], 'T1')).toEqual({ tracking_number: 'T1', tracking_link: 'https://t.example/T1' });
    expect(trackingEmailValues([{ ...a, trackingUrl: undefined }], 'T1')).toEqual({ tracking_number: 'T1', tracking_link: '' });
    expect(trackingEmailValues(undefined, 'DP1FR')).toEqual({ tracking_number: 'DP1FR', tracking_link: '' });
    expect(trackingEmailValues(undefined, undefined)).toEqual({ tracking_number: '', tracking_link: '' });
  });
});

describe('the labels PDF', () => {
  const base = {
    orderNumber: 'S00042',
    sender: { name: 'Demo Shop', address: { line1: '1 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' } },
    recipient: { name: 'Ada Lovelace', address: { line1: '12 Baker Street', city: 'London', postalCode: 'NW1 6XE', country: 'GB' } },
  };
  const contents: ParcelLabelContent[] = [
    { ...base, shipment: { carrier: 'demo_post', trackingNumber: 'DP000000000001FR' }, weightGrams: 700, parcel: { index: 1, count: 2, lines: [{ sku: 'MUG', quantity: 2 }] } },
    { ...base, shipment: { carrier: 'demo_post', trackingNumber: 'DP000000000002FR' }, weightGrams: null, parcel: { index: 2, count: 2, lines: [{ sku: 'MUG', quantity: 1 }, { sku: 'TEA', quantity: 2 }] } },
  ];

  async function pages(pdf: Buffer): Promise<string[]> {
    const doc = await getDocumentProxy(new Uint8Array(pdf));
    const { text } = await extractText(doc, { mergePages: false });
    return text as string[];
  }

  it('has one page per parcel, each with its own tracking number, contents and address', async () => {
    const pdf = await renderLabels(contents);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pages(pdf);
    expect(text).toHaveLength(2);
    expect(text[0]).toContain('Tracking DP000000000001FR');
    expect(text[0]).toContain('Parcel 1 of 2: 2 x MUG');
    expect(text[0]).toContain('Weight 0.70 kg');
    expect(text[0]).not.toContain('DP000000000002FR');
    expect(text[1]).toContain('Tracking DP000000000002FR');
    expect(text[1]).toContain('Parcel 2 of 2: 1 x MUG, 2 x TEA');
    expect(text[1]).not.toContain('Weight');
    for (const page of text) {
      expect(page).toContain('Ada Lovelace');
      expect(page).toContain('NW1 6XE London');
      expect(page).toContain('Order S00042');
    }
  });

  it("a single parcel's label is one page", async () => {
    const text = await pages(await renderLabel(contents[1]!));
    expect(text).toHaveLength(1);
    expect(text[0]).toContain('Tracking DP000000000002FR');
  });

  it('refuses to render no label at all', async () => {
    await expect(renderLabels([])).rejects.toThrow('at least one label');
  });
});
