import { z } from 'zod';
import { renderStoredInvoicePdf } from '../../activities/invoices.js';
import { InvalidCursor, InvoiceKind, listInvoices, listOrderInvoices, type Invoice } from '../../db/invoices.js';
import { DomainError } from '../../domain/errors.js';
import { invoicePdfFilename } from '../../domain/invoicing.js';
import type { AppDeps } from '../app.js';
import type { ApiBuilder } from '../http.js';
import { Currency, IdParam, Money } from '../schemas.js';

const kinds = Object.values(InvoiceKind) as [InvoiceKind, ...InvoiceKind[]];

const InvoiceSummarySchema = z
  .object({
    id: z.string(),
    number: z.string().openapi({ example: 'INV/2026/00001' }),
    kind: z.enum(kinds),
    orderId: z.string(),
    amount: Money.openapi({ description: 'The total, tax included (a credit note: what was refunded)' }),
    untaxedAmount: Money,
    taxAmount: Money,
    taxes: z.array(z.object({ rate: z.number(), base: Money, amount: Money })),
    currency: Currency,
    creditedInvoiceId: z.string().nullable(),
    issuedAt: z.string(),
    pdfUrl: z.string(),
  })
  .openapi('Invoice');

const InvoiceListQuery = z
  .object({
    year: z.coerce.number().int().min(2000).max(9999).optional(),
    kind: z.enum(kinds).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
  })
  .strict();

export function invoiceRoutes(api: ApiBuilder, { gateway, config }: AppDeps): void {
  const { db } = gateway;
  const view = (i: Invoice): z.infer<typeof InvoiceSummarySchema> => ({
    id: i.id,
    number: i.number,
    kind: i.kind,
    orderId: i.orderId,
    amount: i.total,
    untaxedAmount: i.untaxedAmount,
    taxAmount: i.taxAmount,
    taxes: i.taxes,
    currency: i.currency,
    creditedInvoiceId: i.creditedInvoiceId,
    issuedAt: i.issuedAt,
    pdfUrl: `${config.publicUrl}/api/invoices/${i.id}/pdf`,
  });

  api.route({
    method: 'get',
    path: '/api/orders/{id}/invoices',
    access: 'operator',
    summary: "An order's invoice and credit notes, in the order they were issued",
    tags: ['Invoices'],
    params: IdParam,
    responses: { 200: { description: 'Invoices and credit notes', schema: z.object({ items: z.array(InvoiceSummarySchema) }) } },
    handler: async ({ params }) => ({ body: { items: (await listOrderInvoices(db, params.id)).map(view) } }),
  });

  api.route({
    method: 'get',
    path: '/api/invoices',
    access: 'operator',
    summary: "The accountant's list: invoices and credit notes across orders, newest first, keyset-paged; by year and kind",
    tags: ['Invoices'],
    query: InvoiceListQuery,
    responses: { 200: { description: 'A page of invoices', schema: z.object({ items: z.array(InvoiceSummarySchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ query }) => {
      try {
        const page = await listInvoices(db, query);
        return { body: { items: page.items.map(view), nextCursor: page.nextCursor } };
      } catch (error) {
        if (error instanceof InvalidCursor) throw new DomainError('invalid_request', error.message);
        throw error;
      }
    },
  });

  api.route({
    method: 'get',
    path: '/api/invoices/{id}/pdf',
    access: 'operator',
    summary: 'The invoice or credit note as PDF',
    tags: ['Invoices'],
    params: IdParam,
    responses: { 200: { description: 'The document', schema: z.string().openapi({ format: 'binary' }), contentType: 'application/pdf' }, 404: { description: 'Unknown invoice' } },
    handler: async ({ params, res }) => {
      const rendered = await renderStoredInvoicePdf(db, params.id);
      if (!rendered) throw new DomainError('invoice_not_found', `No invoice ${params.id}.`);
      const { invoice, pdf } = rendered;
      res
        .type('application/pdf')
        .set('Content-Disposition', `inline; filename="${invoicePdfFilename(invoice.number)}"`)
        .send(pdf);
    },
  });
}
