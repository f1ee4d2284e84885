/**
 * Abandoned-cart reminders through the API, on Temporal's time-skipping test
 * server with the shop's real settings (a reminder after 10 hours idle, expiry
 * after 30 days). The clock only moves when a test skips it, so "no reminder
 * yet" is asserted at a known instant of the workflow's clock (a minute before
 * the delay), never after a guessed sleep; the timers the workflow armed are
 * read from its history.
 *
 * The tests of this file share one server clock, so they run one after another.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { startTimeSkippingApi, type ApiHarness } from './support/api.js';
import { activityRuns } from './support/activities-in-history.js';
import { eventually } from './support/eventually.js';
import { withSettings } from './support/settings.js';
import type { TimeSkippingHarness } from './support/time-skipping.js';

let api: ApiHarness<TimeSkippingHarness>;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

beforeAll(async () => {
  api = await startTimeSkippingApi();
  // The shop's defaults are what these tests are about.
  expect((await api.operator('GET', '/api/settings')).body.abandonedCart).toMatchObject({ enabled: true, delay: '10h', followUps: [], expireAfter: '30d' });
});

afterAll(async () => {
  await api?.close();
});

/** Skips the server's clock by `ms`: every timer due meanwhile fires and what it starts runs. */
const skip = (ms: number) => api.temporal.skip(ms);

/** Changes the reminder settings for the body of `run`, and puts the previous settings back whatever happens. */
const withAbandonedCart = (abandonedCart: Record<string, unknown>, run: () => Promise<void>) => withSettings(api, { abandonedCart }, run);

async function cart(body: unknown = { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] }) {
  const r = await api.storefront('POST', '/api/carts', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; number: string };
}

async function remindersOf(orderId: string) {
  const r = await api.operator('GET', `/api/emails?orderId=${orderId}`);
  return (r.body.items as Array<{ kind: string; to: string; status: string; id: string }>).filter((e) => e.kind === 'abandoned_cart');
}

async function detail(orderId: string) {
  const r = await api.operator('GET', `/api/orders/${orderId}`);
  expect(r.status).toBe(200);
  return r.body;
}

async function timelineTypes(orderId: string): Promise<string[]> {
  return (await detail(orderId)).timeline.map((e: { type: string }) => e.type);
}

/** What the workflow did, from its history: the timers it armed (ms) and the emails it sent. */
async function historyOf(orderId: string) {
  const history = await api.temporal.client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
  const events = history.events ?? [];
  const timers = events
    .map((e) => e.timerStartedEventAttributes?.startToFireTimeout)
    .filter((t) => t != null)
    .map((t) => Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6));
  // An email is an ordinary activity in older runs and a local one (its marker) since generation 2: either counts.
  const emailsScheduled = activityRuns(events, 'sendEmail');
  return { timers, emailsScheduled, events };
}

