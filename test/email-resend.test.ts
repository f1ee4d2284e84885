/**
 * Emails through the real `resend` SDK, against a loopback imitation of
 * Resend: exactly once across retries and a worker restart; the confirmation
 * carries the invoice and the refund email the credit note, as PDF.
 */
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resendTransport } from '../activities/email.js';
import { paymentProvidersOf } from '../activities/payment-providers.js';
import { deliveryIdOf } from '../domain/delivery.js';
import { orderQuery, orderWorkflowId } from '../workflows/order-contract.js';
import { startApi, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';
import { startProviderFake, type ProviderFake } from './support/provider-fake.js';
import { startResendFake, type ResendFake } from './support/resend-fake.js';

let api: ApiHarness;
let resend: ResendFake;
let provider: ProviderFake;

beforeAll(async () => {
  resend = await startResendFake();
  provider = await startProviderFake();
  api = await startApi({ emailTransport: resendTransport('re_test_key', resend.url), paymentProviders: paymentProvidersOf({ url: provider.url, apiKey: provider.apiKey }) });
});

afterAll(async () => {
  await api?.close();
  await resend?.close();
  await provider?.close();
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

/** A card order paid through the provider's webhook: its confirmation is the first email, after its invoice. */
async function paidByCard(email: string) {
  const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 2 }] });
  const id = cart.body.id as string;
  await api.storefront('PUT', `/api/carts/${id}/contact`, { email, name: 'Rita', shippingAddress: { line1: '3 Quai Voltaire', city: 'Paris', postalCode: '75007', country: 'FR' } });
  const checkout = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: 'card' });
  expect(checkout.status).toBe(200);
  const { reference, amount } = checkout.body.payment;
  expect((await api.webhook({ id: `evt_${id}`, type: 'payment.succeeded', data: { reference, amount, currency: 'EUR' } })).status).toBe(200);
  return { id, number: cart.body.number as string };
}

type Attachment = { filename: string; content: string; content_type: string };
const attachmentsOf = (body: Record<string, unknown>) => body.attachments as Attachment[];

async function pdfText(attachment: Attachment) {
  const bytes = Buffer.from(attachment.content, 'base64');
  expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
  return text;
}

const emailsOf = async (orderId: string) => (await api.operator('GET', `/api/emails?orderId=${orderId}`)).body.items as Array<Record<string, any>>;

