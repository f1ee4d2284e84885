/**
 * `npm run bench`: how fast and how cheaply the orchestrator turns carts into
 * delivered orders on this machine, next to what the Temporal server does
 * alone with the same round trips (the baseline).
 *
 * Production shape: a Temporal dev server (SQLite file), PostgreSQL, and the
 * worker and the API as separate processes. TEMPORAL_ADDRESS / DATABASE_URL
 * point it at existing ones; otherwise it starts a dev server and uses the
 * PostgreSQL at 127.0.0.1:5432, in a database of its own that it drops after.
 *
 *   npm run bench -- --orders 200 --concurrency 20 --abandon 0.1 --idle-carts 10000 --max-seconds 240
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import { signPayload } from '../api/webhook-signature.js';
import { deliveryIdOf } from '../domain/delivery.js';
import { startProductionShape, type ProductionShape } from '../scripts/production-shape.js';
import { PROJECT_DIR } from '../scripts/temporal-server.js';
import { deliveryWorkflowId } from '../workflows/delivery-contract.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { ACTION_KINDS, countActions, emptyCount, totalActions, type ActionCount } from './actions.js';
import { baselineCheckout, baselineEdit, baselineOpen, baselinePaid, baselineReady, baselineValidate, type baselineWorkflow } from './baseline-workflows.js';

const { values: flags } = parseArgs({
  options: {
    orders: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '20' },
    abandon: { type: 'string', default: '0.1' },
    'idle-carts': { type: 'string', default: '10000' },
    // Everything stops by then (the idle phase is what gives way), so the default run stays under five minutes.
    'max-seconds': { type: 'string', default: '255' },
    'history-sample': { type: 'string', default: '40' },
  },
});
const ORDERS = Number(flags.orders);
const CONCURRENCY = Number(flags.concurrency);
const ABANDON = Number(flags.abandon);
const IDLE_CARTS = Number(flags['idle-carts']);
const DEADLINE = Date.now() + Number(flags['max-seconds']) * 1000;
const SAMPLE = Number(flags['history-sample']);

const cleanups: Array<() => Promise<void> | void> = [];
/** The API's tokens, set when the system is up. */
let tokens: ProductionShape['tokens'];

// ------------------------------------------------------------------ measuring
const latencies = new Map<string, number[]>();
function record(route: string, ms: number): void {
  latencies.set(route, [...(latencies.get(route) ?? []), ms]);
}
function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
function memoryOf(pid: number | undefined): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

let progressDone = 0;
let progressTotal = 0;
let progressLabel = '';
function progress(label: string, total: number): void {
  progressLabel = label;
  progressTotal = total;
  progressDone = 0;
  draw();
}
function tick(): void {
  progressDone += 1;
  if (progressDone % Math.max(1, Math.floor(progressTotal / 100)) === 0 || progressDone === progressTotal) draw();
}
function draw(): void {
  const width = 30;
  const filled = progressTotal ? Math.round((progressDone / progressTotal) * width) : 0;
  process.stderr.write(`\r${progressLabel.padEnd(22)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${progressDone}/${progressTotal}   `);
  if (progressDone === progressTotal) process.stderr.write('\n');
}

async function pool<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length && Date.now() < DEADLINE) await run(items[next++]!);
    }),
  );
}

// ------------------------------------------------------------------ the system
async function startSystem() {
  const shape = await startProductionShape({
    name: 'bench',
    products: ['BENCH-1', 'BENCH-2', 'BENCH-3'].map((sku) => ({ sku, name: sku, price: 1000, currency: 'EUR', type: 'storable' as const, onHand: 10_000_000, weightGrams: 100 })),
    settings: { deliverySteps: 'ship_only' },
  });
  cleanups.push(() => shape.stop());
  tokens = shape.tokens;
  return Object.assign(shape, { baselineQueue: `${shape.taskQueue}-baseline` });
}

