import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Delivery } from '../domain/delivery.js';
import type { Parcel } from '../domain/parcels.js';
import type { Db } from './index.js';
import { iso } from './index.js';
import { notifyProjection } from './projection-events.js';
import { deliveries, shippingLabels } from './schema.js';

/** Writes a delivery's state; only ever forward in version. */
export async function projectDelivery(db: Db, d: Delivery, workflowId: string): Promise<void> {
  const values = {
    id: d.id,
    orderId: d.orderId,
    orderNumber: d.orderNumber,
    workflowId,
    state: d.state,
    steps: d.steps,
    trackingNumber: d.trackingNumber ?? null,
    carrier: d.carrier ?? null,
    version: d.version,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    doneAt: d.doneAt ?? null,
    backorderOf: d.backorderOf ?? null,
  };
  const { id: _id, orderId: _o, orderNumber: _n, workflowId: _w, createdAt: _c, ...changes } = values;
  const written = await db
    .insert(deliveries)
    .values(values)
    .onConflictDoUpdate({ target: deliveries.id, set: changes, setWhere: sql`${deliveries.version} < excluded.version` })
    .returning({ id: deliveries.id });
  // After the write (its own statement, committed): the console's deliveries page draws itself again.
  if (written.length) await notifyProjection(db, { kind: 'delivery', orderId: d.orderId, deliveryId: d.id, version: d.version, state: d.state });
}

export interface DeliverySummary {
  id: string;
  orderId: string;
  orderNumber: string;
  state: string;
  steps: unknown;
  trackingNumber: string | null;
  carrier: string | null;
  createdAt: string;
  updatedAt: string;
  doneAt: string | null;
  backorderOf: string | null;
  /** Added by a caller that read them (db/parcels.ts): the row does not hold them. */
  parcels?: Parcel[] | undefined;
}

function view(row: typeof deliveries.$inferSelect): DeliverySummary {
  return {
    id: row.id,
    orderId: row.orderId,
    orderNumber: row.orderNumber,
    state: row.state,
    steps: row.steps,
    trackingNumber: row.trackingNumber,
    carrier: row.carrier,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    doneAt: row.doneAt ? iso(row.doneAt) : null,
    backorderOf: row.backorderOf,
  };
}

export async function listDeliveries(db: Db, filter: { state?: string | undefined; orderId?: string | undefined; limit?: number }): Promise<DeliverySummary[]> {
  const where: SQL[] = [];
  if (filter.state) where.push(eq(deliveries.state, filter.state));
  if (filter.orderId) where.push(eq(deliveries.orderId, filter.orderId));
  const rows = await db
    .select()
    .from(deliveries)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(deliveries.createdAt))
    .limit(filter.limit ?? 200);
  return rows.map(view);
}

export async function getDelivery(db: Db, id: string): Promise<DeliverySummary | null> {
  const [row] = await db.select().from(deliveries).where(eq(deliveries.id, id));
  return row ? view(row) : null;
}

export async function saveLabel(db: Db, label: { deliveryId: string; trackingNumber: string; carrier: string; pdf: Buffer }): Promise<void> {
  await db
    .insert(shippingLabels)
    .values({ deliveryId: label.deliveryId, trackingNumber: label.trackingNumber, carrier: label.carrier, pdfBase64: label.pdf.toString('base64') })
    .onConflictDoNothing();
}

export async function getLabel(db: Db, deliveryId: string): Promise<{ trackingNumber: string; carrier: string; pdf: Buffer } | null> {
  const [row] = await db.select().from(shippingLabels).where(eq(shippingLabels.deliveryId, deliveryId));
  return row ? { trackingNumber: row.trackingNumber, carrier: row.carrier, pdf: Buffer.from(row.pdfBase64, 'base64') } : null;
}
