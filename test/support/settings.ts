import type { ApiHarness } from './api.js';

/**
 * Runs `run` with the shop settings changed by `patch` (if given), and puts back
 * every setting as it was before, whether `run` passed or failed: a test that
 * changes the shop leaves it as it found it for the next test of its file.
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
    const { shopName, salesTeamId, salespersonId, abandonedCart, deliverySteps, deliveryDoneEmail, shippingPolicy, returnWindowDays, bankAccount, cartRecoveryUrl, shopAddress } = before.body;
    const restore = { shopName, salesTeamId, salespersonId, abandonedCart, deliverySteps, deliveryDoneEmail, shippingPolicy, returnWindowDays, bankAccount, cartRecoveryUrl, shopAddress };
    const restored = await api.operator('PATCH', '/api/settings', restore);
    if (restored.status !== 200) throw new Error(`restoring the settings: ${restored.status} ${JSON.stringify(restored.body)}`);
  }
}
