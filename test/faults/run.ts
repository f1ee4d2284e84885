/**
 * `npm run test:faults`: orders driven through the API on the production shape
 * while faults are injected; after quiescence, the invariants must hold:
 *
 * - every order ends in the state its inputs imply (none stuck, none lost);
 * - exactly one email per (order, kind); one payment applied per order;
 * - stock: 0 <= reserved <= on hand, reserved = the open reservations, and
 *   what left the stock = what was delivered;
 * - the database projection agrees with each workflow's own state.
 *
 * Scenarios: the worker killed with SIGKILL several times; two workers and
 * two APIs with one of each killed; the Temporal server restarted on its
 * SQLite file; a private PostgreSQL cluster stopped and started; the email
 * and refund providers failing and timing out; Stripe failing and timing out
 * (payments opened and refunded through its SDK); the carrier (EasyPost)
 * failing and timing out (labels bought through its SDK); webhooks delivered
 * twice, out of order and concurrently; invoice numbering (paid orders
 * refunded on two workers, a worker killed twice and PostgreSQL stopped: one
 * unbroken sequence per series, one document per paid order and per refund).
 * Loopback only, bounded.
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { signPayload } from '../../api/webhook-signature.js';
import { deliveryIdOf } from '../../domain/delivery.js';
import type { ShopSettings } from '../../domain/settings.js';
import { startProductionShape, type ProductionShape, type ProductionShapeOptions } from '../../scripts/production-shape.js';
import { orderQuery, orderWorkflowId } from '../../workflows/order-contract.js';
import { startProviderFake } from '../support/provider-fake.js';
import { startResendFake } from '../support/resend-fake.js';
import { startStripeFake } from '../support/stripe-fake.js';
import { FAKE_EASYPOST_KEY, startCarrierFake } from '../support/carrier-fake.js';
import Stripe from 'stripe';
import { startPrivatePostgres } from './private-postgres.js';

const { values: flags } = parseArgs({
  options: {
    orders: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '10' },
    /** Runs only the scenarios whose name contains this text. */
    only: { type: 'string' },
  },
});
const ORDERS = Number(flags.orders);
const CONCURRENCY = Number(flags.concurrency);
const SKU = 'FAULT-1';
const ON_HAND = 100_000;
const QUANTITY = 2;
/** How long the system may take to settle after the last order before a difference counts as a violation. */
const QUIESCENCE_MS = 90_000;

interface Outcome {
  scenario: string;
  orders: number;
  faults: number;
  recoverySeconds: number;
  violations: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Spreads requests over every API process, as a load balancer would; a retry goes to the next one. */
let turn = 0;
const nextApi = (shape: ProductionShape) => shape.apiUrls[turn++ % shape.apiUrls.length]!;

/** Retries a request through faults: network errors, 5xx, and the 4xx that mean "not yet". */
async function call(
  shape: ProductionShape,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
  /** Statuses or error codes that mean "not yet". */
  retryOn: Array<number | string> = [],
) {
  const deadline = Date.now() + 120_000;
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`${nextApi(shape)}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const json = (await response.json().catch(() => ({}))) as Record<string, any>;
      if (response.ok) return json;
      // "Checkout is in progress: try again in a moment" — a checkout interrupted by the fault is still finishing.
      const code = json.error?.code as string | undefined;
      const notYet = retryOn.includes(response.status) || code === 'checkout_in_progress' || (code !== undefined && retryOn.includes(code));
      if (response.status < 500 && !notYet) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith(`${method} ${path}:`)) throw error;
    }
    if (Date.now() > deadline) throw new Error(`${method} ${path}: no success within 120 s`);
    await sleep(Math.min(2000, 100 * 2 ** attempt));
  }
}

async function webhook(shape: ProductionShape, id: string, type: string, reference: string, amount: number) {
  const raw = JSON.stringify({ id, type, data: { reference, amount, currency: 'EUR' } });
  // Signed afresh on every attempt, as a provider's retry would be.
  const deadline = Date.now() + 120_000;
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`${nextApi(shape)}/api/webhooks/payments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'payment-signature': signPayload(shape.tokens.webhook, raw) },
        body: raw,
      });
      if (response.ok) return;
    } catch {
      // the API or the worker is down: the provider retries
    }
    if (Date.now() > deadline) throw new Error(`webhook ${id}: not acknowledged within 120 s`);
    await sleep(Math.min(2000, 100 * 2 ** attempt));
  }
}

