/**
 * Changing the shop's settings: a patch is resolved (the sales team and
 * salesperson by id or by name), checked by the domain's rules, saved, and a
 * new abandoned-cart policy reaches the open quotations at once.
 */
import type { z } from 'zod';
import { taxClassesInUse } from '../../db/products.js';
import { listSalesTeams } from '../../db/sales.js';
import { getSettings, saveSettings } from '../../db/settings.js';
import { reminderPolicyOf } from '../../domain/abandoned-cart.js';
import { DomainError } from '../../domain/errors.js';
import type { SalesTeam } from '../../domain/sales.js';
import { effectivePaymentMethods, paymentMethodsProblems } from '../../domain/payment-methods.js';
import { settingsProblems, type CardProvider, type ShopSettings } from '../../domain/settings.js';
import { taxSettingsProblems, type TaxSettings } from '../../domain/tax.js';
import { applyReminderPolicyToOpenCarts } from '../orders.js';
import type { SettingsPatchBody, SettingsSchema } from '../schemas.js';
import type { TemporalGateway } from '../temporal-gateway.js';

type SettingsPatch = z.infer<typeof SettingsPatchBody>;

/** The settings as the API shows them: the sales team and salesperson by name too. */
export function settingsView(settings: ShopSettings, teams: SalesTeam[], cardProvider: CardProvider | null): z.infer<typeof SettingsSchema> {
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
export async function changeSettings(gateway: TemporalGateway, body: SettingsPatch, cardProvider: CardProvider | null) {
  const { db } = gateway;
  const [current, teams] = await Promise.all([getSettings(db), listSalesTeams(db)]);
  const { abandonedCart, paymentMethods, taxes, salesTeam: _team, salesperson: _person, salesTeamId: _teamId, salespersonId: _personId, ...rest } = body;
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
    taxes: mergeTaxes(current.taxes, taxes),
  };
  const problems = [
    ...settingsProblems(next),
    ...(paymentMethods ? paymentMethodsProblems(next.paymentMethods, cardProvider) : []),
    ...(taxes ? taxSettingsProblems(next.taxes, await taxClassesInUse(db)) : []),
  ];
  if (problems.length) throw new DomainError('invalid_settings', problems.join('; '), { problems });
  const saved = await saveSettings(db, next);
  const before = reminderPolicyOf(current.abandonedCart);
  const after = reminderPolicyOf(saved.abandonedCart);
  if (JSON.stringify(before) !== JSON.stringify(after)) await applyReminderPolicyToOpenCarts(gateway, after);
  return settingsView(saved, teams, cardProvider);
}

/** Tax settings merged country by country, class by class; a null rate removes the class. */
function mergeTaxes(current: TaxSettings, patch: SettingsPatch['taxes']): TaxSettings {
  if (!patch) return current;
  const rates: TaxSettings['rates'] = Object.fromEntries(Object.entries(current.rates).map(([country, classes]) => [country, { ...classes }]));
  for (const [country, classes] of Object.entries(patch.rates ?? {})) {
    const merged = { ...(rates[country] ?? {}) };
    for (const [taxClass, rate] of Object.entries(classes)) {
      if (rate === null) delete merged[taxClass];
      else merged[taxClass] = rate;
    }
    rates[country] = merged;
  }
  return { pricesIncludeTax: patch.pricesIncludeTax ?? current.pricesIncludeTax, country: patch.country ?? current.country, rates };
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
