import { z } from 'zod';
import { addSalesperson, createSalesTeam, listSalesTeams, updateSalesperson, updateSalesTeam } from '../../db/sales.js';
import { getSettings } from '../../db/settings.js';
import { renderEmail, templateProblems } from '../../domain/email-templates.js';
import { DomainError } from '../../domain/errors.js';
import { formatMoney } from '../../domain/money.js';
import type { AppDeps } from '../app.js';
import type { ApiBuilder } from '../http.js';
import { changeSettings, settingsView } from '../services/settings.js';
import {
  IdParam,
  SalespersonBody,
  SalespersonPatchBody,
  SalespersonSchema,
  SalesTeamBody,
  SalesTeamPatchBody,
  SalesTeamSchema,
  SettingsPatchBody,
  SettingsSchema,
} from '../schemas.js';

const TemplatePreviewBody = z
  .object({ subject: z.string().trim().min(1).max(200).optional(), body: z.string().trim().min(1).max(10_000).optional() })
  .strict()
  .openapi('TemplatePreviewRequest');
const TemplatePreview = z.object({ subject: z.string(), text: z.string(), html: z.string() }).openapi('TemplatePreview');

export function settingsRoutes(api: ApiBuilder, { gateway, config }: AppDeps): void {
  const { db } = gateway;
  api.route({
    method: 'get',
    path: '/api/settings',
    access: 'operator',
    summary: 'Shop settings',
    tags: ['Settings'],
    responses: { 200: { description: 'Settings', schema: SettingsSchema } },
    handler: async () => {
      const [settings, teams] = await Promise.all([getSettings(db), listSalesTeams(db)]);
      return { body: settingsView(settings, teams, config.payments.cardProvider) };
    },
  });
  api.route({
    method: 'patch',
    path: '/api/settings',
    access: 'operator',
    summary:
      'Change shop settings (a partial document; abandonedCart is merged field by field). A new abandoned-cart policy applies to open quotations at once. The sales team and salesperson must be records (by id or by name).',
    tags: ['Settings'],
    body: SettingsPatchBody,
    responses: { 200: { description: 'Settings after the change', schema: SettingsSchema }, 422: { description: 'Not allowed' } },
    handler: async ({ body }) => ({ body: await changeSettings(gateway, body, config.payments.cardProvider) }),
  });

  api.route({
    method: 'post',
    path: '/api/settings/abandoned-cart/preview',
    access: 'operator',
    summary: 'Render the abandoned-cart reminder (the saved template, or the subject and body given) for a sample cart, without saving or sending anything',
    tags: ['Settings'],
    body: TemplatePreviewBody,
    responses: { 200: { description: 'The email as a customer would get it', schema: TemplatePreview }, 422: { description: 'Unknown placeholders' } },
    handler: async ({ body }) => {
      const settings = await getSettings(db);
      const template = { subject: body.subject ?? settings.abandonedCart.subject, body: body.body ?? settings.abandonedCart.body };
      const problems = templateProblems(template);
      if (problems.length) throw new DomainError('invalid_settings', problems.join('; '), { problems });
      return {
        body: renderEmail(template, {
          shop_name: settings.shopName,
          customer_name: 'Alex Martin',
          order_number: 'S00042',
          lines: [`2 × Blue ceramic mug — ${formatMoney(2580, settings.currency)}`, `1 × Gift wrapping — ${formatMoney(350, settings.currency)}`],
          total: formatMoney(2930, settings.currency),
          recovery_link: `${config.publicUrl}/cart/ord_example?token=example`,
          return_link: `${config.publicUrl}/returns/ord_example?token=example`,
        }),
      };
    },
  });

  api.route({
    method: 'get',
    path: '/api/sales-teams',
    access: 'operator',
    summary: 'Sales teams with their salespeople',
    tags: ['Sales teams'],
    responses: { 200: { description: 'Teams', schema: z.object({ items: z.array(SalesTeamSchema) }) } },
    handler: async () => ({ body: { items: await listSalesTeams(db) } }),
  });
  api.route({
    method: 'post',
    path: '/api/sales-teams',
    access: 'operator',
    summary: 'Create a sales team',
    tags: ['Sales teams'],
    body: SalesTeamBody,
    responses: { 201: { description: 'The team', schema: SalesTeamSchema }, 409: { description: 'A team with that name exists' } },
    handler: async ({ body }) => ({ status: 201, body: await createSalesTeam(db, body) }),
  });
  api.route({
    method: 'patch',
    path: '/api/sales-teams/{id}',
    access: 'operator',
    summary: 'Rename a sales team or change how it assigns orders (team_only, round_robin)',
    tags: ['Sales teams'],
    params: IdParam,
    body: SalesTeamPatchBody,
    responses: { 200: { description: 'The team', schema: SalesTeamSchema }, 404: { description: 'Unknown team' }, 409: { description: 'The name is taken' } },
    handler: async ({ params, body }) => ({ body: await updateSalesTeam(db, params.id, body) }),
  });
  api.route({
    method: 'post',
    path: '/api/sales-teams/{id}/salespeople',
    access: 'operator',
    summary: 'Add a salesperson to a team',
    tags: ['Sales teams'],
    params: IdParam,
    body: SalespersonBody,
    responses: { 201: { description: 'The salesperson', schema: SalespersonSchema }, 404: { description: 'Unknown team' }, 409: { description: 'Already in the team' } },
    handler: async ({ params, body }) => ({ status: 201, body: await addSalesperson(db, params.id, body) }),
  });
  api.route({
    method: 'patch',
    path: '/api/salespeople/{id}',
    access: 'operator',
    summary: 'Rename a salesperson, or deactivate them (they leave the rotation; past orders keep their name)',
    tags: ['Sales teams'],
    params: IdParam,
    body: SalespersonPatchBody,
    responses: { 200: { description: 'The salesperson', schema: SalespersonSchema }, 404: { description: 'Unknown salesperson' }, 409: { description: 'The name is taken in the team' } },
    handler: async ({ params, body }) => ({ body: await updateSalesperson(db, params.id, body) }),
  });
}
