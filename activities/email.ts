/**
 * The one email activity, for every kind of email, and its transports:
 * Resend when an API key is set, otherwise the database outbox. Exactly once:
 * the idempotency key (workflow id / kind / sequence) is the emails table's
 * unique key and Resend's Idempotency-Key. The confirmation carries the
 * order's invoice and the refund email the refund's credit note, as PDF: the
 * row keeps the document's reference, and the PDF is rendered from the
 * stored document each time the email is handed over (the same bytes every
 * time, so a retry sends the very same message).
 */
import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { Resend } from 'resend';
import type { Db } from '../db/index.js';
import { claimEmail, findEmailByKey, markEmail, type EmailRow } from '../db/emails.js';
import { listOrderInvoices } from '../db/invoices.js';
import { customerOrderedSince } from '../db/orders.js';
import { getSettings } from '../db/settings.js';
import { DEFAULT_TEMPLATES, renderEmail, type EmailKind, type TemplateValues } from '../domain/email-templates.js';
import { invoicePdfFilename } from '../domain/invoicing.js';
import { formatMoney } from '../domain/money.js';
import { contactEmail, type Order } from '../domain/order.js';
import { renderStoredInvoicePdf } from './invoices.js';

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: Array<{ filename: string; content: Buffer; contentType: string }>;
}

/** A refusal that no retry can fix (a malformed address, a reused key): the email is recorded as failed. */
export class EmailRejected extends Error {
  override readonly name = 'EmailRejected';
}

export interface EmailTransport {
  readonly name: 'resend' | 'outbox';
  /** Hands the message over; throws EmailRejected for a permanent refusal, anything else to be retried. */
  deliver(message: OutgoingEmail, idempotencyKey: string): Promise<{ providerId: string | null }>;
}

/** The embedded default: the message stays in the emails table, status `outbox`, for a developer to read. */
export const outboxTransport: EmailTransport = {
  name: 'outbox',
  async deliver() {
    return { providerId: null };
  },
};

const PERMANENT_RESEND_ERRORS = new Set([
  'validation_error',
  'invalid_from_address',
  'invalid_parameter',
  'missing_required_field',
  'invalid_attachment',
  'invalid_idempotency_key',
  'invalid_idempotent_request',
]);

/** How long one call to Resend may take before it counts as failed and is retried (same idempotency key). */
const RESEND_TIMEOUT_MS = 15_000;

export function resendTransport(apiKey: string, baseUrl?: string): EmailTransport {
  const resend = new Resend(apiKey, baseUrl ? { baseUrl } : undefined);
  return {
    name: 'resend',
    async deliver(message, idempotencyKey) {
      const { data, error } = await resend.emails.send(message, { idempotencyKey, signal: AbortSignal.timeout(RESEND_TIMEOUT_MS) });
      if (error) {
        // The SDK returns errors instead of throwing: throw here so Temporal retries what may succeed later.
        const detail = `Resend ${error.statusCode ?? 'network'} ${error.name}: ${error.message}`;
        if (PERMANENT_RESEND_ERRORS.has(error.name)) throw new EmailRejected(detail);
        throw new Error(detail);
      }
      return { providerId: data?.id ?? null };
    },
  };
}

export interface SendEmailInput {
  kind: EmailKind;
  /** workflow id / kind / sequence */
  idempotencyKey: string;
  order: Order;
  values?: TemplateValues;
  /** Abandoned carts: say nothing to a customer who has bought since. */
  unlessCustomerOrderedSince?: string;
  /** The invoice (confirmation) or credit note (refund) the email carries, by number: issued (and committed) before the email is asked for. */
  document?: { kind: 'invoice' | 'credit_note'; number: string } | undefined;
}

/** The sentence naming the invoice or credit note attached. */
function documentSentence(document: NonNullable<SendEmailInput['document']>): string {
  return document.kind === 'invoice' ? `Your invoice: ${document.number}.` : `Your credit note: ${document.number}.`;
}

export type SendEmailResult =
  | { status: 'sent' | 'outbox'; emailId: string; to: string }
  | { status: 'failed'; emailId: string; to: string; reason: string }
  | { status: 'skipped'; reason: string };

export interface EmailDependencies {
  db: Db;
  transport: EmailTransport;
  from: string;
  publicUrl: string;
}