// ------------------------------------------------------------------ storefront sessions
async function call<T = unknown>(apiUrl: string, route: string, method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const started = performance.now();
  const raw = body === undefined ? undefined : JSON.stringify(body);
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(raw ? { 'content-type': 'application/json' } : {}), ...headers },
    body: raw,
  });
  const json = (await response.json()) as T;
  record(route, performance.now() - started);
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function storefrontSession(apiUrl: string, i: number, abandon: boolean): Promise<string | null> {
  const sf = tokens.storefront;
  const cart = await call<{ id: string }>(apiUrl, 'POST /api/carts', 'POST', '/api/carts', sf, { lines: [{ sku: 'BENCH-1', quantity: 1 }] });
  await call(apiUrl, 'POST /api/carts/:id/lines', 'POST', `/api/carts/${cart.id}/lines`, sf, { sku: 'BENCH-2', quantity: 1 });
  await call(apiUrl, 'POST /api/carts/:id/lines', 'POST', `/api/carts/${cart.id}/lines`, sf, { sku: 'BENCH-3', quantity: 1 });
  await call(apiUrl, 'PUT /api/carts/:id/contact', 'PUT', `/api/carts/${cart.id}/contact`, sf, {
    email: `bench${i}@example.com`,
    name: 'Bench',
    shippingAddress: { line1: '1 Bench St', city: 'Lyon', postalCode: '69001', country: 'FR' },
  });
  if (abandon) return null;
  const { payment } = await call<{ payment: { reference: string; amount: number; currency: string } }>(apiUrl, 'POST /api/carts/:id/checkout', 'POST', `/api/carts/${cart.id}/checkout`, sf, { paymentMethod: 'card' });
  const event = JSON.stringify({ id: `evt_${cart.id}`, type: 'payment.succeeded', data: { reference: payment.reference, amount: payment.amount, currency: payment.currency } });
  const started = performance.now();
  const hook = await fetch(`${apiUrl}/api/webhooks/payments`, { method: 'POST', headers: { 'content-type': 'application/json', 'payment-signature': signPayload(tokens.webhook, event) }, body: event });
  await hook.text();
  record('POST /api/webhooks/payments', performance.now() - started);
  const deliveryId = deliveryIdOf(cart.id);
  for (;;) {
    const response = await fetch(`${apiUrl}/api/deliveries/${deliveryId}`, { headers: { authorization: `Bearer ${tokens.operator}` } });
    const delivery = (await response.json()) as { state?: string };
    if (delivery.state === 'ready') break;
    await new Promise((r) => setTimeout(r, 25));
  }
  await call(apiUrl, 'POST /api/deliveries/:id/validate', 'POST', `/api/deliveries/${deliveryId}/validate`, tokens.operator, { step: 'ship' });
  return cart.id;
}

// ------------------------------------------------------------------ baseline
async function baselineSession(client: Client, taskQueue: string, activitiesAfterPayment: number, updateLatencies: number[]): Promise<void> {
  const workflowId = `baseline-${randomUUID()}`;
  const timed = async <T>(send: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await send();
    updateLatencies.push(performance.now() - started);
    return result;
  };
  await timed(() =>
    client.workflow.executeUpdateWithStart(baselineOpen, {
      startWorkflowOperation: new WithStartWorkflowOperation<typeof baselineWorkflow>('baselineWorkflow', {
        workflowId,
        taskQueue,
        args: [{ activitiesAfterPayment }],
        workflowIdConflictPolicy: 'FAIL',
      }),
    }),
  );
  const handle = client.workflow.getHandle(workflowId);
  for (let i = 0; i < 3; i++) await timed(() => handle.executeUpdate(baselineEdit));
  await timed(() => handle.executeUpdate(baselineCheckout));
  await handle.signal(baselinePaid);
  while (!(await handle.query(baselineReady))) await new Promise((r) => setTimeout(r, 25));
  await timed(() => handle.executeUpdate(baselineValidate));
}

