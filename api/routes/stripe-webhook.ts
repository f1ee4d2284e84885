/**
 * Stripe's events, on their own route, verified by the SDK on the exact bytes
 * received (STRIPE_WEBHOOK_SECRET), mapped onto the order's payment events and
 * handed to the same intake as the contract's webhook: recorded once per
 * Stripe event id, so a redelivery changes nothing. Mounted only when Stripe
 * is the configured card provider.
 */
import Stripe from 'stripe';
import { z } from 'zod';
import { paymentEventOfStripe } from '../../activities/payments/stripe-events.js';
import { DomainError } from '../../domain/errors.js';
import type { AppDeps } from '../app.js';
import type { ApiBuilder } from '../http.js';
import { receivePaymentEvent } from '../services/payment-events.js';

const StripeAck = z
  .object({
    received: z.literal(true),
    duplicate: z.boolean(),
    orderId: z.string().nullable(),
    ignored: z.boolean().openapi({ description: "An event type this shop does not act on, or a payment it did not open: acknowledged so Stripe stops resending it" }),
  })
  .openapi('StripeWebhookAck');

export function stripeWebhookRoutes(api: ApiBuilder, { gateway, config, logger }: AppDeps): void {
  const stripe = config.payments.stripe;
  if (!stripe) return;
  api.route({
    method: 'post',
    path: '/api/webhooks/stripe',
    access: 'signed',
    summary: "Stripe's events, signed with Stripe-Signature (verified by the Stripe SDK); a redelivered event id has no further effect",
    tags: ['Payments'],
    responses: { 200: { description: 'Acknowledged', schema: StripeAck }, 400: { description: 'Bad signature' } },
    handler: async ({ req }) => {
      const raw = (req as { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
      let event: Stripe.Event;
      try {
        event = Stripe.webhooks.constructEvent(raw, req.get('stripe-signature') ?? '', stripe.webhookSecret);
      } catch (error) {
        throw new DomainError('invalid_request', `The Stripe-Signature does not verify: ${(error as Error).message}`, { signature: 'invalid' });
      }
      const mapped = paymentEventOfStripe(event);
      if (!mapped) return { body: { received: true, duplicate: false, orderId: null, ignored: true } };
      const { duplicate, orderId } = await receivePaymentEvent({ gateway, logger }, mapped, event);
      return { body: { received: true, duplicate, orderId, ignored: false } };
    },
  });
}
