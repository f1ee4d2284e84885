import { and, asc, desc, eq, gt, ilike, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { AbandonedCartCriteria } from '../domain/abandoned-cart.js';
import { contactEmail, type Order, type TimelineEntry } from '../domain/order.js';
import type { Db } from './index.js';
import { iso } from './index.js';
import { notifyProjection } from './projection-events.js';
import { projectReturn } from './returns.js';
import { orderEvents, orderLines, orderNumberSeq, orders, paymentEvents, payments, refunds } from './schema.js';

type OrderRow = typeof orders.$inferSelect;

export async function allocateOrderNumber(db: Db): Promise<string> {
  const result = await db.execute<{ n: string }>(sql`select nextval(${orderNumberSeq.seqName}) as n`);
  const rows = (Array.isArray(result) ? result : (result as { rows: Array<{ n: string }> }).rows) as Array<{ n: string }>;
  return `S${String(rows[0]!.n).padStart(5, '0')}`;
}

export interface NumberedEntry extends TimelineEntry {
  seq: number;
}

/**
 * Writes one order's state and its new timeline entries. Idempotent and
 * ordered: the row only moves forward in version, so a retried or late write
 * of an older snapshot changes nothing; entries are keyed by (order, seq).
 * `recorded`: the entries this call wrote, not an earlier one (the business metrics count them).
 */
export async function projectOrder(db: Db, order: Order, timeline: NumberedEntry[]): Promise<{ applied: boolean; recorded: Array<{ type: string; data: unknown }> }> {
  const values = {
    id: order.id,
    number: order.number,
    workflowId: `order-${order.id}`,
    state: order.state,
    paymentState: order.paymentState,
    deliveryState: order.deliveryState,
    total: order.total,
    currency: order.currency,
    lineCount: order.lines.length,
    customerEmail: contactEmail(order) ?? order.customer.email ?? null,
    customerName: order.contact?.name ?? order.customer.name ?? null,
    loggedIn: order.customer.loggedIn,
    contact: order.contact,
    paymentMethod: order.paymentMethod,
    salesTeam: order.salesTeam,
    salesperson: order.salesperson,
    accessToken: order.accessToken,
    version: order.version,
    lastCustomerActivityAt: order.lastCustomerActivityAt,
    remindersSent: order.remindersSent ?? 0,
    lastReminderAt: order.lastReminderAt ?? null,
    confirmedAt: order.confirmedAt ?? null,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
  return db.transaction(async (tx) => {
    const { id: _id, number: _number, workflowId: _wf, accessToken: _token, createdAt: _created, ...changes } = values;
    const written = await tx
      .insert(orders)
      .values(values)
      .onConflictDoUpdate({ target: orders.id, set: changes, setWhere: sql`${orders.version} < excluded.version` })
      .returning({ id: orders.id });
    const applied = written.length > 0;
    if (applied) {
      await tx.delete(orderLines).where(eq(orderLines.orderId, order.id));
      if (order.lines.length) {
        await tx.insert(orderLines).values(
          order.lines.map((l, position) => ({
            orderId: order.id,
            position,
            sku: l.sku,
            name: l.name,
            type: l.type,
            quantity: l.quantity,
            unitPrice: l.unitPrice,
            subtotal: l.subtotal,
          })),
        );
      }
      for (const p of order.payments) {
        await tx
          .update(payments)
          .set({ status: recordedStatus(p), updatedAt: order.updatedAt })
          .where(and(eq(payments.reference, p.reference), sql`${payments.status} <> ${recordedStatus(p)}`));
      }
    }
    if (applied) {
      // Money an operator recorded by hand: one event on the order's payment each (keyed by the receipt: written once).
      const receipts = (order.receipts ?? []).filter((r) => r.reference);
      if (receipts.length) {
        await tx
          .insert(paymentEvents)
          .values(
            receipts.map((r) => ({
              id: r.id,
              type: 'payment.recorded',
              reference: r.reference,
              amount: r.amount,
              currency: r.currency,
              orderId: order.id,
              payload: { method: r.method, note: r.note ?? null, by: r.by ?? null },
              receivedAt: r.at,
              forwardedAt: r.at,
            })),
          )
          .onConflictDoNothing();
      }
      // Refunds made by hand have no refund workflow to write them: the order does (keyed by the refund).
      const manual = (order.refunds ?? []).filter((r) => r.manual);
      if (manual.length) {
        await tx
          .insert(refunds)
          .values(
            manual.map((r) => ({
              id: r.id,
              orderId: order.id,
              paymentReference: r.paymentReference,
              provider: 'manual',
              amount: r.amount,
              currency: r.currency,
              reason: r.reason ?? null,
              returnId: r.returnId ?? null,
              status: r.status,
              createdAt: r.requestedAt,
              settledAt: r.settledAt ?? r.requestedAt,
            })),
          )
          .onConflictDoNothing();
      }
      for (const r of order.returns ?? []) {
        await projectReturn(tx as unknown as Db, { ...r, orderId: order.id, orderNumber: order.number, currency: order.currency, version: order.version });
      }
    }
    const recorded = timeline.length
      ? await tx
          .insert(orderEvents)
          .values(timeline.map((e) => ({ orderId: order.id, seq: e.seq, at: e.at, type: e.type, message: e.message, data: e.data ?? null })))
          .onConflictDoNothing()
          .returning({ type: orderEvents.type, data: orderEvents.data })
      : [];
    // Sent on commit: the console's open pages draw themselves again (api/routes/events.ts).
    if (applied) await notifyProjection(tx as unknown as Db, { kind: 'order', orderId: order.id, version: order.version, state: order.state, deliveryState: order.deliveryState });
    return { applied, recorded };
  });
}

export interface OrderSummary {
  id: string;
  number: string;
  state: string;
  paymentState: string;
  deliveryState: string;
  lines: Array<{ sku: string; name: string; quantity: number; unitPrice: number; subtotal: number }>;
  total: number;
  currency: string;
  customerEmail: string | null;
  contact: unknown;
  paymentMethod: string | null;
  salesTeam: string;
  salesperson: string | null;
  version: number;
  lastCustomerActivityAt: string;
  remindersSent: number;
  lastReminderAt: string | null;
  confirmedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

function toSummary(row: OrderRow, lines: Array<typeof orderLines.$inferSelect>): OrderSummary {
  return {
    id: row.id,
    number: row.number,
    state: row.state,
    paymentState: row.paymentState,
    deliveryState: row.deliveryState,
    lines: lines
      .sort((a, b) => a.position - b.position)
      .map((l) => ({ sku: l.sku, name: l.name, quantity: l.quantity, unitPrice: l.unitPrice, subtotal: l.subtotal })),
    total: row.total,
    currency: row.currency,
    customerEmail: row.customerEmail,
    contact: row.contact,
    paymentMethod: row.paymentMethod,
    salesTeam: row.salesTeam,
    salesperson: row.salesperson,
    version: row.version,
    lastCustomerActivityAt: iso(row.lastCustomerActivityAt),
    remindersSent: row.remindersSent,
    lastReminderAt: row.lastReminderAt ? iso(row.lastReminderAt) : null,
    confirmedAt: row.confirmedAt ? iso(row.confirmedAt) : null,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

async function withLines(db: Db, rows: OrderRow[]): Promise<OrderSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const lines = await db.select().from(orderLines).where(inArray(orderLines.orderId, ids));
  const byOrder = new Map<string, Array<typeof orderLines.$inferSelect>>();
  for (const line of lines) byOrder.set(line.orderId, [...(byOrder.get(line.orderId) ?? []), line]);
  return rows.map((r) => toSummary(r, byOrder.get(r.id) ?? []));
}

export interface OrderListQuery {
  state?: string | undefined;
  paymentState?: string | undefined;
  q?: string | undefined;
  limit: number;
  cursor?: string | undefined;
  /** Abandoned carts only, as domain/abandoned-cart.ts defines them. */
  abandoned?: AbandonedCartCriteria | undefined;
}

function encodeCursor(row: Pick<OrderRow, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([iso(row.createdAt), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      if (Number.isNaN(Date.parse(value[0]))) return null;
      return [value[0], value[1]];
    }
  } catch {
    // fall through: an unreadable cursor is the caller's error
  }
  return null;
}

/** Newest first, keyset-paged: stable while new orders arrive. */
export async function listOrders(db: Db, query: OrderListQuery): Promise<{ items: OrderSummary[]; nextCursor: string | null }> {
  const where: SQL[] = [];
  if (query.state) where.push(eq(orders.state, query.state));
  if (query.paymentState) where.push(eq(orders.paymentState, query.paymentState));
  if (query.abandoned) {
    // isAbandonedCart, in SQL.
    const { state, totalAbove, idleBefore } = query.abandoned;
    where.push(eq(orders.state, state), gt(orders.total, totalAbove), lt(orders.lastCustomerActivityAt, idleBefore));
  }
  if (query.q) {
    const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(orders.number, pattern), ilike(orders.customerEmail, pattern), ilike(orders.customerName, pattern))!);
  }
  if (query.cursor) {
    const position = decodeCursor(query.cursor);
    if (position) {
      const [createdAt, id] = position;
      where.push(or(lt(orders.createdAt, createdAt), and(eq(orders.createdAt, createdAt), lt(orders.id, id)))!);
    }
  }
  const rows = await db
    .select()
    .from(orders)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { items: await withLines(db, page), nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
}

export async function getOrderSummary(db: Db, id: string): Promise<(OrderSummary & { accessToken: string }) | null> {
  const [row] = await db.select().from(orders).where(eq(orders.id, id));
  if (!row) return null;
  const [summary] = await withLines(db, [row]);
  return { ...summary!, accessToken: row.accessToken };
}

export async function getTimeline(db: Db, orderId: string) {
  const rows = await db.select().from(orderEvents).where(eq(orderEvents.orderId, orderId)).orderBy(asc(orderEvents.seq));
  return rows.map((r) => ({ seq: r.seq, at: iso(r.at), type: r.type, message: r.message, data: r.data ?? undefined }));
}

export async function getPayments(db: Db, orderId: string) {
  const rows = await db.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(asc(payments.createdAt));
  const events = await db.select().from(paymentEvents).where(eq(paymentEvents.orderId, orderId)).orderBy(asc(paymentEvents.receivedAt));
  return rows.map((p) => ({
    reference: p.reference,
    method: p.method,
    provider: p.provider,
    amount: p.amount,
    currency: p.currency,
    status: p.status,
    instructions: p.instructions ?? undefined,
    createdAt: iso(p.createdAt),
    events: events
      .filter((e) => e.reference === p.reference)
      .map((e) => ({ id: e.id, type: e.type, amount: e.amount, currency: e.currency, receivedAt: iso(e.receivedAt) })),
  }));
}

/** "Not when the same customer has placed a sales order since": the abandoned-cart guard. */
export async function customerOrderedSince(db: Db, email: string, since: string, exceptOrderId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: orders.id })
    .from(orders)
    .where(and(sql`lower(${orders.customerEmail}) = lower(${email})`, gt(orders.confirmedAt, since), sql`${orders.id} <> ${exceptOrderId}`))
    .limit(1);
  return row !== undefined;
}

/** Quotations still open (their workflows wait on the idle timer). */
export async function listOpenQuotationIds(db: Db): Promise<string[]> {
  const rows = await db.select({ id: orders.id }).from(orders).where(eq(orders.state, 'draft'));
  return rows.map((r) => r.id);
}

/** A payment the customer paid after the order had cancelled it was captured all the same: its record says so (and it is refunded). */
function recordedStatus(p: Order['payments'][number]): string {
  return p.paidLate ? 'succeeded' : p.status;
}
