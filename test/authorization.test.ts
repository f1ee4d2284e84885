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
    /** What the access check decided, whatever the route did after it. */
    const outcome = (status: number) => (status === 401 ? 'unauthenticated' : status === 403 ? 'forbidden' : 'allowed');
    const rows: Array<{ route: string; expected: Record<string, string>; actual: Record<string, string> }> = [];
    for (const op of operations.filter((o) => o.access === 'storefront' || o.access === 'operator')) {
      const path = concrete(op.path);
      const body = ['POST', 'PUT', 'PATCH'].includes(op.method) ? {} : undefined;
      const none = await api.call(op.method, path, { body });
      const wrong = await api.call(op.method, path, { token: 'not-a-real-token-at-all', body });
      const storefront = await api.call(op.method, path, { token: STOREFRONT, body });
      const operator = await api.call(op.method, path, { token: OPERATOR, body });
      const route = `${op.method} ${op.path} [${op.access}]`;
      const expected = { none: 'unauthenticated', wrong: 'unauthenticated', storefront: op.access === 'operator' ? 'forbidden' : 'allowed', operator: 'allowed' };
      const actual = { none: outcome(none.status), wrong: outcome(wrong.status), storefront: outcome(storefront.status), operator: outcome(operator.status) };
      rows.push({ route, expected, actual });
      expect(actual, route).toEqual(expected);
      expect(none.body.error.code, route).toBe('unauthorized');
      expect(operator.status, route).toBeLessThan(500);
    }
    // Both kinds of bearer route were exercised.
    expect(rows.filter((r) => r.route.endsWith('[operator]')).length).toBeGreaterThan(10);
    expect(rows.filter((r) => r.route.endsWith('[storefront]')).length).toBeGreaterThan(5);
  });

  it('public pages reveal nothing without the right token; the webhook needs its signature', async () => {
    expect((await api.call('GET', '/returns/no_such_id?token=x')).status).toBe(404);
    expect((await api.call('GET', '/cart/no_such_id?token=x')).status).toBe(404);
    expect((await api.call('POST', '/cart/no_such_id/checkout?token=x')).status).toBe(404);
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

describe('the console session: cookie, CSRF, same-site', () => {
  async function signIn(headers: Record<string, string> = {}) {
    const response = await fetch(`${api.baseUrl}/console/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: api.baseUrl, ...headers },
      body: new URLSearchParams({ token: OPERATOR, next: '/console/orders' }),
    });
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
    return { response, cookie };
  }
  async function csrfOf(cookie: string) {
    const html = await (await fetch(`${api.baseUrl}/console/orders`, { headers: { cookie } })).text();
    return /<meta name="csrf-token" content="([^"]+)">/.exec(html)![1]!;
  }
  const cancel = (id: string, headers: Record<string, string>) =>
    fetch(`${api.baseUrl}/api/orders/${id}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

  it('signing in sets an HttpOnly, SameSite=Strict cookie; pages need it; the next page stays inside the console', async () => {
    const { response } = await signIn();
    expect(response.status).toBe(303);
    expect(response.headers.get('set-cookie')).toMatch(/^console_session=[^;]+; Max-Age=43200; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    const anonymous = await fetch(`${api.baseUrl}/console/orders`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/console/sign-in?next=%2Fconsole%2Forders');
    const away = await fetch(`${api.baseUrl}/console/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: api.baseUrl },
      body: new URLSearchParams({ token: OPERATOR, next: 'https://evil.example/console' }),
    });
    expect(away.headers.get('location')).toBe('/console/orders');
    const page = await fetch(`${api.baseUrl}/console/orders`, { headers: { cookie: (await signIn()).cookie } });
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('a sign-in posted from another site, or with a wrong token, sets no cookie', async () => {
    const foreign = await signIn({ origin: 'https://evil.example' });
    expect(foreign.response.status).toBe(403);
    expect(foreign.cookie).toBe('');
    const crossSite = await signIn({ origin: 'null', 'sec-fetch-site': 'cross-site' });
    expect(crossSite.response.status).toBe(403);
    const wrong = await fetch(`${api.baseUrl}/console/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: api.baseUrl },
      body: new URLSearchParams({ token: 'guess' }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('the cookie reads on GET; a change needs the CSRF token too, else 403 and nothing changes', async () => {
    const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    const id = cart.body.id as string;
    const { cookie } = await signIn();
    expect((await fetch(`${api.baseUrl}/api/orders/${id}`, { headers: { cookie } })).status).toBe(200);

    const forged: Array<Record<string, string>> = [
      { cookie },
      { cookie, 'x-csrf-token': 'not-the-token' },
      { cookie, 'x-csrf-token': await csrfOf(cookie), 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of forged) {
      const response = await cancel(id, headers);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
    // A token from another session does not fit this one.
    const other = await signIn();
    expect((await cancel(id, { cookie, 'x-csrf-token': await csrfOf(other.cookie) })).status).toBe(403);
    expect((await api.operator('GET', `/api/orders/${id}`)).body.state).toBe('draft');

    // A forged or tampered cookie is no session at all.
    const tampered = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await fetch(`${api.baseUrl}/api/orders/${id}`, { headers: { cookie: tampered } })).status).toBe(401);
    expect((await fetch(`${api.baseUrl}/api/orders/${id}`, { headers: { cookie: 'console_session=9999999999.abcdefghijklmnop.' + 'x'.repeat(43) } })).status).toBe(401);

    const allowed = await cancel(id, { cookie, 'x-csrf-token': await csrfOf(cookie) });
    expect(allowed.status).toBe(200);
    expect((await api.operator('GET', `/api/orders/${id}`)).body.state).toBe('cancel');
  });

  it("signing out needs the page's CSRF token", async () => {
    const { cookie } = await signIn();
    const forged = await fetch(`${api.baseUrl}/console/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: api.baseUrl },
      body: new URLSearchParams({ csrf: 'nope' }),
    });
    expect(forged.status).toBe(403);
    const real = await fetch(`${api.baseUrl}/console/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: api.baseUrl },
      body: new URLSearchParams({ csrf: await csrfOf(cookie) }),
    });
    expect(real.status).toBe(303);
    expect(real.headers.get('set-cookie')).toMatch(/^console_session=;/);
  });
});
