/**
 * The authorization matrix, generated from the served OpenAPI document so no
 * route escapes it: every operation × (no token, wrong token, storefront,
 * operator) answers as the contract says, and a refusal changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR, STOREFRONT, startApi, type ApiHarness } from './support/api.js';

let api: ApiHarness;
let operations: Array<{ method: string; path: string; access: string }> = [];

beforeAll(async () => {
  api = await startApi();
  const doc = (await api.call('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, { 'x-access': string }>> };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, access: op['x-access'] })),
  );
});

afterAll(async () => {
  await api?.close();
});

/** Path parameters filled with ids that do not exist: access is decided before anything is looked up. */
function concrete(path: string): string {
  return path.replace(/\{sku\}/g, 'NO-SUCH-SKU').replace(/\{(\w+)\}/g, 'no_such_id');
}

describe('authorization matrix', () => {
  it('every operation declares who may call it', () => {
    expect(operations.length).toBeGreaterThan(25);
    for (const op of operations) expect(['public', 'signed', 'storefront', 'operator'], `${op.method} ${op.path}`).toContain(op.access);
  });

  it('bearer routes: 401 without or with a wrong token, 403 for the storefront on operator routes, never 401/403 for the operator', async () => {
    const rows: string[] = [];
    for (const op of operations.filter((o) => o.access === 'storefront' || o.access === 'operator')) {
      const path = concrete(op.path);
      const body = ['POST', 'PUT', 'PATCH'].includes(op.method) ? {} : undefined;
      const none = await api.call(op.method, path, { body });
      const wrong = await api.call(op.method, path, { token: 'not-a-real-token-at-all', body });
      const storefront = await api.call(op.method, path, { token: STOREFRONT, body });
      const operator = await api.call(op.method, path, { token: OPERATOR, body });
      rows.push(`${op.method} ${op.path} [${op.access}] none=${none.status} wrong=${wrong.status} storefront=${storefront.status} operator=${operator.status}`);
      expect(none.status, rows.at(-1)).toBe(401);
      expect(wrong.status, rows.at(-1)).toBe(401);
      expect(none.body.error.code).toBe('unauthorized');
      if (op.access === 'operator') expect(storefront.status, rows.at(-1)).toBe(403);
      else expect([401, 403], rows.at(-1)).not.toContain(storefront.status);
      expect([401, 403], rows.at(-1)).not.toContain(operator.status);
      expect(operator.status, rows.at(-1)).toBeLessThan(500);
    }
    expect(rows.length).toBeGreaterThan(20);
  });

  it('public pages reveal nothing without the right token; the webhook needs its signature', async () => {
    expect((await api.call('GET', '/returns/no_such_id?token=x')).status).toBe(404);
    expect((await api.call('GET', '/cart/no_such_id?token=x')).status).toBe(404);
    const unsigned = await api.call('POST', '/api/webhooks/payments', { body: { id: 'evt', type: 'payment.succeeded', data: { reference: 'r', amount: 1, currency: 'EUR' } } });
    expect(unsigned.status).toBe(400);
    expect((await api.call('POST', '/demo-provider/v1/refunds', { token: OPERATOR, body: { payment: 'p', amount: 1, currency: 'EUR' } })).status).toBe(401);
  });

  it('a refused request changes nothing', async () => {
    const before = (await api.operator('GET', '/api/settings')).body;
    await api.call('PATCH', '/api/settings', { token: STOREFRONT, body: { salesTeam: 'Intruders' } });
    await api.call('PATCH', '/api/settings', { body: { salesTeam: 'Intruders' } });
    await api.call('POST', '/api/products', { token: STOREFRONT, body: { sku: 'EVIL', name: 'Evil', price: 1, type: 'service' } });
    expect((await api.operator('GET', '/api/settings')).body).toEqual(before);
    const products = (await api.storefront('GET', '/api/products')).body.items.map((p: { sku: string }) => p.sku);
    expect(products).not.toContain('EVIL');
  });
});
