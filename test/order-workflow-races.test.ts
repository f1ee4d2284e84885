/**
 * Races the order workflow must win, forced rather than hoped for: a worker
 * whose activities the test can hold (the projection, the payment provider,
 * the delivery's stock release).
 * - Continue-as-new may not lose a message: an update that arrives while the
 *   ending run writes its last projection is finished (and projected) before
 *   the run continues (the dev server suggests continuing after 150 events).
 * - A cancellation waits for the delivery to release the goods, but not for
 *   ever: without an answer it is refused with delivery_not_answering.
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
import type { TemporalGateway } from '../api/temporal-gateway.js';
import type { Database } from '../db/index.js';
import { DomainError } from '../domain/errors.js';
import { getOrderSummary, getTimeline } from '../db/orders.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { createTestDatabase } from './support/database.js';
import { activityCompletions } from './support/activities-in-history.js';
import { eventually } from './support/eventually.js';
import { testDataConverter } from './support/payload-key.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Activity calls the test holds, from arm() until open(); `reached` resolves when the first one arrives. */
class Gate {
  private armed = false;
  private reachedResolve: () => void = () => {};
  private openResolve: () => void = () => {};
  reached = new Promise<void>((r) => (this.reachedResolve = r));
  private opened = new Promise<void>((r) => (this.openResolve = r));

  arm(): void {
    this.armed = true;
  }
  /** Called by the activity: every call waits here while the gate is armed and not yet open (retries too). */
  async pass(): Promise<void> {
    if (!this.armed) return;
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
let gateway: TemporalGateway;
const projection = new Gate();
const payment = new Gate();
const stockRelease = new Gate();

beforeAll(async () => {
  database = await createTestDatabase();
  const address = inject('temporalAddress');
  nativeConnection = await NativeConnection.connect({ address });
  connection = await Connection.connect({ address });
  client = new Client({ connection, dataConverter: testDataConverter });
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
    dataConverter: testDataConverter,
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
      async releaseStock(...args: Parameters<typeof real.releaseStock>) {
        await stockRelease.pass();
        return real.releaseStock(...args);
      },
    },
  });
  running = worker.run();
  gateway = { client, taskQueue, db: database.db };
});

afterAll(async () => {
  projection.open();
  payment.open();
  stockRelease.open();
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
    // and a checkout is sent now (pay in store: it owes no email, which a wire transfer's instructions would). Whether the run takes it in before it continues or hands it to the
    // next run (the server passes an update not yet taken in to the new run), it is done exactly once.
    const checkout = orders.checkout(gateway, cart.id, 'pay_in_store');
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
    expect(now.payments.map((p) => p.method)).toEqual(['pay_in_store']);
    await eventually(async () => expect(await getOrderSummary(database.db, cart.id)).toMatchObject({ state: 'sent', version: sent.version }));
    const timeline = await getTimeline(database.db, cart.id);
    expect(timeline.filter((e) => e.type === 'line_added')).toHaveLength(edits);
    expect(timeline.filter((e) => e.type === 'quotation_sent')).toHaveLength(1);
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
  }, 60_000);

  it('a cancellation whose delivery does not answer is refused after a bounded wait, and goes through once it answers', async () => {
    const cart = await orders.openCart(gateway, { lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: 'slow@example.com', loggedIn: true } });
    await orders.checkout(gateway, cart.id, 'wire_transfer');
    await orders.confirm(gateway, cart.id, { by: 'operator', paymentReceived: true });
    await eventually(async () => expect((await orders.getOrder(gateway, cart.id)).deliveryState).toBe('ready'), 15_000);

    stockRelease.arm();
    const started = Date.now();
    const refused = await orders.cancel(gateway, cart.id, { reason: 'changed my mind', by: 'operator' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe('delivery_not_answering');
    expect((refused as DomainError).status).toBe(409);
    expect(Date.now() - started).toBeGreaterThanOrEqual(30_000);
    // The delivery was asked (it is held in its stock release); the order is unchanged.
    await stockRelease.reached;
    expect(await orders.getOrder(gateway, cart.id)).toMatchObject({ state: 'sale', deliveryState: 'ready' });
    const events = (await client.workflow.getHandle(orderWorkflowId(cart.id)).fetchHistory()).events ?? [];
    expect(events.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toBe(true);
    expect(events.filter((e) => e.timerFiredEventAttributes)).toHaveLength(1);

    stockRelease.open();
    await eventually(async () => expect((await orders.getOrder(gateway, cart.id)).deliveryState).toBe('cancel'), 15_000);
    const cancelled = await orders.cancel(gateway, cart.id, { reason: 'changed my mind', by: 'operator' });
    expect(cancelled).toMatchObject({ state: 'cancel', deliveryState: 'cancel' });
  }, 90_000);

  it('a cart edited without a pause still continues as new at once, without a projection per edit', async () => {
    const cart = await orders.openCart(gateway, { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    const handle = client.workflow.getHandle(orderWorkflowId(cart.id));
    const firstRunId = (await handle.describe()).runId!;
    let edits = 0;
    while ((await handle.describe()).runId === firstRunId) {
      await orders.addLine(gateway, cart.id, { sku: 'GIFT-WRAP', quantity: 1 });
      edits += 1;
      expect(edits).toBeLessThan(100);
    }
    const events = (await client.workflow.getHandle(orderWorkflowId(cart.id), firstRunId).fetchHistory()).events ?? [];
    const suggested = events.findIndex((e) => e.workflowTaskStartedEventAttributes?.suggestContinueAsNew);
    // Created, then the one before continuing: edits that kept arriving were carried, not projected one by one.
    expect(activityCompletions(events, 'projectOrder')).toHaveLength(2);
    expect(events.length - suggested).toBeLessThan(30);
    // Every edit is in the timeline once the quotation is sent (a draft's edits are written at its milestones).
    await orders.setContact(gateway, cart.id, { email: 'busy@example.com' });
    const { order: sent } = await orders.checkout(gateway, cart.id, 'wire_transfer');
    await eventually(async () => expect((await getOrderSummary(database.db, cart.id))?.version).toBeGreaterThanOrEqual(sent.version));
    const timeline = await getTimeline(database.db, cart.id);
    expect(timeline.filter((e) => e.type === 'line_added')).toHaveLength(edits);
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
  }, 60_000);
});
