/** All a caller needs to talk to a delivery workflow; nothing of its body. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ReservationStatus } from '../db/stock.js';
import { newDelivery, type Delivery, type DeliveryLine, type Recipient, type StepName, type Validate } from '../domain/delivery.js';

export const DELIVERY_WORKFLOW_TYPE = 'deliveryWorkflow';

export function deliveryWorkflowId(deliveryId: string): string {
  return `delivery-${deliveryId}`;
}

export interface DeliveryInput {
  deliveryId: string;
  orderId: string;
  orderNumber: string;
  /** The order's workflow, told of each step (its run may have continued as new: signalled by id). */
  orderWorkflowId: string;
  steps: StepName[];
  lines: DeliveryLine[];
  recipient: Recipient;
  /** In-store pickup: no carrier label at the label step; the last step is the hand-over. */
  pickup?: boolean | undefined;
  /** The key its stock is reserved under: the order id (absent), or its backorder's key (`backorderStockKeyOf`). */
  stockKey?: string | undefined;
  /** A backorder: the order's first delivery. */
  backorderOf?: string | undefined;
  /**
   * Its stock as the order requested it before starting it (orders since
   * `order-reactions-in-one-task`): the delivery neither requests it nor
   * tells the order it is ready (the order knows); absent, the delivery
   * requests it itself, as before.
   */
  reservation?: ReservationStatus | undefined;
  /** Its order reads its end from its result: the last step sends no signal (absent: it does, as before). */
  reportsByResult?: boolean | undefined;
  /** Set when a waiting delivery continued as new: where the previous run left it. */
  carried?: CarriedDelivery | undefined;
}

/** What a delivery still waiting for stock carries into its next run. */
export interface CarriedDelivery {
  delivery: Delivery;
  /** A stock signal arrived that the previous run had not yet looked into. */
  stockSignalled: boolean;
}

export type DeliveryWorkflow = (input: DeliveryInput) => Promise<Delivery>;

/** The delivery a run of this input starts from: its own first run, and its order when it knows the delivery without being told. */
export function newDeliveryOf(input: DeliveryInput, now: string): Delivery {
  const { deliveryId: id, orderId, orderNumber, steps, lines, recipient, backorderOf } = input;
  return newDelivery({ id, orderId, orderNumber, steps, lines, recipient, backorderOf }, now);
}

/** The warehouse's "Validate" button: answers with the delivery after the step. */
export const validateStepUpdate = defineUpdate<Delivery, [Validate]>('validateStep');
/** Voids a parcel's label before the goods leave; relabels a voided parcel. Both answer with the delivery. */
export const voidParcelUpdate = defineUpdate<Delivery, [{ parcelId: string }]>('voidParcel');
export const relabelParcelUpdate = defineUpdate<Delivery, [{ parcelId: string }]>('relabelParcel');
/** The stock allocation reserved this delivery's goods (stock arrived, or another order freed some). */
export const stockReservedSignal = defineSignal('stockReserved');
/** The order was cancelled: release the goods unless they have left. */
export const cancelDeliverySignal = defineSignal<[{ reason?: string | undefined }]>('cancelDelivery');
export const deliveryQuery = defineQuery<Delivery>('delivery');

/** What a delivery tells its order (its creation the order records itself). */
export interface DeliveryProgress {
  deliveryId: string;
  event: 'waiting' | 'reserved' | 'step_done' | 'done' | 'cancelled';
  state: Delivery['state'];
  step?: StepName | undefined;
  trackingNumber?: string | undefined;
  at: string;
  /** The delivery as it is now: the order writes it to the lists with its own projection. */
  delivery?: Delivery | undefined;
}
