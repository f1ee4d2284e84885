/**
 * Stock reservation. Every confirmed order's tracked lines (storable products)
 * join one queue; allocation serves whole orders first come, first served, so
 * `available` never goes below zero and a later order never takes the units an
 * earlier one is waiting for. The `reserved <= on_hand` check constraint is the
 * last guard.
 *
 * Locking: what is contended is a product, not the shop. A change locks the
 * rows of the products it touches (`SELECT … FOR UPDATE`, in one statement
 * ordered by sku, so two changes always lock in the same order and cannot
 * deadlock), and orders for other products go on at the same time.
 *
 * The rule kept (first come, first served over whole orders): a waiting order
 * holds its place on **every** product it wants, so a later order wanting any
 * of them waits behind it, even when its own lines would fit (the units the
 * earlier order needs would otherwise be gone when its short product arrives).
 * Whether an order is served thus depends on the earlier waiting orders that
 * share a product with it, and on theirs in turn: a change locks that whole
 * group — its products, plus those of every waiting order wanting one of them,
 * until the set is closed. The set is found under the locks: when the waiting
 * orders name a product not yet locked, the transaction rolls back and starts
 * again with the larger set (locks are taken in one sorted statement, never
 * added mid-transaction, which is what keeps them deadlock-free). With no one
 * waiting — the normal case — the group is just the order's own products.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { tracksStock, type ProductType } from '../domain/catalog.js';
import { splitBackorder, type BackorderSplit, type DeliveryLine } from '../domain/delivery.js';
import type { Db } from './index.js';
import { products, stockRequests } from './schema.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export type ReservationStatus = 'none' | 'waiting' | 'reserved' | 'shipped' | 'released';

export interface StockLine {
  sku: string;
  type: ProductType;
  quantity: number;
}

/** The waiting orders name products outside the locked set: start again with them. */
class LockSetTooSmall extends Error {
  constructor(readonly missing: string[]) {
    super(`stock queue reaches products not locked: ${missing.join(', ')}`);
  }
}

/** Locks the products' rows in sku order; returns what each has available. */
async function lockProducts(tx: Tx, skus: string[]): Promise<Map<string, number>> {
  if (skus.length === 0) return new Map();
  const rows = await tx
    .select({ sku: products.sku, onHand: products.onHand, reserved: products.reserved })
    .from(products)
    .where(inArray(products.sku, skus))
    .orderBy(asc(products.sku))
    .for('no key update');
  return new Map(rows.map((p) => [p.sku, p.onHand - p.reserved]));
}

/** Every waiting line of every order that waits for one of these products, oldest first. */
function waitingQueue(tx: Tx, skus: string[]) {
  const waitingOn = tx
    .select({ orderId: stockRequests.orderId })
    .from(stockRequests)
    .where(and(eq(stockRequests.status, 'waiting'), inArray(stockRequests.sku, skus)));
  return tx
    .select()
    .from(stockRequests)
    .where(and(eq(stockRequests.status, 'waiting'), inArray(stockRequests.orderId, waitingOn)))
    .orderBy(asc(stockRequests.id));
}

/**
 * Runs `work` in a transaction holding the locks of `skus` and of every
 * product the queue ties to them (see the header). `work` gets the products
 * locked and what each has available.
 */
export async function withProductLocks<T>(db: Db, skus: Iterable<string>, work: (tx: Tx, locked: { skus: string[]; available: Map<string, number> }) => Promise<T>): Promise<T> {
  const wanted = new Set(skus);
  for (;;) {
    try {
      return await db.transaction(async (tx) => {
        const locked = [...wanted].sort();
        const available = await lockProducts(tx, locked);
        if (locked.length > 0) {
          const missing = [...new Set((await waitingQueue(tx, locked)).map((r) => r.sku))].filter((sku) => !wanted.has(sku));
          if (missing.length > 0) throw new LockSetTooSmall(missing);
        }
        return work(tx, { skus: locked, available });
      });
    } catch (error) {
      if (!(error instanceof LockSetTooSmall)) throw error;
      for (const sku of error.missing) wanted.add(sku);
    }
  }
}

/**
 * Serves the queue of the locked products: each waiting order, oldest first,
 * is reserved whole if every line fits; an order that does not fit blocks all
 * its products for the orders behind it. Returns the orders that became fully
 * reserved.
 */
