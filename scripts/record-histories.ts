/**
 * `npm run record-histories`: runs the order journeys on a real Temporal dev
 * server and saves their histories under test/histories/, where the replay
 * test checks that today's workflow code still replays them. The corpus
 * only grows: `npm run record-histories -- --shape <name>` records the
 * journeys of a new workflow shape beside the old ones (`<journey>~<name>.json`)
 * and never overwrites a file; histories kept from an earlier version must
 * keep replaying. A history that no longer replays means a change would break
 * orders already in flight: guard the change with patched() instead.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { NativeConnection } from '@temporalio/worker';
import { outboxTransport } from '../activities/email.js';
import { paymentProvidersOf } from '../activities/payment-providers.js';
import { validateDeliveryStep } from '../api/deliveries.js';
import * as orders from '../api/orders.js';
import { receiveReturn, requestRefund, requestReturn } from '../api/returns.js';
import { startProviderFake } from '../test/support/provider-fake.js';
import { refundWorkflowId, returnWorkflowId } from '../workflows/returns-contract.js';
import { deliveryIdOf } from '../domain/delivery.js';
import { deliveryWorkflowId } from '../workflows/delivery-contract.js';
import { loadConfig } from '../config.js';
import { createDb } from '../db/index.js';
import { seedDemoCatalog } from '../db/seed.js';
import { getSettings, saveSettings } from '../db/settings.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { createOrderWorker } from '../worker.js';
import { freePort, PROJECT_DIR, resolveTemporalCli, startDevServer } from './temporal-server.js';

const OUT = join(PROJECT_DIR, 'test', 'histories');
const { shape } = parseArgs({ options: { shape: { type: 'string' } } }).values;

type Gateway = orders.OrderGateway;

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
const journeys: Record<string, (g: Gateway) => Promise<string | [string, ...string[]]>> = {
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
  const server = await startDevServer({ cli, port: await freePort() });
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
  });
  const connection = await Connection.connect({ address: server.address });
  const gateway: Gateway = { client: new Client({ connection }), taskQueue, db: database.db };
  mkdirSync(OUT, { recursive: true });
  await worker.runUntil(async () => {
    for (const [name, journey] of Object.entries(journeys)) {
      const [orderId, ...others] = [await journey(gateway)].flat();
      await settle(gateway, orderId!);
      const workflowIds = [orderWorkflowId(orderId!), ...others];
      for (const [i, workflowId] of workflowIds.entries()) {
        const history = await gateway.client.workflow.getHandle(workflowId).fetchHistory();
        const base = shape ? `${name}~${shape}` : name;
        const file = i === 0 ? `${base}.json` : `${base}.${i}-${workflowId.split('-')[0]}.json`;
        if (existsSync(join(OUT, file))) throw new Error(`${file} exists: the corpus only grows; record the new shape under its own name (--shape <name>)`);
        writeFileSync(join(OUT, file), `${historyToJSON(history)}\n`);
        console.log(`recorded ${file}: ${history.events?.length} events`);
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
