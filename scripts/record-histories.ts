/**
 * `npm run record-histories [-- --shape <tag>]`: runs the order journeys on a
 * real Temporal dev server and ADDS their histories to the replay corpus,
 * under test/histories/v<package version>[-<tag>]/, with their SHA-256 in
 * test/histories/SHA256SUMS. It never overwrites a history: a journey whose
 * file exists is skipped. The replay test checks that today's workflow code
 * still replays every history of every shape ever released; one that no
 * longer replays means a change would break orders already in flight: guard
 * the change with patched() (docs/changing-workflows.md).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { NativeConnection } from '@temporalio/worker';
import { outboxTransport } from '../activities/email.js';
import { paymentProvidersOf } from '../activities/payment-providers.js';
import { serveWaitingOrders, validateDeliveryStep } from '../api/deliveries.js';
import { createProduct, updateProduct } from '../db/products.js';
import * as orders from '../api/orders.js';
import type { TemporalGateway } from '../api/temporal-gateway.js';
import { receiveReturn, requestRefund, requestReturn } from '../api/returns.js';
import { testDataConverter } from '../test/support/payload-key.js';
import { startProviderFake } from '../test/support/provider-fake.js';
import { refundWorkflowId, returnWorkflowId } from '../workflows/returns-contract.js';
import { backorderIdOf, deliveryIdOf } from '../domain/delivery.js';
import { deliveryWorkflowId, stockReservedSignal } from '../workflows/delivery-contract.js';
import { loadConfig } from '../config.js';
import { createDb } from '../db/index.js';
import { seedDemoCatalog } from '../db/seed.js';
import { getSettings, saveSettings } from '../db/settings.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { createOrderWorker } from '../worker.js';
import { freePort, PROJECT_DIR, resolveTemporalCli, startDevServer } from './temporal-server.js';

const CORPUS = join(PROJECT_DIR, 'test', 'histories');

/** The corpus folder of this shape: the package version, and a tag when the shape changed within one version. */
function corpusFolder(): string {
  const { version } = JSON.parse(readFileSync(join(PROJECT_DIR, 'package.json'), 'utf8')) as { version: string };
  const at = process.argv.indexOf('--shape');
  const tag = at >= 0 ? process.argv[at + 1] : undefined;
  if (tag !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(tag)) throw new Error(`--shape takes a tag of lowercase letters, digits and dashes (got ${tag})`);
  return `v${version}${tag ? `-${tag}` : ''}`;
}

/** A workflow a journey involved besides its order's current run; `runId` picks an earlier run (continue-as-new). */
type Recorded = string | { workflowId: string; runId: string; label: string };

type Gateway = TemporalGateway;

const CONTINUE_AS_NEW_AFTER = 300;

