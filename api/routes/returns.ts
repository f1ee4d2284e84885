import { z } from 'zod';
import { getOrderSummary } from '../../db/orders.js';
import { getReturn, listReturns } from '../../db/returns.js';
import { DomainError } from '../../domain/errors.js';
import type { AppDeps } from '../app.js';
import { roleOf, sameSecret, type ApiBuilder } from '../http.js';
import { receiveReturnAnswer, recordManualRefund, requestRefund, requestReturnOf } from '../returns.js';
import { IdParam, RefundBody, RefundSchema, ReturnBody, ReturnListQuery, ReturnSchema } from '../schemas.js';

export function returnRoutes(api: ApiBuilder, { gateway, config }: AppDeps): void {
  const { db } = gateway;

  api.route({
    method: 'post',
    path: '/api/orders/{id}/refunds',
    access: 'operator',
    summary:
      'Refund the customer through the payment provider: in full when no amount is given, in part where the provider allows it; with manual: true, record a refund the shop made by hand (bank transfer)',
    tags: ['Refunds'],
    params: IdParam,
    body: RefundBody,
    responses: {
      201: { description: 'manual: the refund made by hand, recorded as succeeded (returns waiting to be refunded by hand are settled)', schema: RefundSchema },
      202: { description: 'The refund, started', schema: RefundSchema },
      404: { description: 'Unknown order' },
      409: { description: 'The order is closed; or it is not paid in full (order_not_paid_in_full: money received by hand on a live order pays for it, and is refunded once the order is cancelled)' },
      422: {
        description:
          'The provider does not refund (or not in part; money recorded by hand never went through it), more than was received, or nothing left; manual: the provider can refund this amount itself',
      },
    },
    handler: async ({ params, body }) => {
      const { manual, ...request } = body;
      if (manual) return { status: 201, body: { ...(await recordManualRefund(gateway, params.id, request)), manual: true } };
      return { status: 202, body: await requestRefund(gateway, params.id, request) };
    },
  });

  api.route({
    method: 'post',
    path: '/api/orders/{id}/returns',
    access: 'public',
    summary: "Ask to return goods: customers with the order's access token (the return form), operators with their bearer token",
    tags: ['Returns'],
    params: IdParam,
    body: ReturnBody,
    responses: {
      201: { description: 'The return, requested', schema: ReturnSchema },
      404: { description: 'Unknown order, or a wrong token' },
      422: { description: 'Refused by the return policy: not delivered, window closed, not returnable, more than delivered' },
    },
    handler: async ({ params, body, req }) => {
      const order = await getOrderSummary(db, params.id);
      const operator = roleOf(req.headers.authorization, config.tokens) === 'operator';
      // A wrong token and an unknown order look the same: nothing is revealed.
      if (!order || (!operator && !sameSecret(body.token, order.accessToken))) throw new DomainError('order_not_found', 'No such order.');
      return { status: 201, body: await requestReturnOf(gateway, order, body.lines) };
    },
  });

  api.route({
    method: 'get',
    path: '/api/returns',
    access: 'operator',
    summary: "Returns, newest first; state=requested is the warehouse's list of goods to expect",
    tags: ['Returns'],
    query: ReturnListQuery,
    responses: { 200: { description: 'Returns', schema: z.object({ items: z.array(ReturnSchema) }) } },
    handler: async ({ query }) => ({ body: { items: await listReturns(db, query) } }),
  });

  api.route({
    method: 'get',
    path: '/api/returns/{id}',
    access: 'operator',
    summary: 'One return',
    tags: ['Returns'],
    params: IdParam,
    responses: { 200: { description: 'The return', schema: ReturnSchema }, 404: { description: 'Unknown return' } },
    handler: async ({ params }) => {
      const found = await getReturn(db, params.id);
      if (!found) throw new DomainError('return_not_found', 'No such return.');
      return { body: found };
    },
  });

  api.route({
    method: 'post',
    path: '/api/returns/{id}/receive',
    access: 'operator',
    summary: 'The returned goods arrived: back on hand, and the refund starts when the provider supports it',
    tags: ['Returns'],
    params: IdParam,
    responses: { 200: { description: 'The return, received', schema: ReturnSchema }, 404: { description: 'Unknown return' }, 409: { description: 'Already received' } },
    handler: async ({ params }) => {
      return { body: await receiveReturnAnswer(gateway, params.id) };
    },
  });
}
