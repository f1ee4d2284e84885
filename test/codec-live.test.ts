/**
 * The payload codec on a real server: what Temporal stores of an order holds
 * no customer data in clear, and the pre-deploy check (`npm run replay`)
 * replays a live namespace's runs — encrypted — against the working tree.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Payload } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import * as orders from '../api/orders.js';
import type { TemporalGateway } from '../api/temporal-gateway.js';
import { payloadCodecOf, ENCRYPTED_ENCODING } from '../operations/payload-codec.js';
import { deliveryIdOf } from '../domain/delivery.js';
import { deliveryWorkflowId } from '../workflows/delivery-contract.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { startApi, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';
import { TEST_PAYLOAD_KEYS } from './support/payload-key.js';

const PROJECT = fileURLToPath(new URL('..', import.meta.url));
const CUSTOMER = {
  email: 'henriette.secret@example.com',
  name: 'Henriette Quaglio',
  shippingAddress: { line1: '17 impasse des Glycines', city: 'Montauban', postalCode: '82000', country: 'FR' },
};
/** What must not be readable in what the server stores. */
const SECRETS = [CUSTOMER.email, CUSTOMER.name, CUSTOMER.shippingAddress.line1, 'Glycines', 'Montauban'];

let api: ApiHarness;
let gateway: TemporalGateway;
let orderId: string;

beforeAll(async () => {
  api = await startApi();
  gateway = { client: api.temporal.client, taskQueue: api.temporal.taskQueue, db: api.database.db };
  // The full journey: cart, contact with name, email and address, wire transfer confirmed, delivery ready.
  const cart = await orders.openCart(gateway, { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
  orderId = cart.id;
  await orders.setContact(gateway, cart.id, CUSTOMER);
  await orders.checkout(gateway, cart.id, 'wire_transfer');
  await orders.confirm(gateway, cart.id, { by: 'operator', paymentReceived: true });
  await eventually(async () => expect((await orders.getOrder(gateway, cart.id)).deliveryState).toBe('ready'));
  // A second order, cancelled: a closed run for the replay below.
  const other = await orders.openCart(gateway, { lines: [{ sku: 'TEE-M', quantity: 1 }] });
  await orders.setContact(gateway, other.id, { email: 'second.order@example.com' });
  await orders.cancel(gateway, other.id, { reason: 'test over', by: 'operator' });
});

afterAll(async () => {
  await api?.close();
});

/** Every payload (`{ metadata: { encoding }, data }`) in a history's JSON, with the path it sits at. */
function payloadsOf(value: unknown, path = '', found: Array<{ path: string; payload: { metadata: Record<string, string>; data?: string } }> = []) {
  if (Array.isArray(value)) value.forEach((v, i) => payloadsOf(v, `${path}[${i}]`, found));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.metadata && typeof o.metadata === 'object' && 'encoding' in (o.metadata as object)) found.push({ path, payload: o as { metadata: Record<string, string>; data?: string } });
    else for (const [k, v] of Object.entries(o)) payloadsOf(v, `${path}.${k}`, found);
  }
  return found;
}

const base64Text = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
const toPayload = (p: { metadata: Record<string, string>; data?: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});

