/**
 * `npm run api`: the HTTP API alone, against PostgreSQL and a Temporal
 * cluster (production shape). `npm start` runs it in-process instead.
 */
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { Client } from '@temporalio/client';
import { ConfigError, loadConfig, requireSharedServices, type Config } from '../config.js';
import { createDb, type Database } from '../db/index.js';
import { loggerOf, type Logger } from '../logger.js';
import { dataConverterOf } from '../operations/payload-codec.js';
import { connectClient, temporalConnectionOptions } from '../operations/temporal-connection.js';
import { installTracing } from '../operations/tracing.js';
import { createApp } from './app.js';
import { APP_CLOSING } from './lifecycle.js';

export interface RunningApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function serveApi(options: { config: Config; database: Database; client: Client; logger: Logger }): Promise<RunningApi> {
  const { config, database, client, logger } = options;
  const app = createApp({ gateway: { client, taskQueue: config.temporal.taskQueue, db: database.db }, database, config, logger });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    server,
    url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Server-sent event streams never finish by themselves: end them, or close() would wait for the browsers.
      app.emit(APP_CLOSING);
      return closed;
    },
  };
}

export function warnAboutDevSecrets(config: Config, logger: Logger): void {
  if (config.devDefaultsUsed.length) {
    logger.warn({ variables: config.devDefaultsUsed }, 'using development defaults for unset secrets; set them before going live');
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = loggerOf(config, 'api');
  const { databaseUrl, temporalAddress } = requireSharedServices(config, 'npm run api');
  warnAboutDevSecrets(config, logger);
  const database = await createDb({ url: databaseUrl });
  await database.migrate();
  // Before connecting: a production config without PAYLOAD_KEYS stops here, with its message.
  const dataConverter = dataConverterOf(config);
  const connection = await connectClient(temporalConnectionOptions(config, temporalAddress));
  const tracing = installTracing(config, 'api');
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter, ...(tracing ? { interceptors: { workflow: tracing.clientInterceptors() } } : {}) });
  const api = await serveApi({ config, database, client, logger });
  logger.info({ url: api.url }, 'API listening');
  const stop = async () => {
    await api.close();
    await connection.close();
    await database.close();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