/** Tries again until the workflow has caught up (a delivery created, a step reserved). */
async function retry<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i > 200) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function settle(gateway: Gateway, orderId: string): Promise<void> {
  const handle = gateway.client.workflow.getHandle(orderWorkflowId(orderId));
  for (let i = 0; i < 200; i++) {
    const { raw, status } = await handle.describe();
    if (status.name !== 'RUNNING' || ((raw.pendingActivities ?? []).length === 0 && !raw.pendingWorkflowTask)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`order ${orderId} did not settle`);
}

/** Each journey returns its order id, and the ids of other workflows it involved (deliveries). */
const journeys: Record<string, (g: Gateway) => Promise<string | [string, ...Recorded[]]>> = {
  async 'card-paid'(g) {
    const cart = await orders.openCart(g, { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    await orders.addLine(g, cart.id, { sku: 'MUG-BLUE', quantity: 1 });
    await orders.addLine(g, cart.id, { sku: 'GIFT-WRAP', quantity: 1 });
    await orders.setLineQuantity(g, cart.id, 'GIFT-WRAP', 0);
    await orders.setContact(g, cart.id, { email: 'replay@example.com', name: 'Replay' });
    const { payment } = await orders.checkout(g, cart.id, 'card');
    await orders.checkout(g, cart.id, 'card');
    const event = { eventId: 'evt_replay_1', type: 'payment.succeeded' as const, reference: payment.reference, amount: payment.amount, currency: payment.currency };
    await orders.forwardPaymentEvent(g, cart.id, event);
    await orders.forwardPaymentEvent(g, cart.id, event);
    return cart.id;
  },
  async 'wire-transfer-confirmed'(g) {
    const cart = await orders.openCart(g, { lines: [{ sku: 'TEE-M', quantity: 2 }], customer: { email: 'wire@example.com', loggedIn: true } });
    await orders.checkout(g, cart.id, 'wire_transfer');
    await orders.confirm(g, cart.id, { by: 'operator', paymentReceived: true });
    return cart.id;
  },
  async 'failed-then-cancelled'(g) {
    const cart = await orders.openCart(g, { lines: [{ sku: 'POSTER-A2', quantity: 1 }] });
    await orders.setContact(g, cart.id, { email: 'cancel@example.com' });
    const { payment } = await orders.checkout(g, cart.id, 'card');
    await orders.forwardPaymentEvent(g, cart.id, { eventId: 'evt_fail', type: 'payment.failed', reference: payment.reference, amount: payment.amount, currency: 'EUR' });
    await orders.addLine(g, cart.id, { sku: 'MUG-BLUE', quantity: 1 }).catch(() => undefined); // refused: still sent
    await orders.checkout(g, cart.id, 'pay_in_store');
    await orders.cancel(g, cart.id, { reason: 'customer never came', by: 'operator' });
    return cart.id;
  },
  async 'delivered-pick-pack-ship'(g) {
    await saveSettings(g.db, { ...(await getSettings(g.db)), deliverySteps: 'pick_pack_ship' });
    const cart = await orders.openCart(g, { lines: [{ sku: 'MUG-BLUE', quantity: 2 }, { sku: 'GIFT-WRAP', quantity: 1 }] });
    await orders.setContact(g, cart.id, { email: 'ship@example.com', name: 'Sam', shippingAddress: { line1: '1 Main St', city: 'Paris', postalCode: '75001', country: 'FR' } });
    const { payment } = await orders.checkout(g, cart.id, 'card');
    await orders.forwardPaymentEvent(g, cart.id, { eventId: 'evt_ship', type: 'payment.succeeded', reference: payment.reference, amount: payment.amount, currency: 'EUR' });
    const deliveryId = deliveryIdOf(cart.id);
    for (const step of ['pick', 'pack', 'ship'] as const) {
      for (;;) {
        try {
          await validateDeliveryStep(g, deliveryId, { step });
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100)); // the delivery is not created or reserved yet
        }
      }
    }
    await g.client.workflow.getHandle(deliveryWorkflowId(deliveryId)).result();
    await saveSettings(g.db, { ...(await getSettings(g.db)), deliverySteps: 'ship_only' });
    return [cart.id, deliveryWorkflowId(deliveryId)];
  },
  async 'sale-cancelled-stock-released'(g) {
    const cart = await orders.openCart(g, { lines: [{ sku: 'POSTER-A2', quantity: 1 }], customer: { email: 'undo@example.com', loggedIn: true } });
    await orders.checkout(g, cart.id, 'wire_transfer');
    await orders.confirm(g, cart.id, { by: 'operator', paymentReceived: true });
    for (;;) {
      const order = await orders.getOrder(g, cart.id);
      if (order.deliveryState === 'ready') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await orders.cancel(g, cart.id, { reason: 'customer changed their mind', by: 'operator' });
    await g.client.workflow.getHandle(deliveryWorkflowId(deliveryIdOf(cart.id))).result();
    return [cart.id, deliveryWorkflowId(deliveryIdOf(cart.id))];
  },
  async 'returned-and-refunded'(g) {
    const cart = await orders.openCart(g, { lines: [{ sku: 'MUG-BLUE', quantity: 2 }], customer: { email: 'back@example.com', loggedIn: true } });
    const { payment } = await orders.checkout(g, cart.id, 'card');
    await orders.forwardPaymentEvent(g, cart.id, { eventId: 'evt_back', type: 'payment.succeeded', reference: payment.reference, amount: payment.amount, currency: 'EUR' });
    await retry(() => validateDeliveryStep(g, deliveryIdOf(cart.id), { step: 'ship' }));
    const settings = await getSettings(g.db);
    const ret = await retry(() =>
      requestReturn(g, cart.id, { lines: [{ sku: 'MUG-BLUE', quantity: 1, reason: 'Damaged' }], catalog: { 'MUG-BLUE': { returnable: true, type: 'storable' } }, returnWindowDays: settings.returnWindowDays }),
    );
    await receiveReturn(g, ret.id);
    await retry(async () => {
      if ((await orders.getOrder(g, cart.id)).paymentState !== 'partially_refunded') throw new Error('not refunded yet');
    });
    await requestRefund(g, cart.id, { reason: 'goodwill' });
    await retry(async () => {
      if ((await orders.getOrder(g, cart.id)).paymentState !== 'refunded') throw new Error('not refunded yet');
    });
    const refunds = (await orders.getOrder(g, cart.id)).refunds ?? [];
    return [cart.id, returnWorkflowId(ret.id), ...refunds.map((r) => refundWorkflowId(r.id))];
  },
  async 'cart-continued-as-new'(g) {
    const cart = await orders.openCart(g, { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    await orders.setContact(g, cart.id, { email: 'long@example.com' });
    const handle = g.client.workflow.getHandle(orderWorkflowId(cart.id));
    const firstRunId = (await handle.describe()).runId!;
    // Edits until the server suggests continuing as new (CONTINUE_AS_NEW_AFTER events).
    for (let i = 0; (await handle.describe()).runId === firstRunId; i++) {
      if (i > 400) throw new Error('the cart never continued as new');
      await orders.addLine(g, cart.id, { sku: 'GIFT-WRAP', quantity: 1 }); // a service: no stock runs short
    }
    await orders.checkout(g, cart.id, 'wire_transfer');
    await orders.confirm(g, cart.id, { by: 'operator', paymentReceived: true });
    await retry(() => validateDeliveryStep(g, deliveryIdOf(cart.id), { step: 'ship' }));
    return [cart.id, { workflowId: orderWorkflowId(cart.id), runId: firstRunId, label: 'first-run' }];
  },
  async 'backorder-continued-then-cancelled'(g) {
    // More shirts than the shop has: the delivery waits, looks again at each stock signal, and continues as new.
    const cart = await orders.openCart(g, { lines: [{ sku: 'TEE-M', quantity: 100 }], customer: { email: 'backorder@example.com', loggedIn: true } });
    await orders.checkout(g, cart.id, 'wire_transfer');
    await orders.confirm(g, cart.id, { by: 'operator', paymentReceived: true });
    await retry(async () => {
      if ((await orders.getOrder(g, cart.id)).deliveryState !== 'waiting') throw new Error('not waiting yet');
    });
    const delivery = g.client.workflow.getHandle(deliveryWorkflowId(deliveryIdOf(cart.id)));
    const firstRunId = (await delivery.describe()).runId!;
    for (let i = 0; (await delivery.describe()).runId === firstRunId; i++) {
      if (i > 200) throw new Error('the delivery never continued as new');
      await delivery.signal(stockReservedSignal);
      await new Promise((r) => setTimeout(r, 50));
    }
    await orders.cancel(g, cart.id, { reason: 'waited too long', by: 'operator' });
    await delivery.result();
    return [cart.id, { workflowId: delivery.workflowId, runId: firstRunId, label: 'delivery-first-run' }, deliveryWorkflowId(deliveryIdOf(cart.id))];
  },
  async 'backorder-shipped-in-two'(g) {
    // Shipping policy as_soon_as_possible: one lamp of three is there; it ships, the backorder follows when stock arrives.
    await saveSettings(g.db, { ...(await getSettings(g.db)), shippingPolicy: 'as_soon_as_possible', deliverySteps: 'ship_only' });
    await createProduct(g.db, { sku: 'LAMP-BACKORDER', name: 'Lamp', price: 4000, currency: 'EUR', type: 'storable', onHand: 1 });
    const cart = await orders.openCart(g, { lines: [{ sku: 'LAMP-BACKORDER', quantity: 3 }], customer: { email: 'asap@example.com', loggedIn: true } });
    await orders.checkout(g, cart.id, 'wire_transfer');
    await orders.confirm(g, cart.id, { by: 'operator', paymentReceived: true });
    await retry(() => validateDeliveryStep(g, deliveryIdOf(cart.id), { step: 'ship' }));
    await updateProduct(g.db, 'LAMP-BACKORDER', { onHand: 2 });
    await serveWaitingOrders(g);
    await retry(() => validateDeliveryStep(g, backorderIdOf(cart.id), { step: 'ship' }));
    await retry(async () => {
      if ((await orders.getOrder(g, cart.id)).deliveryState !== 'done') throw new Error('not done yet');
    });
    await saveSettings(g.db, { ...(await getSettings(g.db)), shippingPolicy: 'when_all_ready' });
    return [cart.id, deliveryWorkflowId(deliveryIdOf(cart.id)), deliveryWorkflowId(backorderIdOf(cart.id))];
  },
  async 'reminded-then-expired'(g) {
    const cart = await orders.openCart(g, { lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: 'idle@example.com', loggedIn: true } });
    await orders.addLine(g, cart.id, { sku: 'TEE-M', quantity: 1 });
    await g.client.workflow.getHandle(orderWorkflowId(cart.id)).result();
    return cart.id;
  },
  async 'passed-over-then-reminded'(g) {
    const cart = await orders.openCart(g, { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    await new Promise((r) => setTimeout(r, 1_500)); // idle without a contact: no reminder possible
    await orders.setContact(g, cart.id, { email: 'late@example.com' });
    await new Promise((r) => setTimeout(r, 1_500));
    await orders.cancel(g, cart.id, { reason: 'test over', by: 'operator' });
    return cart.id;
  },
};

async function main(): Promise<void> {
  const config = loadConfig();
  const cli = resolveTemporalCli({ cliPath: config.temporal.cliPath, searchPath: config.searchPath, log: console.log });
  // Continue-as-new suggested early enough for the long-cart journey, late enough for the others (under 200 events).
  const server = await startDevServer({ cli, port: await freePort(), dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': CONTINUE_AS_NEW_AFTER } });
  const database = await createDb();
  await database.migrate();
  await seedDemoCatalog(database.db);
  // Short abandoned-cart delays, so the reminder and expiry journeys happen within seconds.
  const settings = await getSettings(database.db);
  await saveSettings(database.db, { ...settings, abandonedCart: { ...settings.abandonedCart, delay: '1s', expireAfter: '4s' } });
  const provider = await startProviderFake();
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const taskQueue = 'record-histories';
  const worker = await createOrderWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    db: database.db,
    email: { transport: outboxTransport, from: 'shop@example.com', publicUrl: 'http://localhost:3000' },
    paymentProviders: paymentProvidersOf({ url: provider.url, apiKey: provider.apiKey }),
    // The test suite's fixed key: the histories are recorded encrypted, as production writes them, and test/replay.test.ts decodes them.
    dataConverter: testDataConverter,
  });
  const connection = await Connection.connect({ address: server.address });
  const gateway: Gateway = { client: new Client({ connection, dataConverter: testDataConverter }), taskQueue, db: database.db };
  const folder = corpusFolder();
  mkdirSync(join(CORPUS, folder), { recursive: true });
  const add = (file: string, text: string) => {
    const path = `${folder}/${file}`;
    writeFileSync(join(CORPUS, path), text, { flag: 'wx' }); // wx: never over an existing history
    appendFileSync(join(CORPUS, 'SHA256SUMS'), `${createHash('sha256').update(text).digest('hex')}  ${path}\n`);
    return path;
  };
  await worker.runUntil(async () => {
    for (const [name, journey] of Object.entries(journeys)) {
      if (existsSync(join(CORPUS, folder, `${name}.json`))) {
        console.log(`kept ${folder}/${name}.json: the corpus only grows (record a new shape with --shape <tag>)`);
        continue;
      }
      const [orderId, ...others] = [await journey(gateway)].flat();
      await settle(gateway, orderId as string);
      const recorded: Recorded[] = [orderWorkflowId(orderId as string), ...others];
      for (const [i, entry] of recorded.entries()) {
        const { workflowId, runId, label } = typeof entry === 'string' ? { workflowId: entry, runId: undefined, label: entry.split('-')[0] } : entry;
        const history = await gateway.client.workflow.getHandle(workflowId, runId).fetchHistory();
        const file = i === 0 ? `${name}.json` : `${name}.${i}-${label}.json`;
        console.log(`recorded ${add(file, `${historyToJSON(history)}\n`)}: ${history.events?.length} events`);
      }
    }
  });
  await connection.close();
  await nativeConnection.close();
  await provider.close();
  await database.close();
  await server.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
