/**
 * The production shape, for the benchmark and the fault tests: a Temporal dev
 * server on a SQLite file (or TEMPORAL_ADDRESS), a PostgreSQL database of its
 * own (created on DATABASE_URL's server, default 127.0.0.1:5432, dropped
 * after), and the worker and the API as separate processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { loadConfig } from '../config.js';
import { createDb } from '../db/index.js';
import { createProduct, type NewProduct } from '../db/products.js';
import { getSettings, saveSettings } from '../db/settings.js';
import { dataConverterOf } from '../operations/payload-codec.js';
import type { ShopSettings } from '../domain/settings.js';
import { freePort, PROJECT_DIR, resolveTemporalCli, startDevServer, type DevServer } from './temporal-server.js';

export interface ProductionShapeOptions {
  /** Names the database and the task queue. */
  name: string;
  products: NewProduct[];
  settings?: Partial<ShopSettings>;
  /** Extra environment for the worker and the API. */
  env?: Record<string, string>;
  /** The PostgreSQL server to create the shape's database on (default DATABASE_URL, else 127.0.0.1:5432). */
  adminDatabaseUrl?: string;
}

export interface ProductionShape {
  address: string;
  apiUrl: string;
  databaseUrl: string;
  taskQueue: string;
  tokens: { storefront: string; operator: string; webhook: string };
  /** The first worker and API; more can be added. */
  worker: ChildProcess;
  api: ChildProcess;
  /** Every API started, in order (the first is apiUrl). */
  apiUrls: string[];
  /** Starts one more worker on the same task queue. */
  addWorker(): ChildProcess;
  /** Starts one more API process on its own port and waits until it is healthy. */
  addApi(): Promise<{ url: string; process: ChildProcess }>;
  /** A client with the shape's payload codec (PAYLOAD_KEYS below). */
  client: Client;
  /** The PAYLOAD_KEYS its worker and API run with: a process of its own (bench's baseline worker) passes them on. */
  payloadKeys: string;
  devServer: DevServer | undefined;
  spawnNode(script: string, args?: string[], env?: Record<string, string>): ChildProcess;
  /** Stops a process this shape started, on purpose (its exit is then expected). */
  kill(child: ChildProcess, signal?: NodeJS.Signals): Promise<void>;
  /** Processes that exited without being told to: a crash. */
  unexpectedExits: string[];
  /** Kills the worker (SIGKILL by default: no goodbye) and starts a new one. */
  replaceWorker(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the dev server, waits, and starts it again on the same port and SQLite file. */
  restartTemporal(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function waitHealthy(url: string, attempts = 600): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the API at ${url} did not become healthy`);
}

export async function startProductionShape(options: ProductionShapeOptions): Promise<ProductionShape> {
  const config = loadConfig();
  const cleanups: Array<() => Promise<void> | void> = [];
  const children = new Set<ChildProcess>();
  const meantToStop = new WeakSet<ChildProcess>();
  const unexpectedExits: string[] = [];
  const spawnNode = (script: string, args: string[] = [], env: Record<string, string> = {}): ChildProcess => {
    // SHAPE_LOG_DIR keeps each process's log (warnings and errors, JSON) in a file of its own, to read after a run.
    const logDir = process.env.SHAPE_LOG_DIR;
    const log = logDir ? openSync(join(logDir, `${basename(script, '.ts')}-${Date.now()}.log`), 'a') : 'ignore';
    // SHAPE_WORKER_NODE_OPTIONS: Node flags for the worker processes only (e.g. `--max-old-space-size=256`, a bounded heap).
    const nodeFlags = script === 'worker.ts' ? (process.env.SHAPE_WORKER_NODE_OPTIONS ?? '').split(' ').filter(Boolean) : [];
    const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', join(PROJECT_DIR, script), ...args], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', log, 'inherit'],
    });
    if (typeof log === 'number') closeSync(log);
    children.add(child);
    child.once('exit', (code, signal) => {
      children.delete(child);
      if (!meantToStop.has(child)) unexpectedExits.push(`${script} (pid ${child.pid}) exited by itself: ${signal ?? `code ${code}`}`);
    });
    return child;
  };
  const kill = async (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') => {
    meantToStop.add(child);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  };
  const stop = async () => {
    for (const child of children) {
      meantToStop.add(child);
      child.kill('SIGTERM');
    }
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch {
        // best effort: the rest still goes
      }
    }
  };

  /** The dev server now running (a restart replaces it). */
  let currentServer: DevServer | undefined;
  try {
    let address = config.temporal.address;
    let devServer: DevServer | undefined;
    let devServerOptions: Parameters<typeof startDevServer>[0] | undefined;
    if (!address) {
      const cli = resolveTemporalCli({ cliPath: config.temporal.cliPath, searchPath: config.searchPath, log: console.error });
      const dir = mkdtempSync(join(tmpdir(), `orders-${options.name}-`));
      devServerOptions = { cli, port: await freePort(), dbFile: join(dir, 'temporal.db') };
      devServer = await startDevServer(devServerOptions);
      currentServer = devServer;
      address = devServer.address;
      cleanups.push(async () => {
        await currentServer?.stop();
        rmSync(dir, { recursive: true, force: true });
      });
    }
    const adminUrl = options.adminDatabaseUrl ?? config.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const dbName = `orders_${options.name}_${Date.now()}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${dbName}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${dbName}`;
    const databaseUrl = url.toString();
    cleanups.push(async () => {
      const again = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${dbName} with (force)`);
      await again.end();
    });
    const database = await createDb({ url: databaseUrl, max: 2 });
    await database.migrate();
    for (const product of options.products) await createProduct(database.db, product);
    await saveSettings(database.db, { ...(await getSettings(database.db)), ...options.settings });
    await database.close();

    const port = await freePort();
    const taskQueue = `${options.name}-${randomUUID().slice(0, 8)}`;
    const tokens = { storefront: `${options.name}-storefront-token-000`, operator: `${options.name}-operator-token-0000`, webhook: `${options.name}-webhook-secret-00000` };
    const env = {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      STOREFRONT_API_TOKEN: tokens.storefront,
      OPERATOR_API_TOKEN: tokens.operator,
      PAYMENT_WEBHOOK_SECRET: tokens.webhook,
      // One load generator on one address is not a storefront's traffic.
      RATE_LIMIT_STOREFRONT_WRITES: '0',
      // One payload key for the shape's processes and its client, as a deployment shares PAYLOAD_KEYS.
      PAYLOAD_KEYS: `${options.name}:${randomBytes(32).toString('base64')}`,
      ...options.env,
    };
    const connection = await Connection.connect({ address });
    cleanups.push(() => connection.close());
    const shape: ProductionShape = {
      address,
      apiUrl: `http://127.0.0.1:${port}`,
      apiUrls: [`http://127.0.0.1:${port}`],
      databaseUrl,
      taskQueue,
      tokens,
      worker: spawnNode('worker.ts', [], env),
      api: spawnNode('api/server.ts', [], env),
      client: new Client({ connection, dataConverter: dataConverterOf({ ...config, payloadKeys: env.PAYLOAD_KEYS }) }),
      payloadKeys: env.PAYLOAD_KEYS,
      devServer,
      spawnNode,
      addWorker: () => spawnNode('worker.ts', [], env),
      async addApi() {
        const apiPort = await freePort();
        const url = `http://127.0.0.1:${apiPort}`;
        const child = spawnNode('api/server.ts', [], { ...env, PORT: String(apiPort) });
        await waitHealthy(url);
        shape.apiUrls.push(url);
        return { url, process: child };
      },
      async replaceWorker(signal = 'SIGKILL') {
        await kill(shape.worker, signal);
        shape.worker = spawnNode('worker.ts', [], env);
      },
      kill,
      unexpectedExits,
      async restartTemporal(downMs) {
        if (!shape.devServer || !devServerOptions) throw new Error('restartTemporal needs the dev server this shape started');
        await shape.devServer.stop();
        await new Promise((r) => setTimeout(r, downMs));
        currentServer = await startDevServer(devServerOptions);
        shape.devServer = currentServer;
      },
      stop,
    };
    await waitHealthy(shape.apiUrl);
    return shape;
  } catch (error) {
    await stop();
    throw error;
  }
}
