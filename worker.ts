/**
 * The worker: runs the order workflows and their activities.
 *
 * `npm run worker` runs it alone against PostgreSQL (production shape);
 * `npm start` runs it in one process with the API on the embedded defaults.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { outboxTransport, resendTransport } from './activities/email.js';
import { createActivities, type ActivityDependencies } from './activities/index.js';
import { carrierOf } from './activities/carriers.js';
import { paymentProvidersFor, type PaymentProviders } from './activities/payment-providers.js';
import { demoCarrier, type Carrier } from './activities/shipping.js';
import { ConfigError, loadConfig, requireSharedServices, type Config } from './config.js';
import { createDb, type Db } from './db/index.js';
import { loggerOf, temporalLoggerOf } from './logger.js';
import { installTemporalRuntime, serveWorkerMetrics } from './operations/metrics.js';
import { dataConverterOf } from './operations/payload-codec.js';
import { connectClient, connectWorker, temporalConnectionOptions } from './operations/temporal-connection.js';
import { installTracing, WORKFLOW_INTERCEPTORS_PATH, workerTracingOptions, type Tracing } from './operations/tracing.js';
import { ALL_SEARCH_ATTRIBUTES } from './workflows/order-contract.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface OrderWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  paymentProviders: PaymentProviders;
  email: ActivityDependencies['email'];
  carrier?: Carrier;
  /** A prebuilt bundle (tests build one per run; see prebuildWorkflowBundle); otherwise the workflows are bundled in-process. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxCachedWorkflows?: number;
  /**
   * The payload codec (operations/payload-codec.ts): customer data leaves the
   * worker encrypted. Required, so no worker can write plain histories by omission;
   * it must match the clients' (dataConverterOf(config) in both).
   */
  dataConverter: DataConverter;
  /** Traces (operations/tracing.ts); undefined: off. */
  tracing?: Tracing;
  /** Worker Deployment version (config.workerDeployment); undefined: an unversioned worker. */
  deployment?: { deploymentName: string; buildId: string };
}

export async function createOrderWorker(options: OrderWorkerOptions): Promise<Worker> {
  const activities = createActivities({
    db: options.db,
    paymentProviders: options.paymentProviders,
    email: options.email,
    carrier: options.carrier ?? demoCarrier,
  });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities,
    dataConverter: options.dataConverter,
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...versioningOptions(options.deployment),
    ...tracingOptionsOf(options),
  });
}

/** Prebuilt bundles carry the workflow interceptors already (scripts/bundle-workflows.ts); an in-process bundle adds them here. */
function tracingOptionsOf(options: OrderWorkerOptions): Pick<WorkerOptions, 'sinks' | 'interceptors'> {
  const { sinks, interceptors } = workerTracingOptions(options.tracing);
  return { sinks, interceptors: { ...interceptors, ...(options.workflowBundle ? {} : { workflowModules: [WORKFLOW_INTERCEPTORS_PATH] }) } };
}

/**
 * Runs started on a version stay there unless their type says AUTO_UPGRADE
 * (workflows/versioning.ts): PINNED is the default, so a workflow type added
 * later never meets changed code mid-run without someone deciding it may.
 */
function versioningOptions(deployment: OrderWorkerOptions['deployment']): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  if (!deployment) return {};
  return { workerDeploymentOptions: { useWorkerVersioning: true, version: deployment, defaultVersioningBehavior: 'PINNED' } };
}

/**
 * The compiled worker (`npm run build`, dist/worker.js) runs the bundle built
 * beside it at image build time; from the sources, it is bundled at start.
 */
const COMPILED = import.meta.url.endsWith('.js');
export const PREBUILT_WORKFLOW_BUNDLE = fileURLToPath(new URL('./workflow-bundle.js', import.meta.url));