export function createEmailActivities({ db, transport, from, publicUrl }: EmailDependencies) {
  /** The stored document as PDF; it was found when the email was claimed, and documents are never deleted. */
  async function attachmentOf(invoiceId: string): Promise<NonNullable<OutgoingEmail['attachments']>[number]> {
    const rendered = await renderStoredInvoicePdf(db, invoiceId);
    if (!rendered) throw new Error(`The attached document ${invoiceId} is not found`);
    return { filename: invoicePdfFilename(rendered.invoice.number), content: rendered.pdf, contentType: 'application/pdf' };
  }

  /** The document the workflow names (it recorded it issued, so it is committed); a retry finds it if a read raced. */
  async function documentOf(orderId: string, document: NonNullable<SendEmailInput['document']>) {
    const found = (await listOrderInvoices(db, orderId)).find((d) => d.kind === document.kind && d.number === document.number);
    if (!found) throw ApplicationFailure.retryable(`Order ${orderId} has no ${document.kind} ${document.number} yet`, 'invoice_not_found');
    return found;
  }

  async function deliver(row: EmailRow): Promise<SendEmailResult> {
    if (row.status === 'sent' || row.status === 'outbox') return { status: row.status, emailId: row.id, to: row.to };
    if (row.status === 'failed') return { status: 'failed', emailId: row.id, to: row.to, reason: row.error ?? 'failed' };
    try {
      const attachments = row.attachmentInvoiceId ? [await attachmentOf(row.attachmentInvoiceId)] : undefined;
      const message: OutgoingEmail = { from, to: row.to, subject: row.subject, text: row.text, html: row.html, ...(attachments ? { attachments } : {}) };
      const { providerId } = await transport.deliver(message, row.idempotencyKey);
      await markEmail(db, row.id, { status: 'sent', providerId, error: null, sentAt: new Date().toISOString() });
      return { status: 'sent', emailId: row.id, to: row.to };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof EmailRejected) {
        await markEmail(db, row.id, { status: 'failed', error: reason });
        return { status: 'failed', emailId: row.id, to: row.to, reason };
      }
      await markEmail(db, row.id, { status: 'sending', error: reason });
      throw ApplicationFailure.retryable(reason, 'email_transport_error');
    }
  }

  return {
    async sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
      const claimed = await findEmailByKey(db, input.idempotencyKey);
      if (claimed) return deliver(claimed);

      const { order } = input;
      const to = contactEmail(order);
      if (!to) return { status: 'skipped', reason: 'no contact email is known' };
      if (input.unlessCustomerOrderedSince && (await customerOrderedSince(db, to, input.unlessCustomerOrderedSince, order.id))) {
        return { status: 'skipped', reason: 'the customer has placed an order since' };
      }
      const settings = await getSettings(db);
      const template = input.kind === 'abandoned_cart' ? settings.abandonedCart : DEFAULT_TEMPLATES[input.kind];
      const rendered = renderEmail(template, {
        shop_name: settings.shopName,
        customer_name: order.contact?.name ?? order.customer.name ?? 'there',
        order_number: order.number,
        lines: order.lines.map((l) => `${l.quantity} × ${l.name} — ${formatMoney(l.subtotal, order.currency)}`),
        total: formatMoney(order.total, order.currency),
        recovery_link: `${publicUrl}/cart/${order.id}?token=${order.accessToken}`,
        return_link: `${publicUrl}/returns/${order.id}?token=${order.accessToken}`,
        ...input.values,
      });
      const attached = input.document ? await documentOf(order.id, input.document) : null;
      if (input.document) {
        // Numbers are letters, digits and "/": nothing to escape in the HTML.
        const sentence = documentSentence(input.document);
        rendered.text = `${rendered.text}\n\n${sentence}`;
        rendered.html = `${rendered.html}<p>${sentence}</p>`;
      }
      const row = await claimEmail(db, {
        id: `eml_${randomBytes(12).toString('base64url')}`,
        idempotencyKey: input.idempotencyKey,
        orderId: order.id,
        to,
        kind: input.kind,
        ...rendered,
        status: transport.name === 'outbox' ? 'outbox' : 'sending',
        transport: transport.name,
        attachmentInvoiceId: attached?.id ?? null,
        attachmentNumber: attached?.number ?? null,
      });
      return deliver(row);
    },
  };
}

export type EmailActivities = ReturnType<typeof createEmailActivities>;
