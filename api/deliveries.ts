/** The API's side of the delivery workflows. */
import { wakeDeliveriesWaitingForStock } from '../activities/stock.js';
import type { Delivery, Validate } from '../domain/delivery.js';
import { allocateWaiting } from '../db/stock.js';
import { deliveryQuery, deliveryWorkflowId, validateStepUpdate } from '../workflows/delivery-contract.js';
import { sendToWorkflow, type TemporalGateway } from './temporal-gateway.js';

function deliveryWorkflow(gateway: TemporalGateway, deliveryId: string) {
  return gateway.client.workflow.getHandle(deliveryWorkflowId(deliveryId));
}

export function getDeliveryLive(gateway: TemporalGateway, deliveryId: string): Promise<Delivery> {
  return sendToWorkflow(() => deliveryWorkflow(gateway, deliveryId).query(deliveryQuery), 'delivery_not_found');
}

export function validateDeliveryStep(gateway: TemporalGateway, deliveryId: string, request: Validate): Promise<Delivery> {
  return sendToWorkflow(() => deliveryWorkflow(gateway, deliveryId).executeUpdate(validateStepUpdate, { args: [request] }), 'delivery_not_found');
}

/**
 * Stock arrived: serve the waiting orders, first come first served, and wake
 * their deliveries. The stock is reserved whatever the waking does; a delivery
 * that misses it finds its reservation at its next periodic check.
 */
export async function serveWaitingOrders(gateway: TemporalGateway): Promise<string[]> {
  const reserved = await allocateWaiting(gateway.db);
  await wakeDeliveriesWaitingForStock(gateway.client, reserved).catch(() => undefined);
  return reserved;
}
