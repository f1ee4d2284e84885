import { getSettings, saveSettings } from '../../db/settings.js';
import { reminderPolicyOf } from '../../domain/abandoned-cart.js';
import { DomainError } from '../../domain/errors.js';
import { applyReminderPolicyToOpenCarts } from '../orders.js';
import { settingsProblems, type ShopSettings } from '../../domain/settings.js';
import type { AppDeps } from '../app.js';
import type { ApiBuilder } from '../http.js';
import { SettingsPatchBody, SettingsSchema } from '../schemas.js';

export function settingsRoutes(api: ApiBuilder, { gateway }: AppDeps): void {
  const { db } = gateway;
  api.route({
    method: 'get',
    path: '/api/settings',
    access: 'operator',
    summary: 'Shop settings',
    tags: ['Settings'],
    responses: { 200: { description: 'Settings', schema: SettingsSchema } },
    handler: async () => ({ body: await getSettings(db) }),
  });
  api.route({
    method: 'patch',
    path: '/api/settings',
    access: 'operator',
    summary: 'Change shop settings (a partial document; abandonedCart is merged field by field). A new abandoned-cart policy applies to open quotations at once.',
    tags: ['Settings'],
    body: SettingsPatchBody,
    responses: { 200: { description: 'Settings after the change', schema: SettingsSchema }, 422: { description: 'Not allowed' } },
    handler: async ({ body }) => {
      const current = await getSettings(db);
      const { abandonedCart, ...rest } = body;
      const next: ShopSettings = { ...current, ...stripUndefined(rest), abandonedCart: { ...current.abandonedCart, ...stripUndefined(abandonedCart ?? {}) } };
      const problems = settingsProblems(next);
      if (problems.length) throw new DomainError('invalid_settings', problems.join('; '), { problems });
      const saved = await saveSettings(db, next);
      const before = reminderPolicyOf(current.abandonedCart);
      const after = reminderPolicyOf(saved.abandonedCart);
      if (JSON.stringify(before) !== JSON.stringify(after)) await applyReminderPolicyToOpenCarts(gateway, after);
      return { body: saved };
    },
  });
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
