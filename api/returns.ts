/** The API's side of refunds and returns. */
import type { Refund, ReturnRecord, ReturnRequest } from '../domain/refunds.js';
import { orderWorkflowId, requestRefundUpdate, requestReturnUpdate } from '../workflows/order-contract.js';
import { receiveReturnUpdate, returnWorkflowId, type ReturnStatus } from '../workflows/returns-contract.js';
import { updateOrder } from './orders.js';
import { sendToWorkflow, type TemporalGateway } from './temporal-gateway.js';

export function requestRefund(gateway: TemporalGateway, orderId: string, request: { amount?: number | undefined; reason?: string | undefined }): Promise<Refund> {
  return updateOrder(gateway, orderId, () =>
    gateway.client.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(requestRefundUpdate, { args: [{ ...request, by: 'operator' }] }),
  );
}

export function requestReturn(gateway: TemporalGateway, orderId: string, request: ReturnRequest): Promise<ReturnRecord> {
  return updateOrder(gateway, orderId, () => gateway.client.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(requestReturnUpdate, { args: [request] }));
}

export function receiveReturn(gateway: TemporalGateway, returnId: string): Promise<ReturnStatus> {
  return sendToWorkflow(() => gateway.client.workflow.getHandle(returnWorkflowId(returnId)).executeUpdate(receiveReturnUpdate), 'return_not_found');
}