/** A Stripe event, as Stripe delivers it: signed afresh on each attempt, retried until acknowledged. */
async function stripeWebhook(shape: ProductionShape, secret: string, event: { id: string }) {
  const payload = JSON.stringify(event);
  const deadline = Date.now() + 120_000;
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`${nextApi(shape)}/api/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }) },
        body: payload,
      });
      if (response.ok) return;
    } catch {
      // the API or the worker is down: Stripe retries
    }
    if (Date.now() > deadline) throw new Error(`Stripe event ${event.id}: not acknowledged within 120 s`);
    await sleep(Math.min(2000, 100 * 2 ** attempt));
  }
}

/** One storefront customer, every step in an idempotent form so a retry through a fault is harmless. */
async function customer(shape: ProductionShape, i: number, payment: (reference: string, amount: number, orderId: string) => Promise<void>): Promise<string> {
  const sf = shape.tokens.storefront;
  const cart = await call(shape, 'POST', '/api/carts', sf, { lines: [{ sku: SKU, quantity: 1 }] }, { 'idempotency-key': `fault-${shape.taskQueue}-${i}` });
  const id = cart.id as string;
  await call(shape, 'PATCH', `/api/carts/${id}/lines/${SKU}`, sf, { quantity: QUANTITY });
  await call(shape, 'PUT', `/api/carts/${id}/contact`, sf, { email: `fault${i}@example.com`, name: 'Fault' });
  const checkout = await call(shape, 'POST', `/api/carts/${id}/checkout`, sf, { paymentMethod: 'card' });
  await payment(checkout.payment.reference, checkout.payment.amount, id);
  // The warehouse validates once the goods are reserved (409 until then; 404 until the delivery exists).
  await call(shape, 'POST', `/api/deliveries/${deliveryIdOf(id)}/validate`, shape.tokens.operator, { step: 'ship' }, {}, [404, 409]);
  return id;
}

async function pool<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

interface Expected {
  paymentState: string;
  emailKinds: string[];
  /** Units returned and received back on the shelf. */
  returned?: number;
}

const DELIVERED: Expected = { paymentState: 'paid', emailKinds: ['order_confirmation', 'delivery_done'] };

async function checkInvariants(shape: ProductionShape, orderIds: string[], expectedOf: Expected | ((orderId: string) => Expected)): Promise<string[]> {
  const expect = (id: string) => (typeof expectedOf === 'function' ? expectedOf(id) : expectedOf);
  const violations: string[] = [];
  const sql = postgres(shape.databaseUrl, { max: 2, onnotice: () => {} });
  try {
    // The state the inputs imply, live from each workflow, and its agreement with the projection.
    for (const id of orderIds) {
      const live = await shape.client.workflow.getHandle(orderWorkflowId(id)).query(orderQuery);
      const expected = expect(id);
      if (live.state !== 'sale' || live.paymentState !== expected.paymentState || live.deliveryState !== 'done') {
        violations.push(`${live.number}: ${live.state}/${live.paymentState}/${live.deliveryState}, expected sale/${expected.paymentState}/done`);
      }
      const [row] = await sql`select state, payment_state, delivery_state, version from orders where id = ${id}`;
      if (!row || row.state !== live.state || row.payment_state !== live.paymentState || row.delivery_state !== live.deliveryState || row.version !== live.version) {
        violations.push(`${live.number}: projection ${JSON.stringify(row)} disagrees with the workflow (v${live.version})`);
      }
    }
    const emails = await sql`select order_id, kind, count(*)::int as n from emails where order_id = any(${orderIds}) group by order_id, kind`;
    for (const id of orderIds) {
      for (const kind of expect(id).emailKinds) {
        const n = emails.find((e) => e.order_id === id && e.kind === kind)?.n ?? 0;
        if (n !== 1) violations.push(`${id}: ${n} ${kind} emails, expected 1`);
      }
    }
    const payments = await sql`select order_id, count(*)::int as n from order_events where type = 'payment_received' and order_id = any(${orderIds}) group by order_id`;
    for (const id of orderIds) {
      const n = payments.find((p) => p.order_id === id)?.n ?? 0;
      if (n !== 1) violations.push(`${id}: payment applied ${n} times`);
    }
    const [product] = await sql`select on_hand, reserved from products where sku = ${SKU}`;
    const [open] = await sql`select coalesce(sum(quantity), 0)::int as n from stock_requests where sku = ${SKU} and status = 'reserved'`;
    const [shipped] = await sql`select coalesce(sum(quantity), 0)::int as n from stock_requests where sku = ${SKU} and status = 'shipped'`;
    const [back] = await sql`select coalesce(sum((l->>'quantity')::int), 0)::int as n from return_restocks, jsonb_array_elements(lines) l where l->>'sku' = ${SKU}`;
    if (!(product!.reserved >= 0 && product!.reserved <= product!.on_hand)) violations.push(`stock: reserved ${product!.reserved} outside 0..${product!.on_hand}`);
    if (product!.reserved !== open!.n) violations.push(`stock: reserved ${product!.reserved} but open reservations sum to ${open!.n}`);
    const returned = orderIds.reduce((n, id) => n + (expect(id).returned ?? 0), 0);
    if (ON_HAND - product!.on_hand !== shipped!.n - back!.n || shipped!.n !== orderIds.length * QUANTITY || back!.n !== returned) {
      violations.push(`stock: ${ON_HAND - product!.on_hand} left the shelf; ${shipped!.n} shipped and ${back!.n} came back; ${orderIds.length * QUANTITY} delivered and ${returned} returned`);
      const pending = await sql`select id, order_number, state, received_at from returns where id not in (select return_id from return_restocks) and order_id = any(${orderIds})`;
      for (const r of pending) violations.push(`return ${r.id} of ${r.order_number}: ${r.state}, received ${r.received_at ?? 'no'}, not back on the shelf`);
    }
  } finally {
    await sql.end();
  }
  return violations;
}

interface Driven {
  orderIds: string[];
  faults: number;
  lastFaultAt: number;
  /** Checks of the scenario's own, run after the common invariants. */
  check?: () => Promise<string[]>;
}

interface ScenarioOptions {
  settings?: Partial<ShopSettings>;
  shape?: Partial<ProductionShapeOptions>;
  expected?: Expected | ((orderId: string) => Expected);
}

async function scenario(name: string, drive: (shape: ProductionShape) => Promise<Driven>, options: ScenarioOptions = {}): Promise<Outcome | null> {
  if (flags.only && !name.includes(flags.only)) return null;
  const shape = await startProductionShape({
    name: 'faults',
    products: [{ sku: SKU, name: 'Fault lamp', price: 1500, currency: 'EUR', type: 'storable', onHand: ON_HAND, weightGrams: 300 }],
    settings: { deliverySteps: 'ship_only', ...options.settings },
    ...options.shape,
  });
  const started = Date.now();
  try {
    process.stderr.write(`${name}: running ${ORDERS} orders...\n`);
    let driven: Driven;
    try {
      driven = await drive(shape);
    } catch (error) {
      // The scenario could not finish: say why, with any process that died, and go on with the next.
      const violations = [`the run stopped: ${error instanceof Error ? error.message : String(error)}`, ...shape.unexpectedExits];
      return { scenario: name, orders: 0, faults: 0, recoverySeconds: 0, violations };
    }
    const { orderIds, faults, lastFaultAt, check } = driven;
    const recoverySeconds = (Date.now() - lastFaultAt) / 1000;
    // Quiescence: the last emails and projections land after the last validation, and an activity lost
    // with a killed worker is retried only when its 30 s timeout passes. A duplicate never heals; a
    // stuck order shows once the bound is over.
    let violations: string[] = [`only ${orderIds.length} of ${ORDERS} orders completed`];
    if (orderIds.length === ORDERS) {
      await until(async () => (violations = await checkInvariants(shape, orderIds, options.expected ?? DELIVERED)).length === 0, QUIESCENCE_MS);
    }
    if (check) violations.push(...(await check()));
    // A worker or an API that died by itself is a failure even if the others carried the load.
    violations.push(...shape.unexpectedExits);
    process.stderr.write(`${name}: ${((Date.now() - started) / 1000).toFixed(0)} s, ${violations.length} violations\n`);
    return { scenario: name, orders: orderIds.length, faults, recoverySeconds, violations };
  } finally {
    await shape.stop();
  }
}

/** Runs the customers, calling `fault` once when `afterOrders` of them have finished. */
async function driveWith(shape: ProductionShape, afterOrders: number, fault: () => Promise<number>): Promise<Driven> {
  const orderIds: string[] = [];
  let faults = 0;
  let lastFaultAt = Date.now();
  let injected: Promise<void> | undefined;
  await pool(Array.from({ length: ORDERS }, (_, i) => i), CONCURRENCY, async (i) => {
    orderIds.push(await customer(shape, i, (reference, amount, id) => webhook(shape, `evt_${id}`, 'payment.succeeded', reference, amount)));
    if (orderIds.length === afterOrders) {
      injected = fault().then((n) => {
        faults = n;
        lastFaultAt = Date.now();
      });
    }
  });
  await injected;
  return { orderIds, faults, lastFaultAt };
}

/** Polls until `done` says yes or the bound passes; returns whether it did. */
async function until(done: () => Promise<boolean>, boundMs = 180_000): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await sleep(500);
  }
  return false;
}

/**
 * Invoice numbering under faults: every order paid and shipped, then refunded
 * (half by 10.00, half in full), on two workers, while one worker is killed
 * with SIGKILL, the private PostgreSQL cluster is stopped `immediate` for 5 s,
 * and the worker is killed again the moment the database is back. Afterwards:
 * per series (kind, year) the numbers run 1..n with no gap and the counter
 * stands at n (no number allocated and lost); exactly one invoice per paid
 * order, with the order's total, and one credit note per refund, with the
 * refund's amount; the workflow's own record names the same documents; and
 * the confirmation and refund emails reference them.
 */
async function invoiceNumberingScenario(): Promise<Outcome | null> {
  const name = 'invoice numbering: worker killed twice and PostgreSQL stopped, paid orders refunded';
  if (flags.only && !name.includes(flags.only)) return null;
  const PARTIAL = 1000;
  const partial = new Set<string>();
  const pg = await startPrivatePostgres();
  const provider = await startProviderFake();
  try {
    return await scenario(
      name,
      async (shape) => {
        shape.addWorker();
        const orderIds: string[] = [];
        let faults = 0;
        let lastFaultAt = Date.now();
        const reached = (n: number) => until(async () => orderIds.length >= n, 600_000);
        const injected = (async () => {
          await reached(Math.floor(ORDERS / 5));
          await shape.replaceWorker('SIGKILL');
          faults += 1;
          await reached(Math.floor((2 * ORDERS) / 5));
          pg.stop('immediate');
          await sleep(5000);
          pg.start();
          // The activities that met the outage are retrying: the worker holding some of them dies now.
          await shape.replaceWorker('SIGKILL');
          faults += 2;
          lastFaultAt = Date.now();
        })();
        await pool(Array.from({ length: ORDERS }, (_, i) => i), CONCURRENCY, async (i) => {
          const id = await customer(shape, i, (reference, amount, orderId) => webhook(shape, `evt_${orderId}`, 'payment.succeeded', reference, amount));
          if (i % 2 === 0) partial.add(id);
          await refundOnce(shape, id, i % 2 === 0 ? PARTIAL : undefined);
          orderIds.push(id);
        });
        await injected;
        const check = async (): Promise<string[]> => {
          const sql = postgres(shape.databaseUrl, { max: 1, onnotice: () => {} });
          try {
            let problems: string[] = [];
            // The last credit notes and emails land shortly after the refunds settle.
            await until(async () => (problems = await invoiceViolations(shape, sql, orderIds)).length === 0, 60_000);
            return problems;
          } finally {
            await sql.end();
          }
        };
        return { orderIds, faults, lastFaultAt, check };
      },
      {
        shape: { adminDatabaseUrl: pg.url, env: { PAYMENT_PROVIDER_URL: provider.url, PAYMENT_PROVIDER_KEY: provider.apiKey } },
        expected: (id) => ({ paymentState: partial.has(id) ? 'partially_refunded' : 'refunded', emailKinds: ['order_confirmation', 'delivery_done', 'refund'] }),
      },
    );
  } finally {
    await provider.close();
    pg.destroy();
  }
}

/**
 * One refund of the order, whatever fault meets the request: a partial refund
 * has no idempotency key, so before every attempt the workflow's own record
 * says whether an earlier attempt got through. A second refund would still
 * show, as a violation.
 */
async function refundOnce(shape: ProductionShape, id: string, amount: number | undefined): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (let attempt = 0; ; attempt++) {
    let refused: string | undefined;
    try {
      const live = await shape.client.workflow.getHandle(orderWorkflowId(id)).query(orderQuery);
      if ((live.refunds ?? []).length > 0) return;
      const response = await fetch(`${nextApi(shape)}/api/orders/${id}/refunds`, {
        method: 'POST',
        headers: { authorization: `Bearer ${shape.tokens.operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'fault test', ...(amount ? { amount } : {}) }),
        // Long enough for the update to outlast a worker's restart: an answer, not a guess, says whether it got through.
        signal: AbortSignal.timeout(90_000),
      });
      if (response.ok) return;
      if (response.status < 500) refused = `${response.status} ${await response.text()}`;
    } catch {
      // the worker (the query) or the database (the API) is down: try again
    }
    if (refused) throw new Error(`refund of ${id}: ${refused}`);
    if (Date.now() > deadline) throw new Error(`refund of ${id}: no success within 120 s`);
    await sleep(Math.min(2000, 100 * 2 ** attempt));
  }
}

