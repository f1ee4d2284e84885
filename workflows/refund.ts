/**
 * One refund: the provider call (retried until it answers; its refusal for
 * good is an outcome, not an error), then the order is told.
 */
import { getExternalWorkflowHandle, proxyActivities } from '@temporalio/workflow';
import type { RefundResult } from '../activities/payment-providers.js';
import type { RefundActivities } from '../activities/refunds.js';
import { refundSettledSignal } from './order-contract.js';
import type { RefundWorkflow, RefundWorkflowInput } from './returns-contract.js';
import { RETRIED_UNTIL_DONE } from './support.js';

const { executeRefund } = proxyActivities<RefundActivities>(RETRIED_UNTIL_DONE);

export async function refundWorkflow(input: RefundWorkflowInput): Promise<RefundResult> {
  const { orderWorkflowId, ...refund } = input;
  const result = await executeRefund(refund);
  await getExternalWorkflowHandle(orderWorkflowId).signal(refundSettledSignal, {
    refundId: input.refundId,
    status: result.status,
    providerRefundId: result.status === 'succeeded' ? result.providerRefundId : undefined,
    reason: result.status === 'failed' ? result.reason : undefined,
  });
  return result;
}

refundWorkflow satisfies RefundWorkflow;
