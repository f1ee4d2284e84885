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
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { DeliveryActivities } from '../activities/delivery.js';
import type { ParcelActivities } from '../activities/parcels.js';
import type { ReservationStatus } from '../db/stock.js';
import {
  applyDeliveryCancel,
  applyLabel,
  applyReserved,
  applyStepDone,
  checkValidate,
  currentStep,
  DeliveryPhase,
  labelStep,
  type Delivery,
} from '../domain/delivery.js';
import { DomainError } from '../domain/errors.js';
import { findParcel, mustVoid, nextLabelAttempt, planParcels, shippedParcels, type Parcel } from '../domain/parcels.js';
import {
  cancelDeliverySignal,
  deliveryQuery,
  newDeliveryOf,
  relabelParcelUpdate,
  stockReservedSignal,
  validateStepUpdate,
  voidParcelUpdate,
  type DeliveryInput,
  type DeliveryProgress,
  type DeliveryWorkflow,
} from './delivery-contract.js';
import { deliveryProgressSignal } from './order-contract.js';
import { LOCAL_CALL, localFirst, now, Patches, reject, RETRIED_UNTIL_DONE, SHORT_WRITE, wakeDeliveriesWaitingForStock } from './support.js';

const activities = proxyActivities<DeliveryActivities & ParcelActivities>(RETRIED_UNTIL_DONE);
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

/**
 * Patch of generation 2 (issue 15): the label, the parcels' hand-over and the
 * stock-out of a Validate run as local activities, so a step is one workflow
 * task and one billed action, and the Validate answers without an activity
 * task's round trips.
 */
const STEP_IN_ONE_TASK = 'delivery-step-in-one-task';
/** The step's calls, local activities first (runs since {@link STEP_IN_ONE_TASK}; see localFirst). */
type StepCalls = Pick<ParcelActivities, 'labelParcels' | 'shipParcels'> & Pick<DeliveryActivities, 'shipStock'>;
const stepCalls = localFirst(proxyLocalActivities<StepCalls>(LOCAL_CALL), proxyActivities<StepCalls>(RETRIED_UNTIL_DONE));

/** A waiting delivery looks at its reservation again this often, in case a stock signal was missed. */
const RESERVATION_RECHECK = '10 minutes';
/**
 * A backorder may wait for weeks: after this many looks at its reservation
 * (about a week at one per 10 minutes), or sooner when Temporal suggests it,
 * the delivery continues as new so its history stays short.
 */
const RECHECKS_PER_RUN = 1000;

