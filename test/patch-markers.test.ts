/**
 * A run decides its patches in its first workflow task (Patches in
 * workflows/support.ts): a patch marker written later, where the code reaches
 * `patched()` right after a local activity, is not replay-safe (the CI replay
 * of a live namespace found one: `invoices`, after the projection). A card
 * order paid, shipped, partly refunded and its delivery: every patch marker of
 * either history is in the run's first task, and a run takes every patched
 * path with one marker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { temporal } from '@temporalio/proto';
import { paymentProvidersOf } from '../activities/payment-providers.js';
import { deliveryIdOf } from '../domain/delivery.js';
import { deliveryWorkflowId } from '../workflows/delivery-contract.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { startApi, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';
import { startProviderFake, type ProviderFake } from './support/provider-fake.js';

let api: ApiHarness;
let provider: ProviderFake;

beforeAll(async () => {
  provider = await startProviderFake();
  api = await startApi({ paymentProviders: paymentProvidersOf({ url: provider.url, apiKey: provider.apiKey }) });
});

afterAll(async () => {
  await api?.close();
  await provider?.close();
});

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Each patch marker: its id, and whether it was written by the run's first workflow task. */
function patchMarkers(events: HistoryEvent[]): Array<{ id: string; firstTask: boolean }> {
  const firstTask = events.find((e) => e.workflowTaskCompletedEventAttributes)?.eventId?.toString();
  return events.flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.details?.['patch-data']?.payloads?.[0]?.data;
    if (marker?.markerName !== 'core_patch' || !data) return [];
    return [{ id: (JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id, firstTask: marker.workflowTaskCompletedEventId?.toString() === firstTask }];
  });
}

describe('patches are decided in the first workflow task', () => {
  it('a card order paid, shipped and partly refunded, and its delivery: one patch marker each, in the first task', async () => {
    const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 2 }] });
    expect(cart.status).toBe(201);
    const id = cart.body.id as string;
    await api.storefront('PUT', `/api/carts/${id}/contact`, { email: 'patches@example.com', name: 'Rita', shippingAddress: { line1: '3 Quai Voltaire', city: 'Paris', postalCode: '75007', country: 'FR' } });
    const checkout = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: 'card' });
    expect(checkout.status).toBe(200);
    const { reference, amount } = checkout.body.payment;
    await api.webhook({ id: `evt_pending_${id}`, type: 'payment.pending', data: { reference, amount, currency: 'EUR' } });
    await api.webhook({ id: `evt_paid_${id}`, type: 'payment.succeeded', data: { reference, amount, currency: 'EUR' } });
    await eventually(async () => expect((await api.operator('GET', `/api/orders/${id}`)).body.deliveryState).toBe('ready'), 20_000);
    expect((await api.operator('POST', `/api/deliveries/${deliveryIdOf(id)}/validate`, { step: 'ship' })).status).toBe(200);
    expect((await api.operator('POST', `/api/orders/${id}/refunds`, { amount: 500, reason: 'goodwill' })).status).toBe(202);
    await eventually(async () => {
      const order = (await api.operator('GET', `/api/orders/${id}`)).body;
      expect(order.invoice).toBeTruthy();
      expect(order.creditNotes).toHaveLength(1);
      expect(order.emails.map((e: { kind: string }) => e.kind).sort()).toEqual(['delivery_done', 'order_confirmation', 'refund']);
    }, 20_000);

    const history = async (workflowId: string) => (await api.temporal.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const order = patchMarkers(await history(orderWorkflowId(id)));
    const delivery = patchMarkers(await history(deliveryWorkflowId(deliveryIdOf(id))));
    // The order went through the invoice, card, payment-email and local-write paths, the delivery through its parcels and local writes: all on, one marker.
    expect(order).toEqual([{ id: 'patches-decided-at-start-2', firstTask: true }]);
    expect(delivery).toEqual([{ id: 'patches-decided-at-start-2', firstTask: true }]);
  });
});
