/** A delivery's parcels and their labels (see schema.parcels). */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Address } from '../domain/order.js';
import type { Parcel, ParcelLine, ParcelState } from '../domain/parcels.js';
import type { Db } from './index.js';
import { parcels } from './schema.js';

/** What a label prints besides the parcel: kept so the PDF can be drawn again. */
export interface Printed {
  orderNumber: string;
  sender: { name: string; address: Address };
  recipient: { name: string; address: Address | null };
}

export interface StoredParcel extends Parcel {
  deliveryId: string;
  printed: Printed;
}

function toParcel(row: typeof parcels.$inferSelect): StoredParcel {
  return {
    deliveryId: row.deliveryId,
    id: row.parcelId,
    lines: row.lines as ParcelLine[],
    weightGrams: row.weightGrams,
    state: row.state,
    labelAttempt: row.labelAttempt,
    carrier: row.carrier,
    trackingNumber: row.trackingNumber,
    trackingUrl: row.trackingUrl ?? undefined,
    carrierShipmentId: row.carrierShipmentId ?? undefined,
    printed: row.printed as Printed,
  };
}

export async function listParcels(db: Db, deliveryId: string): Promise<StoredParcel[]> {
  const rows = await db.select().from(parcels).where(eq(parcels.deliveryId, deliveryId)).orderBy(asc(parcels.position));
  return rows.map(toParcel);
}

export async function getParcel(db: Db, deliveryId: string, parcelId: string): Promise<StoredParcel | null> {
  const [row] = await db.select().from(parcels).where(and(eq(parcels.deliveryId, deliveryId), eq(parcels.parcelId, parcelId)));
  return row ? toParcel(row) : null;
}

/** The first labelling of a delivery, all parcels at once; a retry finds them written and writes nothing. */
export async function saveParcels(db: Db, deliveryId: string, labelled: Parcel[], printed: Printed): Promise<void> {
  if (labelled.length === 0) return;
  await db
    .insert(parcels)
    .values(
      labelled.map((p, position) => ({
        deliveryId,
        parcelId: p.id,
        position,
        lines: p.lines,
        weightGrams: p.weightGrams,
        state: p.state,
        labelAttempt: p.labelAttempt,
        carrier: p.carrier,
        trackingNumber: p.trackingNumber,
        trackingUrl: p.trackingUrl ?? null,
        carrierShipmentId: p.carrierShipmentId ?? null,
        printed,
      })),
    )
    .onConflictDoNothing();
}

/** A parcel's new label or state (void, relabel, shipped). */
export async function updateParcel(db: Db, deliveryId: string, parcel: Parcel): Promise<void> {
  await db
    .update(parcels)
    .set({
      state: parcel.state,
      labelAttempt: parcel.labelAttempt,
      carrier: parcel.carrier,
      trackingNumber: parcel.trackingNumber,
      trackingUrl: parcel.trackingUrl ?? null,
      carrierShipmentId: parcel.carrierShipmentId ?? null,
      updatedAt: sql`now()`,
    })
    .where(and(eq(parcels.deliveryId, deliveryId), eq(parcels.parcelId, parcel.id)));
}

export async function markParcelsShipped(db: Db, deliveryId: string): Promise<void> {
  await db.update(parcels).set({ state: 'shipped' satisfies ParcelState, updatedAt: sql`now()` }).where(and(eq(parcels.deliveryId, deliveryId), eq(parcels.state, 'labelled')));
}
