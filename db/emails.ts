import { and, desc, eq, ne, type SQL } from 'drizzle-orm';
import type { Db } from './index.js';
import { iso } from './index.js';
import { invoicePdfFilename } from '../domain/invoicing.js';
import { emails } from './schema.js';

export type EmailRow = typeof emails.$inferSelect;
export const EmailStatus = { sending: 'sending', sent: 'sent', outbox: 'outbox', failed: 'failed' } as const;
export type EmailStatus = (typeof EmailStatus)[keyof typeof EmailStatus];

export async function findEmailByKey(db: Db, idempotencyKey: string): Promise<EmailRow | null> {
  const [row] = await db.select().from(emails).where(eq(emails.idempotencyKey, idempotencyKey));
  return row ?? null;
}

/**
 * Claims the email's idempotency key. The first claim writes the message as
 * rendered; every later attempt gets that same row back, so a retry sends the
 * very same message under the very same key, or nothing at all.
 */
export async function claimEmail(db: Db, email: typeof emails.$inferInsert): Promise<EmailRow> {
  const [inserted] = await db.insert(emails).values(email).onConflictDoNothing({ target: emails.idempotencyKey }).returning();
  return inserted ?? (await findEmailByKey(db, email.idempotencyKey))!;
}

export async function markEmail(
  db: Db,
  id: string,
  change: { status: EmailStatus; providerId?: string | null; error?: string | null; sentAt?: string | null },
): Promise<void> {
  // A sent email stays sent: an earlier attempt that gave up (its client timed out) may report its failure after a later attempt delivered it.
  const settled = change.status === EmailStatus.sent ? undefined : ne(emails.status, EmailStatus.sent);
  await db.update(emails).set(change).where(settled ? and(eq(emails.id, id), settled) : eq(emails.id, id));
}

export interface EmailView {
  id: string;
  orderId: string | null;
  to: string;
  kind: string;
  subject: string;
  status: string;
  transport: string;
  providerId: string | null;
  error: string | null;
  createdAt: string;
  sentAt: string | null;
  /** The invoice or credit note the email carries as PDF (rendered when it is handed over, never stored). */
  attachment: { invoiceId: string; number: string; filename: string } | null;
}

function view(row: EmailRow): EmailView {
  return {
    id: row.id,
    orderId: row.orderId,
    to: row.to,
    kind: row.kind,
    subject: row.subject,
    status: row.status,
    transport: row.transport,
    providerId: row.providerId,
    error: row.error,
    createdAt: iso(row.createdAt),
    sentAt: row.sentAt ? iso(row.sentAt) : null,
    attachment:
      row.attachmentInvoiceId && row.attachmentNumber
        ? { invoiceId: row.attachmentInvoiceId, number: row.attachmentNumber, filename: invoicePdfFilename(row.attachmentNumber) }
        : null,
  };
}

export async function listEmails(db: Db, filter: { orderId?: string | undefined; to?: string | undefined; limit?: number }): Promise<EmailView[]> {
  const where: SQL[] = [];
  if (filter.orderId) where.push(eq(emails.orderId, filter.orderId));
  if (filter.to) where.push(eq(emails.to, filter.to));
  const rows = await db
    .select()
    .from(emails)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(emails.createdAt), desc(emails.id))
    .limit(filter.limit ?? 200);
  return rows.map(view);
}

export async function getEmail(db: Db, id: string): Promise<(EmailView & { text: string; html: string }) | null> {
  const [row] = await db.select().from(emails).where(eq(emails.id, id));
  return row ? { ...view(row), text: row.text, html: row.html } : null;
}
