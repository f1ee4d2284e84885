/**
 * Waking the deliveries that wait for stock. When units become reserved for
 * waiting orders (stock added by an operator, goods returned, another order
 * cancelled), their delivery workflows are told at once instead of at their
 * next periodic check. One function for every place that frees or adds stock.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { deliveryIdOf } from '../domain/delivery.js';
import { deliveryWorkflowId, stockReservedSignal } from '../workflows/delivery-contract.js';

/**
 * Signals the delivery of each order now reserved. A delivery that is gone
 * needs nothing; any other failure is thrown after every delivery was tried —
 * a delivery that misses the signal still finds its reservation at its next
 * periodic check, so a failure delays an order, never loses it.
 */
export async function wakeDeliveriesWaitingForStock(client: Client, orderIds: readonly string[]): Promise<void> {
  const results = await Promise.allSettled(
    orderIds.map((orderId) => client.workflow.getHandle(deliveryWorkflowId(deliveryIdOf(orderId))).signal(stockReservedSignal)),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof WorkflowNotFoundError));
  if (failure) throw failure.reason;
}

export function createStockActivities() {
  return {
    /** The waking as an activity, for workflows that reserved stock for other orders (retried until Temporal answers). */
    async wakeDeliveriesWaitingForStock(orderIds: string[]): Promise<void> {
      await wakeDeliveriesWaitingForStock(Context.current().client, orderIds);
    },
  };
}

export type StockActivities = ReturnType<typeof createStockActivities>;
