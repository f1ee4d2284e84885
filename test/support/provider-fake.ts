/**
 * A loopback card provider: `POST /v1/refunds`, one refund per
 * Idempotency-Key, failing on demand, so refunds cross a real HTTP boundary.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { FakeMode } from './resend-fake.js';

export interface ProviderFake {
  url: string;
  apiKey: string;
  requests: Array<{ key: string; body: Record<string, unknown> }>;
  refunds: Map<string, { id: string; amount: number; payment: string }>;
  failNext(...statuses: Array<500 | 422>): void;
  /** An outage: 500 to everything, or refunds made but answered too late. */
  setMode(mode: FakeMode): void;
  faults: number;
  /** Of which answered too late (accepted, the answer held past the client's patience). */
  held: number;
  close(): Promise<void>;
}

export async function startProviderFake(): Promise<ProviderFake> {
  const apiKey = 'fake-provider-key';
  const requests: ProviderFake['requests'] = [];
  const refunds: ProviderFake['refunds'] = new Map();
  const queue: Array<500 | 422> = [];
  let mode: FakeMode = { kind: 'ok' };
  const state = { faults: 0, held: 0 };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const held = mode.kind === 'slow' ? mode.holdMs : 0;
      const reply = (status: number, body: unknown) => {
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (held) setTimeout(send, held).unref();
        else send();
      };
      if (req.method !== 'POST' || req.url !== '/v1/refunds' || req.headers.authorization !== `Bearer ${apiKey}`) return reply(404, { error: { message: 'no' } });
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      const key = String(req.headers['idempotency-key'] ?? '');
      requests.push({ key, body });
      if (held) {
        state.faults += 1;
        state.held += 1;
      }
      if (mode.kind === 'error') {
        state.faults += 1;
        return reply(500, { error: { message: 'provider outage' } });
      }
      const failure = queue.shift();
      if (failure === 500) return reply(500, { error: { message: 'provider down' } });
      if (failure === 422) return reply(422, { error: { message: 'card account closed' } });
      const existing = refunds.get(key);
      if (existing) return reply(200, { id: existing.id, amount: existing.amount });
      const refund = { id: `re_fake_${randomUUID()}`, amount: Number(body.amount), payment: String(body.payment) };
      refunds.set(key, refund);
      return reply(200, { id: refund.id, amount: refund.amount });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    apiKey,
    requests,
    refunds,
    failNext: (...statuses) => queue.push(...statuses),
    setMode: (next) => (mode = next),
    get faults() {
      return state.faults;
    },
    get held() {
      return state.held;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
