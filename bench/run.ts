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
 *   npm run bench -- --orders 0 --idle-carts 10000 --idle-fresh      # 10,000 idle carts on a fresh worker, no time bound
 *   npm run bench -- --orders 0 --storm 10000                        # a reminder storm (no idle phase)
 *   npm run bench -- --orders 0 --storm 10000 --idle-fresh           # both: the storm's 10,000 carts, opened from a fresh worker, are measured idle first
 *
 * Actions are counted by Temporal Cloud's published definition (bench/actions.ts),
 * queries included: the Temporal server's own count of the queries it passed to
 * the worker while the sessions ran (its /metrics), else the benchmark's own
 * GETs of live resources (none since the warehouse reads its to-do list).
 */
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import postgres from 'postgres';
import { durationMs } from '../domain/duration.js';
import { createDb } from '../db/index.js';
import { createProduct } from '../db/products.js';
import { requestStock } from '../db/stock.js';
import { signPayload } from '../api/webhook-signature.js';
import { deliveryIdOf } from '../domain/delivery.js';
import { startProductionShape, type ProductionShape } from '../scripts/production-shape.js';
import { PROJECT_DIR } from '../scripts/temporal-server.js';
import { deliveryWorkflowId } from '../workflows/delivery-contract.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { ACTION_KINDS, countActions, emptyCount, emptyUnbilled, totalActions, UNBILLED_KINDS, type ActionCount } from './actions.js';
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
    // Opens all --idle-carts from a freshly started worker (the one that served the orders is replaced first), ignoring --max-seconds.
    'idle-fresh': { type: 'boolean', default: false },
    // N carts whose reminders fall due within the same minute; replaces the idle phase (its carts would get reminders too).
    storm: { type: 'string', default: '0' },
    // The storm's reminder delay, set by PATCH /api/settings once its carts are open.
    'storm-delay': { type: 'string', default: '60s' },
    // The warehouse's to-do list (deliveries ready, from the lists: no query) is polled this often while a delivery is awaited.
    'warehouse-poll-ms': { type: 'string', default: '25' },
    // How long to wait for the storm's reminders after the settings change.
    'storm-wait-seconds': { type: 'string', default: '420' },
    // Orders whose stock is requested at once, all for one product and then each for its own (the stock lock's contention).
    'stock-orders': { type: 'string', default: '50' },
  },
});
const ORDERS = Number(flags.orders);
const CONCURRENCY = Number(flags.concurrency);
const ABANDON = Number(flags.abandon);
const IDLE_CARTS = Number(flags['idle-carts']);
const DEADLINE = Date.now() + Number(flags['max-seconds']) * 1000;
const SAMPLE = Number(flags['history-sample']);
const IDLE_FRESH = flags['idle-fresh'] === true;
const STORM = Number(flags.storm);
const STORM_DELAY = flags['storm-delay'] as string;
const STORM_WAIT_MS = Number(flags['storm-wait-seconds']) * 1000;
const WAREHOUSE_POLL_MS = Number(flags['warehouse-poll-ms']);

/**
 * The baseline's shape, pinned to the order session as it was when the
 * benchmark first measured it (issue 15, before any cost work): 6 updates
 * (open with start, 3 cart edits, checkout, validate), 1 signal (paid) and 14
 * activities (one in the checkout update, one in the validate update, 12 after
 * payment). It used to replay "our activity count − 2" no-op activities, so it
 * got faster whenever the orchestrator got cheaper and the ratio hid the gain;
 * now it stays put and the ratio moves with what we change.
 */
export const BASELINE_SHAPE = {
  pinnedFrom: 'order session of 2026-11 (32 actions, 14 activities per order)',
  updates: { open: 1, edits: 3, checkout: 1, validate: 1 },
  signals: 1,
  activities: { inCheckout: 1, afterPayment: 12, inValidate: 1 },
} as const;

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

/**
 * The dev server's Prometheus endpoint (start-dev opens it on a random port):
 * the port of its process that answers /metrics with the service counters.
 */
