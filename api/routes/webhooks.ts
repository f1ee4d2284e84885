import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import type { AppDeps } from '../app.js';
import type { ApiBuilder } from '../http.js';
import { PaymentWebhookBody } from '../schemas.js';
import { receivePaymentEvent } from '../services/payment-events.js';
import { verifySignature } from '../webhook-signature.js';

// The demo provider's page still imports the intake from here; it moves to ../services/payment-events.js with that page.

const Ack = z.object({ received: z.literal(true), duplicate: z.boolean(), orderId: z.string().nullable() }).openapi('WebhookAck');

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
