/** Hostile input: limits, rate limiting, headers, and secrets kept out of logs. */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { OPERATOR, STOREFRONT, WEBHOOK_SECRET, startApi, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api?.close();
});

describe('limits', () => {
  it('a body over 100 kB is refused with 413 before it is parsed', async () => {
    const huge = { lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { name: 'x'.repeat(150_000) } };
    const r = await api.call('POST', '/api/carts', { token: STOREFRONT, body: huge });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('payload_too_large');
  });

  it('too many lines, huge quantities, long strings and odd SKUs are 400s', async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}`, quantity: 1 }));
    expect((await api.storefront('POST', '/api/carts', { lines: many })).status).toBe(400);
    expect((await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 10_000 }] })).status).toBe(400);
    expect((await api.storefront('POST', '/api/carts', { customer: { name: 'n'.repeat(201) } })).status).toBe(400);
    expect((await api.storefront('POST', '/api/carts', { lines: [{ sku: '../../etc/passwd', quantity: 1 }] })).status).toBe(400);
    expect((await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1.5 }] })).status).toBe(400);
    expect((await api.call('POST', '/api/carts', { token: STOREFRONT, body: 'lines=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(400);
    // Found by schemathesis: a NUL byte used to reach PostgreSQL and answer 500.
    expect((await api.call('GET', '/api/emails?to=%C3%A8%40%00', { token: OPERATOR })).status).toBe(400);
    expect((await api.storefront('POST', '/api/carts', { customer: { name: 'a\u0000b' } })).status).toBe(400);
  });

  it('every response carries the security headers; the customer pages a content security policy', async () => {
    const r = await fetch(`${api.baseUrl}/api/products`, { headers: { authorization: `Bearer ${STOREFRONT}` } });
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('x-powered-by')).toBeNull();
    const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    expect(cart.status).toBe(201);
    const token = (await api.operator('GET', `/api/orders/${cart.body.id}`)).body.accessToken;
    expect(token).toEqual(expect.any(String));
    const page = await fetch(`${api.baseUrl}/returns/${cart.body.id}?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('rate limiting of storefront writes', () => {
  // The real app (createApp, its error mapping), configured as a shop behind a proxy with a limit of 3 a minute.
  let limited: ApiHarness;
  beforeAll(async () => {
    limited = await startApi({ env: { RATE_LIMIT_STOREFRONT_WRITES: '3', TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('counts each client behind the proxy on its own, answers 429 rate_limited with Retry-After, and never limits reads', async () => {
    expect(limited.config.rateLimitStorefrontWrites).toBe(3);
    const post = (ip: string) => limited.call('POST', '/api/carts', { token: STOREFRONT, body: {}, headers: { 'x-forwarded-for': ip } });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await post('203.0.113.7'));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 429]);
    expect(answers[3]!.body.error.code).toBe('rate_limited');

    const response = await fetch(`${limited.baseUrl}/api/carts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${STOREFRONT}`, 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
      body: '{}',
    });
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await response.json()) as { error: { code: string; message: string; details: { retryAfter: number } } };
    expect(body.error).toMatchObject({ code: 'rate_limited', details: { retryAfter } });
    expect(body.error.message).toContain(`${retryAfter} s`);

    // Another client is not counted with the first.
    const another = await post('198.51.100.9');
    expect(another.status).toBe(201);
    // Reads and other routes are not limited.
    const read = await limited.call('GET', '/api/carts/no_such_cart', { token: STOREFRONT, headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(read.status).toBe(404);
    const other = await limited.call('GET', '/api/products', { token: STOREFRONT, headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(other.status).toBe(200);
    // A limited request changed nothing: the shop has the three carts of the first client and the one of the second.
    const created = [...answers.slice(0, 3), another].map((a) => a.body.id as string).sort();
    await eventually(async () => {
      const drafts = await limited.operator('GET', '/api/orders?state=draft');
      expect(drafts.body.items.map((o: { id: string }) => o.id).sort()).toEqual(created);
    });
  });
});

describe('secrets never reach the logs', () => {
  it('tokens, signatures, keys and access tokens are redacted', () => {
    let written = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    const logger = createLogger('info', 'test', sink);
    logger.info({ req: { headers: { authorization: `Bearer ${OPERATOR}`, 'payment-signature': 't=1,v1=abc' } } }, 'request');
    logger.info({ order: { accessToken: 'customer-secret-token' }, config: { webhookSecret: WEBHOOK_SECRET, apiKey: 're_live_key' } }, 'objects');
    logger.warn({ err: { headers: { authorization: `Bearer ${STOREFRONT}` } } }, 'error');
    expect(written).toContain('[redacted]');
    for (const secret of [OPERATOR, STOREFRONT, 't=1,v1=abc', 'customer-secret-token', WEBHOOK_SECRET, 're_live_key']) expect(written).not.toContain(secret);
  });
});
