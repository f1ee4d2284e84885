/**
 * The demo card provider, all of it behind one gate (`config.demoPaymentPage`:
 * not production, no real provider configured, no external PAYMENT_PROVIDER_URL):
 * - its payment page, so a card order can be paid by clicking on a machine
 *   with no real provider: the page a provider hosts, where the customer pays
 *   or declines; the provider then tells the shop with a payment event (here
 *   in-process, through the same intake as the signed webhook);
 * - its API (refunds, cancels), which the demo adapter in
 *   activities/payments/demo.ts calls over HTTP like a real provider's.
 * Off the gate, none of these routes exists (404), and config.ts refuses the
 * demo's key in production.
 */
import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { getOrderSummary } from '../../db/orders.js';
import { findPayment } from '../../db/payments.js';
import { demoProviderRefund } from '../../db/refunds.js';
import { DomainError } from '../../domain/errors.js';
import { getSettings } from '../../db/settings.js';
import { escapeHtml } from '../../domain/email-templates.js';
import { formatMoney } from '../../domain/money.js';
import { PaymentMethod, PaymentOutcome } from '../../domain/order.js';
import type { AppDeps } from '../app.js';
import { fromOwnPage } from '../console/session.js';
import { sameSecret, type ApiBuilder } from '../http.js';
import { receivePaymentEvent } from '../services/payment-events.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const REFERENCE = /^[\w-]{1,200}$/;

