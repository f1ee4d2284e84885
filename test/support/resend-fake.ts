/**
 * A loopback HTTP server that imitates Resend's `POST /emails`, including its
 * idempotency (the same Idempotency-Key returns the same email, delivered
 * once), so the real `resend` SDK can be exercised end to end.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { startLoopbackFake, type LoopbackFake } from './loopback-fake.js';

export type FakeReply = { status: 500 } | { status: 422; name: string; message: string };

export interface ResendFake extends LoopbackFake {
  requests: Array<{ method: string; path: string; headers: IncomingHttpHeaders; body: Record<string, unknown> }>;
  /** One email per idempotency key actually accepted for delivery. */
  delivered: Map<string, { id: string; body: Record<string, unknown> }>;
  /** Replies to give, in order, before answering normally. */
  failNext(...replies: FakeReply[]): void;
}

export async function startResendFake(): Promise<ResendFake> {
  const requests: ResendFake['requests'] = [];
  const delivered: ResendFake['delivered'] = new Map();
  const queue: FakeReply[] = [];
  const fake = await startLoopbackFake(({ req, raw, reply, failing, accept }) => {
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
    if (req.method !== 'POST' || req.url !== '/emails') return reply(404, { name: 'not_found', message: 'not found', statusCode: 404 });
    if (req.headers.authorization !== 'Bearer re_test_key') return reply(401, { name: 'invalid_api_key', message: 'API key is invalid', statusCode: 401 });
    if (failing()) return reply(500, { name: 'internal_server_error', message: 'outage', statusCode: 500 });
    const failure = queue.shift();
    if (failure?.status === 500) return reply(500, { name: 'internal_server_error', message: 'boom', statusCode: 500 });
    if (failure?.status === 422) return reply(422, { name: failure.name, message: failure.message, statusCode: 422 });
    accept();
    const key = String(req.headers['idempotency-key'] ?? randomUUID());
    const existing = delivered.get(key);
    if (existing) return reply(200, { id: existing.id });
    const id = `fake_${randomUUID()}`;
    delivered.set(key, { id, body });
    return reply(200, { id });
  });
  return { ...fake, requests, delivered, failNext: (...replies) => queue.push(...replies) };
}
