import { z } from 'zod';
import { getEmail, listEmails } from '../../db/emails.js';
import { DomainError } from '../../domain/errors.js';
import type { AppDeps } from '../app.js';
import type { ApiBuilder } from '../http.js';
import { EmailListQuery, EmailSchema, IdParam } from '../schemas.js';

export function emailRoutes(api: ApiBuilder, { gateway: { db } }: AppDeps): void {
  api.route({
    method: 'get',
    path: '/api/emails',
    access: 'operator',
    summary: 'Every email the system sent or would send, newest first, whichever transport carried it',
    tags: ['Emails'],
    query: EmailListQuery,
    responses: { 200: { description: 'Emails', schema: z.object({ items: z.array(EmailSchema) }) } },
    handler: async ({ query }) => ({ body: { items: await listEmails(db, query) } }),
  });
  api.route({
    method: 'get',
    path: '/api/emails/{id}',
    access: 'operator',
    summary: 'One email with its text and HTML bodies',
    tags: ['Emails'],
    params: IdParam,
    responses: { 200: { description: 'The email', schema: EmailSchema.extend({ text: z.string(), html: z.string() }) }, 404: { description: 'Unknown email' } },
    handler: async ({ params }) => {
      const email = await getEmail(db, params.id);
      if (!email) throw new DomainError('not_found', 'No such email.');
      return { body: email };
    },
  });
}
