/** How deliveries leave the API: the steps' names and states, and the label's URL once there is one. */
import type { DeliverySummary } from '../../db/deliveries.js';
import type { Delivery, DeliveryStep } from '../../domain/delivery.js';
import type { Parcel } from '../../domain/parcels.js';

/** A delivery live from its workflow, or as the projection stored it. */
export type DeliveryLike = Pick<Delivery, 'id' | 'orderId' | 'orderNumber' | 'state' | 'createdAt' | 'updatedAt'> & {
  steps: unknown;
  trackingNumber?: string | null | undefined;
  carrier?: string | null | undefined;
  doneAt?: string | null | undefined;
  parcels?: Parcel[] | undefined;
  backorderOf?: string | null | undefined;
};

export function deliveryView(d: DeliveryLike | DeliverySummary, publicUrl: string) {
  const steps = (d.steps as DeliveryStep[]).map((s) => ({ name: s.name, state: s.state, ...(s.doneAt ? { doneAt: s.doneAt } : {}) }));
  return {
    id: d.id,
    orderId: d.orderId,
    orderNumber: d.orderNumber,
    state: d.state,
    steps,
    ...(d.trackingNumber ? { trackingNumber: d.trackingNumber, labelUrl: `${publicUrl}/api/deliveries/${d.id}/label` } : {}),
    ...(d.carrier ? { carrier: d.carrier } : {}),
    ...('parcels' in d && d.parcels
      ? {
          parcels: d.parcels.map((p) => ({
            id: p.id,
            lines: p.lines,
            weightGrams: p.weightGrams,
            carrier: p.carrier,
            trackingNumber: p.trackingNumber,
            ...(p.trackingUrl ? { trackingUrl: p.trackingUrl } : {}),
            labelUrl: `${publicUrl}/api/deliveries/${d.id}/parcels/${p.id}/label`,
            state: p.state,
          })),
        }
      : {}),
    ...(d.backorderOf ? { backorderOf: d.backorderOf } : {}),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    ...(d.doneAt ? { doneAt: d.doneAt } : {}),
  };
}
