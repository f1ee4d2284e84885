import { eq, sql } from 'drizzle-orm';
import type { Db } from './index.js';
import { paymentEvents, payments } from './schema.js';

export interface PaymentRecord {
  reference: string;
  orderId: string;
  method: string;
  provider: string;
  amount: number;
  currency: string;
  status: string;
  instructions?: string | undefined;
  providerPaymentId?: string | undefined;
  redirectUrl?: string | undefined;
  clientSecret?: string | undefined;
}

/** Insert-once: a retried activity finds the payment it already created. */
export async function recordPayment(db: Db, payment: PaymentRecord): Promise<void> {
  await db
    .insert(payments)
    .values({
      ...payment,
      instructions: payment.instructions ?? null,
      providerPaymentId: payment.providerPaymentId ?? null,
      redirectUrl: payment.redirectUrl ?? null,
      clientSecret: payment.clientSecret ?? null,
    })
    .onConflictDoNothing();
}

export async function findPayment(db: Db, reference: string) {
  const [row] = await db.select().from(payments).where(eq(payments.reference, reference));
  return row ?? null;
}

export interface IncomingPaymentEvent {
  id: string;
  type: string;
  reference: string;
  amount: number;
  currency: string;
  payload: unknown;
  orderId: string | null;
}

/**
 * Records the provider's event once. Returns whether it still has to reach the
 * order: a redelivered event that was already forwarded has no further effect,
 * one whose forwarding failed earlier is forwarded again.
 */
export async function recordPaymentEvent(db: Db, event: IncomingPaymentEvent): Promise<{ duplicate: boolean; mustForward: boolean }> {
  const inserted = await db
    .insert(paymentEvents)
    .values({ ...event, payload: event.payload as object })
    .onConflictDoNothing()
    .returning({ id: paymentEvents.id });
  if (inserted.length) return { duplicate: false, mustForward: event.orderId !== null };
  const [existing] = await db.select().from(paymentEvents).where(eq(paymentEvents.id, event.id));
  return { duplicate: true, mustForward: existing?.orderId != null && existing.forwardedAt == null };
}

export async function markPaymentEventForwarded(db: Db, id: string): Promise<void> {
  await db.update(paymentEvents).set({ forwardedAt: sql`now()` as unknown as string }).where(eq(paymentEvents.id, id));
}
