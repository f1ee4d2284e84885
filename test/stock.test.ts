/**
 * Stock reservation under concurrency. On PostgreSQL (DATABASE_URL, as in CI)
 * the fifty orders race on real connections and row locks; on PGlite the same
 * rules run one connection at a time.
 */
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/index.js';
import { createProduct, getProduct, updateProduct } from '../db/products.js';
import { stockRequests } from '../db/schema.js';
import { allocateWaiting, releaseStock, requestStock, reservationStatus, reservedBySku, reserveWithBackorder, shipStock, withProductLocks } from '../db/stock.js';
import { backorderStockKeyOf } from '../domain/delivery.js';
import { createTestDatabase } from './support/database.js';

let database: Database;
const onPostgres = Boolean(process.env.DATABASE_URL);

beforeAll(async () => {
  database = await createTestDatabase({ seed: false });
});

afterAll(async () => {
  await database?.close();
});

async function requestIdsInQueueOrder(sku: string) {
  const rows = await database.db.select().from(stockRequests).where(eq(stockRequests.sku, sku)).orderBy(asc(stockRequests.id));
  return rows;
}

async function expectInvariant() {
  const sums = await reservedBySku(database.db);
  for (const [sku, quantity] of sums) {
    const product = await getProduct(database.db, sku);
    expect(product!.reserved, sku).toBe(quantity);
    expect(product!.reserved).toBeLessThanOrEqual(product!.onHand);
  }
}

/** Sessions of this test's database waiting for a lock held by another. */
async function sessionsWaitingForALock(): Promise<number> {
  const rows = (await database.db.execute(
    sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
  )) as unknown as Array<{ n: number }>;
  return rows[0]!.n;
}

