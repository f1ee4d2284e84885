import { randomBytes } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import { DomainError } from '../domain/errors.js';
import type { Db } from './index.js';
import { iso } from './index.js';
import { demoProviderRefunds, payments, refunds } from './schema.js';

export async function openRefund(db: Db, refund: typeof refunds.$inferInsert): Promise<void> {
  await db.insert(refunds).values(refund).onConflictDoNothing();
}

export async function countRefundAttempt(db: Db, id: string): Promise<void> {
  await db.update(refunds).set({ attempts: sql`${refunds.attempts} + 1` }).where(eq(refunds.id, id));
}

/** Settles once: a retried activity does not overwrite the provider's first answer. */
export async function settleRefund(db: Db, id: string, outcome: { status: 'succeeded' | 'failed'; providerRefundId?: string | null; failureReason?: string | null }): Promise<void> {
  await db
    .update(refunds)
    .set({ ...outcome, settledAt: sql`now()` as unknown as string })
    .where(and(eq(refunds.id, id), eq(refunds.status, 'pending')));
}

export async function getRefund(db: Db, id: string) {
  const [row] = await db.select().from(refunds).where(eq(refunds.id, id));
  return row ?? null;
}

export async function listRefunds(db: Db, orderId: string) {
  const rows = await db.select().from(refunds).where(eq(refunds.orderId, orderId)).orderBy(asc(refunds.createdAt));
  return rows.map((r) => ({
    id: r.id,
    orderId: r.orderId,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    reason: r.reason,
    returnId: r.returnId,
    provider: r.provider,
    providerRefundId: r.providerRefundId,
    failureReason: r.failureReason,
    attempts: r.attempts,
    createdAt: iso(r.createdAt),
    settledAt: r.settledAt ? iso(r.settledAt) : null,
    ...(r.provider === 'manual' ? { manual: true } : {}),
  }));
}

/**
 * The demo provider's side of a refund: once per idempotency key, and never
 * more than the payment captured, as a real provider would enforce.
 */
export async function demoProviderRefund(db: Db, request: { idempotencyKey: string; paymentReference: string; amount: number; currency: string }) {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7314024)`);
    const [existing] = await tx.select().from(demoProviderRefunds).where(eq(demoProviderRefunds.idempotencyKey, request.idempotencyKey));
    if (existing) {
      if (existing.amount !== request.amount || existing.paymentReference !== request.paymentReference) {
        throw new DomainError('invalid_request', 'This idempotency key was used for another refund.');
      }
      return existing;
    }
    const [payment] = await tx.select().from(payments).where(eq(payments.reference, request.paymentReference));
    if (!payment || payment.status !== 'succeeded') throw new DomainError('nothing_to_refund', 'No captured payment with this reference.');
    const [{ refunded } = { refunded: 0 }] = await tx
      .select({ refunded: sql<number>`coalesce(sum(${demoProviderRefunds.amount}), 0)::int` })
      .from(demoProviderRefunds)
      .where(eq(demoProviderRefunds.paymentReference, request.paymentReference));
    if (request.currency !== payment.currency || request.amount <= 0 || refunded + request.amount > payment.amount) {
      throw new DomainError('refund_exceeds_paid', `Only ${payment.amount - refunded} ${payment.currency} of this payment can still be refunded.`);
    }
    const [row] = await tx
      .insert(demoProviderRefunds)
      .values({ id: `re_${randomBytes(12).toString('hex')}`, ...request })
      .returning();
    return row!;
  });
}
