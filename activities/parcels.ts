/**
 * A delivery's parcels at the carrier: a label per parcel, void, relabel, and
 * the labels' PDF. Each is safe to run again: a label's idempotency key is
 * (delivery, parcel, attempt), so a retry buys nothing the first run bought.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/index.js';
import { getParcel, listParcels, markParcelsShipped, saveParcels, updateParcel, type Printed, type StoredParcel } from '../db/parcels.js';
import { getProductsBySku } from '../db/products.js';
import { getSettings } from '../db/settings.js';
import type { DeliveryLine, Recipient } from '../domain/delivery.js';
import { DomainError } from '../domain/errors.js';
import { labelledParcel, mustVoid, nextLabelAttempt, planParcels, ParcelState, type Parcel, type ParcelSplit } from '../domain/parcels.js';
import { parcelLabelKey, renderLabels, type Carrier, type ParcelLabelContent } from './shipping.js';

export interface LabelParcelsRequest {
  deliveryId: string;
  orderNumber: string;
  recipient: Recipient;
  lines: DeliveryLine[];
  split?: ParcelSplit | undefined;
}

/** A business refusal inside an activity is final: the same input would be refused again. */
async function refusing<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DomainError) throw ApplicationFailure.create({ type: error.code, message: error.message, details: [error.details ?? null], nonRetryable: true });
    throw error;
  }
}

const publicParcel = ({ deliveryId: _d, printed: _p, ...parcel }: StoredParcel): Parcel => parcel;

export function createParcelActivities({ db, carrier }: { db: Db; carrier: Carrier }) {
  async function mustGet(deliveryId: string, parcelId: string): Promise<StoredParcel> {
    const parcel = await getParcel(db, deliveryId, parcelId);
    if (!parcel) throw new DomainError('parcel_not_found', `No parcel ${parcelId} in this delivery.`);
    return parcel;
  }

  async function buy(deliveryId: string, parcel: Pick<Parcel, 'id' | 'weightGrams'>, attempt: number, printed: Printed) {
    return carrier.purchaseLabel({
      idempotencyKey: parcelLabelKey(deliveryId, parcel.id, attempt),
      orderNumber: printed.orderNumber,
      sender: printed.sender,
      recipient: printed.recipient,
      weightGrams: parcel.weightGrams,
    });
  }

  return {
    /** The label step: plans the parcels (split or one) and buys a label for each. */
    async labelParcels(request: LabelParcelsRequest): Promise<Parcel[]> {
      return refusing(async () => {
        // Read together: a Validate waits for this activity, and a retry (parcels already bought) is the rare case.
        const [existing, settings, products] = await Promise.all([listParcels(db, request.deliveryId), getSettings(db), getProductsBySku(db, request.lines.map((l) => l.sku))]);
        if (existing.length) return existing.map(publicParcel);
        const weights = new Map([...products].map(([sku, p]) => [sku, p.weightGrams] as const));
        const planned = planParcels(request.lines, request.split, weights);
        const printed: Printed = {
          orderNumber: request.orderNumber,
          sender: { name: settings.shopName, address: settings.shopAddress },
          recipient: { name: request.recipient.name ?? request.recipient.email ?? 'Customer', address: request.recipient.address },
        };
        const labelled: Parcel[] = [];
        // One after the other: a crash midway leaves the bought ones to be found again by their keys.
        for (const p of planned) labelled.push(labelledParcel(p, await buy(request.deliveryId, p, 1, printed)));
        await saveParcels(db, request.deliveryId, labelled, printed);
        return (await listParcels(db, request.deliveryId)).map(publicParcel);
      });
    },

    /** Voids the parcel's label at `attempt`; run again after it succeeded, it changes nothing. */
    async voidParcelLabel(deliveryId: string, parcelId: string, attempt: number): Promise<Parcel> {
      return refusing(async () => {
        const parcel = await mustGet(deliveryId, parcelId);
        if (parcel.labelAttempt !== attempt || !mustVoid(parcel)) return publicParcel(parcel);
        await carrier.voidLabel(parcel);
        const voided = { ...parcel, state: ParcelState.voided };
        await updateParcel(db, deliveryId, voided);
        return publicParcel(voided);
      });
    },

    /** Labels a voided parcel again as `attempt` (its previous + 1); run again after it succeeded, it returns that label. */
    async relabelParcel(deliveryId: string, parcelId: string, attempt: number): Promise<Parcel> {
      return refusing(async () => {
        const parcel = await mustGet(deliveryId, parcelId);
        if (parcel.labelAttempt >= attempt) return publicParcel(parcel);
        if (nextLabelAttempt(parcel) !== attempt) throw new Error(`parcel ${parcelId} is at attempt ${parcel.labelAttempt}, asked for ${attempt}`);
        const label = await buy(deliveryId, parcel, attempt, parcel.printed);
        const relabelled: StoredParcel = { ...parcel, ...label, trackingUrl: label.trackingUrl, carrierShipmentId: label.carrierShipmentId, state: ParcelState.labelled, labelAttempt: attempt };
        await updateParcel(db, deliveryId, relabelled);
        return publicParcel(relabelled);
      });
    },

    async shipParcels(deliveryId: string): Promise<void> {
      await markParcelsShipped(db, deliveryId);
    },
  };
}

export type ParcelActivities = ReturnType<typeof createParcelActivities>;

/** The PDF of the delivery's live labels, a page each (voided ones are not printed); null before the label step. */
export async function parcelLabelsPdf(db: Db, deliveryId: string, parcelId?: string): Promise<{ pdf: Buffer; name: string } | null> {
  const all = await listParcels(db, deliveryId);
  const chosen = all.filter((p) => p.state !== ParcelState.voided && (parcelId === undefined || p.id === parcelId));
  if (chosen.length === 0) return null;
  const contents: ParcelLabelContent[] = chosen.map((p) => ({
    shipment: { carrier: p.carrier, trackingNumber: p.trackingNumber },
    ...p.printed,
    weightGrams: p.weightGrams,
    parcel: { index: all.indexOf(p) + 1, count: all.length, lines: p.lines },
  }));
  return { pdf: await renderLabels(contents), name: chosen.map((p) => p.trackingNumber).join('-') };
}