async function allocateLocked(tx: Tx, locked: { skus: string[]; available: Map<string, number> }): Promise<string[]> {
  if (locked.skus.length === 0) return [];
  const waiting = await waitingQueue(tx, locked.skus);
  if (waiting.length === 0) return [];
  const available = new Map(locked.available);

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

async function skusOf(db: Db, orderId: string): Promise<string[]> {
  const rows = await db.select({ sku: stockRequests.sku }).from(stockRequests).where(eq(stockRequests.orderId, orderId));
  return rows.map((r) => r.sku);
}

/**
 * Puts an order's tracked lines in the queue (once: a retry changes nothing)
 * and serves the queue of its products. An order with nothing tracked needs
 * no stock.
 */
export async function requestStock(db: Db, orderId: string, lines: StockLine[]): Promise<{ status: ReservationStatus; reservedOrders: string[] }> {
  const tracked = lines.filter((l) => tracksStock(l.type) && l.quantity > 0);
  if (tracked.length === 0) return { status: 'none', reservedOrders: [] };
  return withProductLocks(
    db,
    tracked.map((l) => l.sku),
    async (tx, locked) => {
      await tx
        .insert(stockRequests)
        .values(tracked.map((l) => ({ orderId, sku: l.sku, quantity: l.quantity, status: 'waiting' as const })))
        .onConflictDoNothing();
      const reservedOrders = await allocateLocked(tx, locked);
      return { status: await statusOf(tx, orderId), reservedOrders };
    },
  );
}

/**
 * Shipping policy `as_soon_as_possible` (a backorder): under the locks of the
 * order's products, what this order may take now is reserved under `orderId`
 * (its first delivery) and the rest joins the queue under `backorderKey` (its
 * backorder delivery), in one transaction. What it may take now is what is
 * available less what earlier waiting orders hold: a product an earlier order
 * waits for is theirs first (first come, first served, the same blocking rule
 * as {@link allocateLocked}). Returns the split (`splitBackorder`), or null
 * when there is nothing to split: then nothing is written and the first
 * delivery requests everything as with `when_all_ready`. Once only: a retry
 * finds its rows and answers the same split.
 */
export async function reserveWithBackorder(db: Db, orderId: string, backorderKey: string, lines: DeliveryLine[]): Promise<BackorderSplit | null> {
  const tracked = lines.filter((l) => tracksStock(l.type) && l.quantity > 0);
  if (tracked.length === 0) return null;
  return withProductLocks(
    db,
    tracked.map((l) => l.sku),
    async (tx, locked) => {
      const written = await tx.select().from(stockRequests).where(inArray(stockRequests.orderId, [orderId, backorderKey]));
      if (written.length > 0) {
        // A retry: the split was made (or the first delivery requested everything).
        const later = written.filter((r) => r.orderId === backorderKey);
        if (later.length === 0) return null;
        const now = new Map(written.filter((r) => r.orderId === orderId).map((r) => [r.sku, r.quantity]));
        return splitBackorder(lines, (sku) => now.get(sku) ?? 0);
      }
      const blocked = new Set((await waitingQueue(tx, locked.skus)).map((r) => r.sku));
      const split = splitBackorder(lines, (sku) => (blocked.has(sku) ? 0 : (locked.available.get(sku) ?? 0)));
      if (!split) return null;
      const nowTracked = split.now.filter((l) => tracksStock(l.type));
      for (const l of nowTracked) {
        await tx
          .update(products)
          .set({ reserved: sql`${products.reserved} + ${l.quantity}` })
          .where(eq(products.sku, l.sku));
      }
      await tx.insert(stockRequests).values(nowTracked.map((l) => ({ orderId, sku: l.sku, quantity: l.quantity, status: 'reserved' as const })));
      await tx.insert(stockRequests).values(split.later.map((l) => ({ orderId: backorderKey, sku: l.sku, quantity: l.quantity, status: 'waiting' as const })));
      return split;
    },
  );
}

/**
 * Stock was added (or freed): serve the queue again — of these products when
 * given, else of every product someone waits for.
 */
export async function allocateWaiting(db: Db, skus?: string[]): Promise<string[]> {
  const start =
    skus ?? (await db.selectDistinct({ sku: stockRequests.sku }).from(stockRequests).where(eq(stockRequests.status, 'waiting'))).map((r) => r.sku);
  if (start.length === 0) return [];
  return withProductLocks(db, start, (tx, locked) => allocateLocked(tx, locked));
}

export function reservationStatus(db: Db, orderId: string): Promise<ReservationStatus> {
  return statusOf(db, orderId);
}

/**
 * Ends the order's open reservations (once only: only `reserved` rows move):
 * they leave `reserved`, and `onHand` too when the goods left the warehouse.
 * The caller holds the locks of the order's products.
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

/**
 * The goods left the warehouse: on hand and reserved both drop. Once only.
 * What is available does not change, so no queue is served: only the order's
 * own products are locked.
 */
export async function shipStock(db: Db, orderId: string): Promise<void> {
  const skus = [...new Set(await skusOf(db, orderId))].sort();
  await db.transaction(async (tx) => {
    await lockProducts(tx, skus);
    await endReservations(tx, orderId, 'shipped');
  });
}

/**
 * The order was cancelled before shipping: its reservation goes back to the
 * shelf and its place in the queue is given up; the queue of its products is
 * then served again. Returns the orders that became fully reserved thanks to
 * it. Once only.
 */
export async function releaseStock(db: Db, orderId: string): Promise<string[]> {
  const skus = await skusOf(db, orderId);
  if (skus.length === 0) return [];
  return withProductLocks(db, skus, async (tx, locked) => {
    await endReservations(tx, orderId, 'released');
    await tx
      .update(stockRequests)
      .set({ status: 'cancelled', updatedAt: sql`now()` as unknown as string })
      .where(and(eq(stockRequests.orderId, orderId), eq(stockRequests.status, 'waiting')));
    // Released units are available again: read them under the locks held.
    return allocateLocked(tx, { skus: locked.skus, available: await lockProducts(tx, locked.skus) });
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
