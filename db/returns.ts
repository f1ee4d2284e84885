import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { ReturnRecord } from '../domain/refunds.js';
import type { Db } from './index.js';
import { iso } from './index.js';
import { products, returnRestocks, returns } from './schema.js';

export interface ReturnProjection extends ReturnRecord {
  orderId: string;
  orderNumber: string;
  currency: string;
  version: number;
}

export async function projectReturn(db: Db, r: ReturnProjection): Promise<void> {
  const values = {
    id: r.id,
    orderId: r.orderId,
    orderNumber: r.orderNumber,
    state: r.state,
    lines: r.lines,
    amount: r.amount,
    currency: r.currency,
    refundId: r.refundId ?? null,
    version: r.version,
    createdAt: r.requestedAt,
    receivedAt: r.receivedAt ?? null,
  };
  const { id: _id, orderId: _o, orderNumber: _n, createdAt: _c, ...changes } = values;
  await db.insert(returns).values(values).onConflictDoUpdate({ target: returns.id, set: changes, setWhere: sql`${returns.version} < excluded.version` });
}

/** The goods are back: on hand grows by what came back (storable products), once per return. */
export async function restockReturn(db: Db, returnId: string, lines: Array<{ sku: string; quantity: number }>): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [claimed] = await tx.insert(returnRestocks).values({ returnId, lines }).onConflictDoNothing().returning({ id: returnRestocks.returnId });
    if (!claimed) return false;
    for (const line of lines) {
      await tx
        .update(products)
        .set({ onHand: sql`${products.onHand} + ${line.quantity}` })
        .where(and(eq(products.sku, line.sku), eq(products.type, 'storable')));
    }
    return true;
  });
}

function view(row: typeof returns.$inferSelect) {
  return {
    id: row.id,
    orderId: row.orderId,
    orderNumber: row.orderNumber,
    state: row.state,
    lines: row.lines as ReturnRecord['lines'],
    amount: row.amount,
    currency: row.currency,
    refundId: row.refundId,
    createdAt: iso(row.createdAt),
    receivedAt: row.receivedAt ? iso(row.receivedAt) : null,
  };
}

export type ReturnView = ReturnType<typeof view>;

export async function listReturns(db: Db, filter: { state?: string | undefined; orderId?: string | undefined }): Promise<ReturnView[]> {
  const where: SQL[] = [];
  if (filter.state) where.push(eq(returns.state, filter.state));
  if (filter.orderId) where.push(eq(returns.orderId, filter.orderId));
  const rows = await db.select().from(returns).where(where.length ? and(...where) : undefined).orderBy(desc(returns.createdAt)).limit(200);
  return rows.map(view);
}

export async function getReturn(db: Db, id: string): Promise<ReturnView | null> {
  const [row] = await db.select().from(returns).where(eq(returns.id, id));
  return row ? view(row) : null;
}