describe('an idle quotation gets one reminder after 10 hours, when the shop can write to the customer', () => {
  it('the first timer is armed for exactly the delay, and the reminder goes out then, not a minute before', async () => {
    const { id } = await cart({ lines: [{ sku: 'TEE-M', quantity: 1 }], customer: { email: 'member@example.com', loggedIn: true } });
    expect((await historyOf(id)).timers).toEqual([10 * HOUR]);

    await skip(10 * HOUR - MINUTE);
    expect(await remindersOf(id)).toEqual([]);
    expect((await historyOf(id)).emailsScheduled).toBe(0);

    await skip(2 * MINUTE);
    await eventually(async () => expect(await remindersOf(id)).toMatchObject([{ to: 'member@example.com', status: 'outbox' }]));
    expect((await historyOf(id)).emailsScheduled).toBe(1);
  });

  it('no contact: no email, and the timeline says why', async () => {
    const { id } = await cart();
    await skip(10 * HOUR + MINUTE);
    await eventually(async () => expect(await timelineTypes(id)).toContain('reminder_passed_over'));
    expect(await remindersOf(id)).toEqual([]);
    expect((await historyOf(id)).emailsScheduled).toBe(0);
  });

  it('a contact given after the cart was passed over gets its reminder one delay later, not at expiry', async () => {
    const { id } = await cart();
    await skip(10 * HOUR + MINUTE);
    await eventually(async () => expect(await timelineTypes(id)).toContain('reminder_passed_over'));
    expect((await api.storefront('PUT', `/api/carts/${id}/contact`, { email: 'late@example.com' })).status).toBe(200);

    await skip(10 * HOUR - MINUTE);
    expect(await remindersOf(id)).toEqual([]);
    await skip(2 * MINUTE);
    await eventually(async () => expect(await remindersOf(id)).toMatchObject([{ to: 'late@example.com' }]));
  });

  it('contact given at checkout, then idle: exactly one email, with a recovery link to the same cart; expired after 30 days', async () => {
    const { id, number } = await cart();
    await api.storefront('PUT', `/api/carts/${id}/contact`, { email: 'idle@example.com', name: 'Ida' });
    await skip(10 * HOUR + MINUTE);
    await eventually(async () => expect(await remindersOf(id)).toHaveLength(1));
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

    // Up to a minute before expiry: still one reminder, still a quotation.
    await skip(30 * DAY - 10 * HOUR - 2 * MINUTE);
    expect(await remindersOf(id)).toHaveLength(1);
    expect(await detail(id)).toMatchObject({ state: 'draft', remindersSent: 1 });

    await skip(2 * MINUTE);
    await api.temporal.client.workflow.getHandle(orderWorkflowId(id)).result();
    await eventually(async () => {
      const order = await detail(id);
      expect(order.state).toBe('cancel');
      expect(order.timeline.at(-1).type).toBe('cart_expired');
    });
    expect(await remindersOf(id)).toHaveLength(1);
    const { timers, emailsScheduled } = await historyOf(id);
    expect(emailsScheduled).toBe(1);
    // The wait for the reminder (re-armed at most once, for the moments the contact pushed it back),
    // then one wait for expiry: nothing polls in between.
    expect(timers[0]).toBe(10 * HOUR);
    expect(timers.length).toBeLessThanOrEqual(3);
    const untilReminder = timers.slice(0, -1).reduce((a, b) => a + b, 0);
    expect(untilReminder).toBeGreaterThanOrEqual(10 * HOUR);
    expect(untilReminder).toBeLessThan(10 * HOUR + MINUTE);
    expect(timers.at(-1)).toBeGreaterThan(30 * DAY - 10 * HOUR - MINUTE);
    expect(timers.at(-1)).toBeLessThanOrEqual(30 * DAY - 10 * HOUR);
  });

  it('a change before the delay pushes the reminder back, without arming a timer per change', async () => {
    const { id } = await cart({ lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: 'busy@example.com', loggedIn: true } });
    await skip(5 * HOUR);
    for (let i = 0; i < 3; i++) expect((await api.storefront('POST', `/api/carts/${id}/lines`, { sku: 'MUG-BLUE', quantity: 1 })).status).toBe(200);
    expect((await historyOf(id)).timers).toEqual([10 * HOUR]); // the changes armed nothing

    // Past the first due time (10 h after creation), a minute before the new one (10 h after the last change).
    await skip(10 * HOUR - MINUTE);
    expect(await remindersOf(id)).toEqual([]);
    const { timers } = await historyOf(id);
    // The first timer fired, found the customer came back, and re-armed once for the rest of the new delay.
    expect(timers).toHaveLength(2);
    expect(timers[1]).toBeGreaterThanOrEqual(5 * HOUR);
    expect(timers[1]).toBeLessThan(5 * HOUR + MINUTE);

    await skip(2 * MINUTE);
    await eventually(async () => expect(await remindersOf(id)).toHaveLength(1));
  });

  it('no reminder for a customer who has placed a sales order since', async () => {
    const idle = await cart({ lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: 'bought@example.com', loggedIn: true } });
    const other = await cart({ lines: [{ sku: 'TEE-M', quantity: 1 }], customer: { email: 'bought@example.com', loggedIn: true } });
    const checkout = await api.storefront('POST', `/api/carts/${other.id}/checkout`, { paymentMethod: 'wire_transfer' });
    expect(checkout.status).toBe(200);
    expect((await api.operator('POST', `/api/orders/${other.id}/confirm`, { paymentReceived: true })).status).toBe(200);
    await skip(10 * HOUR + MINUTE);
    await eventually(async () => expect(await timelineTypes(idle.id)).toContain('email_skipped'));
    expect(await remindersOf(idle.id)).toEqual([]);
  });
});

