/**
 * One app factory, shared by the server entry points and the tests, with
 * central not-found and error handlers that speak the contract's error body.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Config } from '../config.js';
import type { Database } from '../db/index.js';
import { DomainError, ErrorStatus } from '../domain/errors.js';
import type { Logger } from '../logger.js';
import { codecRoutes } from '../operations/codec-server.js';
import { httpMetrics, metricsRoute } from '../operations/metrics.js';
import { httpTracing, installTracing } from '../operations/tracing.js';
import { ApiBuilder } from './http.js';
import { storefrontWriteLimit } from './rate-limit.js';
import { toDomainError, type TemporalGateway } from './temporal-gateway.js';
import { cartRoutes } from './routes/carts.js';
import { catalogRoutes } from './routes/catalog.js';
import { consoleRoutes } from './routes/console.js';
import { eventRoutes } from './routes/events.js';
import { demoProviderRoutes } from './routes/demo-provider.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { emailRoutes } from './routes/emails.js';
import { invoiceRoutes } from './routes/invoices.js';
import { orderRoutes } from './routes/orders.js';
import { pageRoutes } from './routes/pages.js';
import { parcelRoutes } from './routes/parcels.js';
import { returnRoutes } from './routes/returns.js';
import { settingsRoutes } from './routes/settings.js';
import { shippingMethodRoutes } from './routes/shipping-methods.js';
import { stripeWebhookRoutes } from './routes/stripe-webhook.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface AppDeps {
  gateway: TemporalGateway;
  database: Pick<Database, 'ping' | 'kind' | 'listen'>;
  config: Config;
  logger: Logger;
}

export const BODY_LIMIT = '100kb';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.use(httpMetrics());
  // Only with an OTLP endpoint configured: otherwise no span is ever started.
  const tracing = installTracing(deps.config, 'api');
  if (tracing) app.use(httpTracing(tracing));
  app.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'no-referrer' });
    next();
  });
  // Before the API's JSON parser: the codec reads larger bodies (a history's payloads).
  app.use(codecRoutes(deps.config));
  app.use(storefrontWriteLimit(deps.config.rateLimitStorefrontWrites));
  app.use(
    express.json({
      limit: BODY_LIMIT,
      // The webhook signature covers the exact bytes received.
      verify: (req, _res, buf) => {
        (req as unknown as { rawBody: Buffer }).rawBody = buf;
      },
    }),
  );

  app.get('/metrics', metricsRoute(deps.config));

  app.get('/healthz', async (_req, res) => {
    const checks = await Promise.allSettled([
      deps.database.ping(),
      deps.gateway.client.workflowService.getSystemInfo({}),
    ]);
    const [db, temporal] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'unavailable'));
    const ok = db === 'ok' && temporal === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', database: db, databaseKind: deps.database.kind, temporal });
  });

  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  const router = express.Router();
  const api = new ApiBuilder(router, registry, deps.config.tokens);
  catalogRoutes(api, deps);
  cartRoutes(api, deps);
  orderRoutes(api, deps);
  webhookRoutes(api, deps);
  stripeWebhookRoutes(api, deps);
  demoProviderRoutes(api, router, deps);
  settingsRoutes(api, deps);
  emailRoutes(api, deps);
  deliveryRoutes(api, deps);
  parcelRoutes(api, deps);
  returnRoutes(api, deps);
  shippingMethodRoutes(api, deps);
  invoiceRoutes(api, deps);
  pageRoutes(api, deps);
  const openapi = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Order orchestrator', version: '1.0.0', description: 'Carts, orders, payments and settings of an online shop, on Temporal.' },
    servers: [{ url: deps.config.publicUrl }],
  });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  consoleRoutes(router, deps);
  eventRoutes(router, deps, app);
  app.use(router);

  app.use((req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `No route for ${req.method} ${req.path}.` } });
  });
  app.use(errorHandler(deps.logger));
  return app;
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const mapped = toDomainError(error);
    if (mapped instanceof DomainError) {
      if (mapped.status >= 500) logger.warn({ err: error, path: req.path }, mapped.message);
      res.status(mapped.status).json({ error: { code: mapped.code, message: mapped.message, ...(mapped.details !== undefined ? { details: mapped.details } : {}) } });
      return;
    }
    // body-parser's own errors: malformed JSON, too large, wrong charset.
    const status = (error as { status?: number; type?: string }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const type = (error as { type?: string }).type;
      const code = status === 413 ? 'payload_too_large' : 'invalid_request';
      const message = type === 'entity.parse.failed' ? 'The body is not valid JSON.' : status === 413 ? `The body is larger than ${BODY_LIMIT}.` : String((error as Error).message);
      res.status(status).json({ error: { code, message } });
      return;
    }
    logger.error({ err: error, path: req.path }, 'unhandled error');
    res.status(ErrorStatus.internal_error).json({ error: { code: 'internal_error', message: 'Something went wrong on our side. Check the order with GET before retrying.' } });
  };
}