/** The numbering's invariants over the whole database (the scenario's own): see invoiceNumberingScenario. */
async function invoiceViolations(shape: ProductionShape, sql: postgres.Sql, orderIds: string[]): Promise<string[]> {
  const problems: string[] = [];
  const documents = await sql`select id, number, kind, year, sequence, order_id, refund_id, total from invoices order by kind, year, sequence`;
  const counters = await sql`select kind, year, last from invoice_sequences`;
  const series = new Map<string, number[]>();
  for (const d of documents) series.set(`${d.kind} ${d.year}`, [...(series.get(`${d.kind} ${d.year}`) ?? []), d.sequence as number]);
  for (const [key, sequences] of series) {
    const gaps = sequences.filter((n, i) => n !== i + 1);
    if (gaps.length) problems.push(`${key}: numbers ${sequences.join(',')} are not 1..${sequences.length}`);
    const counter = counters.find((c) => `${c.kind} ${c.year}` === key);
    if (counter?.last !== sequences.length) problems.push(`${key}: the counter stands at ${counter?.last ?? 'nothing'} for ${sequences.length} documents`);
  }
  for (const c of counters) if (!series.has(`${c.kind} ${c.year}`)) problems.push(`${c.kind} ${c.year}: the counter stands at ${c.last} with no document`);

  const orders = await sql`select id, total from orders where id = any(${orderIds})`;
  const refunds = await sql`select id, order_id, amount, status from refunds where order_id = any(${orderIds})`;
  const emails = await sql`select order_id, kind, attachment_invoice_id from emails where order_id = any(${orderIds}) and kind in ('order_confirmation', 'refund')`;
  for (const id of orderIds) {
    const invoices = documents.filter((d) => d.kind === 'invoice' && d.order_id === id);
    const order = orders.find((o) => o.id === id);
    if (invoices.length !== 1 || invoices[0]!.total !== order?.total) {
      problems.push(`${id}: ${invoices.length} invoices (${invoices.map((d) => `${d.number} ${d.total}`).join(', ')}), expected one of ${order?.total}`);
      continue;
    }
    const orderRefunds = refunds.filter((r) => r.order_id === id);
    if (orderRefunds.length !== 1 || orderRefunds[0]!.status !== 'succeeded') problems.push(`${id}: refunds ${JSON.stringify(orderRefunds)}, expected one succeeded`);
    const notes = documents.filter((d) => d.kind === 'credit_note' && d.order_id === id);
    for (const refund of orderRefunds) {
      const mine = notes.filter((n) => n.refund_id === refund.id);
      if (mine.length !== 1 || mine[0]!.total !== refund.amount) problems.push(`refund ${refund.id}: ${mine.length} credit notes (${mine.map((n) => `${n.number} ${n.total}`).join(', ')}), expected one of ${refund.amount}`);
    }
    if (notes.length !== orderRefunds.length) problems.push(`${id}: ${notes.length} credit notes for ${orderRefunds.length} refunds`);
    // The workflow's own record names the very documents the database holds, and the emails carry them.
    const live = await shape.client.workflow.getHandle(orderWorkflowId(id)).query(orderQuery);
    const recorded = [live.invoice?.id, ...(live.creditNotes ?? []).map((c) => c.id)].sort();
    const stored = [invoices[0]!.id, ...notes.map((n) => n.id)].sort();
    if (JSON.stringify(recorded) !== JSON.stringify(stored)) problems.push(`${id}: the workflow records ${recorded.join(', ')}, the database holds ${stored.join(', ')}`);
    const attached = emails.filter((e) => e.order_id === id).map((e) => `${e.kind}:${e.attachment_invoice_id}`).sort();
    const expected = [`order_confirmation:${invoices[0]!.id}`, ...notes.map((n) => `refund:${n.id}`)].sort();
    if (JSON.stringify(attached) !== JSON.stringify(expected)) problems.push(`${id}: emails attach ${attached.join(', ')}, expected ${expected.join(', ')}`);
  }
  const strays = documents.filter((d) => !orderIds.includes(d.order_id));
  if (strays.length) problems.push(`${strays.length} documents for orders not in the run: ${strays.map((d) => d.number).join(', ')}`);
  return problems;
}

