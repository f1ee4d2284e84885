/**
 * `npm start`: the whole system on embedded defaults, in one process tree —
 * the Temporal dev server (SQLite file and Web UI under data/), the worker and
 * the API over one embedded PGlite database. With TEMPORAL_ADDRESS or
 * DATABASE_URL set, those are used instead of the embedded ones.
 */
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { paymentProvidersFor } from '../activities/payment-providers.js';
import { serveApi, warnAboutDevSecrets } from '../api/server.js';
import { ConfigError, loadConfig } from '../config.js';
import { createDb } from '../db/index.js';
import { seedDemoCatalog } from '../db/seed.js';
import { loggerOf, temporalLoggerOf } from '../logger.js';
import { installTemporalRuntime } from '../operations/metrics.js';
import { dataConverterOf } from '../operations/payload-codec.js';
import { connectClient, connectWorker, temporalConnectionOptions } from '../operations/temporal-connection.js';
import { installTracing } from '../operations/tracing.js';
import { createOrderWorker, emailSettingsOf, ensureSearchAttributes, prebuildWorkflowBundle } from '../worker.js';
import { createDemoOrder } from './demo-order.js';
import { resolveTemporalCli, startDevServer, type DevServer } from './temporal-server.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = loggerOf(config, 'start');
  // Before the first connection: the worker's SDK messages in the same (pretty) format.
  installTemporalRuntime({ logger: temporalLoggerOf(logger) });
  warnAboutDevSecrets(config, logger);

  let devServer: DevServer | undefined;
  let address = config.temporal.address;
  let uiUrl = config.temporal.uiUrl;
  if (!address) {
    const cli = resolveTemporalCli({ cliPath: config.temporal.cliPath, searchPath: config.searchPath, log: (m) => logger.info(m) });
    logger.info({ cli }, 'starting the Temporal dev server');
    devServer = await startDevServer({
      cli,
      port: config.temporal.devServerPort,
      uiPort: config.temporal.uiPort,
      dbFile: join(config.dataDir, 'temporal.db'),
      namespace: config.temporal.namespace,
      // The UI decrypts the orders' payloads through the API's codec server (operator sign-in, CORS for this UI only).
      uiCodecEndpoint: `${config.publicUrl}/codec`,
    });
    address = devServer.address;
    uiUrl = devServer.uiUrl ?? uiUrl;
    // However this process ends, the dev server does not outlive it.
    const server = devServer;
    process.once('exit', () => server.process.kill('SIGTERM'));
  }

  const database = await createDb({ url: config.databaseUrl, dataDir: join(config.dataDir, 'pglite') });
  await database.migrate();
  const firstStart = await seedDemoCatalog(database.db);
  if (firstStart) logger.info('seeded the demo catalog');

  // The dev server's address is plain TCP; a configured cluster's comes with its TLS and API key.
  const temporalOptions = devServer ? { address } : temporalConnectionOptions(config, address);
  const connection = await connectClient(temporalOptions);
  await ensureSearchAttributes(connection, config.temporal.namespace);
  // One codec for the API's client and the worker: PAYLOAD_KEYS, or the development key kept in data/.
  const dataConverter = dataConverterOf(config);
  const tracing = installTracing(config, 'app');
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter, ...(tracing ? { interceptors: { workflow: tracing.clientInterceptors() } } : {}) });
  const nativeConnection = await connectWorker(temporalOptions);
  const worker = await createOrderWorker({ connection: nativeConnection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue,
    db: database.db,
    email: emailSettingsOf(config),
    paymentProviders: paymentProvidersFor(config.payments),
    workflowBundle: { codePath: await prebuildWorkflowBundle() },
    maxCachedWorkflows: config.workerMaxCachedWorkflows,
    dataConverter,
    tracing,
    deployment: config.workerDeployment,
  });
  const workerDone = worker.run();
  const api = await serveApi({ config, database, client, logger });
  const demo = firstStart
    ? await createDemoOrder({ client, taskQueue: config.temporal.taskQueue, db: database.db }, logger).catch((error: unknown) => {
        logger.warn({ err: error }, 'the demo order could not be created');
        return null;
      })
    : null;

  console.log(
    [
      '',
      `  API          ${api.url}   (OpenAPI: ${api.url}/api/openapi.json)`,
      `  Console      ${api.url}/console   (sign in with the operator token)`,
      `  Temporal UI  ${uiUrl}`,
      // The dev server cannot tell its UI to send credentials: each browser says so once (docs/production.md).
      devServer ? `               to read orders decrypted: sign in to the console, then in the UI's Codec Server settings (top bar) use\n               this browser's endpoint ${config.publicUrl}/codec with "Include cross-origin credentials"` : '',
      `  Temporal     ${address}  namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue}`,
      `  Database     ${database.kind === 'pglite' ? `PGlite in ${join(config.dataDir, 'pglite')}` : 'PostgreSQL (DATABASE_URL)'}`,
      config.devDefaultsUsed.length ? `  Tokens       storefront "${config.tokens.storefront}", operator "${config.tokens.operator}" (development defaults)` : '',
      demo ? `  Demo order   ${demo.number} waits in Unpaid orders: pay it on the demo card page, deliver it, refund it.` : '',
      '',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await api.close();
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerDone;
    await nativeConnection.close();
    await connection.close();
    await database.close();
    await devServer?.stop();
    process.exit(0);
  };
  // The worker's runtime also listens for these signals and begins its own shutdown; we wait for it above.
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  await workerDone.catch(async (error: unknown) => {
    logger.error({ err: error }, 'worker stopped');
    await stop('worker-failed');
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
