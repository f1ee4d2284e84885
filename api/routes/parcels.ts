/** A delivery's parcels: one parcel's label, void before the goods leave, label again. */
import { z } from 'zod';
import { parcelLabelsPdf } from '../../activities/parcels.js';
import { getDelivery, type DeliverySummary } from '../../db/deliveries.js';
import { DeliveryPhase, type Delivery } from '../../domain/delivery.js';
import { DomainError } from '../../domain/errors.js';
import { deliveryWorkflowId, relabelParcelUpdate, voidParcelUpdate } from '../../workflows/delivery-contract.js';
import type { AppDeps } from '../app.js';
import { getDeliveryLive } from '../deliveries.js';
import type { ApiBuilder } from '../http.js';
import { sendOrExplainClosed } from '../temporal-gateway.js';
import { DeliverySchema, ParcelParams } from '../schemas.js';
import { deliveryView } from '../views/deliveries.js';

export function parcelRoutes(api: ApiBuilder, { gateway, config }: AppDeps): void {
  const { db } = gateway;

  /** A closed delivery's workflow takes no updates: done means the goods left (409), cancelled means closed. */
  const whenClosed = (deliveryId: string) => async () => {
    const stored = await getDeliveryLive(gateway, deliveryId).catch(() => getDelivery(db, deliveryId));
    if (!stored) return null;
    if (stored.state === DeliveryPhase.done) throw new DomainError('parcel_shipped', 'The goods have left with the carrier: their labels can no longer change.');
    throw new DomainError('delivery_closed', `Delivery for ${stored.orderNumber} is cancelled.`);
  };

  const change = (update: typeof voidParcelUpdate | typeof relabelParcelUpdate) => async ({ params }: { params: z.infer<typeof ParcelParams> }) => {
    const delivery = await sendOrExplainClosed<Delivery | DeliverySummary>(
      () => gateway.client.workflow.getHandle(deliveryWorkflowId(params.id)).executeUpdate(update, { args: [{ parcelId: params.parcelId }] }),
      'delivery_not_found',
      whenClosed(params.id),
    );
    return { body: deliveryView(delivery, config.publicUrl) };
  };

  api.route({
    method: 'post',
    path: '/api/deliveries/{id}/parcels/{parcelId}/void',
    access: 'operator',
    summary: "Voids a parcel's label at the carrier before the goods leave (409 after); the parcel can then be labelled again",
    tags: ['Deliveries'],
    params: ParcelParams,
    responses: { 200: { description: 'The delivery', schema: DeliverySchema }, 404: { description: 'Unknown delivery or parcel' }, 409: { description: 'The goods have left' } },
    handler: change(voidParcelUpdate),
  });

  api.route({
    method: 'post',
    path: '/api/deliveries/{id}/parcels/{parcelId}/label',
    access: 'operator',
    summary: 'Labels a voided parcel again: a new label and tracking number from the carrier',
    tags: ['Deliveries'],
    params: ParcelParams,
    responses: { 200: { description: 'The delivery', schema: DeliverySchema }, 404: { description: 'Unknown delivery or parcel' }, 409: { description: 'The parcel has a live label, or the goods have left' } },
    handler: change(relabelParcelUpdate),
  });

  api.route({
    method: 'get',
    path: '/api/deliveries/{id}/parcels/{parcelId}/label',
    access: 'operator',
    summary: "One parcel's label (A6 PDF)",
    tags: ['Deliveries'],
    params: ParcelParams,
    responses: { 200: { description: 'The label', schema: z.string().openapi({ format: 'binary' }), contentType: 'application/pdf' }, 404: { description: 'No such parcel, or its label is voided' } },
    handler: async ({ params, res }) => {
      const label = await parcelLabelsPdf(db, params.id, params.parcelId);
      if (!label) throw new DomainError('label_not_found', `Parcel ${params.parcelId} has no live label (unknown, or voided: label it again).`);
      res.type('application/pdf').set('Content-Disposition', `inline; filename="label-${label.name}.pdf"`).send(label.pdf);
    },
  });
}
