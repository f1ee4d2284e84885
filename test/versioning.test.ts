/**
 * Worker Deployment versioning on the dev server: a PINNED run (a delivery)
 * started on version v1 keeps being processed by v1 after v2 became the
 * current version, while a new run goes to v2. The history says which
 * version completed each workflow task.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import type { Database } from '../db/index.js';
import { createOrderWorker } from '../worker.js';
import { cancelDeliverySignal, DELIVERY_WORKFLOW_TYPE, type DeliveryInput } from '../workflows/delivery-contract.js';
import { createTestDatabase } from './support/database.js';
import { eventually } from './support/eventually.js';
import { testDataConverter } from './support/payload-key.js';
import { testWorkerOptions } from './support/temporal.js';

const deploymentName = `orders-${randomUUID().slice(0, 8)}`;
const taskQueue = `test-${randomUUID()}`;
let database: Database;
let connection: Connection;
let nativeConnection: NativeConnection;
let client: Client;
const workers: Array<{ worker: Worker; running: Promise<void> }> = [];

async function startVersion(buildId: string): Promise<void> {
  // As worker.ts configures it from TEMPORAL_DEPLOYMENT_NAME and TEMPORAL_WORKER_BUILD_ID.
  const config = loadConfig({ ...process.env, TEMPORAL_DEPLOYMENT_NAME: deploymentName, TEMPORAL_WORKER_BUILD_ID: buildId });
  const worker = await createOrderWorker({ ...testWorkerOptions({ connection: nativeConnection, namespace: 'default', taskQueue, db: database.db }), deployment: config.workerDeployment });
  workers.push({ worker, running: worker.run() });
}

/** What an operator runs as `temporal worker deployment set-current-version`; the version exists once its worker polled. */
async function makeCurrent(buildId: string): Promise<void> {
  await eventually(async () => {
    await client.workflowService.setWorkerDeploymentCurrentVersion({ namespace: 'default', deploymentName, buildId, identity: 'versioning-test' });
  }, 20_000, 250);
}

function deliveryInput(id: string): DeliveryInput {
  return {
    deliveryId: id,
    orderId: `order-${id}`,
    orderNumber: `S-${id}`,
    orderWorkflowId: `order-${id}`,
    steps: ['pick', 'ship'],
    lines: [{ sku: 'MUG-BLUE', name: 'Blue mug', type: 'storable', quantity: 1 }],
    recipient: { name: null, email: null, address: null },
  };
}

/** The deployment version of each completed workflow task of a run. */
async function taskVersions(workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes).map((e) => e.workflowTaskCompletedEventAttributes!.deploymentVersion?.buildId ?? '');
}

beforeAll(async () => {
  database = await createTestDatabase({ seed: true });
  const address = inject('temporalAddress');
  connection = await Connection.connect({ address });
  nativeConnection = await NativeConnection.connect({ address });
  client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter });
});

afterAll(async () => {
  for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  await Promise.all(workers.map((w) => w.running));
  await nativeConnection?.close();
  await connection?.close();
  await database?.close();
});

describe('worker deployment versioning', () => {
  it('is configured with both a deployment name and a build id, or neither', () => {
    const env = { ...process.env, TEMPORAL_DEPLOYMENT_NAME: undefined, TEMPORAL_WORKER_BUILD_ID: undefined };
    expect(loadConfig(env).workerDeployment).toBeUndefined();
    expect(loadConfig({ ...env, TEMPORAL_DEPLOYMENT_NAME: 'orders', TEMPORAL_WORKER_BUILD_ID: '2026.11.29-abc' }).workerDeployment).toEqual({ deploymentName: 'orders', buildId: '2026.11.29-abc' });
    expect(() => loadConfig({ ...env, TEMPORAL_DEPLOYMENT_NAME: 'orders' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, TEMPORAL_WORKER_BUILD_ID: 'v2' })).toThrow(/TEMPORAL_DEPLOYMENT_NAME, TEMPORAL_WORKER_BUILD_ID: set both/);
  });

  it('a pinned delivery stays on v1 after v2 becomes current; a new delivery runs on v2', async () => {
    await startVersion('v1');
    await makeCurrent('v1');
    const old = `delivery-v-${randomUUID().slice(0, 8)}`;
    const oldRun = await client.workflow.start(DELIVERY_WORKFLOW_TYPE, { taskQueue, workflowId: old, args: [deliveryInput(old)] });
    await eventually(async () => expect(await taskVersions(old)).toEqual(expect.arrayContaining(['v1'])), 20_000, 250);
    const described = await oldRun.describe();
    expect(described.raw.workflowExecutionInfo?.versioningInfo?.behavior).toBe(1); // VERSIONING_BEHAVIOR_PINNED

    await startVersion('v2');
    await makeCurrent('v2');
    const tasksBefore = (await taskVersions(old)).length;
    // The v1 run gets new work after the switch: it is still v1's.
    await oldRun.signal(cancelDeliverySignal, { reason: 'versioning test' });
    await eventually(async () => expect((await taskVersions(old)).length).toBeGreaterThan(tasksBefore), 20_000, 250);
    // The cancellation was handled (by v1, as the versions below say): the delivery closed cancelled.
    expect((await oldRun.result()).state).toBe('cancel');
    const oldVersions = await taskVersions(old);
    expect(oldVersions.length).toBeGreaterThan(tasksBefore);
    expect(new Set(oldVersions)).toEqual(new Set(['v1']));

    const fresh = `delivery-v-${randomUUID().slice(0, 8)}`;
    await client.workflow.start(DELIVERY_WORKFLOW_TYPE, { taskQueue, workflowId: fresh, args: [deliveryInput(fresh)] });
    await eventually(async () => expect((await taskVersions(fresh)).length).toBeGreaterThan(0), 20_000, 250);
    expect(new Set(await taskVersions(fresh))).toEqual(new Set(['v2']));
    console.log(`pinned run ${old}: tasks on ${oldVersions.join(', ')}; new run ${fresh}: tasks on ${(await taskVersions(fresh)).join(', ')}`);
  });
});
