/**
 * A loopback Stripe: the few endpoints the card provider uses, answering as
 * Stripe documents them (https://docs.stripe.com/api), so the real `stripe`
 * SDK is exercised end to end without a live call:
 * - bodies are form-encoded (`metadata[reference]=…`), amounts in minor units;
 * - errors are `{ error: { type, code, message } }` with Stripe's statuses
 *   (400 invalid request, 401 bad key, 404 unknown object, 429, 5xx);
 * - Idempotency-Key: the first result of an executed request is kept; the same
 *   key with the same parameters replays it with `Idempotent-Replayed: true`,
 *   with other parameters it is a 400 `idempotency_error`. Outage answers
 *   (429, 5xx before the request executes) are not kept, as Stripe says, so a
 *   retry with the same key executes once;
 * - refunds never exceed what the PaymentIntent captured.
 */
import { randomBytes } from 'node:crypto';
import { startLoopbackFake, type LoopbackFake } from './loopback-fake.js';

export interface FakeIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  status: 'requires_payment_method' | 'processing' | 'succeeded' | 'canceled';
  client_secret: string;
  description: string | null;
  metadata: Record<string, string>;
  created: number;
  livemode: false;
}

export interface FakeRefund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string;
  status: 'succeeded';
  metadata: Record<string, string>;
}

export type StripeOutage = 429 | 500 | 503;

export interface StripeFake extends LoopbackFake {
  secretKey: string;
  /** Every request that reached the fake, outages included. */
  requests: Array<{ method: string; path: string; idempotencyKey: string | undefined; params: URLSearchParams }>;
  intents: Map<string, FakeIntent>;
  refunds: FakeRefund[];
  /** Outage answers to give, in order, before answering normally. */
  failNext(...statuses: StripeOutage[]): void;
  /** The customer goes through payment: the intent is processing, then succeeded. */
  setIntentStatus(id: string, status: FakeIntent['status']): FakeIntent;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const stripeError = (type: string, message: string, extra: Record<string, unknown> = {}) => ({ error: { type, message, ...extra } });

/** Form-encoded `metadata[reference]=x` → { reference: 'x' }. */
function hashOf(params: URLSearchParams, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) {
    const match = new RegExp(`^${name}\\[(.+)\\]$`).exec(key);
    if (match) out[match[1]!] = value;
  }
  return out;
}

