/**
 * CI's pre-deploy check (`.ci/run`, after the suite): `npm start` on free
 * ports and a fresh data directory (its own dev server, PGlite, worker and
 * API), a few orders through the HTTP API as a shop would send them (the demo
 * card order, a wire transfer confirmed and delivered, a cart edited then
 * cancelled, a cart left open), then `npm run replay` against that live
 * namespace exactly as an operator runs it before a deploy. Exit 0 only when
 * every run replayed and there were runs to replay; anything else (a start
 * that fails, an order that does not get through, a non-determinism) is 1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { loadConfig } from '../config.js';
import { deliveryIdOf } from '../domain/delivery.js';
import { prebuildWorkflowBundle } from '../worker.js';
import { PROJECT_DIR, freePort } from './temporal-server.js';

const LIMIT = 50;
/** Runs the journeys below leave at least: 4 orders, 1 delivery. */
const AT_LEAST = 5;
const started = Date.now();
const log = (message: string) => console.log(`[ci-replay +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);

async function main(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'orders-ci-replay-'));
  const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  // The embedded defaults of `npm start`: no cluster, no DATABASE_URL (PGlite under DATA_DIR), the development key kept there.
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, PORT: String(port), TEMPORAL_PORT: String(temporalPort), TEMPORAL_UI_PORT: String(uiPort), LOG_LEVEL: 'warn', LOG_FORMAT: 'json' };
  for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_PROFILE', 'TEMPORAL_CONFIG_FILE', 'DATABASE_URL', 'PAYLOAD_KEYS', 'PUBLIC_URL']) delete env[name];
  const config = loadConfig(env);
  const base = `http://127.0.0.1:${port}`;

  log(`npm start on ${base} (dev server 127.0.0.1:${temporalPort}), data in ${dataDir}`);
  const app = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_DIR, 'scripts/start.ts')], { cwd: PROJECT_DIR, env, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  // CI's `timeout` stops this script: npm start (its own process group) goes with it.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping npm start`);
      if (app.pid !== undefined && app.exitCode === null) process.kill(-app.pid, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(1);
    });
  }
  // The working tree's bundle for the replay, made while npm start starts (the replay would otherwise bundle after the orders).
  const bundle = prebuildWorkflowBundle();
  bundle.catch(() => {});
  try {
    await until('the API answers /healthz', 120_000, async () => (await fetch(`${base}/healthz`).catch(() => null))?.ok === true, app);
    log('npm start is up');

    /** The few fields of the API's answers this script reads (a cart or order, a delivery, a list). */
    type Answer = { id: string; state?: string; deliveryState?: string; items: unknown[] };
    const call = async (token: string, method: string, path: string, body?: unknown): Promise<Answer> => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await response.json().catch(() => null)) as Answer;
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    };
    const shop = (method: string, path: string, body?: unknown) => call(config.tokens.storefront, method, path, body);
    const operator = (method: string, path: string, body?: unknown) => call(config.tokens.operator, method, path, body);

    // A wire transfer, confirmed by the operator, delivered.
    const paid = await shop('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 2 }], customer: { email: 'ci.replay@example.com' } });
    await shop('PUT', `/api/carts/${paid.id}/contact`, { email: 'ci.replay@example.com', name: 'Ci Replay', shippingAddress: { line1: '1 rue du Test', city: 'Lyon', postalCode: '69001', country: 'FR' } });
    await shop('POST', `/api/carts/${paid.id}/checkout`, { paymentMethod: 'wire_transfer' });
    await operator('POST', `/api/orders/${paid.id}/confirm`, { paymentReceived: true });
    await until('the delivery is ready', 60_000, async () => (await operator('GET', `/api/orders/${paid.id}`)).deliveryState === 'ready', app);
    const deliveryId = deliveryIdOf(paid.id);
    for (let step = 0; step < 3 && (await operator('GET', `/api/deliveries/${deliveryId}`)).state !== 'done'; step++) {
      await operator('POST', `/api/deliveries/${deliveryId}/validate`, {});
    }
    await until('the order is delivered', 60_000, async () => (await operator('GET', `/api/orders/${paid.id}`)).deliveryState === 'done', app);
    log('a wire transfer delivered');

    // A cart edited, then cancelled by the operator.
    const cancelled = await shop('POST', '/api/carts', { lines: [{ sku: 'TEE-M', quantity: 1 }] });
    await shop('PATCH', `/api/carts/${cancelled.id}/lines/TEE-M`, { quantity: 3 });
    await operator('POST', `/api/orders/${cancelled.id}/cancel`, { reason: 'ci replay' });

    // A cart left open with its contact (an abandoned cart to be).
    const open = await shop('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    await shop('PUT', `/api/carts/${open.id}/contact`, { email: 'left.open@example.com' });
    await until('the orders are projected', 30_000, async () => (await operator('GET', '/api/orders?limit=50')).items.length >= 4, app);
    log(`orders done: the demo card order, a wire transfer delivered (${paid.id}), a cart cancelled (${cancelled.id}), a cart left open (${open.id})`);

    // The check itself, as deploy/README.md tells an operator to run it.
    const replay = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_DIR, 'scripts/replay.ts'), '--namespace', config.temporal.namespace, '--limit', String(LIMIT), '--bundle', await bundle], {
      cwd: PROJECT_DIR,
      env: { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    replay.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      process.stdout.write(chunk);
    });
    replay.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-200_000);
      process.stderr.write(chunk);
    });
    const code = await new Promise<number | null>((resolve) => replay.once('exit', resolve));
    const replayed = Number(/replay: (\d+) histories/.exec(out)?.[1] ?? 0);
    if (code !== 0) {
      log(`npm run replay exited with ${code}`);
      await keepFailedHistories(`127.0.0.1:${temporalPort}`, config.temporal.namespace, out + stderr);
      return 1;
    }
    if (replayed < AT_LEAST) {
      log(`npm run replay found ${replayed} histories, expected at least ${AT_LEAST}`);
      return 1;
    }
    log(`${replayed} histories replayed`);
    return 0;
  } finally {
    await stop(app);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The histories the replay named (`NON-DETERMINISTIC <workflow id> (run <run id>)`), as JSON in
 * .ci/replay-failures/ for whoever reads CI's output: the server goes away with this script.
 * Their payloads stay encrypted (the development key goes with the data directory); the events
 * and their order are what a non-determinism is about.
 */
async function keepFailedHistories(address: string, namespace: string, output: string): Promise<void> {
  const runs = [...output.matchAll(/^(?:NON-DETERMINISTIC|FAILED) (\S+) \(run ([0-9a-f-]+)\)/gm)].map((m) => ({ workflowId: m[1]!, runId: m[2]! }));
  if (!runs.length) return;
  const dir = join(PROJECT_DIR, '.ci', 'replay-failures');
  mkdirSync(dir, { recursive: true });
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    for (const run of runs) {
      const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      const file = join(dir, `${run.workflowId}_${run.runId}.json`);
      writeFileSync(file, historyToJSON(history));
      log(`kept ${file}`);
    }
  } finally {
    await connection.close();
  }
}

async function until(what: string, ms: number, check: () => Promise<boolean>, app: ChildProcess): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (app.exitCode !== null) throw new Error(`npm start exited with ${app.exitCode} while waiting until ${what}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting until ${what}`);
    await delay(250);
  }
}

/** SIGTERM to npm start's process group (its worker, API and dev server), SIGKILL after 5 s: its data is thrown away. */
async function stop(app: ChildProcess): Promise<void> {
  if (app.exitCode !== null || app.pid === undefined) return;
  const exited = new Promise((resolve) => app.once('exit', resolve));
  process.kill(-app.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(-app.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
