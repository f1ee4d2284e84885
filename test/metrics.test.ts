/**
 * GET /metrics through the real app, with a real worker in this process:
 * HTTP metrics by route pattern, business counters moved by the activities,
 * the Temporal SDK's own worker metrics, and the token.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { countBusinessEvents, installSdkMetrics, metricsAccess } from '../operations/metrics.js';
import { freePort } from '../scripts/temporal-server.js';
import { STOREFRONT, startApi, type ApiHarness } from './support/api.js';
import { ARTIFACTS } from './support/browser.js';
import { eventually } from './support/eventually.js';

const METRICS_TOKEN = 'test-metrics-token-0123456789';

let api: ApiHarness;

beforeAll(async () => {
  // This file runs in a process of its own: the runtime is installed before startApi connects the worker,
  // and startApi's configuration reads the environment.
  installSdkMetrics(`127.0.0.1:${await freePort()}`);
  process.env.METRICS_TOKEN = METRICS_TOKEN;
  api = await startApi();
});

afterAll(async () => {
  await api?.close();
});

async function scrape(): Promise<string> {
  const r = await api.call('GET', '/metrics', { token: METRICS_TOKEN });
  expect(r.status).toBe(200);
  return r.body as string;
}

/** The value of one sample, by exact name and labels (in any order); 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return 0;
}

async function checkedOutCart(email: string) {
  const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
  expect(cart.status).toBe(201);
  await api.storefront('PUT', `/api/carts/${cart.body.id}/contact`, { email, name: 'Metrics' });
  const checkout = await api.storefront('POST', `/api/carts/${cart.body.id}/checkout`, { paymentMethod: 'card' });
  expect(checkout.status).toBe(200);
  return { id: cart.body.id as string, reference: checkout.body.payment.reference as string, amount: checkout.body.payment.amount as number };
}

describe('GET /metrics', () => {
  it('counts and times requests by route pattern and status, never by raw path', async () => {
    const before = await scrape();
    const checkout = { method: 'POST', route: '/api/carts/:id/checkout', status: '200' };
    const countBefore = sample(before, 'http_request_duration_seconds_count', checkout);

    const { id } = await checkedOutCart('metrics-route@example.com');
    expect((await api.call('GET', `/api/carts/${id}`, { token: null })).status).toBe(401);

    const after = await scrape();
    expect(sample(after, 'http_request_duration_seconds_count', checkout)).toBe(countBefore + 1);
    expect(sample(after, 'http_requests_total', checkout)).toBe(countBefore + 1);
    // The latency histogram has its buckets, the last one counting every request.
    expect(sample(after, 'http_request_duration_seconds_bucket', { ...checkout, le: '+Inf' })).toBe(countBefore + 1);
    expect(sample(after, 'http_request_duration_seconds_sum', checkout)).toBeGreaterThan(0);
    // A refusal is counted on its route too, with its status.
    expect(sample(after, 'http_requests_total', { method: 'GET', route: '/api/carts/:id', status: '401' })).toBe(1);
    expect(after).not.toContain(id);
  });

  it('counts orders confirmed and payment failures once each, as the worker projects them', async () => {
    const paid = await checkedOutCart('metrics-paid@example.com');
    const failed = await checkedOutCart('metrics-failed@example.com');
    const before = await scrape();
    const confirmedBefore = sample(before, 'orders_confirmed_total', { by: 'payment' });
    const failuresBefore = sample(before, 'orders_payment_failures_total');

    const ok = await api.webhook({ id: `evt_ok_${paid.id}`, type: 'payment.succeeded', data: { reference: paid.reference, amount: paid.amount, currency: 'EUR' } });
    expect(ok.status).toBe(200);
    const ko = await api.webhook({ id: `evt_ko_${failed.id}`, type: 'payment.failed', data: { reference: failed.reference, amount: failed.amount, currency: 'EUR' } });
    expect(ko.status).toBe(200);

    await eventually(async () => {
      const text = await scrape();
      expect(sample(text, 'orders_confirmed_total', { by: 'payment' })).toBe(confirmedBefore + 1);
      expect(sample(text, 'orders_payment_failures_total')).toBe(failuresBefore + 1);
    });
    // Later projections of the same orders (the confirmation email, the delivery) do not count them again.
    await eventually(async () => {
      const emails = await api.operator('GET', `/api/emails?orderId=${paid.id}`);
      expect(emails.body.items.map((e: { kind: string }) => e.kind)).toContain('order_confirmation');
    });
    const later = await scrape();
    expect(sample(later, 'orders_confirmed_total', { by: 'payment' })).toBe(confirmedBefore + 1);
    expect(sample(later, 'orders_payment_failures_total')).toBe(failuresBefore + 1);
  });

  it("includes the Temporal SDK's worker metrics", async () => {
    expect((await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] })).status).toBe(201);
    await eventually(async () => {
      const text = await scrape();
      const queue = { task_queue: api.temporal.taskQueue };
      expect(sample(text, 'temporal_worker_start_total', queue)).toBe(1);
      expect(sample(text, 'temporal_workflow_task_execution_latency_count', queue)).toBeGreaterThan(0);
      // The projection runs as a local activity (workflows/order.ts, short writes).
      expect(sample(text, 'temporal_local_activity_execution_latency_count', { ...queue, activity_type: 'projectOrder' })).toBeGreaterThan(0);
    });
  });

  it('reads each business event from its timeline entry, and nothing else', async () => {
    const counters = (text: string) => ({
      byPayment: sample(text, 'orders_confirmed_total', { by: 'payment' }),
      byOperator: sample(text, 'orders_confirmed_total', { by: 'operator' }),
      reminders: sample(text, 'orders_reminders_sent_total'),
      refundsOk: sample(text, 'orders_refunds_total', { outcome: 'succeeded' }),
      refundsKo: sample(text, 'orders_refunds_total', { outcome: 'failed' }),
      deliveries: sample(text, 'orders_deliveries_done_total'),
      paymentFailures: sample(text, 'orders_payment_failures_total'),
    });
    const before = counters(await scrape());
    countBusinessEvents([
      { type: 'order_confirmed', data: { paymentReceived: true } },
      { type: 'payment_received', data: { outcome: 'confirmed' } },
      { type: 'payment_received', data: { outcome: 'paid' } },
      { type: 'email_sent', data: { kind: 'abandoned_cart', seq: 1 } },
      { type: 'email_sent', data: { kind: 'order_confirmation', seq: 1 } },
      { type: 'email_skipped', data: { kind: 'abandoned_cart', seq: 2 } },
      { type: 'refund_succeeded', data: { refundId: 'r1' } },
      { type: 'refund_failed', data: { refundId: 'r2' } },
      { type: 'refund_requested', data: { refundId: 'r3' } },
      { type: 'delivery_done', data: { deliveryId: 'd1' } },
      { type: 'delivery_step_done', data: { deliveryId: 'd1' } },
      { type: 'payment_failed', data: null },
    ]);
    const after = counters(await scrape());
    expect({
      byPayment: after.byPayment - before.byPayment,
      byOperator: after.byOperator - before.byOperator,
      reminders: after.reminders - before.reminders,
      refundsOk: after.refundsOk - before.refundsOk,
      refundsKo: after.refundsKo - before.refundsKo,
      deliveries: after.deliveries - before.deliveries,
      paymentFailures: after.paymentFailures - before.paymentFailures,
    }).toEqual({ byPayment: 1, byOperator: 1, reminders: 1, refundsOk: 1, refundsKo: 1, deliveries: 1, paymentFailures: 1 });
    // What Prometheus scrapes, kept for a reader (test/artifacts/, not committed).
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'metrics.prom'), await scrape());
  });

  it('asks for METRICS_TOKEN when it is set', async () => {
    const none = await api.call('GET', '/metrics', { token: null });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    const wrong = await api.call('GET', '/metrics', { token: STOREFRONT });
    expect(wrong.status).toBe(401);
  });

  it('is refused in production without METRICS_TOKEN, and open in development', () => {
    const secrets = { STOREFRONT_API_TOKEN: 'prod-storefront-token-0123', OPERATOR_API_TOKEN: 'prod-operator-token-01234', PAYMENT_WEBHOOK_SECRET: 'prod-webhook-secret-01234', CARD_PAYMENTS: 'off' };
    const production = loadConfig({ NODE_ENV: 'production', ...secrets });
    expect(metricsAccess(production, undefined)).toMatchObject({ status: 403, code: 'metrics_disabled' });
    expect(metricsAccess(production, `Bearer ${METRICS_TOKEN}`)).toMatchObject({ status: 403 });
    const withToken = loadConfig({ NODE_ENV: 'production', ...secrets, METRICS_TOKEN });
    expect(metricsAccess(withToken, `Bearer ${METRICS_TOKEN}`)).toEqual({ status: 200 });
    expect(metricsAccess(loadConfig({ NODE_ENV: 'development' }), undefined)).toEqual({ status: 200 });
  });
});