describe(`stock reservation (${onPostgres ? 'PostgreSQL, concurrent connections' : 'PGlite'})`, () => {
  it('fifty simultaneous orders for ten units reserve exactly ten; the rest wait and are served in order as stock arrives', async () => {
    await createProduct(database.db, { sku: 'LAST-10', name: 'Scarce', price: 1000, currency: 'EUR', type: 'storable', onHand: 10 });
    const orders = Array.from({ length: 50 }, (_, i) => `ord_race_${String(i).padStart(2, '0')}`);
    const started = performance.now();
    const results = await Promise.all(orders.map((id) => requestStock(database.db, id, [{ sku: 'LAST-10', type: 'storable', quantity: 1 }])));
    const elapsed = performance.now() - started;
    console.log(`50 concurrent reservations for 10 units: ${elapsed.toFixed(0)} ms`);

    expect(results.filter((r) => r.status === 'reserved')).toHaveLength(10);
    expect(results.filter((r) => r.status === 'waiting')).toHaveLength(40);
    expect(await getProduct(database.db, 'LAST-10')).toMatchObject({ onHand: 10, reserved: 10, available: 0 });
    await expectInvariant();

    // The first ten in the queue are the ten served.
    const queue = await requestIdsInQueueOrder('LAST-10');
    expect(queue.slice(0, 10).every((r) => r.status === 'reserved')).toBe(true);
    expect(queue.slice(10).every((r) => r.status === 'waiting')).toBe(true);

    await updateProduct(database.db, 'LAST-10', { onHand: 25 });
    const served = await allocateWaiting(database.db);
    expect(served).toEqual(queue.slice(10, 25).map((r) => r.orderId));
    expect(await getProduct(database.db, 'LAST-10')).toMatchObject({ onHand: 25, reserved: 25, available: 0 });

    // A cancelled order gives its unit to the next in line.
    const next = queue[25]!.orderId;
    expect(await releaseStock(database.db, queue[0]!.orderId)).toEqual([next]);
    expect(await reservationStatus(database.db, next)).toBe('reserved');
    expect(await reservationStatus(database.db, queue[0]!.orderId)).toBe('released');

    // Shipping takes the goods out: on hand and reserved both drop, once.
    await shipStock(database.db, queue[1]!.orderId);
    await shipStock(database.db, queue[1]!.orderId);
    expect(await getProduct(database.db, 'LAST-10')).toMatchObject({ onHand: 24, reserved: 24 });
    await expectInvariant();
  });

  it('an order waits whole: it does not take some lines while others are short, nor jump the queue', async () => {
    await createProduct(database.db, { sku: 'A-5', name: 'A', price: 100, currency: 'EUR', type: 'storable', onHand: 5 });
    await createProduct(database.db, { sku: 'B-1', name: 'B', price: 100, currency: 'EUR', type: 'storable', onHand: 1 });
    const first = await requestStock(database.db, 'ord_whole_1', [
      { sku: 'A-5', type: 'storable', quantity: 2 },
      { sku: 'B-1', type: 'storable', quantity: 2 },
    ]);
    expect(first.status).toBe('waiting');
    expect(await getProduct(database.db, 'A-5')).toMatchObject({ reserved: 0 });
    // A later order for A waits behind the first, though A alone would fit.
    const second = await requestStock(database.db, 'ord_whole_2', [{ sku: 'A-5', type: 'storable', quantity: 1 }]);
    expect(second.status).toBe('waiting');
    await updateProduct(database.db, 'B-1', { onHand: 2 });
    expect(await allocateWaiting(database.db)).toEqual(['ord_whole_1', 'ord_whole_2']);
    await expectInvariant();
  });

  it.runIf(onPostgres)('an order for another product does not wait while a product is locked; an order for that product does', async () => {
    await createProduct(database.db, { sku: 'HELD-1', name: 'Held', price: 100, currency: 'EUR', type: 'storable', onHand: 5 });
    await createProduct(database.db, { sku: 'FREE-1', name: 'Free', price: 100, currency: 'EUR', type: 'storable', onHand: 5 });
    let holding!: () => void;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    // A stock change on HELD-1 in progress, as long as the test wants.
    const holder = withProductLocks(database.db, ['HELD-1'], async () => {
      holding();
      await gate;
    });
    await held;

    const other = await Promise.race([
      requestStock(database.db, 'ord_disjoint_free', [{ sku: 'FREE-1', type: 'storable', quantity: 1 }]),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the order for FREE-1 waited on the lock of HELD-1')), 5000)),
    ]);
    expect(other.status).toBe('reserved');

    let sameDone = false;
    const same = requestStock(database.db, 'ord_disjoint_held', [{ sku: 'HELD-1', type: 'storable', quantity: 1 }]).then((r) => {
      sameDone = true;
      return r;
    });
    // The order for HELD-1 is seen waiting on the lock (PostgreSQL says so), not merely slow.
    const deadline = Date.now() + 10_000;
    while ((await sessionsWaitingForALock()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await sessionsWaitingForALock()).toBe(1);
    expect(sameDone).toBe(false);

    release();
    await holder;
    expect((await same).status).toBe('reserved');
    await expectInvariant();
  });

  it('concurrent orders over shared products: never oversold, and per product nobody is served past an earlier order still waiting', async () => {
    const skus = ['MIX-X', 'MIX-Y', 'MIX-Z'];
    for (const sku of skus) await createProduct(database.db, { sku, name: sku, price: 100, currency: 'EUR', type: 'storable', onHand: 6 });
    // Each order wants one or two of the three products (a fixed pattern, so the run is repeatable).
    const orders = Array.from({ length: 30 }, (_, i) => ({
      id: `ord_mix_${String(i).padStart(2, '0')}`,
      lines: [skus[i % 3]!, ...(i % 4 === 0 ? [skus[(i + 1) % 3]!] : [])].map((sku) => ({ sku, type: 'storable' as const, quantity: 1 + (i % 2) })),
    }));
    await Promise.all(orders.map((o) => requestStock(database.db, o.id, o.lines)));
    await expectInvariant();
    for (const sku of skus) {
      const queue = await requestIdsInQueueOrder(sku);
      const firstWaiting = queue.findIndex((r) => r.status === 'waiting');
      expect(firstWaiting, `${sku} has orders waiting`).toBeGreaterThan(0);
      expect(queue.slice(firstWaiting).every((r) => r.status === 'waiting'), `${sku}: first come, first served`).toBe(true);
      expect((await getProduct(database.db, sku))!.reserved).toBeLessThanOrEqual(6);
    }
    // Restocking serves the queues, whole orders only. (Every product is restocked: which orders wait
    // depends on the order the concurrent requests arrived in, and a waiting order that also wants
    // another product still short would rightly hold its queue back.)
    const waiting = new Set<string>();
    for (const sku of skus) for (const r of await requestIdsInQueueOrder(sku)) if (r.status === 'waiting') waiting.add(r.orderId);
    for (const sku of skus) await updateProduct(database.db, sku, { onHand: 60 });
    const served = await allocateWaiting(database.db, skus);
    expect(new Set(served)).toEqual(waiting);
    for (const id of served) expect(await reservationStatus(database.db, id)).toBe('reserved');
    await expectInvariant();
  });

  it('backorders (as_soon_as_possible) racing orders that wait whole: never oversold, first come first served across both deliveries', async () => {
    const skus = ['BO-P', 'BO-Q'];
    for (const sku of skus) await createProduct(database.db, { sku, name: sku, price: 100, currency: 'EUR', type: 'storable', onHand: 10 });
    // BO-P: every order ships what is there and backorders the rest (3 each: the one that finds 1 left splits).
    // BO-Q: orders that backorder and orders that wait whole, mixed; some want BO-P too.
    const orders = Array.from({ length: 30 }, (_, i) => {
      const p = { sku: 'BO-P', name: 'P', type: 'storable' as const, quantity: 3 };
      const q = { sku: 'BO-Q', name: 'Q', type: 'storable' as const, quantity: 2 + (i % 3) };
      return { id: `ord_bo_${String(i).padStart(2, '0')}`, asap: i % 2 === 0 || i % 4 === 1, lines: i % 2 === 0 ? (i % 6 === 0 ? [p, q] : [p]) : [q] };
    });
    // What the order workflow and its delivery workflows do, all at once: the split, then each delivery's request.
    const splits = await Promise.all(
      orders.map(async (o) => {
        const split = o.asap ? await reserveWithBackorder(database.db, o.id, backorderStockKeyOf(o.id), o.lines) : null;
        if (!split) return { order: o, split, first: await requestStock(database.db, o.id, o.lines) };
        const [first, later] = await Promise.all([requestStock(database.db, o.id, split.now), requestStock(database.db, backorderStockKeyOf(o.id), split.later)]);
        expect(first.status).toBe('reserved');
        expect(later.status).toBe('waiting');
        return { order: o, split, first };
      }),
    );
    // A retried split answers the same and writes nothing more.
    const retried = splits.find((s) => s.split)!;
    expect(await reserveWithBackorder(database.db, retried.order.id, backorderStockKeyOf(retried.order.id), retried.order.lines)).toEqual(retried.split);
    expect(splits.some((s) => s.split)).toBe(true);
    await expectInvariant();
    for (const sku of skus) {
      const queue = await requestIdsInQueueOrder(sku);
      const firstWaiting = queue.findIndex((r) => r.status === 'waiting');
      expect(firstWaiting, `${sku} has requests waiting`).toBeGreaterThan(0);
      expect(queue.slice(firstWaiting).every((r) => r.status === 'waiting'), `${sku}: first come, first served`).toBe(true);
      const product = (await getProduct(database.db, sku))!;
      expect(product.reserved).toBeLessThanOrEqual(10);
      // Nothing left idle that the first in line could have taken (a backorder took all there was; a whole order did not fit).
      expect(product.available).toBeLessThan(queue[firstWaiting]!.quantity);
    }
    // A split order's first part never exceeds what it asked for, and the two parts add up to it.
    for (const { order, split } of splits.filter((s) => s.split)) {
      for (const line of order.lines) {
        const now = split!.now.find((l) => l.sku === line.sku)?.quantity ?? 0;
        const later = split!.later.find((l) => l.sku === line.sku)?.quantity ?? 0;
        expect(now + later, `${order.id} ${line.sku}`).toBe(line.quantity);
      }
    }

    // Stock arrives: every waiting request, first deliveries and backorders alike, is served in queue order.
    const waitingInOrder: string[] = [];
    const all = await database.db.select().from(stockRequests).where(eq(stockRequests.status, 'waiting')).orderBy(asc(stockRequests.id));
    for (const r of all) if (skus.includes(r.sku) && !waitingInOrder.includes(r.orderId)) waitingInOrder.push(r.orderId);
    expect(waitingInOrder.some((key) => key.endsWith('-backorder'))).toBe(true);
    for (const sku of skus) await updateProduct(database.db, sku, { onHand: 200 });
    expect(await allocateWaiting(database.db, skus)).toEqual(waitingInOrder);
    await expectInvariant();

    // Each delivery ships its own part: on hand drops by exactly what was ordered.
    for (const { order, split } of splits) {
      await shipStock(database.db, order.id);
      if (split) await shipStock(database.db, backorderStockKeyOf(order.id));
    }
    for (const sku of skus) {
      const ordered = orders.flatMap((o) => o.lines).filter((l) => l.sku === sku).reduce((sum, l) => sum + l.quantity, 0);
      expect(await getProduct(database.db, sku)).toMatchObject({ onHand: 200 - ordered, reserved: 0 });
    }
    await expectInvariant();
  });

  it('services and consumables need no stock; a repeated request reserves once', async () => {
    expect((await requestStock(database.db, 'ord_svc', [{ sku: 'GIFT', type: 'service', quantity: 3 }])).status).toBe('none');
    await createProduct(database.db, { sku: 'C-3', name: 'C', price: 100, currency: 'EUR', type: 'storable', onHand: 3 });
    await requestStock(database.db, 'ord_twice', [{ sku: 'C-3', type: 'storable', quantity: 2 }]);
    await requestStock(database.db, 'ord_twice', [{ sku: 'C-3', type: 'storable', quantity: 2 }]);
    expect(await getProduct(database.db, 'C-3')).toMatchObject({ reserved: 2, available: 1 });
    await expect(updateProduct(database.db, 'C-3', { onHand: 1 })).rejects.toMatchObject({ code: 'stock_below_reserved' });
  });
});
