/**
 * A card quotation left at the payment page is an abandoned cart (issue 13):
 * the same reminder as any idle quotation, and at expiry its payment is
 * cancelled at the provider. On Temporal's time-skipping test server, with the
 * shop's default settings (reminder after 10 hours, expiry after 30 days).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { startTimeSkippingApi, type ApiHarness } from './support/api.js';
import { activityRuns } from './support/activities-in-history.js';
import { eventually } from './support/eventually.js';
import type { TimeSkippingHarness } from './support/time-skipping.js';

let api: ApiHarness<TimeSkippingHarness>;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

beforeAll(async () => {
  api = await startTimeSkippingApi();
});

afterAll(async () => {
  await api?.close();
});

const skip = (ms: number) => api.temporal.skip(ms);

async function cart() {
  const r = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; number: string };
}

async function remindersOf(orderId: string) {
  const r = await api.operator('GET', `/api/emails?orderId=${orderId}`);
  return (r.body.items as Array<{ kind: string; to: string; status: string; id: string }>).filter((e) => e.kind === 'abandoned_cart');
}

async function timelineTypes(orderId: string): Promise<string[]> {
  return (await api.operator('GET', `/api/orders/${orderId}`)).body.timeline.map((e: { type: string }) => e.type);
}

async function historyOf(orderId: string) {
  const events = (await api.temporal.client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory()).events ?? [];
  // Ordinary activities in older runs, local ones (their markers) since generation 2: either counts.
  return { emailsScheduled: activityRuns(events, 'sendEmail'), paymentCancels: activityRuns(events, 'cancelPayment') };
}

describe('a card quotation left at the payment page is an abandoned cart', () => {
  it('one reminder after the delay with the link back to the cart; at expiry the payment is cancelled at the provider', async () => {
    const { id, number } = await cart();
    await api.storefront('PUT', `/api/carts/${id}/contact`, { email: 'paypage@example.com', name: 'Paula' });
    const checkout = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: 'card' });
    expect(checkout.status).toBe(200);
    expect(checkout.body.order.state).toBe('draft');

    await skip(10 * HOUR - MINUTE);
    expect(await remindersOf(id)).toEqual([]);
    await skip(2 * MINUTE);
    await eventually(async () => expect(await remindersOf(id)).toMatchObject([{ to: 'paypage@example.com', status: 'outbox' }]));
    const email = await api.operator('GET', `/api/emails/${(await remindersOf(id))[0]!.id}`);
    const link = /https?:\/\/\S+\/cart\/\S+/.exec(email.body.text)?.[0];
    const page = await api.call('GET', new URL(link!).pathname + new URL(link!).search);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`Your cart ${number}`);

    await skip(30 * DAY);
    await api.temporal.client.workflow.getHandle(orderWorkflowId(id)).result();
    await eventually(async () => {
      const types = await timelineTypes(id);
      expect(types).toEqual(expect.arrayContaining(['cart_expired', 'payment_cancelled', 'payment_cancelled_at_provider']));
    });
    expect(await remindersOf(id)).toHaveLength(1);
    const { paymentCancels, emailsScheduled } = await historyOf(id);
    expect(emailsScheduled).toBe(1);
    expect(paymentCancels).toBe(1);
  });

  it("the reminder's link offers paying again: the same open payment while the cart is unchanged, a new checkout once it failed", async () => {
    const { id } = await cart();
    await api.storefront('PUT', `/api/carts/${id}/contact`, { email: 'payagain@example.com', name: 'Pia' });
    const checkout = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: 'card' });
    const first = checkout.body.payment.reference as string;
    await skip(10 * HOUR + MINUTE);
    await eventually(async () => expect(await remindersOf(id)).toHaveLength(1));
    const email = await api.operator('GET', `/api/emails/${(await remindersOf(id))[0]!.id}`);
    const link = new URL(/https?:\/\/\S+\/cart\/\S+/.exec(email.body.text)![0]);

    const payAgain = async () => {
      const page = await api.call('GET', link.pathname + link.search);
      expect(page.status).toBe(200);
      expect(page.body).toContain('You stopped at the payment page');
      const action = /<form method="post" action="([^"]+)"/.exec(page.body)![1]!.replaceAll('&amp;', '&');
      const response = await fetch(`${api.baseUrl}${action}`, { method: 'POST', redirect: 'manual' });
      expect(response.status).toBe(303);
      return /\/pay\/(pay_\w+)$/.exec(response.headers.get('location')!)![1]!;
    };
    expect(await payAgain()).toBe(first);
    const wrongToken = await fetch(`${api.baseUrl}/cart/${id}/checkout?token=guess`, { method: 'POST', redirect: 'manual' });
    expect(wrongToken.status).toBe(404);

    await api.webhook({ id: `evt_fail_${id}`, type: 'payment.failed', data: { reference: first, amount: checkout.body.payment.amount, currency: 'EUR' } });
    await eventually(async () => expect((await timelineTypes(id)).filter((t) => t === 'payment_failed')).toHaveLength(1));
    const second = await payAgain();
    expect(second).not.toBe(first);
    await api.webhook({ id: `evt_paid_${id}`, type: 'payment.succeeded', data: { reference: second, amount: checkout.body.payment.amount, currency: 'EUR' } });
    await eventually(async () => expect((await api.storefront('GET', `/api/carts/${id}`)).body).toMatchObject({ state: 'sale', paymentState: 'paid' }));
    const page = await api.call('GET', link.pathname + link.search);
    expect(page.body).not.toContain('<form');
    expect(await remindersOf(id)).toHaveLength(1);
  });
});
