/**
 * Emails through the real `resend` SDK, against a loopback imitation of
 * Resend: exactly once across retries and a worker restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resendTransport } from '../activities/email.js';
import { startApi, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';
import { startResendFake, type ResendFake } from './support/resend-fake.js';

let api: ApiHarness;
let resend: ResendFake;

beforeAll(async () => {
  resend = await startResendFake();
  api = await startApi({ emailTransport: resendTransport('re_test_key', resend.url) });
});

afterAll(async () => {
  await api?.close();
  await resend?.close();
});

/** A wire-transfer order confirmed by the operator: its confirmation email is the one under test. */
async function confirmedOrder(email: string) {
  const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email, loggedIn: true } });
  await api.storefront('POST', `/api/carts/${cart.body.id}/checkout`, { paymentMethod: 'pay_in_store' });
  await api.operator('POST', `/api/orders/${cart.body.id}/confirm`, { paymentReceived: true });
  return cart.body as { id: string; number: string };
}

const requestsTo = (to: string) => resend.requests.filter((r) => JSON.stringify(r.body.to) === JSON.stringify(to));
const deliveredTo = (to: string) => [...resend.delivered.values()].filter((d) => JSON.stringify(d.body.to) === JSON.stringify(to));

describe('emails go through Resend exactly once', () => {
  it('sends the request Resend expects, with the idempotency key; a 500 then a success delivers one email', async () => {
    resend.failNext({ status: 500 });
    const { id, number } = await confirmedOrder('once@example.com');
    await eventually(async () => {
      const emails = (await api.operator('GET', `/api/emails?orderId=${id}`)).body.items;
      expect(emails).toMatchObject([{ kind: 'order_confirmation', status: 'sent', transport: 'resend' }]);
    }, 20_000);
    const requests = requestsTo('once@example.com');
    expect(requests).toHaveLength(2);
    const [first, second] = requests;
    expect(first!.path).toBe('/emails');
    expect(first!.headers.authorization).toBe('Bearer re_test_key');
    expect(first!.headers['idempotency-key']).toBe(`order-${id}/order_confirmation/1`);
    expect(second!.headers['idempotency-key']).toBe(first!.headers['idempotency-key']);
    expect(second!.body).toEqual(first!.body);
    expect(first!.body).toMatchObject({ from: 'Test Shop <shop@example.com>', to: 'once@example.com', subject: `Your order ${number} is confirmed` });
    expect(String(first!.body.html)).toContain(number);
    expect(String(first!.body.text)).toContain(`/returns/${id}?token=`);
    expect(deliveredTo('once@example.com')).toHaveLength(1);

    const [row] = (await api.operator('GET', `/api/emails?orderId=${id}`)).body.items;
    expect(row.providerId).toBe(resend.delivered.get(`order-${id}/order_confirmation/1`)!.id);
  });

  it('an address Resend refuses for good is recorded as failed and not retried forever', async () => {
    resend.failNext({ status: 422, name: 'validation_error', message: 'Invalid `to` field.' });
    const { id } = await confirmedOrder('refused@example.com');
    await eventually(async () => {
      const detail = (await api.operator('GET', `/api/orders/${id}`)).body;
      expect(detail.emails).toMatchObject([{ status: 'failed', error: expect.stringContaining('validation_error') }]);
      expect(detail.timeline).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'email_failed' })]));
    }, 20_000);
    expect(requestsTo('refused@example.com')).toHaveLength(1);
    expect(deliveredTo('refused@example.com')).toHaveLength(0);
  });

  it('a worker restarted between the claim and the send still sends exactly one', async () => {
    resend.failNext({ status: 500 });
    const { id } = await confirmedOrder('restart@example.com');
    // The first attempt claimed the email and failed to send it: replace the worker before the retry.
    await eventually(async () => expect(requestsTo('restart@example.com')).toHaveLength(1), 20_000);
    await api.temporal.stopWorker();
    await api.temporal.restartWorker();
    await eventually(async () => {
      const emails = (await api.operator('GET', `/api/emails?orderId=${id}`)).body.items;
      expect(emails).toMatchObject([{ status: 'sent' }]);
    }, 20_000);
    expect(deliveredTo('restart@example.com')).toHaveLength(1);
    expect(new Set(requestsTo('restart@example.com').map((r) => r.headers['idempotency-key'])).size).toBe(1);
  });
});
