import { z } from 'zod';
import { addSalesperson, createSalesTeam, listSalesTeams, updateSalesperson, updateSalesTeam } from '../../db/sales.js';
import { getSettings, saveSettings } from '../../db/settings.js';
import { reminderPolicyOf } from '../../domain/abandoned-cart.js';
import { renderEmail, templateProblems } from '../../domain/email-templates.js';
import { DomainError } from '../../domain/errors.js';
import { formatMoney } from '../../domain/money.js';
import type { SalesTeam } from '../../domain/sales.js';
import { effectivePaymentMethods, paymentMethodsProblems } from '../../domain/payment-methods.js';
import { settingsProblems, type CardProvider, type ShopSettings } from '../../domain/settings.js';
import { applyReminderPolicyToOpenCarts } from '../orders.js';
import type { TemporalGateway } from '../temporal-gateway.js';
import type { AppDeps } from '../app.js';
import type { ApiBuilder } from '../http.js';
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

type SettingsPatch = z.infer<typeof SettingsPatchBody>;

/** The settings as the API shows them: the sales team and salesperson by name too. */
function settingsView(settings: ShopSettings, teams: SalesTeam[], cardProvider: CardProvider | null): z.infer<typeof SettingsSchema> {
  const team = teams.find((t) => t.id === settings.salesTeamId);
  const person = team?.salespeople.find((p) => p.id === settings.salespersonId);
  return {
    ...settings,
    salesTeam: team?.name ?? settings.salesTeamId,
    salesperson: person?.name ?? null,
    // What checkout honours: the card runs through the provider this server is configured with.
    paymentMethods: effectivePaymentMethods(settings.paymentMethods, cardProvider),
  };
}

/** Resolves a patch's team and salesperson (by id or by name) to records; changing the team clears a salesperson of the old one. */
function resolveSales(current: ShopSettings, patch: SettingsPatch, teams: SalesTeam[]): Pick<ShopSettings, 'salesTeamId' | 'salespersonId'> {
  let salesTeamId = current.salesTeamId;
  let salespersonId = current.salespersonId;
  if (patch.salesTeamId !== undefined || patch.salesTeam !== undefined) {
    const team = teams.find((t) => (patch.salesTeamId !== undefined ? t.id === patch.salesTeamId : t.name === patch.salesTeam));
    if (!team) {
      const names = teams.map((t) => `"${t.name}"`).join(', ');
      throw new DomainError('unknown_sales_team', `No sales team ${patch.salesTeamId ?? `"${patch.salesTeam}"`}. Teams: ${names}. Create one with POST /api/sales-teams.`);
    }
    if (team.id !== salesTeamId) salespersonId = null;
    salesTeamId = team.id;
  }
  const wanted = patch.salespersonId !== undefined ? patch.salespersonId : patch.salesperson;
  if (wanted === null) salespersonId = null;
  else if (wanted !== undefined) {
    const team = teams.find((t) => t.id === salesTeamId)!;
    const person = team.salespeople.find((p) => (patch.salespersonId !== undefined ? p.id === wanted : p.name === wanted));
    if (!person) throw new DomainError('unknown_salesperson', `"${wanted}" is not a salesperson of the team "${team.name}".`);
    if (!person.active) throw new DomainError('unknown_salesperson', `${person.name} is inactive: activate them before assigning orders to them.`);
    salespersonId = person.id;
  }
  return { salesTeamId, salespersonId };
}

/** Applies a settings patch; a new abandoned-cart policy reaches the open quotations at once. */
async function changeSettings(gateway: TemporalGateway, body: SettingsPatch, cardProvider: CardProvider | null) {
  const { db } = gateway;
  const [current, teams] = await Promise.all([getSettings(db), listSalesTeams(db)]);
  const { abandonedCart, paymentMethods, salesTeam: _team, salesperson: _person, salesTeamId: _teamId, salespersonId: _personId, ...rest } = body;
  const methods = effectivePaymentMethods(current.paymentMethods, cardProvider);
  const next: ShopSettings = {
    ...current,
    ...stripUndefined(rest),
    ...resolveSales(current, body, teams),
    abandonedCart: { ...current.abandonedCart, ...stripUndefined(abandonedCart ?? {}) },
    paymentMethods: {
      card: { ...methods.card, ...stripUndefined(paymentMethods?.card ?? {}) },
      wire_transfer: { ...methods.wire_transfer, ...stripUndefined(paymentMethods?.wire_transfer ?? {}) },
      pay_in_store: { ...methods.pay_in_store, ...stripUndefined(paymentMethods?.pay_in_store ?? {}) },
    },
  };
  const problems = [...settingsProblems(next), ...(paymentMethods ? paymentMethodsProblems(next.paymentMethods, cardProvider) : [])];
  if (problems.length) throw new DomainError('invalid_settings', problems.join('; '), { problems });
  const saved = await saveSettings(db, next);
  const before = reminderPolicyOf(current.abandonedCart);
  const after = reminderPolicyOf(saved.abandonedCart);
  if (JSON.stringify(before) !== JSON.stringify(after)) await applyReminderPolicyToOpenCarts(gateway, after);
  return settingsView(saved, teams, cardProvider);
}

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

function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
