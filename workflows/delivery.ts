/**
 * One delivery order: wait for the goods to be reserved, then each step
 * (pick, pack, ship) waits for the warehouse's validation. The label is made
 * at the pack step (or at ship when there is none); at the last step the
 * goods leave the stock. Every change is told to the order's workflow.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { DeliveryActivities } from '../activities/delivery.js';
import type { ReservationStatus } from '../db/stock.js';
import {
  applyDeliveryCancel,
  applyLabel,
  applyReserved,
  applyStepDone,
  checkValidate,
  currentStep,
  DeliveryStatus,
  labelStep,
  newDelivery,
  type Delivery,
} from '../domain/delivery.js';
import { DomainError } from '../domain/errors.js';
import {
  cancelDeliverySignal,
  deliveryQuery,
  stockReservedSignal,
  validateStepUpdate,
  type DeliveryInput,
  type DeliveryProgress,
  type DeliveryWorkflow,
} from './delivery-contract.js';
import { deliveryProgressSignal } from './order-contract.js';

import { now, reject, RETRIED_UNTIL_DONE, SHORT_WRITE, wakeDeliveriesWaitingForStock } from './support.js';

const activities = proxyActivities<DeliveryActivities>(RETRIED_UNTIL_DONE);
/** The stock writes as local activities (runs since {@link SHORT_WRITES_LOCAL}). */
const local = proxyLocalActivities<Pick<DeliveryActivities, 'requestStock' | 'shipStock'>>(SHORT_WRITE);

/**
 * Patch (see docs/changing-workflows.md): the stock request and the stock-out
 * run as local activities, and the Validate update answers once the step is
 * done without waiting for its order to be told (the signal goes in the same
 * workflow task; the run ends only once it is sent). Decided in the run's
 * first task: a run started before it keeps the old commands throughout.
 */
const SHORT_WRITES_LOCAL = 'delivery-short-writes-local';

/** A waiting delivery looks at its reservation again this often, in case a stock signal was missed. */
const RESERVATION_RECHECK = '10 minutes';
/**
 * A backorder may wait for weeks: after this many looks at its reservation
 * (about a week at one per 10 minutes), or sooner when Temporal suggests it,
 * the delivery continues as new so its history stays short.
 */
const RECHECKS_PER_RUN = 1000;

export async function deliveryWorkflow(input: DeliveryInput): Promise<Delivery> {
  const delivery =
    input.carried?.delivery ??
    newDelivery({ id: input.deliveryId, orderId: input.orderId, orderNumber: input.orderNumber, steps: input.steps, lines: input.lines, recipient: input.recipient }, now());
  let reservedSignalled = input.carried?.stockSignalled ?? false;
  let cancelRequested: { reason?: string | undefined } | null = null;
  let stepInFlight = false;
  const shortWritesLocal = patched(SHORT_WRITES_LOCAL);
  /** Progress told to the order and not yet sent: the run waits for them before it ends. */
  const telling: Array<Promise<void>> = [];

  const tellOrder = async (event: DeliveryProgress['event'], extra: Partial<DeliveryProgress> = {}) => {
    const progress: DeliveryProgress = {
      deliveryId: delivery.id,
      event,
      state: delivery.state,
      trackingNumber: delivery.trackingNumber,
      at: delivery.updatedAt,
      // Its order writes it to the lists with its own projection.
      delivery,
      ...extra,
    };
    try {
      await getExternalWorkflowHandle(input.orderWorkflowId).signal(deliveryProgressSignal, progress);
    } catch {
      // The order's run is closed (it was cancelled and completed): nothing left to tell.
    }
  };
  setHandler(deliveryQuery, () => delivery);
  setHandler(stockReservedSignal, () => {
    reservedSignalled = true;
  });
  setHandler(cancelDeliverySignal, (request) => {
    cancelRequested = request;
  });
  setHandler(
    validateStepUpdate,
    async (request) => {
      if (checkValidate(delivery, request) === 'already_done') return delivery;
      stepInFlight = true;
      try {
        const step = currentStep(delivery)!;
        if (step.name === labelStep(input.steps) && !delivery.trackingNumber) {
          applyLabel(delivery, await activities.createShippingLabel({ deliveryId: delivery.id, orderNumber: delivery.orderNumber, recipient: delivery.recipient, lines: delivery.lines }), now());
        }
        const isLast = delivery.steps.at(-1) === step;
        if (isLast) await (shortWritesLocal ? local.shipStock : activities.shipStock)(delivery.orderId);
        applyStepDone(delivery, now());
        const told = tellOrder(isLast ? 'done' : 'step_done', { step: step.name });
        if (shortWritesLocal) telling.push(told);
        else await told;
        return delivery;
      } finally {
        stepInFlight = false;
      }
    },
    {
      validator: (request) => {
        if (stepInFlight) reject(new DomainError('step_in_progress', 'A step of this delivery is being validated: try again in a moment.'));
        if (cancelRequested) reject(new DomainError('delivery_closed', `Delivery for ${delivery.orderNumber} is being cancelled.`));
        const problem = checkValidate(delivery, request);
        if (problem instanceof DomainError) reject(problem);
      },
    },
  );

  // A continued run is still waiting: its stock was requested, and its order told, by the first run.
  let reservation: { status: ReservationStatus; reservedOrders: string[] } = { status: 'waiting', reservedOrders: [] };
  if (!input.carried) {
    reservation = await (shortWritesLocal ? local.requestStock : activities.requestStock)(delivery.orderId, delivery.lines);
    await wakeDeliveriesWaitingForStock(reservation.reservedOrders);
    if (reservation.status === 'waiting') await tellOrder('waiting');
  }
  let rechecks = 0;
  while (reservation.status === 'waiting' && !cancelRequested) {
    if (rechecks >= RECHECKS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      // No await from here to continueAsNew: a signal cannot land in the ending run unseen.
      if (!cancelRequested) return continueAsNew<DeliveryWorkflow>({ ...input, carried: { delivery, stockSignalled: reservedSignalled } });
      break;
    }
    await condition(() => reservedSignalled || cancelRequested !== null, RESERVATION_RECHECK);
    reservedSignalled = false;
    if (cancelRequested) break;
    reservation = { status: await activities.reservationStatus(delivery.orderId), reservedOrders: [] };
    rechecks += 1;
  }

  if (!cancelRequested) {
    applyReserved(delivery, now());
    await tellOrder('reserved');
    await condition(() => delivery.state === DeliveryStatus.done || (cancelRequested !== null && !stepInFlight));
  }
  if (delivery.state !== DeliveryStatus.done) {
    await wakeDeliveriesWaitingForStock(await activities.releaseStock(delivery.orderId));
    applyDeliveryCancel(delivery, (cancelRequested as { reason?: string } | null)?.reason, now());
    await tellOrder('cancelled');
  }
  await condition(allHandlersFinished);
  await Promise.all(telling);
  return delivery;
}

deliveryWorkflow satisfies DeliveryWorkflow;
