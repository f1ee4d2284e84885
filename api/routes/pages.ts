/** Pages a customer opens from an email link, authenticated by the order's access token. */
import { z } from 'zod';
import { getOrderSummary } from '../../db/orders.js';
import { getProductsBySku } from '../../db/products.js';
import { getSettings } from '../../db/settings.js';
import { DomainError } from '../../domain/errors.js';
import { PaymentMethod } from '../../domain/order.js';
import type { AppDeps } from '../app.js';
import { getOrder } from '../orders.js';
import { sameSecret, type ApiBuilder } from '../http.js';
import { CART_RECOVERY_HEADERS, renderCartRecovery, renderPaymentReady } from '../pages/cart-recovery.js';
import { RETURN_FORM_HEADERS, renderReturnForm } from '../pages/return-form.js';
import { checkoutAsTheShopIs } from '../services/checkout.js';
import { IdParam } from '../schemas.js';

const TokenQuery = z.object({ token: z.string().max(200).optional() });

export function pageRoutes(api: ApiBuilder, { gateway, config }: AppDeps): void {
  const { db } = gateway;
  api.route({
    method: 'get',
    path: '/returns/{id}',
    access: 'public',
    summary: "The customer's return form (the link in the order's emails)",
    tags: ['Customer pages'],
    params: IdParam,
    query: TokenQuery,
    responses: { 200: { description: 'The form', schema: z.string(), contentType: 'text/html' }, 404: { description: 'Unknown order or wrong token' } },
    handler: async ({ params, query, res }) => {
      const summary = await getOrderSummary(db, params.id);
      // A wrong token and an unknown order look the same: nothing is revealed.
      if (!summary || !sameSecret(query.token, summary.accessToken)) throw new DomainError('order_not_found', 'No such order.');
      const [order, settings, products] = await Promise.all([
        getOrder(gateway, params.id).catch(() => null),
        getSettings(db),
        getProductsBySku(db, summary.lines.map((l) => l.sku)),
      ]);
      res
        .type('html')
        .set(RETURN_FORM_HEADERS)
        .send(renderReturnForm({ summary, order, products, settings, token: query.token ?? '' }));
    },
  });
  api.route({
    method: 'get',
    path: '/cart/{id}',
    access: 'public',
    summary: "The recovery link of an abandoned-cart reminder: back to the same cart (the storefront's page when configured)",
    tags: ['Customer pages'],
    params: IdParam,
    query: TokenQuery,
    responses: { 200: { description: 'The cart page', schema: z.string(), contentType: 'text/html' }, 302: { description: "To the storefront's cart" }, 404: { description: 'Unknown cart or wrong token' } },
    handler: async ({ params, query, res }) => {
      // The live cart (a quotation's latest edits reach the lists only at its milestones), else its projection.
      const order = await getOrder(gateway, params.id).catch(() => getOrderSummary(db, params.id));
      // A wrong token and an unknown order look the same: nothing is revealed.
      if (!order || !sameSecret(query.token, order.accessToken)) throw new DomainError('not_found', 'No such cart.');
      const settings = await getSettings(db);
      if (settings.cartRecoveryUrl) {
        res.redirect(302, settings.cartRecoveryUrl.replaceAll('{order_id}', encodeURIComponent(order.id)).replaceAll('{token}', encodeURIComponent(order.accessToken)));
        return;
      }
      res.type('html').set(CART_RECOVERY_HEADERS).send(renderCartRecovery(order, settings));
    },
  });
  api.route({
    method: 'post',
    path: '/cart/{id}/checkout',
    access: 'public',
    summary:
      "The recovery page's \"pay by card\": a new checkout of the cart as it is now (the same payment while it is still open for the same amount), then on to the provider's payment page",
    tags: ['Customer pages'],
    params: IdParam,
    query: TokenQuery,
    responses: {
      200: { description: 'The payment is open but the provider has no page of its own to send the customer to (the storefront takes it from here)', schema: z.string(), contentType: 'text/html' },
      303: { description: "To the provider's payment page" },
      404: { description: 'Unknown cart or wrong token' },
      409: { description: 'The order is past the quotation stage' },
      422: { description: 'Card payments are switched off, or the cart cannot be checked out (empty, no contact, ...)' },
    },
    handler: async ({ params, query, res }) => {
      const summary = await getOrderSummary(db, params.id);
      if (!summary || !sameSecret(query.token, summary.accessToken)) throw new DomainError('not_found', 'No such cart.');
      const { order, payment } = await checkoutAsTheShopIs({ gateway, config }, params.id, PaymentMethod.card);
      const next = payment.redirectUrl ?? payment.paymentUrl;
      if (next) {
        res.redirect(303, next);
        return;
      }
      const settings = await getSettings(db);
      res.type('html').set(CART_RECOVERY_HEADERS).send(renderPaymentReady(order, settings));
    },
  });
}