// ------------------------------------------------------------------ main
async function main(): Promise<void> {
  const system = await startSystem();
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  console.error(`bench: ${ORDERS} sessions (${Math.round(ABANDON * 100)}% abandon), concurrency ${CONCURRENCY}; ${machine}`);

  // Warm-up: the worker bundles workflows and connections warm up.
  await storefrontSession(system.apiUrl, -1, false);
  latencies.clear();

  const sessions = Array.from({ length: ORDERS }, (_, i) => ({ i, abandon: (i * 7919) % 100 < ABANDON * 100 }));
  const completed: string[] = [];
  progress('orders', sessions.length);
  const started = performance.now();
  await pool(sessions, CONCURRENCY, async ({ i, abandon }) => {
    const id = await storefrontSession(system.apiUrl, i, abandon);
    if (id) completed.push(id);
    tick();
  });
  const elapsed = (performance.now() - started) / 1000;
  const ordersPerSecond = completed.length / elapsed;

  // Billable actions from the real histories of a sample of the completed orders (order + delivery).
  const sample = completed.slice(0, SAMPLE);
  const actions = emptyCount();
  let historyEvents = 0;
  progress('histories', sample.length);
  for (const id of sample) {
    for (const workflowId of [orderWorkflowId(id), deliveryWorkflowId(deliveryIdOf(id))]) {
      const history = await system.client.workflow.getHandle(workflowId).fetchHistory();
      countActions(history.events ?? [], actions);
      historyEvents += history.events?.length ?? 0;
    }
    tick();
  }
  const perOrder = Object.fromEntries(ACTION_KINDS.map((k) => [k, actions[k] / Math.max(1, sample.length)])) as ActionCount;
  const activitiesPerOrder = perOrder.activity;
  const workerMemory = memoryOf(system.worker.pid);
  const apiMemory = memoryOf(system.api.pid);

  // Baseline: the same round trips and activity count, no business logic, same server and concurrency.
  const baselineWorker = system.spawnNode('bench/baseline-worker.ts', [system.address, system.baselineQueue]);
  await new Promise((r) => setTimeout(r, 3000));
  const baselineLatencies: number[] = [];
  await baselineSession(system.client, system.baselineQueue, Math.round(activitiesPerOrder) - 2, []);
  progress('baseline', completed.length);
  const baselineStarted = performance.now();
  await pool(completed, CONCURRENCY, async () => {
    await baselineSession(system.client, system.baselineQueue, Math.max(0, Math.round(activitiesPerOrder) - 2), baselineLatencies);
    tick();
  });
  const baselinePerSecond = completed.length / ((performance.now() - baselineStarted) / 1000);
  baselineWorker.kill('SIGTERM');

  // Idle cost: open carts waiting on their abandonment timers.
  let idle: { carts: number; seconds: number; workerRssMb: number; workerRssBeforeMb: number; target: number } | null = null;
  if (IDLE_CARTS > 0 && Date.now() < DEADLINE) {
    const before = memoryOf(system.worker.pid).rssMb;
    progress('idle carts', IDLE_CARTS);
    const idleStarted = performance.now();
    let opened = 0;
    await pool(
      Array.from({ length: IDLE_CARTS }, (_, i) => i),
      50,
      async (i) => {
        await call(system.apiUrl, 'POST /api/carts (idle)', 'POST', '/api/carts', tokens.storefront, {
          lines: [{ sku: 'BENCH-1', quantity: 1 }],
          customer: { email: `idle${i}@example.com`, loggedIn: true },
        });
        opened += 1;
        tick();
      },
    );
    const seconds = (performance.now() - idleStarted) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    idle = { carts: opened, seconds, workerRssMb: memoryOf(system.worker.pid).rssMb, workerRssBeforeMb: before, target: IDLE_CARTS };
  }

  // ---------------------------------------------------------------- report
  const addLineP99 = percentile(latencies.get('POST /api/carts/:id/lines') ?? [], 99);
  const baselineP99 = percentile(baselineLatencies, 99);
  const routes = [...latencies.entries()].map(([route, values]) => ({
    route,
    count: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
  }));
  const result = {
    at: new Date().toISOString(),
    machine,
    settings: { sessions: ORDERS, concurrency: CONCURRENCY, abandon: ABANDON, deliverySteps: 'ship_only', linesPerOrder: 3 },
    completedOrders: completed.length,
    seconds: elapsed,
    ordersPerSecond,
    baselinePerSecond,
    throughputRatio: ordersPerSecond / baselinePerSecond,
    addLineP99Ms: addLineP99,
    baselineUpdateP99Ms: baselineP99,
    latencyRatio: addLineP99 / baselineP99,
    actionsPerOrder: { total: totalActions(perOrder), ...perOrder },
    historyEventsPerOrder: historyEvents / Math.max(1, sample.length),
    memory: { workerPeakMb: workerMemory.peakMb, apiPeakMb: apiMemory.peakMb },
    routes,
    idle,
  };
  const dir = join(PROJECT_DIR, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  console.log(`\nMachine: ${machine}`);
  console.log(`Sessions: ${ORDERS} at concurrency ${CONCURRENCY}, ${Math.round(ABANDON * 100)}% abandoned; ${completed.length} orders delivered in ${f(elapsed)} s`);
  console.log('\n| route | n | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|');
  for (const r of routes) console.log(`| ${r.route} | ${r.count} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} |`);
  console.log('\n| figure | value | aim |\n|---|---:|---|');
  console.log(`| orders/s, end to end | ${f(ordersPerSecond, 2)} | |`);
  console.log(`| baseline sessions/s | ${f(baselinePerSecond, 2)} | |`);
  console.log(`| ours / baseline throughput | ${f(result.throughputRatio, 2)} | ≥ 0.6 |`);
  console.log(`| add-line p99 / baseline update p99 | ${f(addLineP99)} / ${f(baselineP99)} ms = ${f(result.latencyRatio, 2)} | ≤ 1.5 |`);
  console.log(`| billable actions per order | ${f(result.actionsPerOrder.total)} | ≤ 20 |`);
  console.log(`| history events per order (order + delivery) | ${f(result.historyEventsPerOrder)} | |`);
  console.log(`| worker / API peak RSS | ${f(workerMemory.peakMb, 0)} / ${f(apiMemory.peakMb, 0)} MB | |`);
  if (idle) {
    const perCart = (idle.workerRssMb - idle.workerRssBeforeMb) / Math.max(1, idle.carts);
    console.log(`| ${idle.carts} idle carts: open time, worker RSS | ${f(idle.seconds)} s, ${f(idle.workerRssMb, 0)} MB (from ${f(idle.workerRssBeforeMb, 0)}) | < 400 MB at 10,000 |`);
    if (idle.carts < IDLE_CARTS) {
      console.log(`| ${IDLE_CARTS} idle carts, extrapolated | ${f((idle.seconds * IDLE_CARTS) / idle.carts, 0)} s, ${f(idle.workerRssBeforeMb + perCart * IDLE_CARTS, 0)} MB (time bound reached at ${idle.carts}) | |`);
    }
  }
  console.log('\nActions per order by kind: ' + ACTION_KINDS.filter((k) => perOrder[k] > 0).map((k) => `${k} ${f(perOrder[k])}`).join(', '));
  console.log(`\nJSON: ${file}`);
}

async function cleanup(): Promise<void> {
  for (const step of cleanups.reverse()) {
    try {
      await step();
    } catch {
      // best effort: the rest still goes
    }
  }
}

main()
  .then(cleanup)
  .catch(async (error: unknown) => {
    console.error(error);
    await cleanup();
    process.exit(1);
  });
