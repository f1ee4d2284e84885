import type { ApiHarness } from './api.js';

type TaxRates = Record<string, Record<string, number>>;

/**
 * The patch that puts the tax settings back as `before`: the rates merge class
 * by class (api/services/settings.ts), so a class added since is removed with
 * `null`. A country added since cannot be removed through the API: that is an
 * error rather than a shop left with a country that has no rates.
 */
function taxesRestore(before: { pricesIncludeTax: boolean; country: string; rates: TaxRates }, now: { rates: TaxRates }) {
  const addedCountries = Object.keys(now.rates).filter((country) => !(country in before.rates));
  if (addedCountries.length) throw new Error(`restoring the settings: tax countries ${addedCountries.join(', ')} were added and cannot be removed through the API`);
  const rates: Record<string, Record<string, number | null>> = {};
  for (const [country, classes] of Object.entries(before.rates)) {
    const added = Object.keys(now.rates[country] ?? {}).filter((taxClass) => !(taxClass in classes));
    rates[country] = { ...classes, ...Object.fromEntries(added.map((taxClass) => [taxClass, null])) };
  }
  return { pricesIncludeTax: before.pricesIncludeTax, country: before.country, rates };
}

/** The settings PATCH /api/settings changes (`currency` cannot change), all put back after `run`. */
const RESTORED = [
  'shopName',
  'salesTeamId',
  'salespersonId',
  'abandonedCart',
  'deliverySteps',
  'deliveryDoneEmail',
  'shippingPolicy',
  'returnWindowDays',
  'bankAccount',
  'cartRecoveryUrl',
  'shopAddress',
  'paymentMethods',
  'taxes',
  'autoInvoice',
] as const;

/**
 * Runs `run` with the shop settings changed by `patch` (if given), and puts back
 * every setting as it was before, whether `run` passed or failed: a test that
 * changes the shop leaves it as it found it for the next test of its file.
 * Every field of ShopSettings (domain/settings.ts) that PATCH /api/settings
 * changes is restored; `currency` is not changeable.
 */
export async function withSettings<T>(api: Pick<ApiHarness, 'operator'>, patch: Record<string, unknown> | null, run: () => Promise<T>): Promise<T> {
  const before = await api.operator('GET', '/api/settings');
  if (before.status !== 200) throw new Error(`GET /api/settings: ${before.status}`);
  try {
    if (patch) {
      const changed = await api.operator('PATCH', '/api/settings', patch);
      if (changed.status !== 200) throw new Error(`PATCH /api/settings ${JSON.stringify(patch)}: ${changed.status} ${JSON.stringify(changed.body)}`);
    }
    return await run();
  } finally {
    const now = await api.operator('GET', '/api/settings');
    if (now.status !== 200) throw new Error(`GET /api/settings before restoring: ${now.status}`);
    const restore: Record<string, unknown> = Object.fromEntries(RESTORED.map((key) => [key, before.body[key]]));
    restore.taxes = taxesRestore(before.body.taxes, now.body.taxes);
    const restored = await api.operator('PATCH', '/api/settings', restore);
    if (restored.status !== 200) throw new Error(`restoring the settings: ${restored.status} ${JSON.stringify(restored.body)}`);
  }
}
