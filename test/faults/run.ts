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
 * Scenarios so far: the worker killed with SIGKILL several times; webhooks
 * delivered twice, out of order and concurrently. Loopback only, bounded.
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { signPayload } from '../../api/webhook-signature.js';
import { deliveryIdOf } from '../../domain/delivery.js';
import type { ShopSettings } from '../../domain/settings.js';
import { startProductionShape, type ProductionShape } from '../../scripts/production-shape.js';
import { orderQuery, orderWorkflowId } from '../../workflows/order-contract.js';

const { values: flags } = parseArgs({ options: { orders: { type: 'string', default: '50' }, concurrency: { type: 'string', default: '10' } } });
const ORDERS = Number(flags.orders);
const CONCURRENCY = Number(flags.concurrency);
const SKU = 'FAULT-1';
const ON_HAND = 100_000;
const QUANTITY = 2;

interface Outcome {
  scenario: string;
  orders: number;
  faults: number;
  recoverySeconds: number;
  violations: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries a request through faults: network errors, 5xx, and the 4xx that mean "not yet". */
async function call(shape: ProductionShape, method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}, retryOn: number[] = []) {
  const deadline = Date.now() + 120_000;
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`${shape.apiUrl}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const json = (await response.json().catch(() => ({}))) as Record<string, any>;
      if (response.ok) return json;
      if (response.status < 500 && !retryOn.includes(response.status)) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
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
      const response = await fetch(`${shape.apiUrl}/api/webhooks/payments`, {
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

async function checkInvariants(shape: ProductionShape, orderIds: string[]): Promise<string[]> {
  const violations: string[] = [];
  const sql = postgres(shape.databaseUrl, { max: 2, onnotice: () => {} });
  try {
    // The state the inputs imply, live from each workflow, and its agreement with the projection.
    for (const id of orderIds) {
      const live = await shape.client.workflow.getHandle(orderWorkflowId(id)).query(orderQuery);
      if (live.state !== 'sale' || live.paymentState !== 'paid' || live.deliveryState !== 'done') {
        violations.push(`${live.number}: ${live.state}/${live.paymentState}/${live.deliveryState}, expected sale/paid/done`);
      }
      const [row] = await sql`select state, payment_state, delivery_state, version from orders where id = ${id}`;
      if (!row || row.state !== live.state || row.payment_state !== live.paymentState || row.delivery_state !== live.deliveryState || row.version !== live.version) {
        violations.push(`${live.number}: projection ${JSON.stringify(row)} disagrees with the workflow (v${live.version})`);
      }
    }
    const emails = await sql`select order_id, kind, count(*)::int as n from emails where order_id = any(${orderIds}) group by order_id, kind`;
    for (const id of orderIds) {
      for (const kind of ['order_confirmation', 'delivery_done']) {
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
    if (!(product!.reserved >= 0 && product!.reserved <= product!.on_hand)) violations.push(`stock: reserved ${product!.reserved} outside 0..${product!.on_hand}`);
    if (product!.reserved !== open!.n) violations.push(`stock: reserved ${product!.reserved} but open reservations sum to ${open!.n}`);
    if (ON_HAND - product!.on_hand !== shipped!.n || shipped!.n !== orderIds.length * QUANTITY) {
      violations.push(`stock: ${ON_HAND - product!.on_hand} left the shelf, ${shipped!.n} shipped, ${orderIds.length * QUANTITY} delivered`);
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

async function scenario(name: string, drive: (shape: ProductionShape) => Promise<Driven>, settings: Partial<ShopSettings> = {}): Promise<Outcome> {
  const shape = await startProductionShape({
    name: 'faults',
    products: [{ sku: SKU, name: 'Fault lamp', price: 1500, currency: 'EUR', type: 'storable', onHand: ON_HAND, weightGrams: 300 }],
    settings: { deliverySteps: 'ship_only', ...settings },
  });
  try {
    process.stderr.write(`${name}: running ${ORDERS} orders...\n`);
    const { orderIds, faults, lastFaultAt, check } = await drive(shape);
    const recoverySeconds = (Date.now() - lastFaultAt) / 1000;
    // Quiescence: the last emails and projections land after the last validation.
    await sleep(3000);
    const violations = orderIds.length === ORDERS ? await checkInvariants(shape, orderIds) : [`only ${orderIds.length} of ${ORDERS} orders completed`];
    if (check) violations.push(...(await check()));
    return { scenario: name, orders: orderIds.length, faults, recoverySeconds, violations };
  } finally {
    await shape.stop();
  }
}

async function main(): Promise<void> {
  const outcomes: Outcome[] = [];

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
      { abandonedCart: { enabled: true, delay: '8s', subject: 'Your cart is waiting', body: 'Back to {{recovery_link}}', followUps: [], expireAfter: '1h' } },
    ),
  );

  console.log('\n| scenario | orders | faults injected | recovery (s) | invariant violations |\n|---|---:|---:|---:|---:|');
  for (const o of outcomes) console.log(`| ${o.scenario} | ${o.orders} | ${o.faults} | ${o.recoverySeconds.toFixed(1)} | ${o.violations.length} |`);
  const all = outcomes.flatMap((o) => o.violations.map((v) => `${o.scenario}: ${v}`));
  for (const v of all.slice(0, 50)) console.log(`- ${v}`);
  process.exit(all.length === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