async function findMetricsUrl(pid: number | undefined): Promise<string | null> {
  if (!pid) return null;
  const listening = spawnSync('ss', ['-ltnpH'], { encoding: 'utf8' }).stdout ?? '';
  const ports = listening
    .split('\n')
    .filter((line) => line.includes(`pid=${pid},`))
    .map((line) => /:(\d+)$/.exec(line.trim().split(/\s+/)[3] ?? '')?.[1])
    .filter((port): port is string => port !== undefined);
  for (const port of ports) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
      if (response.ok && (await response.text()).includes('service_requests{')) return `http://127.0.0.1:${port}/metrics`;
    } catch {
      // not the metrics port (gRPC, membership)
    }
  }
  return null;
}

/** Queries the Temporal frontend received so far (each is handed to a worker: billed). */
async function queriesReceived(metricsUrl: string): Promise<number> {
  // The server's counters reach /metrics on its reporting interval (about a second).
  await new Promise((r) => setTimeout(r, 2500));
  const text = await (await fetch(metricsUrl)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('service_requests{') && line.includes('operation="QueryWorkflow"') && line.includes('service_name="frontend"')) total += Number(line.split(' ').pop());
  }
  return total;
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

async function pool<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>, deadline = DEADLINE): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length && Date.now() < deadline) await run(items[next++]!);
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
  // The warehouse validates the delivery once its to-do list shows it ready.
  await warehouse.ready(apiUrl, deliveryId);
  await call(apiUrl, 'POST /api/deliveries/:id/validate', 'POST', `/api/deliveries/${deliveryId}/validate`, tokens.operator, { step: 'ship' });
  return cart.id;
}

/**
 * The warehouse's tool, as a real one works: it polls its to-do list
 * (`GET /api/deliveries?state=ready`, read from the lists, no query to any
 * workflow) every --warehouse-poll-ms while some delivery is awaited, and
 * hands each ready delivery to the session waiting for it.
 */
const warehouse = {
  waiting: new Map<string, () => void>(),
  polling: false,
  ready(apiUrl: string, deliveryId: string): Promise<void> {
    const ready = new Promise<void>((resolve) => this.waiting.set(deliveryId, resolve));
    if (!this.polling) void this.poll(apiUrl);
    return ready;
  },
  async poll(apiUrl: string): Promise<void> {
    this.polling = true;
    try {
      while (this.waiting.size > 0) {
        const polled = performance.now();
        const response = await fetch(`${apiUrl}/api/deliveries?state=ready&limit=500`, { headers: { authorization: `Bearer ${tokens.operator}` } });
        const { items } = (await response.json()) as { items: Array<{ id: string }> };
        record('GET /api/deliveries?state=ready', performance.now() - polled);
        for (const { id } of items) {
          this.waiting.get(id)?.();
          this.waiting.delete(id);
        }
        if (this.waiting.size > 0) await new Promise((r) => setTimeout(r, WAREHOUSE_POLL_MS));
      }
    } finally {
      this.polling = false;
    }
  },
};

// ------------------------------------------------------------------ baseline
async function baselineSession(client: Client, taskQueue: string, updateLatencies: number[]): Promise<void> {
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
        args: [{ activitiesAfterPayment: BASELINE_SHAPE.activities.afterPayment }],
        workflowIdConflictPolicy: 'FAIL',
      }),
    }),
  );
  const handle = client.workflow.getHandle(workflowId);
  for (let i = 0; i < BASELINE_SHAPE.updates.edits; i++) await timed(() => handle.executeUpdate(baselineEdit));
  await timed(() => handle.executeUpdate(baselineCheckout));
  await handle.signal(baselinePaid);
  while (!(await handle.query(baselineReady))) await new Promise((r) => setTimeout(r, 25));
  await timed(() => handle.executeUpdate(baselineValidate));
}

// ------------------------------------------------------------------ main
interface StormResult {
  reminders: number;
  sent: number;
  duplicates: number;
  seconds: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  delay: string;
  settingsChangeSeconds: number;
  openSeconds: number;
  /** Carts whose opening failed (not in `reminders`). */
  failedToOpen: number;
  /** With --idle-fresh: the worker replaced before the storm's carts open, its RSS before and once they all wait (idle carts from a fresh worker). */
  idle?: IdleResult;
}

type IdleResult = { carts: number; seconds: number; workerRssMb: number; workerRssBeforeMb: number; target: number; fresh: boolean; failed: number };

