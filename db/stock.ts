/**
 * Stock reservation. Every confirmed order's tracked lines (storable products)
 * join one queue; allocation serves whole orders first come, first served, so
 * `available` never goes below zero and a later order never takes the units an
 * earlier one is waiting for. Allocations are serialised by a transaction-scoped
 * advisory lock; the `reserved <= on_hand` check constraint is the last guard.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { tracksStock, type ProductType } from '../domain/catalog.js';
import type { Db } from './index.js';
import { products, stockRequests } from './schema.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Arbitrary, fixed: one allocation at a time across every process sharing the database. */
const ALLOCATION_LOCK = 7_314_023;

export type ReservationStatus = 'none' | 'waiting' | 'reserved' | 'shipped' | 'released';

export interface StockLine {
  sku: string;
  type: ProductType;
  quantity: number;
}

async function lockAllocation(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ALLOCATION_LOCK})`);
}

/**
 * Serves the queue: each waiting order, oldest first, is reserved whole if
 * every line fits; a line that does not fit blocks its products for the
 * orders behind it. Returns the orders that became fully reserved.
 */
async function allocateLocked(tx: Tx): Promise<string[]> {
  const waiting = await tx.select().from(stockRequests).where(eq(stockRequests.status, 'waiting')).orderBy(asc(stockRequests.id));
  if (waiting.length === 0) return [];
  const skus = [...new Set(waiting.map((r) => r.sku))];
  const stock = await tx.select({ sku: products.sku, onHand: products.onHand, reserved: products.reserved }).from(products).where(inArray(products.sku, skus));
  const available = new Map(stock.map((p) => [p.sku, p.onHand - p.reserved]));

  const byOrder = new Map<string, typeof waiting>();
  for (const request of waiting) byOrder.set(request.orderId, [...(byOrder.get(request.orderId) ?? []), request]);

  const blocked = new Set<string>();
  const reserved: string[] = [];
  for (const [orderId, lines] of byOrder) {
    const fits = lines.every((l) => !blocked.has(l.sku) && (available.get(l.sku) ?? 0) >= l.quantity);
    if (!fits) {
      for (const l of lines) blocked.add(l.sku);
      continue;
    }
    for (const l of lines) {
      available.set(l.sku, available.get(l.sku)! - l.quantity);
      await tx
        .update(products)
        .set({ reserved: sql`${products.reserved} + ${l.quantity}` })
        .where(eq(products.sku, l.sku));
    }
    await tx
      .update(stockRequests)
      .set({ status: 'reserved', updatedAt: sql`now()` as unknown as string })
      .where(and(eq(stockRequests.orderId, orderId), eq(stockRequests.status, 'waiting')));
    reserved.push(orderId);
  }
  return reserved;
}

async function statusOf(tx: Tx | Db, orderId: string): Promise<ReservationStatus> {
  const rows = await tx.select({ status: stockRequests.status }).from(stockRequests).where(eq(stockRequests.orderId, orderId));
  if (rows.length === 0) return 'none';
  const statuses = new Set(rows.map((r) => r.status));
  if (statuses.has('waiting')) return 'waiting';
  if (statuses.has('reserved')) return 'reserved';
  if (statuses.has('shipped')) return 'shipped';
  return 'released';
}

/**
 * Puts an order's tracked lines in the queue (once: a retry changes nothing)
 * and serves the queue. An order with nothing tracked needs no stock.
 */
export async function requestStock(db: Db, orderId: string, lines: StockLine[]): Promise<{ status: ReservationStatus; reservedOrders: string[] }> {
  const tracked = lines.filter((l) => tracksStock(l.type) && l.quantity > 0);
  if (tracked.length === 0) return { status: 'none', reservedOrders: [] };
  return db.transaction(async (tx) => {
    await lockAllocation(tx);
    await tx
      .insert(stockRequests)
      .values(tracked.map((l) => ({ orderId, sku: l.sku, quantity: l.quantity, status: 'waiting' as const })))
      .onConflictDoNothing();
    const reservedOrders = await allocateLocked(tx);
    return { status: await statusOf(tx, orderId), reservedOrders };
  });
}

/** Stock was added (or freed): serve the queue again. */
export async function allocateWaiting(db: Db): Promise<string[]> {
  return db.transaction(async (tx) => {
    await lockAllocation(tx);
    return allocateLocked(tx);
  });
}

export function reservationStatus(db: Db, orderId: string): Promise<ReservationStatus> {
  return statusOf(db, orderId);
}

/**
 * Ends the order's open reservations (once only: only `reserved` rows move):
 * they leave `reserved`, and `onHand` too when the goods left the warehouse.
 */
async function endReservations(tx: Tx, orderId: string, status: 'shipped' | 'released'): Promise<void> {
  const ended = await tx
    .update(stockRequests)
    .set({ status, updatedAt: sql`now()` as unknown as string })
    .where(and(eq(stockRequests.orderId, orderId), eq(stockRequests.status, 'reserved')))
    .returning();
  for (const r of ended) {
    const reserved = sql`${products.reserved} - ${r.quantity}`;
    await tx
      .update(products)
      .set(status === 'shipped' ? { onHand: sql`${products.onHand} - ${r.quantity}`, reserved } : { reserved })
      .where(eq(products.sku, r.sku));
  }
}

/** The goods left the warehouse: on hand and reserved both drop. Once only. */
export async function shipStock(db: Db, orderId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await lockAllocation(tx);
    await endReservations(tx, orderId, 'shipped');
  });
}

/**
 * The order was cancelled before shipping: its reservation goes back to the
 * shelf and its place in the queue is given up; the queue is then served
 * again. Returns the orders that became fully reserved thanks to it. Once only.
 */
export async function releaseStock(db: Db, orderId: string): Promise<string[]> {
  return db.transaction(async (tx) => {
    await lockAllocation(tx);
    await endReservations(tx, orderId, 'released');
    await tx
      .update(stockRequests)
      .set({ status: 'cancelled', updatedAt: sql`now()` as unknown as string })
      .where(and(eq(stockRequests.orderId, orderId), eq(stockRequests.status, 'waiting')));
    return allocateLocked(tx);
  });
}

/** Sum of open reservations per product: must equal products.reserved (an invariant the tests check). */
export async function reservedBySku(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .select({ sku: stockRequests.sku, quantity: sql<number>`sum(${stockRequests.quantity})::int` })
    .from(stockRequests)
    .where(eq(stockRequests.status, 'reserved'))
    .groupBy(stockRequests.sku);
  return new Map(rows.map((r) => [r.sku, r.quantity]));
}
