import { listOrders } from '../../db/orders.js';
import { getSettings } from '../../db/settings.js';
import { abandonedCartCriteria } from '../../domain/abandoned-cart.js';
import * as orders from '../orders.js';
import type { AppDeps } from '../app.js';
import type { ApiBuilder } from '../http.js';
import { AbandonedCartQuery, CancelBody, ConfirmBody, IdParam, OrderDetailSchema, OrderListQuery, OrderListSchema, OrderSchema, RecordPaymentBody } from '../schemas.js';
import { orderDetail } from '../views/order-detail.js';
import { orderView, summaryView } from '../views/orders.js';

export function orderRoutes(api: ApiBuilder, { gateway, config }: AppDeps): void {
  const { db } = gateway;

  api.route({
    method: 'get',
    path: '/api/orders',
    access: 'operator',
    summary: 'Orders (state=sale), Unpaid orders (state=sent), or any filter; newest first, keyset-paged',
    tags: ['Orders'],
    query: OrderListQuery,
    responses: { 200: { description: 'A page of orders', schema: OrderListSchema } },
    handler: async ({ query }) => {
      const page = await listOrders(db, query);
      return { body: { items: page.items.map(summaryView), nextCursor: page.nextCursor } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/abandoned-carts',
    access: 'operator',
    summary: 'Quotations with lines whose customer has been idle longer than the configured delay; newest first, searchable and keyset-paged like the orders',
    tags: ['Orders'],
    query: AbandonedCartQuery,
    responses: { 200: { description: 'Abandoned carts', schema: OrderListSchema } },
    handler: async ({ query }) => {
      const settings = await getSettings(db);
      const page = await listOrders(db, { ...query, abandoned: abandonedCartCriteria(settings.abandonedCart, Date.now()) });
      return { body: { items: page.items.map(summaryView), nextCursor: page.nextCursor } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/orders/{id}',
    access: 'operator',
    summary: "One order's whole story: live state, payments, timeline, and the customer's return link",
    tags: ['Orders'],
    params: IdParam,
    responses: { 200: { description: 'The order', schema: OrderDetailSchema }, 404: { description: 'Unknown order' } },
    handler: async ({ params }) => ({ body: await orderDetail({ gateway, config }, params.id) }),
  });

  api.route({
    method: 'post',
    path: '/api/orders/{id}/confirm',
    access: 'operator',
    summary: 'Confirm a quotation sent paid by wire transfer or in store: it becomes a sales order',
    tags: ['Orders'],
    params: IdParam,
    body: ConfirmBody,
    responses: { 200: { description: 'The sales order', schema: OrderSchema }, 404: { description: 'Unknown order' }, 409: { description: 'Not a quotation sent paid offline' } },
    handler: async ({ params, body }) => ({ body: orderView(await orders.confirm(gateway, params.id, { ...body, by: 'operator' })) }),
  });

  api.route({
    method: 'post',
    path: '/api/orders/{id}/payments',
    access: 'operator',
    summary:
      'v1.1: record money received by hand on a confirmed wire-transfer or pay-in-store order (paid at pickup, a late wire); partial amounts add up, the order is paid once they cover the total',
    tags: ['Orders'],
    params: IdParam,
    body: RecordPaymentBody,
    responses: {
      201: { description: 'The order, with the receipt recorded (receipts, amountDue, paymentState)', schema: OrderSchema },
      404: { description: 'Unknown order' },
      409: { description: 'A card order (its provider reports its payments), or an order not confirmed (a quotation, cancelled)' },
      422: { description: 'More than is still due (payment_exceeds_due)' },
    },
    handler: async ({ params, body }) => ({ status: 201, body: orderView(await orders.recordPayment(gateway, params.id, { ...body, by: 'operator' })) }),
  });

  api.route({
    method: 'post',
    path: '/api/orders/{id}/cancel',
    access: 'operator',
    summary: 'Cancel an order',
    tags: ['Orders'],
    params: IdParam,
    body: CancelBody,
    responses: { 200: { description: 'The cancelled order', schema: OrderSchema }, 404: { description: 'Unknown order' }, 409: { description: 'Already cancelled or delivered' } },
    handler: async ({ params, body }) => ({ body: orderView(await orders.cancel(gateway, params.id, { ...body, by: 'operator' })) }),
  });
}