export async function deliveryWorkflow(input: DeliveryInput): Promise<Delivery> {
  const delivery = input.carried?.delivery ?? newDeliveryOf(input, now());
  /**
   * The order requested the stock and found it there: the delivery is ready
   * from its first moment, before any handler is registered — the order
   * already shows it ready, and the warehouse may validate before this run's
   * first task has gone further.
   */
  const orderKnowsReserved = !input.carried && input.reservation !== undefined && input.reservation !== 'waiting';
  if (orderKnowsReserved) applyReserved(delivery, now());
  /** Its stock is held under the order's id, or a backorder's own key: the same commands either way. */
  const stockKey = input.stockKey ?? input.orderId;
  let reservedSignalled = input.carried?.stockSignalled ?? false;
  let cancelRequested: { reason?: string | undefined } | null = null;
  let stepInFlight = false;
  const patches = Patches.decide();
  const shortWritesLocal = patches.has(SHORT_WRITES_LOCAL);
  const stepInOneTask = patches.has(STEP_IN_ONE_TASK, 2);
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
        // Pickup buys no label (the input says so only for pickup orders: recorded runs replay as before).
        if (step.name === labelStep(input.steps) && !delivery.trackingNumber && !input.pickup) {
          // Runs from before parcels replay their single label; new runs label each parcel.
          if (patches.has('parcel-labels')) {
            const labelled = await (stepInOneTask ? stepCalls.labelParcels : activities.labelParcels)({
              deliveryId: delivery.id,
              orderNumber: delivery.orderNumber,
              recipient: delivery.recipient,
              lines: delivery.lines,
              split: request.parcels ? { parcels: request.parcels } : undefined,
            });
            delivery.parcels = labelled;
            applyLabel(delivery, { trackingNumber: labelled[0]!.trackingNumber, carrier: labelled[0]!.carrier }, now());
          } else {
            applyLabel(delivery, await activities.createShippingLabel({ deliveryId: delivery.id, orderNumber: delivery.orderNumber, recipient: delivery.recipient, lines: delivery.lines }), now());
          }
        }
        const isLast = delivery.steps.at(-1) === step;
        if (isLast && stepInOneTask) {
          // The parcels leave and the goods leave the stock together (two idempotent writes, one waits not for the other).
          const parcels = delivery.parcels;
          await Promise.all([parcels ? stepCalls.shipParcels(delivery.id) : null, stepCalls.shipStock(stockKey)]);
          if (parcels) delivery.parcels = shippedParcels(parcels);
        } else if (isLast) {
          if (delivery.parcels) {
            await activities.shipParcels(delivery.id);
            delivery.parcels = shippedParcels(delivery.parcels);
          }
          await (shortWritesLocal ? local.shipStock : activities.shipStock)(stockKey);
        }
        applyStepDone(delivery, now());
        // An order that reads the delivery's result hears of the last step from it.
        if (isLast && input.reportsByResult) return delivery;
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
        if (problem === 'already_done') return;
        const step = currentStep(delivery);
        if (request.parcels && input.pickup) reject(new DomainError('parcel_split_invalid', 'An in-store pickup has no parcels: nothing goes through a carrier.'));
        const labelling = step?.name === labelStep(input.steps) && !delivery.trackingNumber;
        if (request.parcels && !labelling) reject(new DomainError('parcel_split_invalid', 'Parcels are given at the step that prints the labels (pack, or ship without a pack step).'));
        try {
          // The split's rule needs no weights: a wrong split is refused before anything runs.
          if (labelling && request.parcels) planParcels(delivery.lines, { parcels: request.parcels }, new Map());
          if (step && delivery.steps.at(-1) === step && delivery.parcels) shippedParcels(delivery.parcels);
        } catch (error) {
          if (error instanceof DomainError) reject(error);
          throw error;
        }
      },
    },
  );

  /** A parcel's label changed (void, relabel); the order hears of it with the next step (its progress events are steps). */
  const parcelChanged = (parcel: Parcel) => {
    delivery.parcels = delivery.parcels!.map((p) => (p.id === parcel.id ? parcel : p));
    if (parcel.id === delivery.parcels[0]!.id) delivery.trackingNumber = parcel.trackingNumber;
    delivery.updatedAt = now();
    delivery.version += 1;
    return delivery;
  };
  const parcelValidator = (request: { parcelId: string }, check: (parcel: Parcel) => void) => {
    if (stepInFlight) reject(new DomainError('step_in_progress', 'A step of this delivery is being validated: try again in a moment.'));
    if (delivery.state === DeliveryPhase.cancel || cancelRequested) reject(new DomainError('delivery_closed', `Delivery for ${delivery.orderNumber} is cancelled.`));
    if (!delivery.parcels) return reject(new DomainError('parcel_not_found', 'This delivery has no parcels yet: they are made at the label step.'));
    try {
      check(findParcel(delivery.parcels, request.parcelId));
    } catch (error) {
      if (error instanceof DomainError) reject(error);
      throw error;
    }
  };
  setHandler(
    voidParcelUpdate,
    async ({ parcelId }) => {
      const parcel = findParcel(delivery.parcels!, parcelId);
      if (!mustVoid(parcel)) return delivery;
      stepInFlight = true;
      try {
        return parcelChanged(await activities.voidParcelLabel(delivery.id, parcelId, parcel.labelAttempt));
      } finally {
        stepInFlight = false;
      }
    },
    { validator: (request) => parcelValidator(request, (parcel) => void mustVoid(parcel)) },
  );
  setHandler(
    relabelParcelUpdate,
    async ({ parcelId }) => {
      const parcel = findParcel(delivery.parcels!, parcelId);
      stepInFlight = true;
      try {
        return parcelChanged(await activities.relabelParcel(delivery.id, parcelId, nextLabelAttempt(parcel)));
      } finally {
        stepInFlight = false;
      }
    },
    { validator: (request) => parcelValidator(request, (parcel) => void nextLabelAttempt(parcel)) },
  );

  // A continued run is still waiting: its stock was requested, and its order told, by the first run.
  let reservation: { status: ReservationStatus; reservedOrders: string[] } = { status: 'waiting', reservedOrders: [] };
  if (!input.carried && input.reservation) {
    // Its order requested the stock and knows how it stands.
    reservation = { status: input.reservation, reservedOrders: [] };
    // Stock that came between the order's request and this start woke no one (this run did not exist yet): look once, now.
    if (reservation.status === 'waiting') reservedSignalled = true;
  } else if (!input.carried) {
    reservation = await (shortWritesLocal ? local.requestStock : activities.requestStock)(stockKey, delivery.lines);
    await wakeDeliveriesWaitingForStock(reservation.reservedOrders, patches);
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
    reservation = { status: await activities.reservationStatus(stockKey), reservedOrders: [] };
    rechecks += 1;
  }

  if (!cancelRequested) {
    applyReserved(delivery, now());
    if (!orderKnowsReserved) await tellOrder('reserved');
    await condition(() => delivery.state === DeliveryPhase.done || (cancelRequested !== null && !stepInFlight));
  }
  if (delivery.state !== DeliveryPhase.done) {
    await wakeDeliveriesWaitingForStock(await activities.releaseStock(stockKey), patches);
    applyDeliveryCancel(delivery, (cancelRequested as { reason?: string } | null)?.reason, now());
    await tellOrder('cancelled');
  }
  await condition(allHandlersFinished);
  await Promise.all(telling);
  return delivery;
}

deliveryWorkflow satisfies DeliveryWorkflow;
