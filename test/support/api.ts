import { createServer } from 'node:http';
import { inject } from 'vitest';
import { paymentProvidersOf } from '../../activities/payment-providers.js';
import { createApp } from '../../api/app.js';
import { APP_CLOSING } from '../../api/lifecycle.js';
import { signPayload } from '../../api/webhook-signature.js';
import { loadConfig, type Config } from '../../config.js';
import type { Database } from '../../db/index.js';
import { createLogger } from '../../logger.js';
import { createTestDatabase } from './database.js';
import { TEST_PAYLOAD_KEYS } from './payload-key.js';
import { PUBLIC_URL, startTemporal, type TemporalHarness, type WorkerOptions } from './temporal.js';
import { startTimeSkipping, type TimeSkippingHarness } from './time-skipping.js';

export const STOREFRONT = 'test-storefront-token-0123456789';
export const OPERATOR = 'test-operator-token-0123456789';
export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';
export const PROVIDER_KEY = 'test-provider-key-0123456789';

export interface ApiHarness<T extends TemporalHarness = TemporalHarness> {
  baseUrl: string;
  config: Config;
  database: Database;
  /** The express app, e.g. to emit APP_CLOSING (its event streams end) without closing the server. */
  app: import('express').Express;
  temporal: T;
  call(method: string, path: string, options?: { token?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
  storefront(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  operator(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  webhook(event: unknown, options?: { secret?: string; timestamp?: number }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface ApiOptions extends WorkerOptions {
  /** Configuration variables on top of the test defaults (e.g. RATE_LIMIT_STOREFRONT_WRITES). */
  env?: Record<string, string>;
  /** The port to listen on (default: any free one), for a test that must name the API's URL before it starts. */
  port?: number;
  /** Another Temporal server than the suite's shared dev server (e.g. one with its UI pointed at this API's codec). */
  temporalAddress?: string;
}

/** The real app over HTTP, with a real worker and database behind it, on the shared dev server. */
export function startApi(options: ApiOptions = {}): Promise<ApiHarness> {
  return startApiOn((db, workerOptions) => startTemporal(db, workerOptions, options.temporalAddress), options);
}

/** The same, on a time-skipping test server of this file's own: `api.temporal.skip('10h')` moves the workflows' clock. */
export function startTimeSkippingApi(options: ApiOptions = {}): Promise<ApiHarness<TimeSkippingHarness>> {
  return startApiOn(startTimeSkipping, options);
}

async function startApiOn<T extends TemporalHarness>(start: (db: Database['db'], options: WorkerOptions) => Promise<T>, options: ApiOptions): Promise<ApiHarness<T>> {
  const { env, port = 0, temporalAddress: _, ...workerOptions } = options;
  // The server listens first, so the card provider can point at this API's own demo provider.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const database = await createTestDatabase();
  const temporal = await start(database.db, {
    paymentProviders: paymentProvidersOf({ url: `${baseUrl}/demo-provider`, apiKey: PROVIDER_KEY }),
    ...workerOptions,
  });
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    STOREFRONT_API_TOKEN: STOREFRONT,
    OPERATOR_API_TOKEN: OPERATOR,
    PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    PAYMENT_PROVIDER_KEY: PROVIDER_KEY,
    TEMPORAL_TASK_QUEUE: temporal.taskQueue,
    PUBLIC_URL,
    // The codec server (/codec/*) decrypts with the key the harness's worker and client encrypt with.
    PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    ...(inject('temporalUiUrl') ? { TEMPORAL_UI_URL: inject('temporalUiUrl') } : {}),
    ...env,
  });
  const app = createApp({
    gateway: { client: temporal.client, taskQueue: temporal.taskQueue, db: database.db },
    database,
    config,
    logger: createLogger('silent'),
  });
  server.on('request', app);

  const call: ApiHarness<T>['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: leave the text
    }
    return { status: response.status, body: parsed };
  };

  return {
    baseUrl,
    config,
    database,
    app,
    temporal,
    call,
    storefront: (method, path, body) => call(method, path, { token: STOREFRONT, body }),
    operator: (method, path, body) => call(method, path, { token: OPERATOR, body }),
    webhook: (event, options = {}) => {
      const raw = JSON.stringify(event);
      return call('POST', '/api/webhooks/payments', {
        body: raw,
        headers: { 'payment-signature': signPayload(options.secret ?? WEBHOOK_SECRET, raw, options.timestamp) },
      });
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      app.emit(APP_CLOSING);
      await closed;
      await temporal.close();
      await database.close();
    },
  };
}
