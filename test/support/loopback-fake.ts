/**
 * What the loopback fakes (Resend, the card provider) share: an HTTP server
 * on a free port, and an outage switch — `error` answers 500 to everything;
 * `slow` does the work but answers after `holdMs`, later than the client
 * waits (it cannot know the email went out or the refund was made, and must
 * not do it twice).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type FakeMode = { kind: 'ok' } | { kind: 'error' } | { kind: 'slow'; holdMs: number };

export interface FakeRequest {
  req: IncomingMessage;
  raw: string;
  /** Answers now, or once the hold of a `slow` outage is over. */
  reply(status: number, payload: unknown, headers?: Record<string, string>): void;
  /** True when an `error` outage is on: the handler answers its 500 (counted as a fault). */
  failing(): boolean;
  /** Marks the request as the fake's real work: a `slow` outage holds its answer (counted). */
  accept(): void;
}

export interface LoopbackFake {
  url: string;
  setMode(mode: FakeMode): void;
  /** Requests answered with an error or too late, so far, and of those, too late. */
  counts: { faults: number; held: number };
  close(): Promise<void>;
}

export async function startLoopbackFake(handle: (request: FakeRequest) => void): Promise<LoopbackFake> {
  let mode: FakeMode = { kind: 'ok' };
  const counts = { faults: 0, held: 0 };
  const server = createServer((req, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      let holdMs = 0;
      handle({
        req,
        raw,
        reply(status, payload, headers = {}) {
          const send = () => {
            if (res.destroyed) return;
            res.writeHead(status, { 'content-type': 'application/json', ...headers });
            res.end(JSON.stringify(payload));
          };
          if (holdMs) setTimeout(send, holdMs).unref();
          else send();
        },
        failing() {
          if (mode.kind !== 'error') return false;
          counts.faults += 1;
          return true;
        },
        accept() {
          if (mode.kind !== 'slow') return;
          holdMs = mode.holdMs;
          counts.faults += 1;
          counts.held += 1;
        },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    setMode: (next) => (mode = next),
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
