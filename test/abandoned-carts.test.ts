/**
 * Abandoned-cart reminders on a real Temporal server, through the API, with
 * delays of a few seconds set through the settings (the 10-hour and 30-day
 * arithmetic is unit-tested in email-rules.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { startApi, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';

let api: ApiHarness;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DELAY_MS = 3_000;

beforeAll(async () => {
  api = await startApi();
  const r = await api.operator('PATCH', '/api/settings', { abandonedCart: { enabled: true, delay: `${DELAY_MS / 1000}s`, expireAfter: '1h' } });
  expect(r.status).toBe(200);
});

afterAll(async () => {
  await api?.close();
});

async function setAbandonedCart(abandonedCart: Record<string, unknown>) {
  const r = await api.operator('PATCH', '/api/settings', { abandonedCart });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

async function cart(body: unknown = { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] }) {
  const r = await api.storefront('POST', '/api/carts', body);
  expect(r.status).toBe(201);
  return r.body as { id: string; number: string };
}

async function remindersOf(orderId: string) {
  const r = await api.operator('GET', `/api/emails?orderId=${orderId}`);
  return (r.body.items as Array<{ kind: string; to: string; status: string; id: string }>).filter((e) => e.kind === 'abandoned_cart');
}

async function timelineTypes(orderId: string): Promise<string[]> {
  return (await api.operator('GET', `/api/orders/${orderId}`)).body.timeline.map((e: { type: string }) => e.type);
}

describe.concurrent('an idle quotation gets one reminder, when the shop can write to the customer', () => {
  it('no contact: no email, and the timeline says why', async () => {
    const { id } = await cart();
    await eventually(async () => expect(await timelineTypes(id)).toContain('reminder_passed_over'), DELAY_MS + 10_000);
    expect(await remindersOf(id)).toEqual([]);
  });

  it('a contact given after the cart was passed over gets its reminder one delay later, not at expiry', async () => {
    const { id } = await cart();
    await eventually(async () => expect(await timelineTypes(id)).toContain('reminder_passed_over'), DELAY_MS + 10_000);
    const contactAt = Date.now();
    await api.storefront('PUT', `/api/carts/${id}/contact`, { email: 'late@example.com' });
    await eventually(async () => expect(await remindersOf(id)).toHaveLength(1), DELAY_MS + 10_000);
    expect(Date.now() - contactAt).toBeGreaterThanOrEqual(DELAY_MS - 200);
  });

  it('contact given at checkout, then idle: exactly one email, with a recovery link to the same cart', async () => {
    const { id, number } = await cart();
    await api.storefront('PUT', `/api/carts/${id}/contact`, { email: 'idle@example.com', name: 'Ida' });
    await eventually(async () => expect(await remindersOf(id)).toHaveLength(1), DELAY_MS + 10_000);
    const [reminder] = await remindersOf(id);
    expect(reminder).toMatchObject({ to: 'idle@example.com', status: 'outbox' });
    const email = await api.operator('GET', `/api/emails/${reminder!.id}`);
    expect(email.body.subject).toBe('Your cart at Demo Shop is waiting for you');
    expect(email.body.text).toContain('Hello Ida,');
    const link = /https?:\/\/\S+\/cart\/\S+/.exec(email.body.text)?.[0];
    expect(link).toBeTruthy();

    const page = await api.call('GET', new URL(link!).pathname + new URL(link!).search);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`Your cart ${number}`);
    expect(page.body).toContain('Blue ceramic mug');
    expect((await api.call('GET', `/cart/${id}?token=wrong`)).status).toBe(404);

    await sleep(DELAY_MS + 1_000);
    expect(await remindersOf(id)).toHaveLength(1);
    const abandoned = await api.operator('GET', '/api/abandoned-carts');
    expect(abandoned.body.items.find((o: { id: string }) => o.id === id)).toMatchObject({ remindersSent: 1 });
  });

  it('a logged-in customer known at cart creation gets the reminder too', async () => {
    const { id } = await cart({ lines: [{ sku: 'TEE-M', quantity: 1 }], customer: { email: 'member@example.com', loggedIn: true } });
    await eventually(async () => expect(await remindersOf(id)).toMatchObject([{ to: 'member@example.com' }]), DELAY_MS + 10_000);
  });

  it('a change before the delay pushes the reminder back, without arming a timer per change', async () => {
    const { id } = await cart({ lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: 'busy@example.com', loggedIn: true } });
    await sleep(DELAY_MS / 2);
    const changedAt = Date.now();
    for (let i = 0; i < 3; i++) await api.storefront('POST', `/api/carts/${id}/lines`, { sku: 'MUG-BLUE', quantity: 1 });
    await sleep(DELAY_MS / 2 + 500); // past the first due time, before the new one
    if (Date.now() - changedAt < DELAY_MS) expect(await remindersOf(id)).toEqual([]);
    await eventually(async () => expect(await remindersOf(id)).toHaveLength(1), DELAY_MS + 10_000);

    const history = await api.temporal.client.workflow.getHandle(orderWorkflowId(id)).fetchHistory();
    const timers = history.events?.filter((e) => e.timerStartedEventAttributes).length ?? 0;
    expect(timers).toBeLessThanOrEqual(3); // the first wait, its re-arm, and the wait for expiry: never one per change
  });

  it('no reminder for a customer who has placed a sales order since', async () => {
    const idle = await cart({ lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: 'bought@example.com', loggedIn: true } });
    const other = await cart({ lines: [{ sku: 'TEE-M', quantity: 1 }], customer: { email: 'bought@example.com', loggedIn: true } });
    const checkout = await api.storefront('POST', `/api/carts/${other.id}/checkout`, { paymentMethod: 'wire_transfer' });
    expect(checkout.status).toBe(200);
    await api.operator('POST', `/api/orders/${other.id}/confirm`, { paymentReceived: true });
    await eventually(async () => expect(await timelineTypes(idle.id)).toContain('email_skipped'), DELAY_MS + 10_000);
    expect(await remindersOf(idle.id)).toEqual([]);
  });
});

describe('the shop changes its reminder settings', () => {
  it('a new delay applies to carts already open', async () => {
    await setAbandonedCart({ delay: '30m' });
    const { id } = await cart({ lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: 'later@example.com', loggedIn: true } });
    await sleep(DELAY_MS + 500);
    expect(await remindersOf(id)).toEqual([]);
    await setAbandonedCart({ delay: '1s' });
    await eventually(async () => expect(await remindersOf(id)).toHaveLength(1), 10_000);
  });

  it('switched off: no reminder', async () => {
    await setAbandonedCart({ enabled: false, delay: '1s' });
    const { id } = await cart({ lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: 'off@example.com', loggedIn: true } });
    await sleep(3_000);
    expect(await remindersOf(id)).toEqual([]);
    await setAbandonedCart({ enabled: true });
  });

  it('a sequence of reminders: each step once, never more', async () => {
    await setAbandonedCart({ enabled: true, delay: '1s', followUps: ['3s'] });
    const { id } = await cart({ lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: 'twice@example.com', loggedIn: true } });
    await eventually(async () => expect(await remindersOf(id)).toHaveLength(2), 15_000);
    await sleep(2_000);
    expect(await remindersOf(id)).toHaveLength(2);
    await setAbandonedCart({ followUps: [] });
  });

  it('a quotation idle past expireAfter is cancelled and its workflow completes', async () => {
    await setAbandonedCart({ enabled: false, delay: '1s', expireAfter: '3s' });
    const { id } = await cart();
    await api.temporal.client.workflow.getHandle(orderWorkflowId(id)).result();
    await eventually(async () => {
      const detail = await api.operator('GET', `/api/orders/${id}`);
      expect(detail.body.state).toBe('cancel');
      expect(detail.body.timeline.at(-1).type).toBe('cart_expired');
    });
    await setAbandonedCart({ enabled: true, delay: '3s', expireAfter: '1h' });
  });

  it('the recovery link can lead to the storefront instead', async () => {
    const { id } = await cart();
    const detail = await api.operator('GET', `/api/orders/${id}`);
    await api.operator('PATCH', '/api/settings', { cartRecoveryUrl: 'https://shop.example.com/cart?order={order_id}&t={token}' });
    const response = await fetch(`${api.baseUrl}/cart/${id}?token=${detail.body.accessToken}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`https://shop.example.com/cart?order=${id}&t=${detail.body.accessToken}`);
    await api.operator('PATCH', '/api/settings', { cartRecoveryUrl: null });
  });

  it('a template with an unknown placeholder is refused when saved', async () => {
    const r = await api.operator('PATCH', '/api/settings', { abandonedCart: { body: 'Hello {{first_name}}' } });
    expect(r.status).toBe(422);
    expect(r.body.error.message).toContain('{{first_name}}');
  });
});
