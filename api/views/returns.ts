/** How returns leave the API. */
import type { ReturnRecord } from '../../domain/refunds.js';

/** A return as the order's workflow holds it, in the API's shape. */
export function returnView(record: ReturnRecord, order: { id: string; number: string }) {
  return { ...record, orderId: order.id, orderNumber: order.number, createdAt: record.requestedAt };
}
