/**
 * A loopback card provider: `POST /v1/refunds`, one refund per
 * Idempotency-Key, failing on demand, so refunds cross a real HTTP boundary.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface ProviderFake {
  url: string;
  apiKey: string;
  requests: Array<{ key: string; body: Record<string, unknown> }>;
  refunds: Map<string, { id: string; amount: number; payment: string }>;
  failNext(...statuses: Array<500 | 422>): void;
  close(): Promise<void>;
}

export async function startProviderFake(): Promise<ProviderFake> {
  const apiKey = 'fake-provider-key';
  const requests: ProviderFake['requests'] = [];
  const refunds: ProviderFake['refunds'] = new Map();
  const queue: Array<500 | 422> = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/v1/refunds' || req.headers.authorization !== `Bearer ${apiKey}`) return reply(404, { error: { message: 'no' } });
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      const key = String(req.headers['idempotency-key'] ?? '');
      requests.push({ key, body });
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