describe('the shop changes its reminder settings', () => {
  it('a shorter delay applies at once to carts already open', async () => {
    const { id } = await cart({ lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: 'later@example.com', loggedIn: true } });
    await skip(HOUR);
    expect(await remindersOf(id)).toEqual([]);
    await withAbandonedCart({ delay: '30m' }, async () => {
      // Already idle an hour, past the new delay: the timer is re-armed and fires at once.
      await eventually(async () => expect(await remindersOf(id)).toHaveLength(1));
    });
    expect((await historyOf(id)).timers[0]).toBe(10 * HOUR);
  });

  it('a longer delay applies to carts already open', async () => {
    await withAbandonedCart({ delay: '20h' }, async () => {
      const { id } = await cart({ lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: 'patient@example.com', loggedIn: true } });
      await skip(20 * HOUR - MINUTE);
      expect(await remindersOf(id)).toEqual([]);
      await skip(2 * MINUTE);
      await eventually(async () => expect(await remindersOf(id)).toHaveLength(1));
    });
  });

  it('switched off: no reminder, and the only timer waits for expiry', async () => {
    await withAbandonedCart({ enabled: false }, async () => {
      const { id } = await cart({ lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: 'off@example.com', loggedIn: true } });
      expect((await historyOf(id)).timers).toEqual([30 * DAY]);
      await skip(10 * HOUR + MINUTE);
      expect(await remindersOf(id)).toEqual([]);
      expect((await historyOf(id)).emailsScheduled).toBe(0);
    });
  });

  it('a sequence of reminders: each step once, at its time, never more', async () => {
    await withAbandonedCart({ followUps: ['3d'] }, async () => {
      const { id } = await cart({ lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: 'twice@example.com', loggedIn: true } });
      await skip(10 * HOUR + MINUTE);
      await eventually(async () => expect(await remindersOf(id)).toHaveLength(1));
      await skip(3 * DAY - 10 * HOUR - 2 * MINUTE);
      expect(await remindersOf(id)).toHaveLength(1);
      await skip(2 * MINUTE);
      await eventually(async () => expect(await remindersOf(id)).toHaveLength(2));
      await skip(27 * DAY - 2 * MINUTE);
      expect(await remindersOf(id)).toHaveLength(2);
      expect((await historyOf(id)).emailsScheduled).toBe(2);
    });
  });

  it('a quotation idle past expireAfter is cancelled and its workflow completes', async () => {
    await withAbandonedCart({ enabled: false, expireAfter: '2d' }, async () => {
      const { id } = await cart();
      await skip(2 * DAY - MINUTE);
      expect((await detail(id)).state).toBe('draft');
      await skip(2 * MINUTE);
      await api.temporal.client.workflow.getHandle(orderWorkflowId(id)).result();
      await eventually(async () => {
        const order = await detail(id);
        expect(order.state).toBe('cancel');
        expect(order.timeline.at(-1).type).toBe('cart_expired');
      });
    });
  });

  it('the recovery link can lead to the storefront instead', async () => {
    const { id } = await cart();
    const { accessToken } = await detail(id);
    await withSettings(api, { cartRecoveryUrl: 'https://shop.example.com/cart?order={order_id}&t={token}' }, async () => {
      const response = await fetch(`${api.baseUrl}/cart/${id}?token=${accessToken}`, { redirect: 'manual' });
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe(`https://shop.example.com/cart?order=${id}&t=${accessToken}`);
    });
    expect((await api.call('GET', `/cart/${id}?token=${accessToken}`)).status).toBe(200);
  });

  it('a template with an unknown placeholder is refused when saved', async () => {
    const before = (await api.operator('GET', '/api/settings')).body;
    const r = await api.operator('PATCH', '/api/settings', { abandonedCart: { body: 'Hello {{first_name}}' } });
    expect(r.status).toBe(422);
    expect(r.body.error.message).toContain('{{first_name}}');
    expect((await api.operator('GET', '/api/settings')).body).toEqual(before);
  });
});