export async function startStripeFake(): Promise<StripeFake> {
  const secretKey = 'sk_test_fake0123456789';
  const requests: StripeFake['requests'] = [];
  const intents: StripeFake['intents'] = new Map();
  const refunds: FakeRefund[] = [];
  const outages: StripeOutage[] = [];
  /** Idempotency-Key → the first executed request and its answer. */
  const idempotent = new Map<string, { fingerprint: string; status: number; body: unknown }>();

  const refunded = (intentId: string) => refunds.filter((r) => r.payment_intent === intentId).reduce((sum, r) => sum + r.amount, 0);

  /** The endpoints, once authenticated and past any outage. */
  const execute = (method: string, path: string, params: URLSearchParams): { status: number; body: unknown } => {
    if (method === 'POST' && path === '/v1/payment_intents') {
      const amount = Number(params.get('amount'));
      const currency = params.get('currency') ?? '';
      if (!Number.isInteger(amount) || amount < 1) return { status: 400, body: stripeError('invalid_request_error', 'This value must be greater than or equal to 1.', { code: 'parameter_invalid_integer', param: 'amount' }) };
      if (!/^[a-z]{3}$/.test(currency)) return { status: 400, body: stripeError('invalid_request_error', 'Invalid currency.', { code: 'parameter_invalid_empty', param: 'currency' }) };
      const intentId = id('pi');
      const intent: FakeIntent = {
        id: intentId,
        object: 'payment_intent',
        amount,
        amount_received: 0,
        currency,
        status: 'requires_payment_method',
        client_secret: `${intentId}_secret_${randomBytes(8).toString('hex')}`,
        description: params.get('description'),
        metadata: hashOf(params, 'metadata'),
        created: nowSeconds(),
        livemode: false,
      };
      intents.set(intentId, intent);
      return { status: 200, body: intent };
    }
    const intentPath = /^\/v1\/payment_intents\/([\w]+)(\/cancel)?$/.exec(path);
    if (intentPath) {
      const intent = intents.get(intentPath[1]!);
      if (!intent) return { status: 404, body: stripeError('invalid_request_error', `No such payment_intent: '${intentPath[1]}'`, { code: 'resource_missing', param: 'intent' }) };
      if (method === 'GET' && !intentPath[2]) return { status: 200, body: intent };
      if (method === 'POST' && intentPath[2]) {
        if (intent.status === 'succeeded' || intent.status === 'canceled') {
          return {
            status: 400,
            body: stripeError('invalid_request_error', `You cannot cancel this PaymentIntent because it has a status of ${intent.status}.`, { code: 'payment_intent_unexpected_state', payment_intent: intent }),
          };
        }
        intent.status = 'canceled';
        return { status: 200, body: intent };
      }
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const intent = intents.get(params.get('payment_intent') ?? '');
      if (!intent) return { status: 404, body: stripeError('invalid_request_error', `No such payment_intent: '${params.get('payment_intent')}'`, { code: 'resource_missing', param: 'payment_intent' }) };
      if (intent.status !== 'succeeded') {
        return { status: 400, body: stripeError('invalid_request_error', `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, { code: 'charge_not_refundable' }) };
      }
      const left = intent.amount_received - refunded(intent.id);
      if (left <= 0) return { status: 400, body: stripeError('invalid_request_error', `Charge for ${intent.id} has already been refunded.`, { code: 'charge_already_refunded' }) };
      const amount = params.has('amount') ? Number(params.get('amount')) : left;
      if (!Number.isInteger(amount) || amount < 1) return { status: 400, body: stripeError('invalid_request_error', 'Invalid positive integer', { code: 'parameter_invalid_integer', param: 'amount' }) };
      if (amount > left) {
        return { status: 400, body: stripeError('invalid_request_error', `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`, { code: 'amount_too_large', param: 'amount' }) };
      }
      const refund: FakeRefund = { id: id('re'), object: 'refund', amount, currency: intent.currency, payment_intent: intent.id, status: 'succeeded', metadata: hashOf(params, 'metadata') };
      refunds.push(refund);
      return { status: 200, body: refund };
    }
    return { status: 404, body: stripeError('invalid_request_error', `Unrecognized request URL (${method}: ${path}).`) };
  };

  const fake = await startLoopbackFake(({ req, raw, reply, failing, accept }) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://fake');
    const params = method === 'GET' ? url.searchParams : new URLSearchParams(raw);
    const key = req.headers['idempotency-key'] as string | undefined;
    requests.push({ method, path: url.pathname, idempotencyKey: key, params });
    const headers = { 'request-id': id('req'), ...(key ? { 'idempotency-key': key } : {}) };
    if (req.headers.authorization !== `Bearer ${secretKey}`) {
      return reply(401, stripeError('invalid_request_error', 'Invalid API Key provided: sk_test_****'), headers);
    }
    // Outages answer before the request executes: nothing is kept under the key.
    if (failing()) return reply(500, stripeError('api_error', 'An unknown error occurred'), headers);
    const outage = outages.shift();
    if (outage === 429) return reply(429, stripeError('invalid_request_error', 'Too many requests hit the API too quickly.', { code: 'rate_limit' }), headers);
    if (outage) return reply(outage, stripeError('api_error', 'An unknown error occurred'), headers);
    accept();
    if (method === 'POST' && key) {
      const fingerprint = `${method} ${url.pathname} ${[...params].map(([k, v]) => `${k}=${v}`).sort().join('&')}`;
      const kept = idempotent.get(key);
      if (kept && kept.fingerprint !== fingerprint) {
        return reply(
          400,
          stripeError('idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`),
          headers,
        );
      }
      if (kept) return reply(kept.status, kept.body, { ...headers, 'idempotent-replayed': 'true' });
      const result = execute(method, url.pathname, params);
      idempotent.set(key, { fingerprint, ...result });
      return reply(result.status, result.body, headers);
    }
    const result = execute(method, url.pathname, params);
    return reply(result.status, result.body, headers);
  });

  return {
    ...fake,
    secretKey,
    requests,
    intents,
    refunds,
    failNext: (...statuses) => outages.push(...statuses),
    setIntentStatus(intentId, status) {
      const intent = intents.get(intentId);
      if (!intent) throw new Error(`no intent ${intentId}`);
      intent.status = status;
      if (status === 'succeeded') intent.amount_received = intent.amount;
      return intent;
    },
  };
}