async function main(): Promise<void> {
  const outcomes: Array<Outcome | null> = [];

  outcomes.push(
    await scenario('worker killed (SIGKILL) and restarted, 3 times', async (shape) => {
      const orderIds: string[] = [];
      let faults = 0;
      let lastFaultAt = Date.now();
      let driving = true;
      const killer = (async () => {
        while (driving && faults < 3) {
          await sleep(1500 + Math.random() * 2500);
          if (!driving) break;
          await shape.replaceWorker('SIGKILL');
          faults += 1;
          lastFaultAt = Date.now();
        }
      })();
      await pool(Array.from({ length: ORDERS }, (_, i) => i), CONCURRENCY, async (i) => {
        orderIds.push(await customer(shape, i, (reference, amount, id) => webhook(shape, `evt_${id}`, 'payment.succeeded', reference, amount)));
      });
      driving = false;
      await killer;
      return { orderIds, faults, lastFaultAt };
    }),
  );

  outcomes.push(
    await scenario('webhooks twice, out of order, concurrently', async (shape) => {
      const orderIds: string[] = [];
      let faults = 0;
      await pool(Array.from({ length: ORDERS }, (_, i) => i), CONCURRENCY, async (i) => {
        orderIds.push(
          await customer(shape, i, async (reference, amount, id) => {
            // Success arrives three times at once, before the provider's "pending"; then a late failure and a fourth copy.
            await Promise.all([1, 2, 3].map(() => webhook(shape, `evt_ok_${id}`, 'payment.succeeded', reference, amount)));
            await webhook(shape, `evt_pending_${id}`, 'payment.pending', reference, amount);
            await webhook(shape, `evt_fail_${id}`, 'payment.failed', reference, amount);
            await webhook(shape, `evt_ok_${id}`, 'payment.succeeded', reference, amount);
            faults += 5;
          }),
        );
      });
      return { orderIds, faults, lastFaultAt: Date.now() };
    }),
  );

  const IDLE = 10;
  outcomes.push(
    await scenario(
      'Temporal server stopped and restarted on its SQLite file',
      async (shape) => {
        // Idle carts first: their reminder timers are due after the restart and must survive it.
        const idle: string[] = [];
        for (let i = 0; i < IDLE; i++) {
          const cart = await call(shape, 'POST', '/api/carts', shape.tokens.storefront, { lines: [{ sku: SKU, quantity: 1 }], customer: { email: `idle${i}@example.com`, loggedIn: true } });
          idle.push(cart.id as string);
        }
        const orderIds: string[] = [];
        let lastFaultAt = Date.now();
        const restart = (async () => {
          await sleep(2000);
          await shape.restartTemporal(3000);
          lastFaultAt = Date.now();
        })();
        await pool(Array.from({ length: ORDERS }, (_, i) => i), CONCURRENCY, async (i) => {
          orderIds.push(await customer(shape, i, (reference, amount, id) => webhook(shape, `evt_${id}`, 'payment.succeeded', reference, amount)));
        });
        await restart;
        const check = async () => {
          const sql = postgres(shape.databaseUrl, { max: 1, onnotice: () => {} });
          try {
            const problems: string[] = [];
            const deadline = Date.now() + 60_000;
            for (;;) {
              const rows = await sql`select order_id, count(*)::int as n from emails where kind = 'abandoned_cart' and order_id = any(${idle}) group by order_id`;
              const counts = idle.map((id) => rows.find((r) => r.order_id === id)?.n ?? 0);
              if (counts.every((n) => n === 1) || Date.now() > deadline) {
                counts.forEach((n, i) => n !== 1 && problems.push(`idle cart ${idle[i]}: ${n} reminders after the restart, expected 1`));
                return problems;
              }
              await sleep(500);
            }
          } finally {
            await sql.end();
          }
        };
        return { orderIds, faults: 1, lastFaultAt, check };
      },
      { settings: { abandonedCart: { enabled: true, delay: '8s', subject: 'Your cart is waiting', body: 'Back to {{recovery_link}}', followUps: [], expireAfter: '1h' } } },
    ),
  );

  outcomes.push(
    await scenario('two workers and two APIs, one of each killed midway', async (shape) => {
      shape.addWorker();
      await shape.addApi();
      // The dead API stays in the rotation, as behind a balancer without health checks: requests to it fail over.
      return driveWith(shape, Math.floor(ORDERS / 3), async () => {
        await Promise.all([shape.kill(shape.worker, 'SIGKILL'), shape.kill(shape.api, 'SIGKILL')]);
        return 2;
      });
    }),
  );

  const pg = await startPrivatePostgres();
  try {
    outcomes.push(
      await scenario(
        'PostgreSQL (a private cluster) stopped for 5 s and started again',
        (shape) =>
          driveWith(shape, Math.floor(ORDERS / 3), async () => {
            pg.stop('immediate');
            await sleep(5000);
            pg.start();
            return 1;
          }),
        { shape: { adminDatabaseUrl: pg.url } },
      ),
    );
  } finally {
    pg.destroy();
  }

  outcomes.push(await invoiceNumberingScenario());

  const returnedOrders = new Set<string>();
  const resend = await startResendFake();
  const provider = await startProviderFake();
  try {
    outcomes.push(
      await scenario(
        'email and refund providers answer 500, then time out (half the orders returned, half refunded)',
        async (shape) => {
          const orderIds: string[] = [];
          let lastFaultAt = Date.now();
          const fakes = [resend, provider];
          let outage: Promise<void> | undefined;
          // The outage starts once refunds are flowing, so that emails and refunds both meet it.
          const startOutage = async () => {
            for (const fake of fakes) fake.setMode({ kind: 'error' });
            await sleep(8000);
            // Accepted, but answered after the client gave up (15 s): the retry must not send or refund twice.
            for (const fake of fakes) fake.setMode({ kind: 'slow', holdMs: 17_000 });
            await sleep(8000);
            for (const fake of fakes) fake.setMode({ kind: 'ok' });
            lastFaultAt = Date.now();
          };
          await pool(Array.from({ length: ORDERS }, (_, i) => i), CONCURRENCY, async (i) => {
            const id = await customer(shape, i, (reference, amount, orderId) => webhook(shape, `evt_${orderId}`, 'payment.succeeded', reference, amount));
            if (i % 2 === 0) {
              // One unit comes back: the return is received (stock back on the shelf) and refunded automatically.
              const ret = await call(shape, 'POST', `/api/orders/${id}/returns`, shape.tokens.operator, { lines: [{ sku: SKU, quantity: 1, reason: 'fault test' }] }, {}, ['order_not_delivered']);
              await call(shape, 'POST', `/api/returns/${ret.id}/receive`, shape.tokens.operator, {});
              returnedOrders.add(id);
            } else {
              await call(shape, 'POST', `/api/orders/${id}/refunds`, shape.tokens.operator, { reason: 'fault test' });
            }
            orderIds.push(id);
            if (orderIds.length === 5) outage = startOutage();
          });
          await outage;
          // Retries back off up to a minute: wait until every email went out and every refund settled.
          const sql = postgres(shape.databaseUrl, { max: 1, onnotice: () => {} });
          const settled = await until(async () => {
            const [emails] = await sql`select count(*)::int as n from emails where order_id = any(${orderIds}) and status = 'sent'`;
            const [refunds] = await sql`select count(*)::int as n from refunds where order_id = any(${orderIds}) and status <> 'pending'`;
            return emails!.n === orderIds.length * 3 + returnedOrders.size && refunds!.n === orderIds.length;
          });
          const faults = resend.counts.faults + provider.counts.faults;
          const check = async () => {
            const problems: string[] = settled ? [] : ['emails or refunds still pending 180 s after the outage'];
            // The scenario must have met both faults, or it proves nothing.
            if (!resend.counts.held || !provider.counts.held || resend.counts.faults === resend.counts.held || provider.counts.faults === provider.counts.held) {
              problems.push(`faults not met: Resend ${resend.counts.faults} (${resend.counts.held} held), provider ${provider.counts.faults} (${provider.counts.held} held)`);
            }
            try {
              const emails = await sql`select idempotency_key, status, provider_id from emails where order_id = any(${orderIds})`;
              for (const email of emails) {
                const delivered = resend.delivered.get(email.idempotency_key);
                if (email.status !== 'sent' || !delivered || delivered.id !== email.provider_id) {
                  problems.push(`email ${email.idempotency_key}: ${email.status}, provider id ${email.provider_id}, Resend has ${delivered?.id ?? 'nothing'}`);
                }
              }
              if (resend.delivered.size !== emails.length) problems.push(`Resend delivered ${resend.delivered.size} emails for ${emails.length} recorded`);
              const refunds = await sql`select id, amount, status, provider_refund_id from refunds where order_id = any(${orderIds})`;
              if (refunds.length !== orderIds.length) problems.push(`${refunds.length} refunds recorded for ${orderIds.length} orders`);
              for (const refund of refunds) {
                const made = provider.refunds.get(refund.id);
                if (refund.status !== 'succeeded' || !made || made.id !== refund.provider_refund_id || made.amount !== refund.amount) {
                  problems.push(`refund ${refund.id}: ${refund.status}, provider has ${JSON.stringify(made ?? null)}`);
                }
              }
              if (provider.refunds.size !== refunds.length) problems.push(`the provider made ${provider.refunds.size} refunds for ${refunds.length} requested`);
            } finally {
              await sql.end();
            }
            return problems;
          };
          return { orderIds, faults, lastFaultAt, check };
        },
        {
          shape: {
            env: { RESEND_API_KEY: 're_test_key', RESEND_BASE_URL: resend.url, PAYMENT_PROVIDER_URL: provider.url, PAYMENT_PROVIDER_KEY: provider.apiKey },
          },
          expected: (id) =>
            returnedOrders.has(id)
              ? { paymentState: 'partially_refunded', emailKinds: ['order_confirmation', 'delivery_done', 'return', 'refund'], returned: 1 }
              : { paymentState: 'refunded', emailKinds: ['order_confirmation', 'delivery_done', 'refund'] },
        },
      ),
    );
  } finally {
    await resend.close();
    await provider.close();
  }

  const stripe = await startStripeFake();
  const stripeWebhookSecret = 'whsec_faults0123456789';
  try {
    outcomes.push(
      await scenario(
        'Stripe answers 500, then times out (payments opened and refunded through its SDK)',
        async (shape) => {
          const orderIds: string[] = [];
          let lastFaultAt = Date.now();
          let outage: Promise<void> | undefined;
          const startOutage = async () => {
            stripe.setMode({ kind: 'error' });
            await sleep(8000);
            // Done, but answered after the SDK gave up (15 s): the retry must neither open nor refund twice.
            stripe.setMode({ kind: 'slow', holdMs: 17_000 });
            await sleep(8000);
            stripe.setMode({ kind: 'ok' });
            lastFaultAt = Date.now();
          };
          // The customer pays on Stripe (the fake's PaymentIntent succeeds) and Stripe sends its signed event.
          const pay = async (reference: string, _amount: number, orderId: string) => {
            const intent = [...stripe.intents.values()].find((i) => i.metadata.reference === reference);
            if (!intent) throw new Error(`no PaymentIntent for ${reference}`);
            const paid = stripe.setIntentStatus(intent.id, 'succeeded');
            await stripeWebhook(shape, stripeWebhookSecret, { id: `evt_stripe_${orderId}`, object: 'event', type: 'payment_intent.succeeded', data: { object: paid } } as { id: string });
          };
          await pool(Array.from({ length: ORDERS }, (_, i) => i), CONCURRENCY, async (i) => {
            const id = await customer(shape, i, pay);
            await call(shape, 'POST', `/api/orders/${id}/refunds`, shape.tokens.operator, { reason: 'fault test' });
            orderIds.push(id);
            if (orderIds.length === 5) outage = startOutage();
          });
          await outage;
          const sql = postgres(shape.databaseUrl, { max: 1, onnotice: () => {} });
          const settled = await until(async () => {
            const [refunds] = await sql`select count(*)::int as n from refunds where order_id = any(${orderIds}) and status <> 'pending'`;
            return refunds!.n === orderIds.length;
          });
          const check = async () => {
            const problems: string[] = settled ? [] : ['refunds still pending 180 s after the outage'];
            // The scenario must have met both faults, or it proves nothing.
            if (!stripe.counts.held || stripe.counts.faults === stripe.counts.held) problems.push(`faults not met: Stripe ${stripe.counts.faults} (${stripe.counts.held} held)`);
            try {
              const payments = await sql`select reference, provider_payment_id from payments where order_id = any(${orderIds})`;
              for (const payment of payments) {
                const intents = [...stripe.intents.values()].filter((i) => i.metadata.reference === payment.reference);
                if (intents.length !== 1 || intents[0]!.id !== payment.provider_payment_id) {
                  problems.push(`payment ${payment.reference}: ${intents.length} PaymentIntents, recorded ${payment.provider_payment_id}`);
                }
              }
              const refunds = await sql`select id, amount, status, provider_refund_id from refunds where order_id = any(${orderIds})`;
              if (refunds.length !== orderIds.length) problems.push(`${refunds.length} refunds recorded for ${orderIds.length} orders`);
              for (const refund of refunds) {
                const made = stripe.refunds.filter((r) => r.metadata.refund_id === refund.id);
                if (refund.status !== 'succeeded' || made.length !== 1 || made[0]!.id !== refund.provider_refund_id || made[0]!.amount !== refund.amount) {
                  problems.push(`refund ${refund.id}: ${refund.status}, Stripe made ${JSON.stringify(made)}`);
                }
              }
            } finally {
              await sql.end();
            }
            return problems;
          };
          return { orderIds, faults: stripe.counts.faults, lastFaultAt, check };
        },
        {
          shape: { env: { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripeWebhookSecret, STRIPE_API_BASE: stripe.url } },
          expected: { paymentState: 'refunded', emailKinds: ['order_confirmation', 'delivery_done', 'refund'] },
        },
      ),
    );
  } finally {
    await stripe.close();
  }

  outcomes.push(await carrierOutage());

  const ran = outcomes.filter((o): o is Outcome => o !== null);
  console.log('\n| scenario | orders | faults injected | recovery (s) | invariant violations |\n|---|---:|---:|---:|---:|');
  for (const o of ran) console.log(`| ${o.scenario} | ${o.orders} | ${o.faults} | ${o.recoverySeconds.toFixed(1)} | ${o.violations.length} |`);
  const all = ran.flatMap((o) => o.violations.map((v) => `${o.scenario}: ${v}`));
  for (const v of all.slice(0, 50)) console.log(`- ${v}`);
  process.exit(all.length === 0 ? 0 : 1);
}

