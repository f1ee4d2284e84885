/** Pages a customer opens from an email link, authenticated by the order's access token. */
import { z } from 'zod';
import { getOrderSummary } from '../../db/orders.js';
import { getProductsBySku } from '../../db/products.js';
import { getSettings } from '../../db/settings.js';
import { escapeHtml } from '../../domain/email-templates.js';
import { DomainError } from '../../domain/errors.js';
import { formatMoney } from '../../domain/money.js';
import { OrderState, PaymentMethod } from '../../domain/order.js';
import type { AppDeps } from '../app.js';
import { getOrder } from '../orders.js';
import { checkoutAsTheShopIs } from './carts.js';
import { sameSecret, type ApiBuilder } from '../http.js';
import { RETURN_FORM_HEADERS, renderReturnForm } from '../pages/return-form.js';
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
      const rows = order.lines
        .map((l) => `<tr><td>${escapeHtml(l.name)}</td><td>${l.quantity}</td><td>${escapeHtml(formatMoney(l.subtotal, order.currency))}</td></tr>`)
        .join('');
      const open = order.state === OrderState.draft;
      // A card quotation left at the payment page (or whose payment failed): the way back to paying is a new checkout.
      const payAgain = open && order.paymentMethod === PaymentMethod.card && order.lines.length > 0;
      const payForm = payAgain
        ? `<form method="post" action="/cart/${encodeURIComponent(order.id)}/checkout?token=${encodeURIComponent(order.accessToken)}"><p>You stopped at the payment page: nothing was charged. <button type="submit">Pay ${escapeHtml(
            formatMoney(order.total, order.currency),
          )} by card</button></p></form>`
        : '';
      res
        .type('html')
        .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
        .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Your cart ${escapeHtml(order.number)} · ${escapeHtml(settings.shopName)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{padding:.4rem;border-bottom:1px solid #ddd;text-align:left}</style></head>
<body><main><h1>Your cart ${escapeHtml(order.number)}</h1>
<p>${open ? 'Your cart is waiting for you at ' + escapeHtml(settings.shopName) + '.' : `This order is ${escapeHtml(order.state === OrderState.cancel ? 'closed' : 'already placed')}.`}</p>
<table><thead><tr><th scope="col">Product</th><th scope="col">Quantity</th><th scope="col">Subtotal</th></tr></thead><tbody>${rows}</tbody>
<tfoot><tr><th scope="row" colspan="2">Total</th><td>${escapeHtml(formatMoney(order.total, order.currency))}</td></tr></tfoot></table>
${payForm}
<p>Cart reference: <code>${escapeHtml(order.id)}</code></p></main></body></html>`);
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
      res
        .type('html')
        .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
        .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Your payment · ${escapeHtml(settings.shopName)}</title></head>
<body><main><h1>Your payment for ${escapeHtml(order.number)} is ready</h1><p>Finish it on ${escapeHtml(settings.shopName)}'s website: ${escapeHtml(formatMoney(order.total, order.currency))}.</p></main></body></html>`);
    },
  });

}