describe('the invoice and the credit note go with the emails, as PDF', () => {
  it('the confirmation carries the invoice, the same bytes on a retry; the refund email carries the credit note', async () => {
    resend.failNext({ status: 500 });
    const to = 'attached@example.com';
    const { id, number } = await paidByCard(to);
    await eventually(async () => expect(await emailsOf(id)).toMatchObject([{ kind: 'order_confirmation', status: 'sent' }]), 20_000);
    const invoice = (await api.operator('GET', `/api/orders/${id}`)).body.invoice as { id: string; number: string };
    expect(invoice.number).toMatch(/^INV\/\d{4}\/\d{5}$/);

    // Refused once, then accepted: both requests carry the one attachment, byte for byte.
    const confirmations = requestsTo(to);
    expect(confirmations).toHaveLength(2);
    const [first, second] = confirmations.map((r) => attachmentsOf(r.body));
    expect(first).toEqual([{ filename: `${invoice.number.replaceAll('/', '-')}.pdf`, content: expect.any(String), content_type: 'application/pdf' }]);
    expect(second).toEqual(first);
    const invoiceText = await pdfText(first![0]!);
    expect(invoiceText).toContain(`Invoice ${invoice.number}`);
    // 2 mugs at 12.90, tax included.
    expect(invoiceText).toContain('Total: €25.80');
    expect(String(confirmations[0]!.body.text)).toContain(`Your invoice: ${invoice.number}.`);
    expect(String(confirmations[0]!.body.subject)).toContain(number);
    // The outbox row keeps the reference, the console shows the name.
    expect((await emailsOf(id))[0]!.attachment).toEqual({ invoiceId: invoice.id, number: invoice.number, filename: `${invoice.number.replaceAll('/', '-')}.pdf` });

    const refund = await api.operator('POST', `/api/orders/${id}/refunds`, { amount: 1000, reason: 'goodwill' });
    expect(refund.status).toBe(202);
    await eventually(async () => expect((await emailsOf(id)).find((e) => e.kind === 'refund')).toMatchObject({ status: 'sent' }), 20_000);
    const note = (await api.operator('GET', `/api/orders/${id}`)).body.creditNotes[0] as { id: string; number: string };
    expect(note.number).toMatch(/^RINV\/\d{4}\/\d{5}$/);
    const refundEmails = requestsTo(to).filter((r) => String(r.body.subject) !== String(confirmations[0]!.body.subject));
    expect(refundEmails).toHaveLength(1);
    const [attached] = attachmentsOf(refundEmails[0]!.body);
    expect(attached).toMatchObject({ filename: `${note.number.replaceAll('/', '-')}.pdf`, content_type: 'application/pdf' });
    const noteText = await pdfText(attached!);
    expect(noteText).toContain(`Credit note ${note.number}`);
    expect(noteText).toContain(`Credits invoice ${invoice.number}`);
    expect(noteText).toContain('Total: €10.00');
    expect((await emailsOf(id)).find((e) => e.kind === 'refund')!.attachment).toMatchObject({ invoiceId: note.id, number: note.number });
    expect(deliveredTo(to)).toHaveLength(2);
  });

  it('a refund that succeeds while the delivery-done email is being retried is emailed after its credit note, with it', async () => {
    const to = 'race@example.com';
    const { id } = await paidByCard(to);
    await eventually(async () => expect(await emailsOf(id)).toMatchObject([{ kind: 'order_confirmation', status: 'sent' }]), 20_000);
    const live = () => api.temporal.client.workflow.getHandle(orderWorkflowId(id)).query(orderQuery);
    resend.setMode({ kind: 'error' });
    try {
      await eventually(async () => expect((await api.operator('GET', `/api/deliveries/${deliveryIdOf(id)}`)).body.state).toBe('ready'), 15_000);
      expect((await api.operator('POST', `/api/deliveries/${deliveryIdOf(id)}/validate`, { step: 'ship' })).status).toBe(200);
      // The delivery-done email is in flight (refused, retried): the loop waits on it while the refund succeeds.
      await eventually(async () => expect(requestsTo(to).filter((r) => String(r.body.subject).includes('shipped')).length).toBeGreaterThan(0), 15_000);
      expect((await api.operator('POST', `/api/orders/${id}/refunds`, { amount: 500, reason: 'scratched' })).status).toBe(202);
      await eventually(async () => expect((await live()).refunds).toMatchObject([{ status: 'succeeded' }]), 15_000);
      expect((await live()).emailsSent.delivery_done).toBeFalsy();
    } finally {
      resend.setMode({ kind: 'ok' });
    }
    await eventually(async () => expect((await emailsOf(id)).find((e) => e.kind === 'refund')).toMatchObject({ status: 'sent' }), 30_000);
    // The credit note was issued before the refund email went out (without the patch, the email went first, with nothing to attach).
    expect((await live()).creditNotes).toHaveLength(1);
    const note = (await live()).creditNotes![0]!;
    expect((await emailsOf(id)).find((e) => e.kind === 'refund')!.attachment).toMatchObject({ invoiceId: note.id, number: note.number });
    const [refundEmail] = requestsTo(to).filter((r) => String(r.body.subject).toLowerCase().includes('refund'));
    expect(String(refundEmail!.body.text)).toContain(`Your credit note: ${note.number}.`);
    const noteText = await pdfText(attachmentsOf(refundEmail!.body)[0]!);
    expect(noteText).toContain(`Credit note ${note.number}`);
    expect(noteText).toContain('Total: €5.00');
  });

  it('an email without a document carries no attachment', async () => {
    const to = 'plain@example.com';
    const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }], customer: { email: to, loggedIn: true } });
    await api.storefront('POST', `/api/carts/${cart.body.id}/checkout`, { paymentMethod: 'pay_in_store' });
    // Confirmed unpaid: no invoice yet, the confirmation goes without one.
    await api.operator('POST', `/api/orders/${cart.body.id}/confirm`, { paymentReceived: false });
    await eventually(async () => expect(await emailsOf(cart.body.id)).toMatchObject([{ kind: 'order_confirmation', status: 'sent', attachment: null }]), 20_000);
    expect(requestsTo(to)).toHaveLength(1);
    expect(requestsTo(to)[0]!.body.attachments).toBeUndefined();
    expect((await api.operator('GET', `/api/orders/${cart.body.id}`)).body.invoice).toBeNull();
  });
});
