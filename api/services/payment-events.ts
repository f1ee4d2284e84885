/**
 * Payment-event intake: a verified provider event is recorded once per event
 * id, then forwarded to its order (again on redelivery if the forwarding
 * failed). The signed webhook and the demo provider's page both come here.
 */
import type { z } from 'zod';
import { findPayment, markPaymentEventForwarded, recordPaymentEvent } from '../../db/payments.js';
import { DomainError } from '../../domain/errors.js';
import type { AppDeps } from '../app.js';
import { forwardPaymentEvent } from '../orders.js';
import type { PaymentWebhookBody } from '../schemas.js';

export type PaymentEvent = z.infer<typeof PaymentWebhookBody>;

export async function receivePaymentEvent({ gateway, logger }: Pick<AppDeps, 'gateway' | 'logger'>, event: PaymentEvent, payload: unknown) {
  const payment = await findPayment(gateway.db, event.data.reference);
  const orderId = payment?.orderId ?? null;
  const { duplicate, mustForward } = await recordPaymentEvent(gateway.db, {
    id: event.id,
    type: event.type,
    reference: event.data.reference,
    amount: event.data.amount,
    currency: event.data.currency,
    payload,
    orderId,
  });
  if (!orderId) logger.warn({ eventId: event.id, reference: event.data.reference }, 'payment event for an unknown reference: recorded, not applied');
  if (orderId && mustForward) {
    try {
      await forwardPaymentEvent(gateway, orderId, { eventId: event.id, type: event.type, ...event.data });
      await markPaymentEventForwarded(gateway.db, event.id);
    } catch (error) {
      // The order's run is closed (cancelled): the event stays recorded on the order for the operator.
      if (!(error instanceof DomainError && error.code === 'order_not_found')) throw error;
      logger.warn({ eventId: event.id, orderId }, 'payment event for a closed order: recorded, not applied');
    }
  }
  return { duplicate, orderId };
}
