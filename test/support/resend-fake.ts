/**
 * A loopback HTTP server that imitates Resend's `POST /emails`, including its
 * idempotency (the same Idempotency-Key returns the same email, delivered
 * once), so the real `resend` SDK can be exercised end to end.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export type FakeReply = { status: 500 } | { status: 422; name: string; message: string };

/**
 * An outage: `error` answers 500 to everything; `slow` accepts the email but
 * answers only after `holdMs`, later than the client waits (the sender cannot
 * know it went out, and must not send it twice).
 */
export type FakeMode = { kind: 'ok' } | { kind: 'error' } | { kind: 'slow'; holdMs: number };

export interface ResendFake {
  url: string;
  requests: Array<{ method: string; path: string; headers: IncomingHttpHeaders; body: Record<string, unknown> }>;
  /** One email per idempotency key actually accepted for delivery. */
  delivered: Map<string, { id: string; body: Record<string, unknown> }>;
  /** Replies to give, in order, before answering normally. */
  failNext(...replies: FakeReply[]): void;
  setMode(mode: FakeMode): void;
  /** Requests answered with an error or too late, so far. */
  faults: number;
  /** Of which answered too late (accepted, the answer held past the client's patience). */
  held: number;
  close(): Promise<void>;
}

export async function startResendFake(): Promise<ResendFake> {
  const requests: ResendFake['requests'] = [];
  const delivered: ResendFake['delivered'] = new Map();
  const queue: FakeReply[] = [];
  let mode: FakeMode = { kind: 'ok' };
  const state = { faults: 0, held: 0 };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const held = mode.kind === 'slow' ? mode.holdMs : 0;
      if (held) {
        state.faults += 1;
        state.held += 1;
      }
      const reply = (status: number, payload: unknown) => {
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(payload));
        };
        if (held) setTimeout(send, held).unref();
        else send();
      };
      if (req.method !== 'POST' || req.url !== '/emails') return reply(404, { name: 'not_found', message: 'not found', statusCode: 404 });
      if (req.headers.authorization !== 'Bearer re_test_key') return reply(401, { name: 'invalid_api_key', message: 'API key is invalid', statusCode: 401 });
      if (mode.kind === 'error') {
        state.faults += 1;
        return reply(500, { name: 'internal_server_error', message: 'outage', statusCode: 500 });
      }
      const failure = queue.shift();
      if (failure?.status === 500) return reply(500, { name: 'internal_server_error', message: 'boom', statusCode: 500 });
      if (failure?.status === 422) return reply(422, { name: failure.name, message: failure.message, statusCode: 422 });
      const key = String(req.headers['idempotency-key'] ?? randomUUID());
      const existing = delivered.get(key);
      if (existing) return reply(200, { id: existing.id });
      const id = `fake_${randomUUID()}`;
      delivered.set(key, { id, body });
      return reply(200, { id });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    delivered,
    failNext: (...replies) => queue.push(...replies),
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
