/**
 * Parcels: how a delivery's goods are split into boxes at the label step, and
 * the life of each parcel's label (labelled → voided → labelled again, or
 * shipped). Pure: the workflow and the routes call these and nothing else
 * decides what a valid split or a void is.
 */
import type { DeliveryLine } from './delivery.js';
import { DomainError } from './errors.js';

export interface ParcelLine {
  sku: string;
  quantity: number;
}

/** The body of the label step: which units go in which parcel, and optionally each parcel's weight. */
export interface ParcelSplit {
  parcels: Array<{ lines: ParcelLine[]; weightGrams?: number | undefined }>;
}

export const ParcelState = { labelled: 'labelled', voided: 'voided', shipped: 'shipped' } as const;
export type ParcelState = (typeof ParcelState)[keyof typeof ParcelState];

/** A parcel decided, before its label is bought. */
export interface PlannedParcel {
  /** `p1`, `p2`, ... in the order given: stable under retries and replays. */
  id: string;
  lines: ParcelLine[];
  /** Null when a product's weight is unknown and none was given. */
  weightGrams: number | null;
}

export interface ParcelLabel {
  carrier: string;
  trackingNumber: string;
  trackingUrl?: string | undefined;
  carrierShipmentId?: string | undefined;
}

export interface Parcel extends PlannedParcel, ParcelLabel {
  state: ParcelState;
  /** 1 for the first label, +1 for each relabel after a void: part of the label's idempotency key. */
  labelAttempt: number;
}

export const MAX_PARCELS = 50;

/** Lines that travel: a service has nothing to put in a box. */
function shippable(lines: DeliveryLine[]): Map<string, number> {
  const units = new Map<string, number>();
  for (const l of lines) if (l.type !== 'service') units.set(l.sku, (units.get(l.sku) ?? 0) + l.quantity);
  return units;
}

function weightOf(lines: ParcelLine[], productWeights: ReadonlyMap<string, number | null | undefined>): number | null {
  let total = 0;
  for (const l of lines) {
    const grams = productWeights.get(l.sku);
    if (grams === null || grams === undefined) return null;
    total += grams * l.quantity;
  }
  return total;
}

function invalid(message: string, details?: unknown): DomainError {
  return new DomainError('parcel_split_invalid', message, details);
}

/**
 * Splits the delivery's goods into parcels. Without a split, one parcel holds
 * everything (the behaviour before parcels). With one, every unit of the
 * delivery is in exactly one parcel, else `parcel_split_invalid` with the
 * reason and, in `details`, each SKU whose count is wrong.
 */
export function planParcels(
  deliveryLines: DeliveryLine[],
  split: ParcelSplit | undefined,
  productWeights: ReadonlyMap<string, number | null | undefined>,
): PlannedParcel[] {
  const expected = shippable(deliveryLines);
  if (!split) {
    const lines = [...expected].map(([sku, quantity]) => ({ sku, quantity }));
    if (lines.length === 0) throw invalid('This delivery has nothing to put in a parcel.');
    return [{ id: 'p1', lines, weightGrams: weightOf(lines, productWeights) }];
  }
  if (split.parcels.length === 0) throw invalid('Give at least one parcel, or no body for one parcel holding everything.');
  if (split.parcels.length > MAX_PARCELS) throw invalid(`At most ${MAX_PARCELS} parcels per delivery.`);
  const counted = new Map<string, number>();
  const planned = split.parcels.map((parcel, index) => {
    const id = `p${index + 1}`;
    if (parcel.lines.length === 0) throw invalid(`Parcel ${index + 1} is empty.`);
    const merged = new Map<string, number>();
    for (const line of parcel.lines) {
      if (!Number.isInteger(line.quantity) || line.quantity <= 0) throw invalid(`Parcel ${index + 1}: the quantity of ${line.sku} must be a positive whole number.`);
      if (!expected.has(line.sku)) throw invalid(`Parcel ${index + 1}: ${line.sku} is not in this delivery.`, { sku: line.sku });
      merged.set(line.sku, (merged.get(line.sku) ?? 0) + line.quantity);
      counted.set(line.sku, (counted.get(line.sku) ?? 0) + line.quantity);
    }
    if (parcel.weightGrams !== undefined && (!Number.isInteger(parcel.weightGrams) || parcel.weightGrams <= 0)) {
      throw invalid(`Parcel ${index + 1}: the weight must be a positive whole number of grams.`);
    }
    const lines = [...merged].map(([sku, quantity]) => ({ sku, quantity }));
    return { id, lines, weightGrams: parcel.weightGrams ?? weightOf(lines, productWeights) };
  });
  const wrong = [...expected]
    .map(([sku, inDelivery]) => ({ sku, inDelivery, inParcels: counted.get(sku) ?? 0 }))
    .filter((c) => c.inDelivery !== c.inParcels);
  if (wrong.length) {
    const reasons = wrong.map((c) =>
      c.inParcels < c.inDelivery
        ? `${c.inDelivery - c.inParcels} unit(s) of ${c.sku} are in no parcel`
        : `${c.sku} is packed ${c.inParcels} time(s) but the delivery has ${c.inDelivery}`,
    );
    throw invalid(`Every unit must be in exactly one parcel: ${reasons.join('; ')}.`, { lines: wrong });
  }
  return planned;
}

