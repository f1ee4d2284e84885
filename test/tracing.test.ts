/**
 * One order, one trace: the API request's span, the Temporal client's
 * UpdateWithStart span, the workflow's spans and the activities' spans share
 * one trace id and chain parent to child, as a loopback OTLP receiver (the
 * collector's OTLP/HTTP JSON endpoint) receives them.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation.js';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../api/app.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/index.js';
import { createLogger } from '../logger.js';
import { installTracing, type Tracing } from '../operations/tracing.js';
import { createOrderWorker } from '../worker.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { OPERATOR, STOREFRONT } from './support/api.js';
import { ARTIFACTS } from './support/browser.js';
import { createTestDatabase } from './support/database.js';
import { eventually } from './support/eventually.js';
import { testDataConverter } from './support/payload-key.js';
import { testWorkerOptions } from './support/temporal.js';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
}

/** OTLP/JSON ids are hex; tolerate base64 (the protobuf-JSON mapping) too. */
const hex = (id: string | undefined) => (!id ? '' : /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex'));

let receiver: Server;
const received: ReceivedSpan[] = [];
const requests: Array<{ path: string; contentType: string | undefined }> = [];
let api: Server;
let apiUrl = '';
/** The same API with a client that does not trace (tracing off in the API, on in the worker). */
let untracedApi: Server;
let untracedApiUrl = '';
let tracing: Tracing;
let worker: Worker;
let running: Promise<void>;
let database: Database;
let connection: Connection;
let nativeConnection: NativeConnection;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans: Array<{ spans: Array<Record<string, string>> }> }>;
      };
      for (const rs of body.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) received.push({ traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: hex(s.parentSpanId), name: s.name!, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as { port: number }).port;

  const taskQueue = `test-${randomUUID()}`;
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    STOREFRONT_API_TOKEN: STOREFRONT,
    OPERATOR_API_TOKEN: OPERATOR,
    TEMPORAL_TASK_QUEUE: taskQueue,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_SERVICE_NAME: 'orders-under-test',
  });
  tracing = installTracing(config, 'app')!;
  database = await createTestDatabase();
  const address = inject('temporalAddress');
  connection = await Connection.connect({ address });
  nativeConnection = await NativeConnection.connect({ address });
  // As api/server.ts builds it: the client's calls become spans under the current (HTTP) span.
  const client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter, interceptors: { workflow: tracing.clientInterceptors() } });
  worker = await createOrderWorker({ ...testWorkerOptions({ connection: nativeConnection, namespace: 'default', taskQueue, db: database.db }), tracing });
  running = worker.run();
  const app = createApp({ gateway: { client, taskQueue, db: database.db }, database, config, logger: createLogger('warn') });
  api = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => api.once('listening', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
  const plainClient = new Client({ connection, namespace: 'default', dataConverter: testDataConverter });
  untracedApi = createApp({ gateway: { client: plainClient, taskQueue, db: database.db }, database, config, logger: createLogger('warn') }).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => untracedApi.once('listening', resolve));
  untracedApiUrl = `http://127.0.0.1:${(untracedApi.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => api?.close(() => resolve()));
  await new Promise<void>((resolve) => untracedApi?.close(() => resolve()));
  worker?.shutdown();
  await running;
  await tracing?.shutdown();
  await nativeConnection?.close();
  await connection?.close();
  await database?.close();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

describe('tracing off (no OTLP endpoint)', () => {
  it('installs nothing', () => {
    expect(installTracing(loadConfig({ ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: undefined }), 'api')).toBeUndefined();
  });
});

describe('tracing (OTLP endpoint configured)', () => {
  it('one cart creation is one trace: HTTP request → UpdateWithStart → the workflow → its activities', async () => {
    const response = await fetch(`${apiUrl}/api/carts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${STOREFRONT}`, 'content-type': 'application/json' },
      body: JSON.stringify({ lines: [{ sku: 'MUG-BLUE', quantity: 1 }] }),
    });
    expect(response.status).toBe(201);
    const cart = (await response.json()) as { id: string };
    // A span is exported when it ends, and RunWorkflow ends with the run: cancelling the cart closes it.
    const cancelled = await fetch(`${apiUrl}/api/orders/${cart.id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'trace test' }),
    });
    expect(cancelled.status).toBe(200);

    const httpSpan = () => received.find((s) => s.name === 'POST /api/carts');
    await eventually(async () => {
      await tracing.flush();
      const root = httpSpan();
      expect(root).toBeDefined();
      expect(received.filter((s) => s.traceId === root!.traceId).map((s) => s.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^RunActivity:/), 'RunWorkflow:orderWorkflow']));
    }, 30_000, 250);

    const root = httpSpan()!;
    const trace = received.filter((s) => s.traceId === root.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const ancestry = (span: ReceivedSpan): string[] => {
      const names: string[] = [];
      for (let s: ReceivedSpan | undefined = span; s; s = byId.get(s.parentSpanId)) names.unshift(s.name);
      return names;
    };
    const activity = trace.find((s) => s.name.startsWith('RunActivity:'))!;
    const chain = ancestry(activity);
    // Root first: the request, the client's call, the workflow's handling of it, the activity it scheduled.
    expect(chain[0]).toBe('POST /api/carts');
    expect(root.parentSpanId).toBe('');
    expect(chain[1]).toMatch(/^UpdateWithStartWorkflow:|^StartWorkflow:/);
    expect(chain).toContain('RunWorkflow:orderWorkflow');
    // The update the cart was opened with is handled in the same trace, under the client's call.
    expect(ancestry(trace.find((s) => s.name === 'HandleUpdate:openCart')!).slice(0, 2)).toEqual(chain.slice(0, 2));
    expect(chain.some((n) => n.startsWith('StartActivity:'))).toBe(true);
    expect(chain.at(-1)).toMatch(/^RunActivity:/);
    // The OTLP/HTTP JSON encoding, at the path the spec names.
    expect(requests.every((r) => r.path === '/v1/traces' && r.contentType?.startsWith('application/json'))).toBe(true);
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(['orders-under-test']));
    const report = `trace ${root.traceId}:\n  ${chain.join('\n  → ')}\n  (all spans: ${[...new Set(trace.map((s) => s.name))].join(', ')})`;
    console.log(report);
    // Kept for a reader (test/artifacts/, not committed): every span name, indented under its parent.
    mkdirSync(ARTIFACTS, { recursive: true });
    const tree = (span: ReceivedSpan, indent: string): string[] => [
      `${indent}${span.name}  [${span.service}]`,
      ...trace.filter((s) => s.parentSpanId === span.spanId).flatMap((child) => tree(child, `${indent}  `)),
    ];
    writeFileSync(join(ARTIFACTS, 'trace-spans.txt'), `${report}\n\nthe whole trace, each span under its parent:\n${tree(root, '').join('\n')}\n`);
  });

  it('only a run started within a trace is traced: the same worker leaves a run started without one untraced', async () => {
    const runSpans = () => received.filter((s) => s.name === 'RunWorkflow:orderWorkflow');
    const before = runSpans().length;
    const open = async (base: string) => {
      const response = await fetch(`${base}/api/carts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${STOREFRONT}`, 'content-type': 'application/json' },
        body: JSON.stringify({ lines: [{ sku: 'MUG-BLUE', quantity: 1 }] }),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { id: string }).id;
    };
    const cancel = async (base: string, id: string) => {
      const response = await fetch(`${base}/api/orders/${id}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'trace test' }),
      });
      expect(response.status).toBe(200);
    };
    const untraced = await open(untracedApiUrl);
    const traced = await open(apiUrl);
    await cancel(untracedApiUrl, untraced);
    await cancel(apiUrl, traced);

    // What each run decided is in its history: the start's trace header and the patch marker.
    const client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter });
    const decisionOf = async (id: string) => {
      const events = (await client.workflow.getHandle(orderWorkflowId(id)).fetchHistory()).events ?? [];
      const patches = events.flatMap((e) => {
        const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
        return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
      });
      return { startHeader: Object.keys(events[0]?.workflowExecutionStartedEventAttributes?.header?.fields ?? {}), patches };
    };
    const [tracedRun, untracedRun] = [await decisionOf(traced), await decisionOf(untraced)];
    expect(tracedRun.startHeader).toContain(TRACE_HEADER);
    expect(untracedRun.startHeader).not.toContain(TRACE_HEADER);
    for (const run of [tracedRun, untracedRun]) {
      expect(run.patches).toEqual(['patches-decided-at-start-2']);
      expect(run.patches).not.toContain('otel-tracing');
    }

    // Both runs are closed; the worker exports a run's span when it ends, the untraced one first: only the traced one arrives.
    await eventually(async () => {
      await tracing.flush();
      expect(runSpans().length).toBe(before + 1);
    }, 30_000, 250);
    const roots = received.filter((s) => s.name === 'POST /api/carts');
    expect(roots.map((r) => r.traceId)).toContain(runSpans().at(-1)!.traceId);
  });
});
