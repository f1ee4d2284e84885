import { z } from 'zod';
import { parcelLabelsPdf } from '../../activities/parcels.js';
import { getDelivery, getLabel, listDeliveries, projectDelivery, type DeliverySummary } from '../../db/deliveries.js';
import { listParcels } from '../../db/parcels.js';
import { DeliveryPhase, isStepDone, type Delivery } from '../../domain/delivery.js';
import { DomainError } from '../../domain/errors.js';
import { getDeliveryLive, validateDeliveryStep } from '../deliveries.js';
import type { AppDeps } from '../app.js';
import type { ApiBuilder } from '../http.js';
import { DeliveryListQuery, DeliverySchema, IdParam, ValidateBody } from '../schemas.js';
import { sendOrExplainClosed } from '../temporal-gateway.js';
import { deliveryWorkflowId } from '../../workflows/delivery-contract.js';
import { deliveryView, type DeliveryLike } from '../views/deliveries.js';

/**
 * A delivery's row says all there is once it is done or cancelled: nothing
 * changes it any more. Before that the stock (waiting → ready) and an order's
 * cancellation change it without the API seeing the change, and the row
 * follows only once the order has projected it, so a live delivery is asked
 * (a billed query). The API's own change, the Validate button, writes the row
 * from its answer (see below).
 */
const FINAL_STATES: ReadonlySet<string> = new Set([DeliveryPhase.done, DeliveryPhase.cancel]);

export function deliveryRoutes(api: ApiBuilder, { gateway, config }: AppDeps): void {
  const { db } = gateway;
  const view = (d: DeliveryLike | DeliverySummary) => deliveryView(d, config.publicUrl);

  api.route({
    method: 'get',
    path: '/api/deliveries',
    access: 'operator',
    summary: "Deliveries, newest first; state=ready is the warehouse's to-do list",
    tags: ['Deliveries'],
    query: DeliveryListQuery,
    responses: { 200: { description: 'Deliveries', schema: z.object({ items: z.array(DeliverySchema) }) } },
    handler: async ({ query }) => ({ body: { items: (await listDeliveries(db, query)).map(view) } }),
  });

  api.route({
    method: 'get',
    path: '/api/deliveries/{id}',
    access: 'operator',
    summary: 'One delivery: from the lists once done or cancelled, else live from its workflow',
    tags: ['Deliveries'],
    params: IdParam,
    responses: { 200: { description: 'The delivery', schema: DeliverySchema }, 404: { description: 'Unknown delivery' } },
    handler: async ({ params }) => {
      const stored = await getDelivery(db, params.id);
      if (stored && FINAL_STATES.has(stored.state)) {
        // Its parcels as the label activities stored them (a delivery from before parcels has none).
        const parcels = await listParcels(db, params.id);
        return { body: view(parcels.length ? { ...stored, parcels } : stored) };
      }
      // A run past its retention is gone from Temporal; its projection remains.
      const live = await sendOrExplainClosed<Delivery | DeliverySummary>(() => getDeliveryLive(gateway, params.id), 'delivery_not_found', () => getDelivery(db, params.id));
      return { body: view(live) };
    },
  });

  api.route({
    method: 'post',
    path: '/api/deliveries/{id}/validate',
    access: 'operator',
    summary: "The warehouse's Validate button: completes the current step (pick, pack with its label, ship)",
    tags: ['Deliveries'],
    params: IdParam,
    body: ValidateBody,
    responses: {
      200: { description: 'The delivery after the step', schema: DeliverySchema },
      404: { description: 'Unknown delivery' },
      409: { description: 'Stock not reserved yet, step out of order, or delivery closed' },
    },
    handler: async ({ params, body }) => {
      const delivery = await sendOrExplainClosed<Delivery | DeliverySummary>(
        () => validateDeliveryStep(gateway, params.id, body),
        'delivery_not_found',
        async () => {
          // A finished delivery's workflow is closed to updates but still answers queries; past retention, the projection does.
          const stored = await getDeliveryLive(gateway, params.id).catch(() => getDelivery(db, params.id));
          if (!stored) return null;
          if (isStepDone(stored as Pick<Delivery, 'steps'>, body.step)) return stored;
          throw new DomainError('delivery_closed', `Delivery for ${stored.orderNumber} is ${stored.state === DeliveryPhase.done ? 'done' : 'cancelled'}.`);
        },
      );
      // The answer is the delivery after the step: written to the lists now (only ever forward in version),
      // so a GET or the warehouse's list right after shows it without waiting for the order's projection.
      if ('version' in delivery) await projectDelivery(db, delivery, deliveryWorkflowId(delivery.id));
      return { body: view(delivery) };
    },
  });

  api.route({
    method: 'get',
    path: '/api/deliveries/{id}/label',
    access: 'operator',
    summary: 'The shipping labels (A6 PDF), a page per parcel with a live label, once the label step has run',
    tags: ['Deliveries'],
    params: IdParam,
    responses: { 200: { description: 'The label', schema: z.string().openapi({ format: 'binary' }), contentType: 'application/pdf' }, 404: { description: 'No label yet' } },
    handler: async ({ params, res }) => {
      // A page per parcel; a delivery labelled before parcels has its single stored label.
      const parcels = await parcelLabelsPdf(db, params.id);
      const label = parcels ? { trackingNumber: parcels.name, pdf: parcels.pdf } : await getLabel(db, params.id);
      if (!label) throw new DomainError('label_not_found', 'This delivery has no label yet: it is printed at the pack step (or at ship when there is no pack step).');
      res
        .type('application/pdf')
        .set('Content-Disposition', `inline; filename="label-${label.trackingNumber}.pdf"`)
        .send(label.pdf);
    },
  });
}