/** Bundles the workflows in a child process (webpack's memory leaves with it) and returns the bundle's path. */
export async function prebuildWorkflowBundle(): Promise<string> {
  if (COMPILED) {
    if (!existsSync(PREBUILT_WORKFLOW_BUNDLE)) throw new ConfigError(`${PREBUILT_WORKFLOW_BUNDLE} is missing: run \`npm run build\`, which writes it.`);
    return PREBUILT_WORKFLOW_BUNDLE;
  }
  const dir = mkdtempSync(join(tmpdir(), 'orders-bundle-'));
  const out = join(dir, 'workflows.js');
  const script = fileURLToPath(new URL('./scripts/bundle-workflows.ts', import.meta.url));
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, out], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bundling the workflows failed (exit ${code})`))));
  });
  return out;
}

/** Resend when RESEND_API_KEY is set; otherwise emails are kept in the database (status `outbox`). */
export function emailSettingsOf(config: Config): ActivityDependencies['email'] {
  const { resendApiKey, resendBaseUrl, from } = config.email;
  return { transport: resendApiKey ? resendTransport(resendApiKey, resendBaseUrl) : outboxTransport, from, publicUrl: config.publicUrl };
}

const KEYWORD = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/** Registers the order search attributes on a cluster that lacks them (the dev server gets them as flags). */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = ALL_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, KEYWORD])),
  });
  return missing.map((key) => key.name);
}

/** PostgreSQL refusing connections (down, or starting up): a worker started meanwhile waits for it rather than exiting. */
function databaseUnreachable(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: string };
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'CONNECTION_CLOSED' || code === '57P03';
}

/** Migrates once the database answers (a worker restarted during a database outage found by the fault tests exited here). */
async function migrateWhenReachable(database: Awaited<ReturnType<typeof createDb>>, logger: ReturnType<typeof loggerOf>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await database.migrate();
    } catch (error) {
      if (!databaseUnreachable(error)) throw error;
      logger.warn({ attempt, code: (error as { code?: string }).code }, 'database not reachable yet: waiting for it');
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * attempt, 5000)));
    }
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = loggerOf(config, 'worker');
  const { databaseUrl, temporalAddress } = requireSharedServices(config, 'npm run worker');
  // First: production without PAYLOAD_KEYS stops here, before touching the database or Temporal.
  const dataConverter = dataConverterOf(config);
  // Before the first connection: the SDK's logs in our format, and its metrics exporter when metrics are served.
  installTemporalRuntime({ logger: temporalLoggerOf(logger), metricsBindAddress: config.metrics.workerPort === undefined ? undefined : config.metrics.sdkBindAddress });
  const metricsServer = config.metrics.workerPort === undefined ? undefined : await serveWorkerMetrics(config, config.metrics.workerPort, config.host);
  if (metricsServer) logger.info({ port: config.metrics.workerPort }, 'worker metrics on /metrics');
  const database = await createDb({ url: databaseUrl });
  await migrateWhenReachable(database, logger);
  const carrier = carrierOf(config, database.db);
  const temporalOptions = temporalConnectionOptions(config, temporalAddress);
  const clientConnection = await connectClient(temporalOptions);
  const added = await ensureSearchAttributes(clientConnection, config.temporal.namespace);
  if (added.length) logger.info({ added }, 'registered search attributes');
  await clientConnection.close();
  const connection = await connectWorker(temporalOptions);
  const worker = await createOrderWorker({
    workflowBundle: { codePath: await prebuildWorkflowBundle() },
    maxCachedWorkflows: config.workerMaxCachedWorkflows,
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    db: database.db,
    email: emailSettingsOf(config),
    paymentProviders: paymentProvidersFor(config.payments),
    carrier,
    dataConverter,
    tracing: installTracing(config, 'worker'),
    deployment: config.workerDeployment,
  });
  logger.info({ taskQueue: config.temporal.taskQueue, address: temporalAddress, deployment: config.workerDeployment, tracing: config.tracing.otlpEndpoint !== undefined }, 'worker running');
  try {
    await worker.run();
  } finally {
    await connection.close();
    await database.close();
    metricsServer?.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
