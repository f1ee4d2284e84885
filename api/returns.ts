/** The API's side of refunds and returns. */
import { getProductsBySku } from '../db/products.js';
import { getReturn } from '../db/returns.js';
import { getSettings } from '../db/settings.js';
import { DomainError } from '../domain/errors.js';
import { DeliveryState } from '../domain/order.js';
import { ReturnState, type Refund, type ReturnRecord, type ReturnRequest } from '../domain/refunds.js';
import { orderWorkflowId, recordManualRefundUpdate, requestRefundUpdate, requestReturnUpdate } from '../workflows/order-contract.js';
import { receiveReturnUpdate, returnWorkflowId, type ReturnProgress } from '../workflows/returns-contract.js';
import { getOrder, updateOrder } from './orders.js';
import { sendOrExplainClosed, sendToWorkflow, type TemporalGateway } from './temporal-gateway.js';
import { returnView } from './views/returns.js';

export function requestRefund(gateway: TemporalGateway, orderId: string, request: { amount?: number | undefined; reason?: string | undefined }): Promise<Refund> {
  return updateOrder(gateway, orderId, () =>
    gateway.client.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(requestRefundUpdate, { args: [{ ...request, by: 'operator' }] }),
  );
}

/** A refund the shop made by hand (bank transfer): recorded, no provider call. */
export function recordManualRefund(gateway: TemporalGateway, orderId: string, request: { amount?: number | undefined; reason?: string | undefined }): Promise<Refund> {
  return updateOrder(gateway, orderId, () =>
    gateway.client.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(recordManualRefundUpdate, { args: [{ ...request, by: 'operator' }] }),
  );
}

export function requestReturn(gateway: TemporalGateway, orderId: string, request: ReturnRequest): Promise<ReturnRecord> {
  return updateOrder(gateway, orderId, () => gateway.client.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(requestReturnUpdate, { args: [request] }));
}

export function receiveReturn(gateway: TemporalGateway, returnId: string): Promise<ReturnProgress> {
  return sendToWorkflow(() => gateway.client.workflow.getHandle(returnWorkflowId(returnId)).executeUpdate(receiveReturnUpdate), 'return_not_found');
}

/**
 * A return asked for on an order (the caller checked who may ask): the
 * catalog and the shop's return window as they are now go with the request,
 * and the order's workflow applies the return policy.
 */
export async function requestReturnOf(
  gateway: TemporalGateway,
  order: { id: string; number: string; deliveryState: string },
  lines: ReturnRequest['lines'],
) {
  const [settings, products] = await Promise.all([getSettings(gateway.db), getProductsBySku(gateway.db, lines.map((l) => l.sku))]);
  const catalog = Object.fromEntries([...products.values()].map((p) => [p.sku, { returnable: p.returnable, type: p.type }]));
  try {
    return returnView(await requestReturn(gateway, order.id, { lines, catalog, returnWindowDays: settings.returnWindowDays }), order);
  } catch (error) {
    // A delivered order's workflow closes only once its return window is over.
    if (error instanceof DomainError && error.code === 'cart_not_editable' && order.deliveryState === DeliveryState.done) {
      throw new DomainError('return_window_closed', `The return window for ${order.number} is closed.`);
    }
    throw error;
  }
}

/** The warehouse received a return: the return as the API shows it, from the projection or, before that caught up, from the order. */
export async function receiveReturnAnswer(gateway: TemporalGateway, returnId: string) {
  const status = await sendOrExplainClosed(
    () => receiveReturn(gateway, returnId),
    'return_not_found',
    async () => {
      // A received return's workflow is closed: say so, unless the return does not exist at all.
      if (await getReturn(gateway.db, returnId)) throw new DomainError('return_already_received', 'This return has been received already.');
      return null;
    },
  );
  const stored = await getReturn(gateway.db, returnId);
  if (stored) return { ...stored, state: stored.state === ReturnState.requested ? status.state : stored.state, receivedAt: status.receivedAt ?? stored.receivedAt ?? null };
  // Received before the order's projection wrote it down: the order's own record answers.
  const order = await getOrder(gateway, status.orderId!);
  const record = order.returns!.find((r) => r.id === returnId)!;
  return { ...returnView(record, order), state: status.state, receivedAt: status.receivedAt ?? null };
}
