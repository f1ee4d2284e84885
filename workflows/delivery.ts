/**
 * One delivery order: wait for the goods to be reserved, then each step
 * (pick, pack, ship) waits for the warehouse's validation. The label is made
 * at the pack step (or at ship when there is none); at the last step the
 * goods leave the stock. Every change is told to the order's workflow.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { DeliveryActivities } from '../activities/delivery.js';
import {
  applyDeliveryCancel,
  applyLabel,
  applyReserved,
  applyStepDone,
  checkValidate,
  currentStep,
  deliveryIdOf,
  DeliveryStatus,
  labelStep,
  newDelivery,
  type Delivery,
} from '../domain/delivery.js';
import { DomainError } from '../domain/errors.js';
import {
  cancelDeliverySignal,
  deliveryQuery,
  deliveryWorkflowId,
  stockReservedSignal,
  validateStepUpdate,
  type DeliveryInput,
  type DeliveryProgress,
  type DeliveryWorkflow,
} from './delivery-contract.js';
import { deliveryProgressSignal } from './order-contract.js';

const activities = proxyActivities<DeliveryActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** A waiting delivery looks at its reservation again this often, in case a stock signal was missed. */
const RESERVATION_RECHECK = '10 minutes';

function now(): string {
  return new Date().toISOString();
}

function reject(problem: DomainError): never {
  throw ApplicationFailure.create({ type: problem.code, message: problem.message, details: [problem.details ?? null], nonRetryable: true });
}

export async function deliveryWorkflow(input: DeliveryInput): Promise<Delivery> {
  const delivery = newDelivery(
    { id: input.deliveryId, orderId: input.orderId, orderNumber: input.orderNumber, steps: input.steps, lines: input.lines, recipient: input.recipient },
    now(),
  );
  let reservedSignalled = false;
  let cancelRequested: { reason?: string | undefined } | null = null;
  let stepInFlight = false;

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
  const tellOthersReserved = async (orderIds: string[]) => {
    for (const orderId of orderIds) {
      try {
        await getExternalWorkflowHandle(deliveryWorkflowId(deliveryIdOf(orderId))).signal(stockReservedSignal);
      } catch {
        // Its delivery is gone; its periodic recheck would have found the reservation anyway.
      }
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
        if (isLast) await activities.shipStock(delivery.orderId);
        applyStepDone(delivery, now());
        await tellOrder(isLast ? 'done' : 'step_done', { step: step.name });
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

  let reservation = await activities.requestStock(delivery.orderId, delivery.lines);
  await tellOthersReserved(reservation.reservedOrders);
  if (reservation.status === 'waiting') await tellOrder('waiting');
  while (reservation.status === 'waiting' && !cancelRequested) {
    await condition(() => reservedSignalled || cancelRequested !== null, RESERVATION_RECHECK);
    reservedSignalled = false;
    if (cancelRequested) break;
    reservation = { status: await activities.reservationStatus(delivery.orderId), reservedOrders: [] };
  }

  if (!cancelRequested) {
    applyReserved(delivery, now());
    await tellOrder('reserved');
    await condition(() => delivery.state === DeliveryStatus.done || (cancelRequested !== null && !stepInFlight));
  }
  if (delivery.state !== DeliveryStatus.done) {
    await tellOthersReserved(await activities.releaseStock(delivery.orderId));
    applyDeliveryCancel(delivery, (cancelRequested as { reason?: string } | null)?.reason, now());
    await tellOrder('cancelled');
  }
  await condition(allHandlersFinished);
  return delivery;
}

deliveryWorkflow satisfies DeliveryWorkflow;
