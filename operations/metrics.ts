/**
 * Prometheus metrics of one process.
 *
 * Where each metric lives (the API and the worker are separate processes in
 * production, `npm start` runs both in one):
 * - HTTP request counts and latencies: the process that serves the API.
 * - Business counters: the process that runs the activities (the worker). They
 *   count the order timeline entries the projection writes for the first time,
 *   so the database's primary key on (order, seq) makes each one count once,
 *   however often Temporal retries the activity.
 * - The Temporal SDK's own worker metrics (task latencies, slots, polls): the
 *   Rust core's Prometheus exporter, installed by `installSdkMetrics` before any
 *   connection is made; `/metrics` appends what it serves.
 * Every process answers `/metrics` with what it holds: the API on its port, the
 * worker on METRICS_PORT. Prometheus scrapes both (deploy/prometheus.yml).
 */
import { createServer, type Server } from 'node:http';
import type { Logger as TemporalLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { sameSecret } from '../api/http.js';
import type { Config } from '../config.js';

const registry = new Registry();
collectDefaultMetrics({ register: registry });

const httpRequests = new Counter({
  name: 'http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method, route pattern and status.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const business = {
  ordersConfirmed: new Counter({
    name: 'orders_confirmed_total',
    help: 'Quotations confirmed as sales orders, by how (payment received, operator).',
    labelNames: ['by'] as const,
    registers: [registry],
  }),
  remindersSent: new Counter({ name: 'orders_reminders_sent_total', help: 'Abandoned-cart reminder emails sent.', registers: [registry] }),
  refunds: new Counter({
    name: 'orders_refunds_total',
    help: 'Refunds settled by the payment provider, by outcome (succeeded, failed).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  deliveriesDone: new Counter({ name: 'orders_deliveries_done_total', help: 'Deliveries handed to the carrier.', registers: [registry] }),
  paymentFailures: new Counter({ name: 'orders_payment_failures_total', help: 'Payments the provider reported as failed.', registers: [registry] }),
};

/** The fields of a timeline entry the counters read (domain/order.ts TimelineEntry). */
export interface RecordedEntry {
  type: string;
  data?: Record<string, unknown> | null | undefined;
}

/** Counts the business events among timeline entries written for the first time. */
export function countBusinessEvents(entries: readonly RecordedEntry[]): void {
  for (const e of entries) {
    switch (e.type) {
      case 'order_confirmed':
        business.ordersConfirmed.inc({ by: 'operator' });
        break;
      case 'payment_received':
        if (e.data?.outcome === 'confirmed') business.ordersConfirmed.inc({ by: 'payment' });
        break;
      case 'payment_failed':
        business.paymentFailures.inc();
        break;
      case 'email_sent':
        if (e.data?.kind === 'abandoned_cart') business.remindersSent.inc();
        break;
      case 'refund_succeeded':
        business.refunds.inc({ outcome: 'succeeded' });
        break;
      case 'refund_failed':
        business.refunds.inc({ outcome: 'failed' });
        break;
      case 'delivery_done':
        business.deliveriesDone.inc();
        break;
    }
  }
}

/**
 * Counts and times every request by its route pattern (`/api/orders/:id`),
 * never the raw path, so an order id never becomes a label. Requests no route
 * matched share one label.
 */
export function httpMetrics(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const stop = httpDuration.startTimer();
    res.once('finish', () => {
      const labels = { method: req.method, route: routeOf(req), status: String(res.statusCode) };
      stop(labels);
      httpRequests.inc(labels);
    });
    next();
  };
}

function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return `${req.baseUrl}${path}`;
  return req.originalUrl.startsWith('/console/assets/') ? '/console/assets/*' : '(unmatched)';
}

let sdkMetricsUrl: string | undefined;

/**
 * Installs the Temporal runtime, once per process and before its first
 * NativeConnection: the SDK's own log messages through our logger, and, with
 * an address, its Prometheus exporter on that (loopback) address, which
 * `/metrics` then appends (the worker's `temporal_*` metrics).
 */
export function installTemporalRuntime(options: { logger?: TemporalLogger; metricsBindAddress?: string | undefined }): void {
  const { logger, metricsBindAddress } = options;
  Runtime.install({
    ...(logger ? { logger } : {}),
    ...(metricsBindAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsBindAddress, countersTotalSuffix: true, useSecondsForDurations: true } } } }
      : {}),
  });
  if (metricsBindAddress) sdkMetricsUrl = `http://${metricsBindAddress}/metrics`;
}

export function installSdkMetrics(bindAddress: string): void {
  installTemporalRuntime({ metricsBindAddress: bindAddress });
}

/** The whole exposition: this process's metrics, then the SDK's when installed. */
export async function metricsText(): Promise<string> {
  const own = await registry.metrics();
  if (!sdkMetricsUrl) return own;
  try {
    const response = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(2_000) });
    return `${own}\n${await response.text()}`;
  } catch {
    // The exporter not answering must not hide the rest.
    return `${own}\n# the Temporal SDK's metrics at ${sdkMetricsUrl} did not answer\n`;
  }
}

export const METRICS_CONTENT_TYPE = registry.contentType;

export type MetricsAccess = { status: 200 } | { status: 401 | 403; code: string; message: string };

/**
 * METRICS_TOKEN as a bearer token when set; without it, open outside
 * production and refused in production (metrics name routes and volumes).
 */
export function metricsAccess(config: Pick<Config, 'env' | 'metrics'>, authorization: string | undefined): MetricsAccess {
  const token = config.metrics.token;
  if (!token) {
    return config.env === 'production'
      ? { status: 403, code: 'metrics_disabled', message: 'Metrics are off in production until METRICS_TOKEN is set.' }
      : { status: 200 };
  }
  const given = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!given) return { status: 401, code: 'unauthorized', message: 'Authorization: Bearer <METRICS_TOKEN> is required.' };
  if (!sameSecret(given, token)) return { status: 401, code: 'unauthorized', message: 'The bearer token is not valid.' };
  return { status: 200 };
}

/** GET /metrics on the API. */
export function metricsRoute(config: Pick<Config, 'env' | 'metrics'>): RequestHandler {
  return async (req, res) => {
    const access = metricsAccess(config, req.headers.authorization);
    if (access.status !== 200) {
      if (access.status === 401) res.set('WWW-Authenticate', 'Bearer realm="metrics"');
      res.status(access.status).json({ error: { code: access.code, message: access.message } });
      return;
    }
    res.set('Content-Type', METRICS_CONTENT_TYPE).send(await metricsText());
  };
}

/** The worker's own /metrics (METRICS_PORT), same access rules as the API's. */
export async function serveWorkerMetrics(config: Pick<Config, 'env' | 'metrics'>, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'Only GET /metrics here.' } }));
      return;
    }
    const access = metricsAccess(config, req.headers.authorization);
    if (access.status !== 200) {
      res.writeHead(access.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: access.code, message: access.message } }));
      return;
    }
    metricsText().then(
      (text) => res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}
