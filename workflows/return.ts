/**
 * One return: requested through the customer's form, then the warehouse
 * receives the goods; they go back on hand (serving any order waiting for
 * them) and the order decides the refund.
 */
import { allHandlersFinished, condition, getExternalWorkflowHandle, proxyActivities, setHandler } from '@temporalio/workflow';
import type { RefundActivities } from '../activities/refunds.js';
import { returnReceivedSignal } from './order-contract.js';
import { DomainError } from '../domain/errors.js';
import { now, Patches, reject, RETRIED_UNTIL_DONE, wakeDeliveriesWaitingForStock } from './support.js';
import { receiveReturnUpdate, returnQuery, type ReturnProgress, type ReturnWorkflow, type ReturnWorkflowInput } from './returns-contract.js';

const { restockReturn } = proxyActivities<RefundActivities>(RETRIED_UNTIL_DONE);

export async function returnWorkflow(input: ReturnWorkflowInput): Promise<ReturnProgress> {
  const patches = Patches.decide();
  const status: ReturnProgress = { id: input.returnId, orderId: input.orderId, state: 'requested' };
  let receiving = false;

  setHandler(returnQuery, () => status);
  setHandler(
    receiveReturnUpdate,
    async () => {
      receiving = true;
      const served = await restockReturn(input.returnId, input.lines);
      await wakeDeliveriesWaitingForStock(served, patches);
      status.state = 'received';
      status.receivedAt = now();
      await getExternalWorkflowHandle(input.orderWorkflowId).signal(returnReceivedSignal, { returnId: input.returnId });
      return status;
    },
    {
      validator: () => {
        if (receiving || status.state === 'received') {
          reject(new DomainError('return_already_received', `This return of ${input.orderNumber} has been received already.`));
        }
      },
    },
  );

  await condition(() => status.state === 'received' && allHandlersFinished());
  return status;
}

returnWorkflow satisfies ReturnWorkflow;
