/** Hostile input: limits, rate limiting, headers, and secrets kept out of logs. */
import { Writable } from 'node:stream';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storefrontWriteLimit } from '../api/rate-limit.js';
import { createLogger } from '../logger.js';
import { OPERATOR, STOREFRONT, WEBHOOK_SECRET, startApi, type ApiHarness } from './support/api.js';

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
    await new Promise((resolve) => setTimeout(resolve, 500));
    const token = (await api.operator('GET', `/api/orders/${cart.body.id}`)).body.accessToken;
    const page = await fetch(`${api.baseUrl}/returns/${cart.body.id}?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('rate limiting of storefront writes', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    const app = express();
    app.set('trust proxy', true);
    app.use(storefrontWriteLimit(3));
    app.all('/{*path}', (_req, res) => void res.json({ ok: true }));
    app.use((error: { status?: number; message: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      void res.status(429).json({ error: { code: 'rate_limited', message: error.message } });
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('counts each client behind the proxy on its own, and never reads', async () => {
    const post = (ip: string) => fetch(`${base}/api/carts`, { method: 'POST', headers: { 'x-forwarded-for': ip } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post('203.0.113.7')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await post('203.0.113.7');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await post('198.51.100.9')).status).toBe(200);
    expect((await fetch(`${base}/api/carts/x`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200);
    expect((await fetch(`${base}/api/orders`, { method: 'POST', headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200);
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
