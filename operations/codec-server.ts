/**
 * The Temporal codec-server protocol on POST /codec/decode and /codec/encode,
 * so the Temporal UI shows operators the orders its histories hold encrypted.
 * Point the UI's codec endpoint at `<PUBLIC_URL>/codec` (TEMPORAL_CODEC_ENDPOINT
 * for a self-hosted UI, the namespace's codec server setting in Temporal Cloud)
 * with "include cross-origin credentials" on and "pass access token" off.
 *
 * Who may: the operator token as a bearer, or the console's session cookie
 * (the browser sends it to a UI on the same site with credentials included).
 * Which origins: the configured Temporal UI's alone gets CORS headers; a
 * browser request from any other origin is refused, so another page cannot
 * have a signed-in operator's browser decrypt for it.
 */
import { Router, json, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { roleOf, type Tokens } from '../api/http.js';
import { cookieValue, SESSION_COOKIE, validSession } from '../api/console/session.js';
import type { Config } from '../config.js';
import { payloadCodecOf } from './payload-codec.js';

/** Temporal's payload size limit is 2 MB; the UI sends one event's payloads at a time. */
const BODY_LIMIT = '4mb';
const MAX_PAYLOADS = 1000;

const base64 = z.string().max(4 * 1024 * 1024).regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'base64');
const Body = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() }))
    .max(MAX_PAYLOADS),
});
type JsonPayload = z.infer<typeof Body>['payloads'][number];

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
  };
}

function toJson(p: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

export function codecRoutes(config: Pick<Config, 'env' | 'dataDir' | 'payloadKeys' | 'publicUrl' | 'tokens'> & { temporal: Pick<Config['temporal'], 'uiUrl'> }, codec: PayloadCodec = payloadCodecOf(config)): Router {
  const uiOrigin = new URL(config.temporal.uiUrl).origin;
  const ownOrigin = new URL(config.publicUrl).origin;
  const router = Router();

  /** CORS for the Temporal UI's origin alone; false for a browser request from any other. */
  const corsFor = (req: Request, res: Response): boolean => {
    const origin = req.get('origin');
    if (!origin) return true;
    if (origin === uiOrigin) {
      res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' });
      return true;
    }
    return origin === ownOrigin;
  };

  router.options(['/codec/decode', '/codec/encode'], (req, res) => {
    // Only a cross-origin caller preflights, and the Temporal UI is the one cross origin allowed.
    if (req.get('origin') !== uiOrigin || !corsFor(req, res)) {
      fail(res, 403, 'forbidden', 'Only the configured Temporal UI may call the codec from a browser (TEMPORAL_UI_URL).');
      return;
    }
    res
      .set({
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': 'content-type, x-namespace, authorization',
        'Access-Control-Max-Age': '600',
      })
      .status(204)
      .end();
  });

  const authorized = (req: Request, tokens: Tokens): { ok: true } | { ok: false; status: number; code: string; message: string } => {
    const header = req.get('authorization');
    if (header) {
      const role = roleOf(header, tokens);
      if (role === 'operator') return { ok: true };
      return role
        ? { ok: false, status: 403, code: 'forbidden', message: 'The codec needs the operator token.' }
        : { ok: false, status: 401, code: 'unauthorized', message: 'The bearer token is not valid.' };
    }
    if (validSession(tokens.operator, cookieValue(req.headers.cookie, SESSION_COOKIE))) return { ok: true };
    return { ok: false, status: 401, code: 'unauthorized', message: 'Sign in to the console, or send Authorization: Bearer <operator token>.' };
  };

  for (const direction of ['decode', 'encode'] as const) {
    router.post(`/codec/${direction}`, json({ limit: BODY_LIMIT }), async (req, res, next) => {
      try {
        if (!corsFor(req, res)) {
          fail(res, 403, 'forbidden', 'Only the configured Temporal UI may call the codec from a browser (TEMPORAL_UI_URL).');
          return;
        }
        const auth = authorized(req, config.tokens);
        if (!auth.ok) {
          fail(res, auth.status, auth.code, auth.message);
          return;
        }
        if (!req.is('application/json')) {
          fail(res, 400, 'invalid_request', 'Send {"payloads": [...]} as JSON, with Content-Type: application/json.');
          return;
        }
        const parsed = Body.safeParse(req.body);
        if (!parsed.success) {
          const issues = parsed.error.issues.map((i) => `${['body', ...i.path].join('.')}: ${i.message}`);
          fail(res, 400, 'invalid_request', `Invalid body: ${issues.join('; ')}`);
          return;
        }
        const payloads = parsed.data.payloads.map(fromJson);
        let out: Payload[];
        try {
          out = direction === 'decode' ? await codec.decode(payloads) : await codec.encode(payloads);
        } catch (error) {
          fail(res, 422, 'payload_not_decodable', error instanceof Error ? error.message : String(error));
          return;
        }
        res.json({ payloads: out.map(toJson) });
      } catch (error) {
        next(error);
      }
    });
  }
  return router;
}