/** A worker that served nothing yet: the one that ran the orders goes, a new one starts and serves one cart. */
async function freshWorker(system: Awaited<ReturnType<typeof startSystem>>): Promise<void> {
  await system.replaceWorker('SIGTERM');
  await call(system.apiUrl, 'POST /api/carts (fresh worker up)', 'POST', '/api/carts', tokens.storefront, { lines: [{ sku: 'BENCH-1', quantity: 1 }] });
  await new Promise((r) => setTimeout(r, 2000));
}

/**
 * A reminder storm: STORM carts opened under the default delay, then the shop
 * shortens the delay (PATCH /api/settings), so every reminder falls due at
 * once (or within the next `--storm-delay` for the youngest carts). A cart's
 * reminder is due at max(its lastCustomerActivityAt + delay, the settings
 * change), the change taken at the PATCH's start: lateness includes the time
 * the new policy takes to reach every cart. Sent and duplicates come from the
 * emails table (one abandoned_cart row per reminder).
 */
async function reminderStorm(system: Awaited<ReturnType<typeof startSystem>>): Promise<StormResult> {
  const opened = new Map<string, number>();
  let failedToOpen = 0;
  if (IDLE_FRESH) await freshWorker(system);
  const rssBefore = memoryOf(system.worker.pid).rssMb;
  progress('storm carts', STORM);
  const openStarted = performance.now();
  await pool(
    Array.from({ length: STORM }, (_, i) => i),
    50,
    async (i) => {
      try {
        const cart = await call<{ id: string; lastCustomerActivityAt: string }>(system.apiUrl, 'POST /api/carts (storm)', 'POST', '/api/carts', tokens.storefront, {
          lines: [{ sku: 'BENCH-1', quantity: 1 }],
          customer: { email: `storm${i}@example.com`, loggedIn: true },
        });
        opened.set(cart.id, Date.parse(cart.lastCustomerActivityAt));
      } catch (error) {
        // One cart that could not open (a timeout on a saturated machine) is reported, not fatal.
        failedToOpen += 1;
        console.error(String(error));
      }
      tick();
    },
    Infinity,
  );
  const openSeconds = (performance.now() - openStarted) / 1000;
  // Every cart now waits on its reminder timer: the idle cost, measured before the storm wakes them.
  await new Promise((r) => setTimeout(r, 2000));
  const idle: IdleResult = { carts: opened.size, seconds: openSeconds, workerRssMb: memoryOf(system.worker.pid).rssMb, workerRssBeforeMb: rssBefore, target: STORM, fresh: IDLE_FRESH, failed: failedToOpen };
  const delayMs = durationMs(STORM_DELAY);
  const changedAt = Date.now();
  await call(system.apiUrl, 'PATCH /api/settings', 'PATCH', '/api/settings', tokens.operator, { abandonedCart: { delay: STORM_DELAY } });
  const settingsChangeSeconds = (Date.now() - changedAt) / 1000;

  const sql = postgres(system.databaseUrl, { max: 1, onnotice: () => {} });
  let reminders: Array<{ orderId: string; atMs: number }> = [];
  progress('storm reminders', opened.size);
  try {
    for (;;) {
      const rows = await sql<Array<{ order_id: string; at_ms: string }>>`
        select order_id, extract(epoch from coalesce(sent_at, created_at)) * 1000 as at_ms
        from emails where kind = 'abandoned_cart' and status in ('sent', 'outbox')`;
      reminders = rows.filter((r) => opened.has(r.order_id)).map((r) => ({ orderId: r.order_id, atMs: Number(r.at_ms) }));
      progressDone = new Set(reminders.map((r) => r.orderId)).size;
      draw();
      if (progressDone >= opened.size || Date.now() > changedAt + STORM_WAIT_MS) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
  } finally {
    await sql.end();
  }
  if (progressDone < progressTotal) process.stderr.write('\n');
  const sent = new Set(reminders.map((r) => r.orderId)).size;
  const lateness = reminders.map((r) => r.atMs - Math.max(opened.get(r.orderId)! + delayMs, changedAt));
  const last = reminders.reduce((max, r) => Math.max(max, r.atMs), changedAt);
  return {
    reminders: opened.size,
    sent,
    duplicates: reminders.length - sent,
    seconds: (last - changedAt) / 1000,
    latenessP50Ms: percentile(lateness, 50),
    latenessP99Ms: percentile(lateness, 99),
    delay: STORM_DELAY,
    settingsChangeSeconds,
    openSeconds,
    failedToOpen,
    idle,
  };
}

// ------------------------------------------------------------------ main
/**
 * The stock lock's contention, on the benchmark's database: N orders request
 * stock at once, first all for one product (they queue on its row lock, as
 * they must: first come, first served), then each for a product of its own
 * (no lock in common: none waits for another). Each request's latency and the
 * wall time of the N, through the same code the workflows run (db/stock.ts).
 */
async function measureStockContention(databaseUrl: string, orders: number) {
  const { db, close } = await createDb({ url: databaseUrl, max: Math.min(orders, 20) });
  try {
    const run = async (skuOf: (i: number) => string, tag: string) => {
      const skus = [...new Set(Array.from({ length: orders }, (_, i) => skuOf(i)))];
      for (const sku of skus) await createProduct(db, { sku, name: sku, price: 100, currency: 'EUR', type: 'storable', onHand: orders });
      const each: number[] = [];
      const started = performance.now();
      await Promise.all(
        Array.from({ length: orders }, async (_, i) => {
          const t = performance.now();
          await requestStock(db, `ord_bench_${tag}_${i}`, [{ sku: skuOf(i), type: 'storable', quantity: 1 }]);
          each.push(performance.now() - t);
        }),
      );
      return { wallMs: performance.now() - started, p50Ms: percentile(each, 50), p99Ms: percentile(each, 99) };
    };
    const sameProduct = await run(() => 'BENCH-LOCK-SHARED', 'same');
    const disjointProducts = await run((i) => `BENCH-LOCK-${i}`, 'disjoint');
    return { orders, sameProduct, disjointProducts };
  } finally {
    await close();
  }
}

async function main(): Promise<void> {
  const system = await startSystem();
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  console.error(`bench: ${ORDERS} sessions (${Math.round(ABANDON * 100)}% abandon), concurrency ${CONCURRENCY}; ${machine}`);

  // Warm-up: the worker bundles workflows and connections warm up.
  await storefrontSession(system.apiUrl, -1, false);
  latencies.clear();
  const metricsUrl = await findMetricsUrl(system.devServer?.process.pid);

  const sessions = Array.from({ length: ORDERS }, (_, i) => ({ i, abandon: (i * 7919) % 100 < ABANDON * 100 }));
  const completed: string[] = [];
  const queriesBefore = metricsUrl ? await queriesReceived(metricsUrl) : 0;
  progress('orders', sessions.length);
  const started = performance.now();
  await pool(sessions, CONCURRENCY, async ({ i, abandon }) => {
    const id = await storefrontSession(system.apiUrl, i, abandon);
    if (id) completed.push(id);
    tick();
  });
  const elapsed = (performance.now() - started) / 1000;
  const ordersPerSecond = completed.length / elapsed;

  // Queries are in no history: the server's count of those the sessions caused (abandoned carts' included), else the benchmark's own GETs of live deliveries.
  const deliveryPolls = latencies.get('GET /api/deliveries/:id')?.length ?? 0;
  const queriesTotal = metricsUrl ? (await queriesReceived(metricsUrl)) - queriesBefore : deliveryPolls;
  const queries = {
    source: metricsUrl ? 'temporal server metrics: frontend QueryWorkflow requests during the sessions' : "the benchmark's GETs of live deliveries",
    total: queriesTotal,
    deliveryPolls,
    perOrder: queriesTotal / Math.max(1, completed.length),
  };

  // Billable actions from the real histories of a sample of the completed orders (order + delivery).
  const sample = completed.slice(0, SAMPLE);
  const actions = emptyCount();
  const unbilled = emptyUnbilled();
  let historyEvents = 0;
  progress('histories', sample.length);
  for (const id of sample) {
    for (const workflowId of [orderWorkflowId(id), deliveryWorkflowId(deliveryIdOf(id))]) {
      const history = await system.client.workflow.getHandle(workflowId).fetchHistory();
      countActions(history.events ?? [], actions, unbilled);
      historyEvents += history.events?.length ?? 0;
      // BENCH_HISTORY_DIR keeps the sampled histories (JSON, as the Temporal UI downloads them) to see where the events go.
      if (process.env.BENCH_HISTORY_DIR) {
        mkdirSync(process.env.BENCH_HISTORY_DIR, { recursive: true });
        writeFileSync(join(process.env.BENCH_HISTORY_DIR, `${workflowId}.json`), historyToJSON(history));
      }
    }
    tick();
  }
  const perSample = (n: number) => n / Math.max(1, sample.length);
  const perOrder = Object.fromEntries(ACTION_KINDS.map((k) => [k, perSample(actions[k])])) as ActionCount;
  perOrder.query = queries.perOrder;
  const unbilledPerOrder = Object.fromEntries(UNBILLED_KINDS.map((k) => [k, perSample(unbilled[k])]));
  const workerMemory = memoryOf(system.worker.pid);
  const apiMemory = memoryOf(system.api.pid);

  const stockContention = Number(flags['stock-orders']) > 0 ? await measureStockContention(system.databaseUrl, Number(flags['stock-orders'])) : null;

  // Baseline: the pinned shape (BASELINE_SHAPE), no business logic, same server and concurrency.
  const baselineWorker = system.spawnNode('bench/baseline-worker.ts', [system.address, system.baselineQueue], { PAYLOAD_KEYS: system.payloadKeys });
  await new Promise((r) => setTimeout(r, 3000));
  const baselineLatencies: number[] = [];
  await baselineSession(system.client, system.baselineQueue, []);
  progress('baseline', completed.length);
  const baselineStarted = performance.now();
  // As many sessions as orders were delivered, whatever the time bound: a ratio needs both sides (it is the idle phase that gives way).
  let baselineDone = 0;
  await pool(
    completed,
    CONCURRENCY,
    async () => {
      await baselineSession(system.client, system.baselineQueue, baselineLatencies);
      baselineDone += 1;
      tick();
    },
    Infinity,
  );
  const baselinePerSecond = baselineDone / ((performance.now() - baselineStarted) / 1000);
  baselineWorker.kill('SIGTERM');

  const storm = STORM > 0 ? await reminderStorm(system) : null;

  // Idle cost: open carts waiting on their abandonment timers (not after a storm: its carts were the idle ones, measured before it).
  let idle: IdleResult | null = storm?.idle ?? null;
  if (IDLE_CARTS > 0 && !storm && (IDLE_FRESH || Date.now() < DEADLINE)) {
    if (IDLE_FRESH) {
      await freshWorker(system);
    }
    const before = memoryOf(system.worker.pid).rssMb;
    progress('idle carts', IDLE_CARTS);
    const idleStarted = performance.now();
    let opened = 0;
    let failed = 0;
    await pool(
      Array.from({ length: IDLE_CARTS }, (_, i) => i),
      50,
      async (i) => {
        try {
          await call(system.apiUrl, 'POST /api/carts (idle)', 'POST', '/api/carts', tokens.storefront, {
            lines: [{ sku: 'BENCH-1', quantity: 1 }],
            customer: { email: `idle${i}@example.com`, loggedIn: true },
          });
          opened += 1;
        } catch (error) {
          // Reported, not fatal: 10,000 carts on a saturated machine may see a timeout.
          failed += 1;
          console.error(String(error));
        }
        tick();
      },
      IDLE_FRESH ? Infinity : DEADLINE,
    );
    const seconds = (performance.now() - idleStarted) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    idle = { carts: opened, seconds, workerRssMb: memoryOf(system.worker.pid).rssMb, workerRssBeforeMb: before, target: IDLE_CARTS, fresh: IDLE_FRESH, failed };
  }

  // ---------------------------------------------------------------- report
  const p = (route: string, q: number) => percentile(latencies.get(route) ?? [], q);
  const addLineP99 = p('POST /api/carts/:id/lines', 99);
  const addLineP50 = p('POST /api/carts/:id/lines', 50);
  const validateP50 = p('POST /api/deliveries/:id/validate', 50);
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
    settings: { sessions: ORDERS, concurrency: CONCURRENCY, abandon: ABANDON, deliverySteps: 'ship_only', linesPerOrder: 3, warehousePollMs: WAREHOUSE_POLL_MS, idleFresh: IDLE_FRESH, storm: STORM },
    completedOrders: completed.length,
    seconds: elapsed,
    ordersPerSecond,
    baselinePerSecond,
    throughputRatio: ordersPerSecond / baselinePerSecond,
    addLineP99Ms: addLineP99,
    baselineUpdateP99Ms: baselineP99,
    latencyRatio: addLineP99 / baselineP99,
    addLineP50Ms: addLineP50,
    validateP50Ms: validateP50,
    validateToAddLineP50: validateP50 / addLineP50,
    actionsPerOrder: { total: totalActions(perOrder), ...perOrder },
    queriesPerOrder: queries.perOrder,
    queries,
    unbilledPerOrder,
    historyEventsPerOrder: historyEvents / Math.max(1, sample.length),
    baseline: {
      pinned: true,
      note: 'The baseline replays a fixed shape (today’s order session when pinned), not our current activity count: bench/run.ts BASELINE_SHAPE.',
      shape: BASELINE_SHAPE,
    },
    memory: { workerPeakMb: workerMemory.peakMb, apiPeakMb: apiMemory.peakMb },
    routes,
    idle,
    storm: storm ? { ...storm, idle: undefined } : null,
    stockContention,
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
  console.log(`| baseline sessions/s (pinned shape) | ${f(baselinePerSecond, 2)} | |`);
  console.log(`| ours / baseline throughput | ${f(result.throughputRatio, 2)} | ≥ 0.8 |`);
  console.log(`| add-line p99 / baseline update p99 | ${f(addLineP99)} / ${f(baselineP99)} ms = ${f(result.latencyRatio, 2)} | ≤ 1.5 |`);
  console.log(`| validate p50 / add-line p50 | ${f(validateP50)} / ${f(addLineP50)} ms = ${f(result.validateToAddLineP50, 2)} | ≤ 2 |`);
  console.log(`| billable actions per order, queries included | ${f(result.actionsPerOrder.total)} | ≤ 20 |`);
  console.log(`| queries per order (${metricsUrl ? 'server count' : 'delivery GETs'}) | ${f(queries.perOrder)} | |`);
  console.log(`| history events per order (order + delivery) | ${f(result.historyEventsPerOrder)} | ≤ 80 |`);
  if (stockContention) {
    const { orders, sameProduct: same, disjointProducts: apart } = stockContention;
    console.log(`| ${orders} stock requests at once, one product: p50 / p99 / all | ${f(same.p50Ms)} / ${f(same.p99Ms)} / ${f(same.wallMs)} ms | |`);
    console.log(`| ${orders} stock requests at once, a product each: p50 / p99 / all | ${f(apart.p50Ms)} / ${f(apart.p99Ms)} / ${f(apart.wallMs)} ms | |`);
  }
  console.log(`| worker / API peak RSS | ${f(workerMemory.peakMb, 0)} / ${f(apiMemory.peakMb, 0)} MB | |`);
  if (idle) {
    const perCart = (idle.workerRssMb - idle.workerRssBeforeMb) / Math.max(1, idle.carts);
    console.log(`| ${idle.carts} idle carts${idle.fresh ? ' (fresh worker)' : ''}: open time, worker RSS | ${f(idle.seconds)} s, ${f(idle.workerRssMb, 0)} MB (from ${f(idle.workerRssBeforeMb, 0)}) | < 400 MB at 10,000 |`);
    if (idle.carts < IDLE_CARTS) {
      console.log(`| ${IDLE_CARTS} idle carts, extrapolated | ${f((idle.seconds * IDLE_CARTS) / idle.carts, 0)} s, ${f(idle.workerRssBeforeMb + perCart * IDLE_CARTS, 0)} MB (${idle.failed ? `${idle.failed} failed to open` : `time bound reached at ${idle.carts}`}) | |`);
    }
  }
  if (storm) {
    console.log(
      `| reminder storm: ${storm.sent}/${storm.reminders} sent, ${storm.duplicates} twice | in ${f(storm.seconds)} s; lateness p50 ${f(storm.latenessP50Ms, 0)} ms, p99 ${f(storm.latenessP99Ms, 0)} ms (settings change ${f(storm.settingsChangeSeconds)} s) | all within 300 s, none twice |`,
    );
  }
  console.log('\nActions per order by kind: ' + ACTION_KINDS.filter((k) => perOrder[k] > 0).map((k) => `${k} ${f(perOrder[k])}`).join(', '));
  console.log('Free per order: ' + UNBILLED_KINDS.map((k) => `${k} ${f(unbilledPerOrder[k]!)}`).join(', '));
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