export function demoProviderRoutes(api: ApiBuilder, router: Router, deps: AppDeps): void {
  const { gateway, config } = deps;
  if (!config.demoPaymentPage) return;
  const { db } = gateway;
  demoProviderApi(api, deps);

  const page = (res: Response, status: number, title: string, body: string) =>
    res
      .status(status)
      .type('html')
      .set({ 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store', 'Referrer-Policy': 'same-origin' })
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title>` +
          `<style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem}main{border:1px solid #ccd;border-radius:.5rem;padding:1rem 2rem 2rem}` +
          `button{font:inherit;padding:.5rem 1.2rem;margin-right:.5rem;border-radius:.3rem;border:1px solid #335;cursor:pointer}.pay{background:#1f5fbf;color:#fff}.note{color:#555}</style></head>` +
          `<body><main>${body}</main></body></html>`,
      );

  const load = async (reference: string) => {
    if (!REFERENCE.test(reference)) return null;
    const payment = await findPayment(db, reference);
    if (!payment || payment.method !== PaymentMethod.card) return null;
    const order = await getOrderSummary(db, payment.orderId);
    return order ? { payment, order } : null;
  };

  router.get('/demo-provider/pay/:reference', async (req, res, next) => {
    try {
      const found = await load(req.params.reference);
      if (!found) {
        page(res, 404, 'Unknown payment', '<h1>Unknown payment</h1><p>This payment link is not valid.</p>');
        return;
      }
      const { payment, order } = found;
      const settings = await getSettings(db);
      const amount = formatMoney(payment.amount, payment.currency);
      const done = req.query.done === 'paid' ? 'Payment accepted. The shop confirms your order in a moment; you may close this page.' : req.query.done === 'declined' ? 'Payment declined.' : null;
      const open = payment.status === PaymentOutcome.pending && !done;
      page(
        res,
        200,
        `Pay ${amount} · Demo card provider`,
        `<h1>Demo card payment</h1><p>${escapeHtml(settings.shopName)} · order ${escapeHtml(order.number)}</p><p><strong>${escapeHtml(amount)}</strong></p>` +
          (done ? `<p role="status">${escapeHtml(done)}</p>` : '') +
          (open
            ? `<form method="post"><button class="pay" name="decision" value="pay" type="submit">Pay ${escapeHtml(amount)}</button><button name="decision" value="decline" type="submit">Decline</button></form>`
            : !done
              ? `<p>This payment is ${escapeHtml(payment.status)}.</p>`
              : '') +
          `<p class="note">A stand-in for a card provider's hosted page: no card is charged. Off when PAYMENT_PROVIDER_URL is set, and in production.</p>`,
      );
    } catch (error) {
      next(error);
    }
  });

  router.post('/demo-provider/pay/:reference', express.urlencoded({ extended: false, limit: '1kb', parameterLimit: 5 }), async (req, res, next) => {
    try {
      if (!fromOwnPage(req, config.publicUrl)) {
        page(res, 403, 'Refused', '<h1>Refused</h1><p>Pay from the payment page itself.</p>');
        return;
      }
      const found = await load(req.params.reference);
      const decision = req.body?.decision;
      if (!found || (decision !== 'pay' && decision !== 'decline')) {
        page(res, 404, 'Unknown payment', '<h1>Unknown payment</h1><p>This payment link is not valid.</p>');
        return;
      }
      const { payment } = found;
      const type = decision === 'pay' ? 'payment.succeeded' : 'payment.failed';
      const event = { id: `evt_demo_${payment.reference}_${decision}`, type, data: { reference: payment.reference, amount: payment.amount, currency: payment.currency } } as const;
      await receivePaymentEvent(deps, event, event);
      res.redirect(303, `/demo-provider/pay/${encodeURIComponent(payment.reference)}?done=${decision === 'pay' ? 'paid' : 'declined'}`);
    } catch (error) {
      next(error);
    }
  });
}

/** The demo provider's API, as the demo adapter calls it: Bearer key, one result per Idempotency-Key. */
function demoProviderApi(api: ApiBuilder, { gateway: { db }, config }: AppDeps): void {
  const authorize = (authorization: string | undefined) => {
    if (!sameSecret(authorization ?? '', `Bearer ${config.paymentProvider.apiKey}`)) throw new DomainError('unauthorized', 'Wrong provider API key.');
  };
  api.route({
    method: 'post',
    path: '/demo-provider/v1/refunds',
    access: 'public',
    summary: "The demo card provider's refund API (development only): one refund per Idempotency-Key, never more than captured",
    tags: ['Demo provider'],
    body: z.object({ payment: z.string().min(1).max(200), amount: z.number().int().min(1), currency: z.string().length(3), reason: z.string().max(500).optional() }),
    responses: { 200: { description: 'The refund', schema: z.object({ id: z.string(), amount: z.number(), currency: z.string() }) }, 401: { description: 'Wrong key' }, 422: { description: 'Refused' } },
    handler: async ({ body, req }) => {
      authorize(req.headers.authorization);
      const key = req.get('idempotency-key');
      if (!key) throw new DomainError('invalid_request', 'An Idempotency-Key header is required.');
      const refund = await demoProviderRefund(db, { idempotencyKey: key.slice(0, 200), paymentReference: body.payment, amount: body.amount, currency: body.currency });
      return { body: { id: refund.id, amount: refund.amount, currency: refund.currency } };
    },
  });
  api.route({
    method: 'post',
    path: '/demo-provider/v1/payments/{reference}/cancel',
    access: 'public',
    summary:
      "The demo card provider's cancel (development only): the demo keeps no payments of its own, its page reads the shop's record — a paid payment cannot be cancelled (409), any other is",
    tags: ['Demo provider'],
    params: z.object({ reference: z.string().regex(REFERENCE) }),
    responses: { 200: { description: 'Cancelled', schema: z.object({ status: z.literal(PaymentOutcome.cancelled) }) }, 401: { description: 'Wrong key' }, 409: { description: 'Already paid' } },
    handler: async ({ params, req }) => {
      authorize(req.headers.authorization);
      const payment = await findPayment(db, params.reference);
      if (payment?.status === PaymentOutcome.succeeded) throw new DomainError('payment_already_paid', `Payment ${params.reference} is paid: refund it instead.`);
      return { body: { status: PaymentOutcome.cancelled } };
    },
  });
}
