/**
 * The console's parcel split as the packer types it, turned into the API's
 * `parcels` body (the API checks the split itself; this only reads the text).
 * The page module reads its <meta> tags when loaded: a bare document stands in.
 */
import { beforeAll, describe, expect, it } from 'vitest';

let parseParcels: (text: string) => unknown;

beforeAll(async () => {
  Object.assign(globalThis, { document: { querySelector: () => null, getElementById: () => null } });
  ({ parseParcels } = await import('../api/console/assets/pages/deliveries.js'));
});

describe("the console's parcel split", () => {
  it('one parcel per line, items as "SKU quantity", an optional weight', () => {
    expect(parseParcels('MUG-BLUE 2, TEE-M 1 @ 1200g\n\n  TEE-M 3  ')).toEqual([
      { lines: [{ sku: 'MUG-BLUE', quantity: 2 }, { sku: 'TEE-M', quantity: 1 }], weightGrams: 1200 },
      { lines: [{ sku: 'TEE-M', quantity: 3 }] },
    ]);
  });

  it('empty: no split (one parcel with everything)', () => {
    expect(parseParcels('  \n ')).toBeUndefined();
  });

  it('a malformed item or weight is refused with the parcel it is in', () => {
    expect(() => parseParcels('MUG-BLUE 2\nTEE-M')).toThrow('Parcel 2: write each item as "SKU quantity" (got "TEE-M").');
    expect(() => parseParcels('MUG-BLUE 2 @ heavy')).toThrow('Parcel 1: the weight is written like "@ 1200g".');
  });
});
