/** The API's side of refunds and returns. */
import type { Refund, ReturnRecord, ReturnRequest } from '../domain/refunds.js';
import { requestRefundUpdate, requestReturnUpdate } from '../workflows/order-contract.js';
import { receiveReturnUpdate, returnWorkflowId, type ReturnStatus } from '../workflows/returns-contract.js';
import { orderWorkflowId } from '../workflows/order-contract.js';
import { call, updateOrder, type OrderGateway } from './orders.js';

export function requestRefund(gateway: OrderGateway, orderId: string, request: { amount?: number | undefined; reason?: string | undefined }): Promise<Refund> {
  return updateOrder(gateway, orderId, () =>
    gateway.client.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(requestRefundUpdate, { args: [{ ...request, by: 'operator' }] }),
  );
}

export function requestReturn(gateway: OrderGateway, orderId: string, request: ReturnRequest): Promise<ReturnRecord> {
  return updateOrder(gateway, orderId, () => gateway.client.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(requestReturnUpdate, { args: [request] }));
}

export function receiveReturn(gateway: OrderGateway, returnId: string): Promise<ReturnStatus> {
  return call(() => gateway.client.workflow.getHandle(returnWorkflowId(returnId)).executeUpdate(receiveReturnUpdate), 'return_not_found');
}
