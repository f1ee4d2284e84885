import * as orders from '../orders.js';
import type { AppDeps } from '../app.js';
import type { ApiBuilder } from '../http.js';
import { CartLineParams, CheckoutBody, CheckoutResultSchema, ContactBody, IdParam, LineInput, NewCartBody, OrderSchema, QuantityBody } from '../schemas.js';
import { checkoutAsTheShopIs } from '../services/checkout.js';
import { orderView } from '../views/orders.js';

const CART_RESPONSES = {
  200: { description: 'The cart after the change', schema: OrderSchema },
  404: { description: 'Unknown cart or line' },
  409: { description: 'The order is past the quotation stage' },
  422: { description: 'Not allowed (unknown product, quantity out of range, ...)' },
};

export function cartRoutes(api: ApiBuilder, { gateway, config }: AppDeps): void {
  api.route({
    method: 'post',
    path: '/api/carts',
    access: 'storefront',
    summary: 'Create the quotation (the customer added a first product). An Idempotency-Key header makes retries safe.',
    tags: ['Carts'],
    body: NewCartBody,
    responses: { 201: { description: 'The new quotation', schema: OrderSchema }, 422: CART_RESPONSES[422] },
    handler: async ({ body, req }) => {
      const key = req.get('idempotency-key')?.slice(0, 200) || undefined;
      return { status: 201, body: orderView(await orders.openCart(gateway, body, key)) };
    },
  });
  api.route({
    method: 'get',
    path: '/api/carts/{id}',
    access: 'storefront',
    summary: 'The cart, live from its workflow',
    tags: ['Carts'],
    params: IdParam,
    responses: { 200: CART_RESPONSES[200], 404: CART_RESPONSES[404] },
    handler: async ({ params }) => ({ body: orderView(await orders.getOrder(gateway, params.id)) }),
  });
  api.route({
    method: 'post',
    path: '/api/carts/{id}/lines',
    access: 'storefront',
    summary: 'Add a product (adds to the line of the same SKU)',
    tags: ['Carts'],
    params: IdParam,
    body: LineInput,
    responses: CART_RESPONSES,
    handler: async ({ params, body }) => ({ body: orderView(await orders.addLine(gateway, params.id, body)) }),
  });
  api.route({
    method: 'patch',
    path: '/api/carts/{id}/lines/{sku}',
    access: 'storefront',
    summary: 'Set a line quantity (0 removes it)',
    tags: ['Carts'],
    params: CartLineParams,
    body: QuantityBody,
    responses: CART_RESPONSES,
    handler: async ({ params, body }) => ({ body: orderView(await orders.setLineQuantity(gateway, params.id, params.sku, body.quantity)) }),
  });
  api.route({
    method: 'delete',
    path: '/api/carts/{id}/lines/{sku}',
    access: 'storefront',
    summary: 'Remove a line',
    tags: ['Carts'],
    params: CartLineParams,
    responses: CART_RESPONSES,
    handler: async ({ params }) => ({ body: orderView(await orders.removeLine(gateway, params.id, params.sku)) }),
  });
  api.route({
    method: 'put',
    path: '/api/carts/{id}/contact',
    access: 'storefront',
    summary: "The customer's contact details",
    tags: ['Carts'],
    params: IdParam,
    body: ContactBody,
    responses: CART_RESPONSES,
    handler: async ({ params, body }) => ({ body: orderView(await orders.setContact(gateway, params.id, body)) }),
  });
  api.route({
    method: 'post',
    path: '/api/carts/{id}/checkout',
    access: 'storefront',
    summary: 'Go through payment: the quotation is sent, the payment pending. Repeating it with the same method returns the same payment.',
    tags: ['Carts'],
    params: IdParam,
    body: CheckoutBody,
    responses: { ...CART_RESPONSES, 200: { description: 'The order and its payment', schema: CheckoutResultSchema } },
    handler: async ({ params, body }) => ({ body: await checkoutAsTheShopIs({ gateway, config }, params.id, body.paymentMethod) }),
  });
}
