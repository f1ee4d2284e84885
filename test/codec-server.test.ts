/**
 * The codec-server protocol through the real app: what the Temporal UI calls
 * to show operators the encrypted payloads of a history.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSession, SESSION_COOKIE } from '../api/console/session.js';
import { payloadCodecOf } from '../operations/payload-codec.js';
import { OPERATOR, STOREFRONT, startApi, type ApiHarness } from './support/api.js';

let api: ApiHarness;
let uiOrigin: string;

beforeAll(async () => {
  api = await startApi();
  uiOrigin = new URL(api.config.temporal.uiUrl).origin;
});

afterAll(async () => {
  await api?.close();
});

const customer = { email: 'dora@example.com', name: 'Dora' };
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const fromJson = (p: { metadata: Record<string, string>; data: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data, 'base64')),
});

async function encrypted() {
  const [payload] = await payloadCodecOf(api.config).encode([defaultPayloadConverter.toPayload(customer)!]);
  return toJson(payload!);
}

const cookie = () => `${SESSION_COOKIE}=${newSession(OPERATOR)}`;

describe('POST /codec/decode and /codec/encode', () => {
  it('decodes what the worker encrypted for an operator (bearer token)', async () => {
    const r = await api.call('POST', '/codec/decode', { token: OPERATOR, body: { payloads: [await encrypted()] }, headers: { 'x-namespace': 'default' } });
    expect(r.status).toBe(200);
    expect(r.body.payloads).toHaveLength(1);
    expect(defaultPayloadConverter.fromPayload(fromJson(r.body.payloads[0]))).toEqual(customer);
  });

  it('encodes, and what it encodes decodes; plain payloads pass through decode', async () => {
    const plain = toJson(defaultPayloadConverter.toPayload(customer)!);
    const enc = await api.call('POST', '/codec/encode', { token: OPERATOR, body: { payloads: [plain] } });
    expect(enc.status).toBe(200);
    expect(Buffer.from(enc.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(enc.body.payloads[0].data, 'base64').toString('latin1')).not.toContain('dora@example.com');
    const dec = await api.call('POST', '/codec/decode', { token: OPERATOR, body: { payloads: [enc.body.payloads[0], plain] } });
    expect(dec.status).toBe(200);
    expect(dec.body.payloads[0]).toEqual(plain);
    expect(dec.body.payloads[1]).toEqual(plain);
  });

  it('answers the Temporal UI (its origin, the console session cookie) with CORS, after a preflight', async () => {
    const preflight = await fetch(`${api.baseUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: uiOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-namespace');

    const r = await api.call('POST', '/codec/decode', {
      body: { payloads: [await encrypted()] },
      headers: { origin: uiOrigin, cookie: cookie(), 'x-namespace': 'default', 'sec-fetch-site': 'same-site' },
    });
    expect(r.status).toBe(200);
    expect(defaultPayloadConverter.fromPayload(fromJson(r.body.payloads[0]))).toEqual(customer);
  });

  it('gives no other origin CORS, nor a decryption with the operator cookie', async () => {
    const evil = 'https://evil.example';
    const preflight = await fetch(`${api.baseUrl}/codec/decode`, { method: 'OPTIONS', headers: { origin: evil, 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const r = await fetch(`${api.baseUrl}/codec/decode`, {
      method: 'POST',
      headers: { origin: evil, cookie: cookie(), 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: [await encrypted()] }),
    });
    expect(r.status).toBe(403);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(await r.text()).not.toContain(Buffer.from(customer.email).toString('base64').slice(0, 12));
  });

  it('refuses without operator credentials', async () => {
    const body = { payloads: [await encrypted()] };
    const none = await api.call('POST', '/codec/decode', { body });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    expect((await api.call('POST', '/codec/decode', { token: STOREFRONT, body })).status).toBe(403);
    expect((await api.call('POST', '/codec/encode', { token: 'not-a-token-at-all-0123', body })).status).toBe(401);
    expect((await api.call('POST', '/codec/decode', { body, headers: { cookie: `${SESSION_COOKIE}=forged.session.value` } })).status).toBe(401);
  });

  it('answers a tampered payload or a malformed body with a clear error', async () => {
    const payload = await encrypted();
    const data = Buffer.from(payload.data, 'base64');
    data[data.length - 1] = data[data.length - 1]! ^ 1;
    const tampered = await api.call('POST', '/codec/decode', { token: OPERATOR, body: { payloads: [{ ...payload, data: data.toString('base64') }] } });
    expect(tampered.status).toBe(422);
    expect(tampered.body.error).toMatchObject({ code: 'payload_not_decodable' });
    expect(tampered.body.error.message).toMatch(/altered/);

    const bad = await api.call('POST', '/codec/decode', { token: OPERATOR, body: { payloads: [{ data: 'not base64 !' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect((await api.call('POST', '/codec/decode', { token: OPERATOR, body: { nothing: [] } })).status).toBe(400);
    expect((await api.call('POST', '/codec/decode', { token: OPERATOR, body: '{"payloads": [' })).status).toBe(400);
  });
});
