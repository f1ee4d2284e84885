import type { Carrier } from '../../activities/shipping.js';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { outboxTransport, type EmailTransport } from '../../activities/email.js';
import { paymentProvidersOf, type PaymentProviders } from '../../activities/payment-providers.js';
import type { Db } from '../../db/index.js';
import { createOrderWorker } from '../../worker.js';
import { testDataConverter } from './payload-key.js';

export interface TemporalHarness {
  client: Client;
  taskQueue: string;
  namespace: string;
  worker: Worker;
  /** Starts the worker again after stopWorker() (e.g. to simulate a restart). */
  restartWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface WorkerOptions {
  paymentProviders?: PaymentProviders;
  emailTransport?: EmailTransport;
  /** The carrier the worker buys labels from (default: the demo carrier). */
  carrier?: (db: Db) => Carrier;
}

/** A real worker on a task queue of this test file's own, against the shared dev server. */
export const PUBLIC_URL = 'http://shop.test';

/** What every test worker runs with: outbox emails, no card provider, the run's bundle, the suite's codec. */
export function testWorkerOptions(target: { connection: NativeConnection; namespace: string; taskQueue: string; db: Db }, options: WorkerOptions = {}) {
  return {
    ...target,
    email: { transport: options.emailTransport ?? outboxTransport, from: 'Test Shop <shop@example.com>', publicUrl: PUBLIC_URL },
    paymentProviders: options.paymentProviders ?? paymentProvidersOf({ url: 'http://127.0.0.1:9/no-provider-in-this-test', apiKey: 'unused-key' }),
    workflowBundle: { codePath: inject('workflowBundlePath') },
    ...(options.carrier ? { carrier: options.carrier(target.db) } : {}),
    dataConverter: testDataConverter,
  };
}

export async function startTemporal(db: Db, options: WorkerOptions = {}, address: string = inject('temporalAddress')): Promise<TemporalHarness> {
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter });
  return runOrderWorker({ db, client, nativeConnection, namespace: 'default', options }, async () => {
    await connection.close();
    await nativeConnection.close();
  });
}

/** The project's own worker (real activities over `db`) on a fresh task queue of the given server. */
export async function runOrderWorker(
  target: { db: Db; client: Client; nativeConnection: NativeConnection; namespace: string; options: WorkerOptions },
  closeConnections: () => Promise<void>,
): Promise<TemporalHarness> {
  const { db, client, nativeConnection, namespace, options } = target;
  const taskQueue = `test-${randomUUID()}`;
  const make = () =>
    createOrderWorker(testWorkerOptions({ connection: nativeConnection, namespace, taskQueue, db }, options));
  let worker = await make();
  let running: Promise<void> = worker.run();
  const harness: TemporalHarness = {
    client,
    taskQueue,
    namespace,
    get worker() {
      return worker;
    },
    async stopWorker() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
    async restartWorker() {
      worker = await make();
      running = worker.run();
    },
    async close() {
      await harness.stopWorker();
      await closeConnections();
    },
  };
  return harness;
}