/**
 * The carrier (EasyPost, through its SDK against the loopback fake) answers
 * 500, then buys labels but answers after the SDK gave up: each delivery's
 * label activity is retried until the carrier answers, and the idempotency
 * key per parcel makes the retry find the shipment it booked — one label
 * bought per parcel, none twice, each parcel holding the label bought for it.
 */
async function carrierOutage(): Promise<Outcome | null> {
  const carrier = await startCarrierFake();
  try {
    return await scenario(
      'carrier (EasyPost) answers 500, then times out (labels bought through its SDK)',
      async (shape) => {
        const orderIds: string[] = [];
        let lastFaultAt = Date.now();
        let outage: Promise<void> | undefined;
        // Each phase lasts at least 8 s and until the carrier has met it (labels are bought only at the ship step:
        // a quiet moment would let an outage pass unmet), at most 40 s.
        const startOutage = async () => {
          carrier.setMode({ kind: 'error' });
          await sleep(8000);
          await until(async () => carrier.counts.faults >= 5, 32_000);
          // Bought, but answered after the SDK's 15 s timeout: the retry must not buy the parcel a second label.
          const before = carrier.counts.held;
          carrier.setMode({ kind: 'slow', holdMs: 17_000 });
          await sleep(8000);
          await until(async () => carrier.counts.held >= before + 3, 32_000);
          carrier.setMode({ kind: 'ok' });
          lastFaultAt = Date.now();
        };
        // The customer's steps (as customer() does), with the shipping address a carrier needs.
        const shippedCustomer = async (i: number) => {
          const sf = shape.tokens.storefront;
          const cart = await call(shape, 'POST', '/api/carts', sf, { lines: [{ sku: SKU, quantity: QUANTITY }] }, { 'idempotency-key': `fault-${shape.taskQueue}-${i}` });
          const id = cart.id as string;
          const address = { line1: `${i} Carrier Street`, city: 'Lyon', postalCode: '69002', country: 'FR' };
          await call(shape, 'PUT', `/api/carts/${id}/contact`, sf, { email: `carrier${i}@example.com`, name: 'Carrier Fault', shippingAddress: address });
          const checkout = await call(shape, 'POST', `/api/carts/${id}/checkout`, sf, { paymentMethod: 'card' });
          await webhook(shape, `evt_${id}`, 'payment.succeeded', checkout.payment.reference, checkout.payment.amount);
          // 409 while the label is being bought (step_in_progress) or the stock not reserved yet; 404 until the delivery exists.
          await call(shape, 'POST', `/api/deliveries/${deliveryIdOf(id)}/validate`, shape.tokens.operator, { step: 'ship' }, {}, [404, 409]);
          return id;
        };
        await pool(Array.from({ length: ORDERS }, (_, i) => i), CONCURRENCY, async (i) => {
          orderIds.push(await shippedCustomer(i));
          if (orderIds.length === 5) outage = startOutage();
        });
        await outage;
        const check = async () => {
          const problems: string[] = [];
          if (!carrier.counts.held || carrier.counts.faults === carrier.counts.held) problems.push(`faults not met: EasyPost ${carrier.counts.faults} (${carrier.counts.held} held)`);
          const sql = postgres(shape.databaseUrl, { max: 1, onnotice: () => {} });
          try {
            const deliveryIds = orderIds.map(deliveryIdOf);
            const parcels = await sql`select delivery_id, parcel_id, state, carrier, tracking_number, carrier_shipment_id from parcels where delivery_id = any(${deliveryIds})`;
            if (parcels.length !== orderIds.length) problems.push(`${parcels.length} parcels for ${orderIds.length} deliveries (one parcel each)`);
            const bought = new Map<string, number>();
            for (const id of carrier.labelsBought) bought.set(id, (bought.get(id) ?? 0) + 1);
            for (const [id, n] of bought) if (n > 1) problems.push(`EasyPost shipment ${id} bought ${n} times`);
            if (carrier.labelsBought.length !== parcels.length) problems.push(`EasyPost sold ${carrier.labelsBought.length} labels for ${parcels.length} parcels`);
            for (const p of parcels) {
              const shipment = p.carrier_shipment_id ? carrier.shipments.get(p.carrier_shipment_id) : undefined;
              if (p.state !== 'shipped' || !shipment || !bought.has(shipment.id) || shipment.tracking_code !== p.tracking_number) {
                problems.push(`parcel ${p.parcel_id} of ${p.delivery_id}: ${p.carrier}/${p.state}, shipment ${p.carrier_shipment_id} (${shipment ? `tracking ${shipment.tracking_code}` : 'unknown to EasyPost'}), tracking ${p.tracking_number}`);
              }
            }
          } finally {
            await sql.end();
          }
          return problems;
        };
        return { orderIds, faults: carrier.counts.faults, lastFaultAt, check };
      },
      { shape: { env: { EASYPOST_API_KEY: FAKE_EASYPOST_KEY, EASYPOST_API_URL: carrier.baseUrl } } },
    );
  } finally {
    await carrier.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
