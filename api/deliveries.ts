/** The API's side of the delivery workflows. */
import type { Delivery, Validate } from '../domain/delivery.js';
import { deliveryIdOf } from '../domain/delivery.js';
import { allocateWaiting } from '../db/stock.js';
import { deliveryQuery, deliveryWorkflowId, stockReservedSignal, validateStepUpdate } from '../workflows/delivery-contract.js';
import { call, type OrderGateway } from './orders.js';

function handle(gateway: OrderGateway, deliveryId: string) {
  return gateway.client.workflow.getHandle(deliveryWorkflowId(deliveryId));
}

export function getDeliveryLive(gateway: OrderGateway, deliveryId: string): Promise<Delivery> {
  return call(() => handle(gateway, deliveryId).query(deliveryQuery), 'delivery_not_found');
}

export function validateDeliveryStep(gateway: OrderGateway, deliveryId: string, request: Validate): Promise<Delivery> {
  return call(() => handle(gateway, deliveryId).executeUpdate(validateStepUpdate, { args: [request] }), 'delivery_not_found');
}

/**
 * Stock arrived: serve the waiting orders, first come first served, and wake
 * their deliveries. A delivery that misses the signal finds its reservation at
 * its next periodic check, so a failure here delays an order, never loses it.
 */
export async function serveWaitingOrders(gateway: OrderGateway): Promise<string[]> {
  const reserved = await allocateWaiting(gateway.db);
  await Promise.all(
    reserved.map((orderId) =>
      handle(gateway, deliveryIdOf(orderId))
        .signal(stockReservedSignal)
        .catch(() => undefined),
    ),
  );
  return reserved;
}
