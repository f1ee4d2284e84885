import { z } from 'zod';
import { findPayment, markPaymentEventForwarded, recordPaymentEvent } from '../../db/payments.js';
import { DomainError } from '../../domain/errors.js';
import * as orders from '../orders.js';
import type { AppDeps } from '../app.js';
import type { ApiBuilder } from '../http.js';
import { PaymentWebhookBody } from '../schemas.js';
import { verifySignature } from '../webhook-signature.js';

const Ack = z.object({ received: z.literal(true), duplicate: z.boolean(), orderId: z.string().nullable() }).openapi('WebhookAck');

export type PaymentEvent = z.infer<typeof PaymentWebhookBody>;

/**
 * A verified provider event: recorded once per event id, then forwarded to
 * its order (again on redelivery if the forwarding failed).
 */
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
      await orders.forwardPaymentEvent(gateway, orderId, { eventId: event.id, type: event.type, ...event.data });
      await markPaymentEventForwarded(gateway.db, event.id);
    } catch (error) {
      // The order's run is closed (cancelled): the event stays recorded on the order for the operator.
      if (!(error instanceof DomainError && error.code === 'order_not_found')) throw error;
      logger.warn({ eventId: event.id, orderId }, 'payment event for a closed order: recorded, not applied');
    }
  }
  return { duplicate, orderId };
}

export function webhookRoutes(api: ApiBuilder, { gateway, config, logger }: AppDeps): void {
  api.route({
    method: 'post',
    path: '/api/webhooks/payments',
    access: 'signed',
    summary: "The payment provider's events, signed with Payment-Signature; a redelivered event id has no further effect",
    tags: ['Payments'],
    responses: { 200: { description: 'Acknowledged', schema: Ack }, 400: { description: 'Bad signature or body' } },
    handler: async ({ req }) => {
      const raw = (req as { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
      const check = verifySignature(config.webhookSecret, req.get('payment-signature'), raw);
      if (!check.ok) throw new DomainError('invalid_request', check.reason, { signature: 'invalid' });
      const parsed = PaymentWebhookBody.safeParse(req.body);
      if (!parsed.success) {
        throw new DomainError('invalid_request', `Invalid body: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      const { duplicate, orderId } = await receivePaymentEvent({ gateway, logger }, parsed.data, req.body);
      return { body: { received: true, duplicate, orderId } };
    },
  });
}
