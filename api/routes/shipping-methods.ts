/** Shipping methods: the storefront lists those offered; operators create, change and switch them off. */
import { z } from 'zod';
import { createShippingMethod, getShippingMethod, listShippingMethods, updateShippingMethod } from '../../db/shipping-methods.js';
import { checkChosenMethod, chosenShipping, type ShippingMethod } from '../../domain/shipping.js';
import { setShippingMethod } from '../orders.js';
import { orderView } from '../views/orders.js';
import type { AppDeps } from '../app.js';
import type { ApiBuilder } from '../http.js';
import { IdParam, NewShippingMethodBody, OrderSchema, ShippingMethodChoiceBody, ShippingMethodPatchBody, ShippingMethodSchema } from '../schemas.js';

function view(m: ShippingMethod): z.infer<typeof ShippingMethodSchema> {
  return {
    id: m.id,
    name: m.name,
    kind: m.kind,
    price: m.price,
    currency: m.currency,
    ...(m.freeAbove !== null ? { freeAbove: m.freeAbove } : {}),
    ...(m.carrierService !== null ? { carrierService: m.carrierService } : {}),
    enabled: m.enabled,
  };
}

export function shippingMethodRoutes(api: ApiBuilder, { gateway }: AppDeps): void {
  const { db } = gateway;
  api.route({
    method: 'get',
    path: '/api/shipping-methods',
    access: 'storefront',
    summary: 'The shipping methods: the storefront sees those offered; the operator sees all, switched-off ones included',
    tags: ['Shipping methods'],
    responses: { 200: { description: 'Shipping methods, oldest first', schema: z.object({ items: z.array(ShippingMethodSchema) }) } },
    handler: async ({ role }) => ({ body: { items: (await listShippingMethods(db, { enabledOnly: role !== 'operator' })).map(view) } }),
  });
  api.route({
    method: 'post',
    path: '/api/shipping-methods',
    access: 'operator',
    summary: 'Add a shipping method: a flat-rate carrier method (optionally free above an amount) or in-store pickup',
    tags: ['Shipping methods'],
    body: NewShippingMethodBody,
    responses: { 201: { description: 'Created', schema: ShippingMethodSchema }, 422: { description: 'Inconsistent method' } },
    handler: async ({ body }) => ({ status: 201, body: view(await createShippingMethod(db, body)) }),
  });
  api.route({
    method: 'patch',
    path: '/api/shipping-methods/{id}',
    access: 'operator',
    summary: 'Change a shipping method; enabled: false stops offering it to new carts',
    tags: ['Shipping methods'],
    params: IdParam,
    body: ShippingMethodPatchBody,
    responses: { 200: { description: 'Updated', schema: ShippingMethodSchema }, 404: { description: 'Unknown method' }, 422: { description: 'Inconsistent method' } },
    handler: async ({ params, body }) => ({ body: view(await updateShippingMethod(db, params.id, body)) }),
  });
  api.route({
    method: 'put',
    path: '/api/carts/{id}/shipping-method',
    access: 'storefront',
    summary: "Choose the cart's shipping method (one the shop offers now): its fee joins the order's total",
    tags: ['Carts'],
    params: IdParam,
    body: ShippingMethodChoiceBody,
    responses: {
      200: { description: 'The cart with its shipping and total', schema: OrderSchema },
      404: { description: 'Unknown cart or shipping method' },
      409: { description: 'The order is past the quotation stage' },
      422: { description: 'The method is switched off, or priced in another currency' },
    },
    handler: async ({ params, body }) => {
      const method = checkChosenMethod(await getShippingMethod(db, body.id), body.id);
      return { body: orderView(await setShippingMethod(gateway, params.id, chosenShipping(method))) };
    },
  });
}
