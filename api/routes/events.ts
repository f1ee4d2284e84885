/**
 * GET /api/events: server-sent events telling the console that a projection
 * was written, so its lists, order page and deliveries page draw themselves
 * again without a reload (../console/assets/live.js).
 *
 * Why LISTEN/NOTIFY and SSE rather than polling: the projection is written by
 * the worker, another process, and there may be several API processes, so
 * only the database sees every write. The projection's own transaction sends
 * a NOTIFY (db/projection-events.ts), delivered on commit to each API
 * process's one LISTEN connection, which fans it out to its open streams. An
 * operator sees a change within a round trip instead of a polling period, and
 * an idle console costs no queries (polling would run a "what changed" query
 * per open tab every few seconds, against the lists' own tables). The cost:
 * one long-lived connection per API process to PostgreSQL, one per open tab
 * to the API (the console closes it while its tab is hidden).
 *
 * Events are hints to read again (ids, version, states), never customer data;
 * one missed while the stream was down is made up by the console drawing the
 * page again when it reconnects. Operator only: the bearer token or the
 * console's session cookie (a GET, so no CSRF token).
 */
import type { EventEmitter } from 'node:events';
import type { Request, Response, Router } from 'express';
import type { AppDeps } from '../app.js';
import { PROJECTION_CHANNEL } from '../../db/projection-events.js';
import { DomainError } from '../../domain/errors.js';
import { consoleRole, roleOf } from '../http.js';
import { APP_CLOSING } from '../lifecycle.js';
import { DeliveryEventSchema, OrderEventSchema } from '../schemas.js';


/** Comment lines keep idle streams open through proxies and show a dead peer; well under the usual 60 s idle timeouts. */
const HEARTBEAT_MS = 25_000;
/** What EventSource waits before reconnecting after the stream drops (its `retry:` field). */
const RETRY_MS = 2_000;

type Send = (event: 'order' | 'delivery', data: unknown) => void;

/** The NOTIFY payload as an SSE event, or null when it is not one we know (it is never passed on unchecked). */
function eventOf(payload: string): { event: 'order' | 'delivery'; data: unknown } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  const kind = (parsed as { kind?: unknown } | null)?.kind;
  const schema = kind === 'order' ? OrderEventSchema : kind === 'delivery' ? DeliveryEventSchema : null;
  const result = schema?.safeParse(parsed);
  return result?.success ? { event: kind as 'order' | 'delivery', data: result.data } : null;
}

export function eventRoutes(router: Router, { database, config, logger }: AppDeps, app: EventEmitter): void {
  const streams = new Set<{ send: Send; end: () => void }>();
  // One LISTEN per API process, opened with the first stream and kept (postgres.js listens again after a reconnection).
  let listening: Promise<unknown> | null = null;
  const listen = () =>
    (listening ??= database
      .listen(PROJECTION_CHANNEL, (payload) => {
        const known = eventOf(payload);
        if (!known) return;
        for (const stream of streams) stream.send(known.event, known.data);
      })
      .catch((error: unknown) => {
        listening = null;
        throw error;
      }));

  app.on(APP_CLOSING, () => {
    for (const stream of streams) stream.end();
  });

  router.get('/api/events', async (req: Request, res: Response) => {
    const header = req.headers.authorization;
    const role = header ? roleOf(header, config.tokens) : consoleRole(req, config.tokens);
    if (!role) throw new DomainError('unauthorized', header ? 'The bearer token is not valid.' : 'Authorization: Bearer <token> is required.');
    if (role !== 'operator') throw new DomainError('forbidden', 'This needs the operator token.');
    try {
      await listen();
    } catch (error) {
      logger.warn({ err: error }, 'cannot LISTEN for projection events');
      throw new DomainError('unavailable', 'Live updates are unavailable for now: reload the page to see changes.');
    }

    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // A buffering reverse proxy (nginx) would hold the events back.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: ${RETRY_MS}\n\n`);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    const stream = {
      send: (event: string, data: unknown) => {
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      },
      end: () => res.end(),
    };
    streams.add(stream);
    res.on('close', () => {
      clearInterval(heartbeat);
      streams.delete(stream);
    });
  });
}