describe('a history read straight from the server', () => {
  it('holds no customer email, name or address, in the JSON or in any payload; the codec decodes them back', async () => {
    const workflowIds = [orderWorkflowId(orderId), deliveryWorkflowId(deliveryIdOf(orderId))];
    const decoded: string[] = [];
    const emailAttributes: string[] = [];
    for (const workflowId of workflowIds) {
      const history = await api.temporal.client.workflow.getHandle(workflowId).fetchHistory();
      const json = historyToJSON(history);
      for (const secret of SECRETS) expect(json, `${workflowId}: ${secret}`).not.toContain(secret);
      const payloads = payloadsOf(JSON.parse(json));
      // Not trivially empty: the start's input, the Validate's request and answer, the result, at the least.
      expect(payloads.length).toBeGreaterThan(3);
      // The one plain copy, by decision (docs/production.md): the CustomerEmail search attribute, indexed for operators.
      const customerEmail = payloads.filter(({ path }) => /\.searchAttributes\.indexedFields\.CustomerEmail$/.test(path));
      emailAttributes.push(...customerEmail.map(({ payload }) => base64Text(payload.data)));
      const others = payloads.filter((p) => !customerEmail.includes(p));
      for (const { path, payload } of others) {
        const clear = `${base64Text(payload.data)} ${Object.values(payload.metadata).map(base64Text).join(' ')}`;
        for (const secret of SECRETS) expect(clear, `${workflowId} ${path}`).not.toContain(secret);
      }
      // Plain by design, and checked just above to hold none of the customer's data: search attributes
      // (never encrypted), markers the SDK's core writes outside the codec (a patch's id, a local
      // activity's result: versions and steps), and the trace context in headers (ids only).
      const plainByDesign = (path: string) =>
        /\.searchAttributes\.indexedFields\./.test(path) ||
        /\.markerRecordedEventAttributes\.details\.(patch-data|data)\./.test(path) ||
        /\.header\.fields\._tracer-data$/.test(path);
      const encrypted = others.filter(({ path }) => !plainByDesign(path));
      expect(encrypted.length).toBeGreaterThan(0);
      for (const { path, payload } of encrypted) expect(base64Text(payload.metadata.encoding), `${workflowId} ${path}`).toBe(ENCRYPTED_ENCODING);
      const codec = payloadCodecOf({ env: 'test', dataDir: 'unused', payloadKeys: TEST_PAYLOAD_KEYS });
      const plain = await codec.decode(payloads.filter((p) => base64Text(p.payload.metadata.encoding) === ENCRYPTED_ENCODING).map((p) => toPayload(p.payload)));
      decoded.push(...plain.map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8')));
    }
    // The order's search attribute, and nothing else in clear: the customer's email, as it is.
    expect(emailAttributes.length).toBeGreaterThan(0);
    expect(new Set(emailAttributes)).toEqual(new Set([JSON.stringify(CUSTOMER.email)]));
    const all = decoded.join('\n');
    for (const secret of SECRETS) expect(all).toContain(secret);
  });
});

/** `npm run replay` as an operator runs it, against the test server, on this file's task queue. */
function runReplay(extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = ['--import', 'tsx', join(PROJECT, 'scripts/replay.ts'), '--namespace', 'default', '--query', `TaskQueue="${api.temporal.taskQueue}"`, '--limit', '20', ...extra];
  const child = spawn(process.execPath, args, {
    cwd: PROJECT,
    env: { ...process.env, NODE_ENV: 'test', TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default', PAYLOAD_KEYS: TEST_PAYLOAD_KEYS, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run replay: the pre-deploy check against a live namespace', () => {
  it('replays the open and closed runs the query selects, decrypting them, and exits 0', async () => {
    const result = await runReplay(['--bundle', inject('workflowBundlePath')]);
    expect(result.stderr).not.toMatch(/NON-DETERMINISTIC|FAILED/);
    // The open order, its delivery, the cancelled order (and whatever else ran on this task queue).
    const summary = /replay: (\d+) histories from namespace default .*: (\d+) ok, 0 non-deterministic, 0 failed/.exec(result.stdout);
    expect(summary, result.stdout + result.stderr).not.toBeNull();
    expect(Number(summary![1])).toBeGreaterThanOrEqual(3);
    expect(summary![2]).toBe(summary![1]);
    expect(result.code).toBe(0);
  });

  it('exits non-zero, naming the run, when the bundle would not replay them (a changed command)', async () => {
    const code = readFileSync(inject('workflowBundlePath'), 'utf8');
    // The order workflow sends its emails (local activities) under another activity type (the order's confirmation email is in these runs).
    const changed = code.replaceAll('calls.sendEmail', 'calls.renamedEmail');
    expect(changed).not.toBe(code);
    const broken = join(mkdtempSync(join(tmpdir(), 'broken-bundle-')), 'workflows.js');
    writeFileSync(broken, changed);
    const result = await runReplay(['--bundle', broken]);
    // The workflow id and its run id, as `temporal workflow show -w … -r …` takes them.
    expect(result.stderr).toMatch(new RegExp(`NON-DETERMINISTIC ${orderWorkflowId(orderId)} \\(run [0-9a-f-]{36}\\)`));
    expect(result.stdout).toMatch(/[1-9]\d* non-deterministic/);
    expect(result.code).toBe(1);
  });

  it('a wrong --limit is a usage error (exit 2), before any connection', async () => {
    const result = await runReplay(['--limit', 'many']);
    expect(result.stderr).toContain('--limit takes a whole number');
    expect(result.code).toBe(2);
  });
});
