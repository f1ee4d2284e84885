/**
 * What a busy cart costs, counted from its real history (Temporal Cloud's
 * billable actions, bench/actions.ts), on the time-skipping test server so that
 * "nothing more happens" is checked over a known span of the workflow's clock —
 * right up to a minute before the cart's idle check — instead of a fixed sleep.
 *
 * Replaces "each cart edit costs exactly one billable action" of
 * order-workflow.test.ts, which waited 300 ms and then counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as orders from '../api/orders.js';
import type { TemporalGateway } from '../api/temporal-gateway.js';
import { countActions, type ActionCount } from '../bench/actions.js';
import { getOrderSummary } from '../db/orders.js';
import type { Database } from '../db/index.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { createTestDatabase } from './support/database.js';
import { eventually } from './support/eventually.js';
import { startTimeSkipping, type TimeSkippingHarness } from './support/time-skipping.js';

let database: Database;
let temporal: TimeSkippingHarness;
let gateway: TemporalGateway;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

beforeAll(async () => {
  database = await createTestDatabase();
  temporal = await startTimeSkipping(database.db);
  gateway = { client: temporal.client, taskQueue: temporal.taskQueue, db: database.db };
});

afterAll(async () => {
  await temporal?.close();
  await database?.close();
});

async function actionsOf(orderId: string): Promise<ActionCount> {
  const history = await temporal.client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
  return countActions(history.events ?? []);
}

function since(before: ActionCount, after: ActionCount): Partial<ActionCount> {
  return Object.fromEntries(Object.entries(after).map(([kind, n]) => [kind, n - before[kind as keyof ActionCount]]).filter(([, n]) => n !== 0));
}

describe('what a cart costs', () => {
  it('each cart edit costs exactly one billable action (its update), and nothing else happens until the idle check', async () => {
    const cart = await orders.openCart(gateway, { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    // The start, the openCart update, and what the first workflow task scheduled (the idle timer, the first projection).
    const before = await actionsOf(cart.id);

    await orders.addLine(gateway, cart.id, { sku: 'TEE-M', quantity: 1 });
    await orders.setLineQuantity(gateway, cart.id, 'TEE-M', 3);
    await orders.addLine(gateway, cart.id, { sku: 'MUG-BLUE', quantity: 1 });
    await orders.removeLine(gateway, cart.id, 'MUG-BLUE');
    const { version } = await orders.setContact(gateway, cart.id, { email: 'cheap@example.com' });

    // Up to a minute before the idle check (10 h after the last edit), every timer due has fired
    // and whatever the edits started has run: five updates, and not one action more.
    await temporal.skip(10 * HOUR - MINUTE);
    expect(since(before, await actionsOf(cart.id))).toEqual({ update: 5 });
    // The edits wait for the idle check to reach the lists.
    expect((await getOrderSummary(database.db, cart.id))?.version ?? 0).toBeLessThan(version);

    // The idle check brings the lists up to date with the whole burst at once.
    await temporal.skip(2 * MINUTE);
    await eventually(async () => expect((await getOrderSummary(database.db, cart.id))?.version ?? 0).toBeGreaterThanOrEqual(version));
  });
});
