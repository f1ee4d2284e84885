/** The carrier shipment booked per label idempotency key (see schema.carrierShipments). */
import { eq } from 'drizzle-orm';
import type { Db } from './index.js';
import { carrierShipments } from './schema.js';

export async function findCarrierShipment(db: Db, idempotencyKey: string): Promise<string | null> {
  const [row] = await db.select({ shipmentId: carrierShipments.shipmentId }).from(carrierShipments).where(eq(carrierShipments.idempotencyKey, idempotencyKey));
  return row?.shipmentId ?? null;
}

/** Records the shipment for the key unless one is there already; returns the one that stands (the first written). */
export async function claimCarrierShipment(db: Db, record: { idempotencyKey: string; carrier: string; shipmentId: string }): Promise<string> {
  await db.insert(carrierShipments).values(record).onConflictDoNothing({ target: carrierShipments.idempotencyKey });
  return (await findCarrierShipment(db, record.idempotencyKey))!;
}
