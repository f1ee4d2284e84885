/**
 * A loopback card provider: `POST /v1/refunds`, one refund per
 * Idempotency-Key, failing on demand, so refunds cross a real HTTP boundary.
 */
import { randomUUID } from 'node:crypto';
import { startLoopbackFake, type LoopbackFake } from './loopback-fake.js';

export interface ProviderFake extends LoopbackFake {
  apiKey: string;
  requests: Array<{ key: string; body: Record<string, unknown> }>;
  refunds: Map<string, { id: string; amount: number; payment: string }>;
  failNext(...statuses: Array<500 | 422>): void;
}

export async function startProviderFake(): Promise<ProviderFake> {
  const apiKey = 'fake-provider-key';
  const requests: ProviderFake['requests'] = [];
  const refunds: ProviderFake['refunds'] = new Map();
  const queue: Array<500 | 422> = [];
  const fake = await startLoopbackFake(({ req, raw, reply, failing, accept }) => {
    if (req.method !== 'POST' || req.url !== '/v1/refunds' || req.headers.authorization !== `Bearer ${apiKey}`) return reply(404, { error: { message: 'no' } });
    const body = JSON.parse(raw || '{}') as Record<string, unknown>;
    const key = String(req.headers['idempotency-key'] ?? '');
    requests.push({ key, body });
    if (failing()) return reply(500, { error: { message: 'provider outage' } });
    const failure = queue.shift();
    if (failure === 500) return reply(500, { error: { message: 'provider down' } });
    if (failure === 422) return reply(422, { error: { message: 'card account closed' } });
    accept();
    const existing = refunds.get(key);
    if (existing) return reply(200, { id: existing.id, amount: existing.amount });
    const refund = { id: `re_fake_${randomUUID()}`, amount: Number(body.amount), payment: String(body.payment) };
    refunds.set(key, refund);
    return reply(200, { id: refund.id, amount: refund.amount });
  });
  return { ...fake, apiKey, requests, refunds, failNext: (...statuses) => queue.push(...statuses) };
}