export function labelledParcel(planned: PlannedParcel, label: ParcelLabel, labelAttempt = 1): Parcel {
  return { ...planned, ...label, state: ParcelState.labelled, labelAttempt };
}

export function findParcel(parcels: Parcel[], parcelId: string): Parcel {
  const parcel = parcels.find((p) => p.id === parcelId);
  if (!parcel) throw new DomainError('parcel_not_found', `No parcel ${parcelId} in this delivery.`);
  return parcel;
}

/**
 * Whether the label must be voided at the carrier. A label can be voided until
 * the goods leave; voiding a voided label again changes nothing (a retried
 * request), so it answers false and the caller calls no carrier.
 */
export function mustVoid(parcel: Parcel): boolean {
  if (parcel.state === ParcelState.shipped) throw new DomainError('parcel_shipped', `Parcel ${parcel.id} has left with the carrier; its label can no longer be voided.`);
  return parcel.state === ParcelState.labelled;
}

export function voidedParcel(parcel: Parcel): Parcel {
  mustVoid(parcel);
  return { ...parcel, state: ParcelState.voided };
}

/** The attempt number of the next label for a voided parcel (its idempotency key), refusing a parcel that has a live label. */
export function nextLabelAttempt(parcel: Parcel): number {
  if (parcel.state === ParcelState.shipped) throw new DomainError('parcel_shipped', `Parcel ${parcel.id} has left with the carrier.`);
  if (parcel.state === ParcelState.labelled) throw new DomainError('parcel_labelled', `Parcel ${parcel.id} has a label; void it before labelling it again.`);
  return parcel.labelAttempt + 1;
}

export function relabelledParcel(parcel: Parcel, label: ParcelLabel): Parcel {
  return { ...parcel, ...label, state: ParcelState.labelled, labelAttempt: nextLabelAttempt(parcel) };
}

/** The goods leave: every parcel needs a live label (a voided one must be labelled again first). */
export function shippedParcels(parcels: Parcel[]): Parcel[] {
  const voided = parcels.filter((p) => p.state === ParcelState.voided).map((p) => p.id);
  if (voided.length) throw new DomainError('parcel_label_voided', `Label parcel(s) ${voided.join(', ')} again before the goods leave.`, { parcels: voided });
  return parcels.map((p) => ({ ...p, state: ParcelState.shipped }));
}

/**
 * The delivery-done email's `{{tracking_number}}` and `{{tracking_link}}`:
 * every parcel that left, one per line; a delivery from before parcels has its
 * single tracking number and no link.
 */
export function trackingEmailValues(parcels: Array<{ trackingNumber: string; trackingUrl?: string | null | undefined; state: string }> | undefined, trackingNumber: string | undefined): { tracking_number: string; tracking_link: string } {
  const sent = (parcels ?? []).filter((p) => p.state !== ParcelState.voided);
  if (sent.length === 0) return { tracking_number: trackingNumber ?? '', tracking_link: '' };
  return {
    tracking_number: sent.map((p) => p.trackingNumber).join(', '),
    tracking_link: sent
      .filter((p) => p.trackingUrl)
      .map((p) => (sent.length > 1 ? `${p.trackingNumber}: ${p.trackingUrl}` : p.trackingUrl!))
      .join('\n'),
  };
}
