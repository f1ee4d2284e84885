/**
 * Continue-as-new may not lose a message: an update that arrives while the
 * ending run writes its last projection is finished (and projected) before
 * the run continues. The projection and the payment provider are held by the
 * test (a worker with gated activities), so the interleaving is forced, not
 * hoped for; the dev server suggests continue-as-new after 150 events.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { outboxTransport } from '../activities/email.js';
import { createActivities } from '../activities/index.js';
import { paymentProvidersOf } from '../activities/payment-providers.js';
import { demoCarrier } from '../activities/shipping.js';
import * as orders from '../api/orders.js';
import type { Database } from '../db/index.js';
import { getOrderSummary, getTimeline } from '../db/orders.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { createTestDatabase } from './support/database.js';
import { activityCompletions } from './support/activities-in-history.js';
import { eventually } from './support/eventually.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** An activity call the test holds until it lets it go; `reached` resolves when the call arrives. */
class Gate {
  armed = false;
  private reachedResolve: () => void = () => {};
  private openResolve: () => void = () => {};
  reached = new Promise<void>((r) => (this.reachedResolve = r));
  private opened = new Promise<void>((r) => (this.openResolve = r));

  arm(): void {
    this.armed = true;
  }
  /** Called by the activity: waits here the first time after arm(). */
  async pass(): Promise<void> {
    if (!this.armed) return;
    this.armed = false;
    this.reachedResolve();
    await this.opened;
  }
  open(): void {
    this.openResolve();
  }
}

let database: Database;
let worker: Worker;
let running: Promise<void>;
let client: Client;
let connection: Connection;
let nativeConnection: NativeConnection;
let gateway: orders.OrderGateway;
const projection = new Gate();
const payment = new Gate();

beforeAll(async () => {
  database = await createTestDatabase();
  const address = inject('temporalAddress');
  nativeConnection = await NativeConnection.connect({ address });
  connection = await Connection.connect({ address });
  client = new Client({ connection });
  const taskQueue = `test-can-${randomUUID()}`;
  const real = createActivities({
    db: database.db,
    paymentProviders: paymentProvidersOf({ url: 'http://127.0.0.1:9/no-provider-in-this-test', apiKey: 'unused-key' }),
    email: { transport: outboxTransport, from: 'Test Shop <shop@example.com>', publicUrl: 'http://shop.test' },
    carrier: demoCarrier,
  });
  worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: {
      ...real,
      async projectOrder(...args: Parameters<typeof real.projectOrder>) {
        await projection.pass();
        return real.projectOrder(...args);
      },
      async createPayment(...args: Parameters<typeof real.createPayment>) {
        await payment.pass();
        return real.createPayment(...args);
      },
    },
  });
  running = worker.run();
  gateway = { client, taskQueue, db: database.db };
});

afterAll(async () => {
  projection.open();
  payment.open();
  worker?.shutdown();
  await running;
  await connection?.close();
  await nativeConnection?.close();
  await database?.close();
});

/** The projection is a local activity: its one marker is recorded when it completes (a held one keeps the workflow task open, heartbeating). */
const completedActivity = (events: HistoryEvent[], name: string) => activityCompletions(events, name).length;
const updateAccepted = (e: HistoryEvent, name: string) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === name;

describe('continue-as-new', () => {
  it('a checkout sent during the last projection of a run is finished, projected and carried into the next run', async () => {
    const cart = await orders.openCart(gateway, { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    await orders.setContact(gateway, cart.id, { email: 'race@example.com', name: 'Race' });
    const handle = client.workflow.getHandle(orderWorkflowId(cart.id));
    const firstRunId = (await handle.describe()).runId!;
    const firstRun = () => client.workflow.getHandle(orderWorkflowId(cart.id), firstRunId).fetchHistory().then((h) => h.events ?? []);
    // The quotation's first projection is done; a draft's edits are not projected one by one,
    // so the next projection is the one the run writes before it continues as new.
    await eventually(async () => expect(completedActivity(await firstRun(), 'projectOrder')).toBe(1));
    projection.arm();

    let edits = 0;
    let reached = false;
    void projection.reached.then(() => (reached = true));
    while (!reached) {
      await orders.addLine(gateway, cart.id, { sku: 'MUG-BLUE', quantity: 1 });
      edits += 1;
      expect(edits).toBeLessThan(100); // the dev server suggests continuing after 150 events
      await new Promise((r) => setImmediate(r));
    }
    await projection.reached;

    // The last projection of the run is held (a local activity: the workflow task stays open meanwhile)
    // and a checkout is sent now. Whether the run takes it in before it continues or hands it to the
    // next run (the server passes an update not yet taken in to the new run), it is done exactly once.
    const checkout = orders.checkout(gateway, cart.id, 'wire_transfer');
    projection.open();
    const { order: sent } = await checkout;
    expect(sent).toMatchObject({ state: 'sent', paymentState: 'pending' });

    // The first run ended by continuing as new, after its last projection; the checkout was accepted and completed in one run only.
    await eventually(async () => expect((await firstRun()).at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy());
    const events = await firstRun();
    const projections = activityCompletions(events, 'projectOrder');
    expect(projections.length).toBeGreaterThanOrEqual(2);
    expect(events.length - 1).toBeGreaterThan(projections.at(-1)!);
    const newRun = (await handle.fetchHistory()).events ?? [];
    const acceptedIn = (run: HistoryEvent[]) => run.filter((e) => updateAccepted(e, 'checkout')).length;
    expect(acceptedIn(events) + acceptedIn(newRun)).toBe(1);
    // A checkout the first run took in, it completed before continuing.
    const completedIn = (run: HistoryEvent[]) => run.filter((e) => e.workflowExecutionUpdateCompletedEventAttributes).length - run.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
    expect(completedIn(events)).toBe(0);

    // The new run has the checkout; the lists and the timeline have it once.
    expect((await handle.describe()).runId).not.toBe(firstRunId);
    const now = await orders.getOrder(gateway, cart.id);
    expect(now).toMatchObject({ state: 'sent', version: sent.version, lines: [{ sku: 'MUG-BLUE', quantity: 1 + edits }] });
    expect(now.payments.map((p) => p.method)).toEqual(['wire_transfer']);
    expect(await getOrderSummary(database.db, cart.id)).toMatchObject({ state: 'sent', version: sent.version });
    const timeline = await getTimeline(database.db, cart.id);
    expect(timeline.filter((e) => e.type === 'line_added')).toHaveLength(edits);
    expect(timeline.filter((e) => e.type === 'quotation_sent')).toHaveLength(1);
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
  }, 60_000);
});
