/**
 * One order, from the first product in the cart to its close: quotation
 * (draft) → quotation sent (payment pending) → sales order, or cancelled.
 *
 * The workflow is the source of truth for an order in flight. Every change
 * bumps the order's version; the main loop writes the projection (the row the
 * lists read, and the new timeline entries) with one activity per burst of
 * changes, so a busy cart does not cost an activity per edit.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { DeliveryActivities } from '../activities/delivery.js';
import type { OrderActivities, SendEmailInput } from '../activities/types.js';
import { deliveryIdOf } from '../domain/delivery.js';
import type { NumberedEntry } from '../db/orders.js';
import {
  applyExpiry,
  applyReminderDone,
  applyReminderPassedOver,
  nextIdleStep,
  reminderBlocker,
  type ReminderPolicy,
} from '../domain/abandoned-cart.js';
import type { EmailKind } from '../domain/email-templates.js';
import { DomainError } from '../domain/errors.js';
import {
  applyAddLine,
  applyCancel,
  applyCheckout,
  applyConfirm,
  applyDeliveryCreated,
  applyDeliveryNews,
  applyEmailSent,
  applyPaymentEvent,
  applyRemoveLine,
  applySetContact,
  applySetLineQuantity,
  checkAddLine,
  checkCancel,
  checkCheckout,
  checkConfirm,
  checkRemoveLine,
  checkSetContact,
  checkSetLineQuantity,
  contactEmail,
  deliveryOpen,
  DeliveryState,
  LIMITS,
  newQuotation,
  nextEmailSeq,
  OrderState,
  PaymentStatus,
  planCheckout,
  type Order,
  type TimelineEntry,
} from '../domain/order.js';
import {
  addLineUpdate,
  cancelUpdate,
  deliveryProgressSignal,
  checkoutUpdate,
  confirmUpdate,
  OrderSearchAttributes,
  searchAttributesOf,
  type SearchAttributeValues,
  openCartUpdate,
  orderQuery,
  paymentEventSignal,
  removeLineUpdate,
  setContactUpdate,
  setLineQuantityUpdate,
  reminderPolicySignal,
  type CarriedOrder,
  type OrderWorkflow,
  type OrderWorkflowInput,
} from './order-contract.js';
import { cancelDeliverySignal, DELIVERY_WORKFLOW_TYPE, deliveryWorkflowId, type DeliveryWorkflow } from './delivery-contract.js';

const { projectOrder, createPayment, sendEmail } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  // Retried until it succeeds (an outage must delay an order, never lose it); business refusals are non-retryable.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Reminders, cart expiry and the confirmation email came after the first
 * orders ran: runs recorded before them replay without (see test/histories).
 */
const EMAILS_AND_REMINDERS = 'emails-and-reminders-v1';
/** Stock reservation and the delivery child workflow came after that. */
const DELIVERY = 'delivery-v1';

const { planDelivery } = proxyActivities<Pick<DeliveryActivities, 'planDelivery'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** A business rejection: non-retryable, typed by its code so the API can map it. */
function reject(problem: DomainError | null): void {
  if (problem) {
    throw ApplicationFailure.create({ type: problem.code, message: problem.message, details: [problem.details ?? null], nonRetryable: true });
  }
}

function now(): string {
  return new Date().toISOString();
}

export async function orderWorkflow(input: OrderWorkflowInput): Promise<Order> {
  const run = startRun(input);
  const { order } = run;
  const emailsAndReminders = patched(EMAILS_AND_REMINDERS);
  const fulfils = patched(DELIVERY);
  let deliveryStarting = false;
  let checkoutInFlight = false;
  let emailsInFlight = 0;
  const pending: NumberedEntry[] = [];
  const record = (entries: TimelineEntry[]) => {
    for (const e of entries) pending.push({ ...e, seq: ++run.timelineSeq });
  };
  if (input.kind === 'new') record(run.initialTimeline);

  const notDuringCheckout = () =>
    checkoutInFlight ? new DomainError('checkout_in_progress', 'Checkout is in progress for this cart: try again in a moment.') : null;

  // ------------------------------------------------------------ handlers
  setHandler(orderQuery, () => order);
  setHandler(openCartUpdate, () => order);

  setHandler(
    addLineUpdate,
    (line) => {
      record(applyAddLine(order, line, now()));
      return order;
    },
    { validator: (line) => reject(notDuringCheckout() ?? checkAddLine(order, line)) },
  );
  setHandler(
    setLineQuantityUpdate,
    (change) => {
      record(applySetLineQuantity(order, change, now()));
      return order;
    },
    { validator: (change) => reject(notDuringCheckout() ?? checkSetLineQuantity(order, change)) },
  );
  setHandler(
    removeLineUpdate,
    (line) => {
      record(applyRemoveLine(order, line, now()));
      return order;
    },
    { validator: (line) => reject(notDuringCheckout() ?? checkRemoveLine(order, line)) },
  );
  setHandler(
    setContactUpdate,
    (contact) => {
      record(applySetContact(order, contact, now()));
      return order;
    },
    { validator: (contact) => reject(notDuringCheckout() ?? checkSetContact(order, contact)) },
  );

  setHandler(
    checkoutUpdate,
    async (request) => {
      const plan = planCheckout(order, request);
      if (plan.kind === 'repeat') return { order, payment: plan.payment };
      // Lines and contact are frozen while the provider is asked for a payment.
      checkoutInFlight = true;
      try {
        const reference = `pay_${uuid4().replaceAll('-', '')}`;
        const created = await createPayment({
          orderId: order.id,
          orderNumber: order.number,
          reference,
          method: request.paymentMethod,
          amount: plan.amount,
          currency: plan.currency,
        });
        const payment = {
          reference: created.reference,
          method: request.paymentMethod,
          amount: plan.amount,
          currency: plan.currency,
          status: PaymentStatus.pending,
          instructions: created.instructions,
        };
        record(applyCheckout(order, payment, now()));
        return { order, payment };
      } finally {
        checkoutInFlight = false;
      }
    },
    { validator: (request) => reject(notDuringCheckout() ?? checkCheckout(order, request)) },
  );

  setHandler(
    confirmUpdate,
    (request) => {
      record(applyConfirm(order, request, now()));
      return order;
    },
    { validator: (request) => reject(checkConfirm(order, request)) },
  );
  setHandler(
    cancelUpdate,
    async (request) => {
      if (deliveryOpen(order)) {
        // The delivery releases the goods unless they have left; the order is cancelled only then.
        await getExternalWorkflowHandle(deliveryWorkflowId(order.delivery!.id)).signal(cancelDeliverySignal, { reason: request.reason });
        await condition(() => !deliveryOpen(order));
        reject(checkCancel(order, request));
      }
      record(applyCancel(order, request, now()));
      return order;
    },
    { validator: (request) => reject(notDuringCheckout() ?? (deliveryStarting ? new DomainError('checkout_in_progress', 'The delivery is being created: try again in a moment.') : null) ?? checkCancel(order, request)) },
  );

  setHandler(deliveryProgressSignal, (news) => {
    record(applyDeliveryNews(order, news, now()));
  });

  setHandler(paymentEventSignal, (event) => {
    if (run.processedEventIds.includes(event.eventId)) return; // a provider's redelivery
    run.processedEventIds.push(event.eventId);
    if (run.processedEventIds.length > LIMITS.maxProcessedEvents) run.processedEventIds.shift();
    record(applyPaymentEvent(order, event, now()).timeline);
  });

  setHandler(reminderPolicySignal, (policy) => {
    run.policy = policy;
  });

  // ------------------------------------------------------------ emails
  const notify = async (kind: EmailKind, extra: Partial<Pick<SendEmailInput, 'values' | 'unlessCustomerOrderedSince'>> = {}) => {
    const seq = nextEmailSeq(order, kind);
    emailsInFlight += 1;
    try {
      const result = await sendEmail({ kind, idempotencyKey: `${workflowInfo().workflowId}/${kind}/${seq}`, order, ...extra });
      record(applyEmailSent(order, kind, seq, result, now()));
      return result;
    } finally {
      emailsInFlight -= 1;
    }
  };
  const confirmationDue = () => emailsAndReminders && order.state === OrderState.sale && !order.emailsSent.order_confirmation;
  const deliveryDue = () => fulfils && order.state === OrderState.sale && !order.delivery;
  const deliveryDoneEmailDue = () => order.deliveryState === DeliveryState.done && order.delivery?.doneEmail === true && !order.emailsSent.delivery_done;

  /** The sales order's delivery: a child that outlives this run (continue-as-new), told apart by its id. */
  const startDelivery = async () => {
    deliveryStarting = true;
    try {
      const plan = await planDelivery();
      const id = deliveryIdOf(order.id);
      const contact = order.contact;
      await startChild<DeliveryWorkflow>(DELIVERY_WORKFLOW_TYPE, {
        workflowId: deliveryWorkflowId(id),
        args: [
          {
            deliveryId: id,
            orderId: order.id,
            orderNumber: order.number,
            orderWorkflowId: workflowInfo().workflowId,
            steps: plan.steps,
            lines: order.lines.map((l) => ({ sku: l.sku, name: l.name, type: l.type, quantity: l.quantity })),
            recipient: { name: contact?.name ?? order.customer.name ?? null, email: contactEmail(order), address: contact?.shippingAddress ?? null },
          },
        ],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Delivery of ${order.number} (${plan.steps.join(' → ')})`,
      });
      applyDeliveryCreated(order, { id, doneEmail: plan.deliveryDoneEmail }, now());
    } finally {
      deliveryStarting = false;
    }
  };

  // ------------------------------------------------------------ the idle quotation
  /**
   * One timer at a time, armed for the next step (a reminder, or expiry) from
   * the customer's last change. A change that only pushes that step later does
   * not touch the timer: when it fires, the step is computed again and the
   * timer re-armed for the new time. It is re-armed early only when the next
   * step moves earlier: a new policy, or a contact given after the reminder
   * was passed over for lack of one.
   */
  const watchIdleQuotation = async () => {
    while (order.state === OrderState.draft && run.policy) {
      const step = nextIdleStep(order, run.policy);
      const wait = step.at - Date.now();
      if (wait > 0) {
        const movedEarlier = () => run.policy !== undefined && nextIdleStep(order, run.policy).at < step.at;
        const interrupted = await condition(() => order.state !== OrderState.draft || movedEarlier(), wait);
        if (interrupted) continue;
      }
      const due = nextIdleStep(order, run.policy);
      if (due.at > Date.now()) continue; // the customer came back: arm for the new time
      if (due.kind === 'expire') {
        record(applyExpiry(order, now()));
        return;
      }
      const blocker = reminderBlocker(order);
      if (blocker) {
        record(applyReminderPassedOver(order, blocker, now()));
        continue;
      }
      await notify('abandoned_cart', { unlessCustomerOrderedSince: order.createdAt });
      applyReminderDone(order, due.seq, now());
    }
  };
  if (emailsAndReminders) void watchIdleQuotation();

  // ------------------------------------------------------------ main sequence
  let searchAttributes = searchAttributesOf(order);
  const needsProjection = () => run.projectedVersion < order.version || pending.length > 0;
  const flush = async () => {
    for (;;) {
      searchAttributes = syncSearchAttributes(order, searchAttributes);
      if (!needsProjection()) return;
      const batch = pending.splice(0);
      const version = order.version;
      await projectOrder(order, batch);
      run.projectedVersion = Math.max(run.projectedVersion, version);
    }
  };

  // Continue as new when the history grows long, but never in the middle of a checkout.
  const timeToContinue = () => workflowInfo().continueAsNewSuggested && !checkoutInFlight && emailsInFlight === 0 && !deliveryStarting;
  for (;;) {
    await condition(
      () => needsProjection() || order.state === OrderState.cancel || confirmationDue() || deliveryDue() || deliveryDoneEmailDue() || timeToContinue(),
    );
    if (deliveryDue()) await startDelivery();
    await flush();
    if (confirmationDue()) await notify('order_confirmation');
    if (deliveryDoneEmailDue()) {
      await notify('delivery_done', { values: { tracking_number: order.delivery?.trackingNumber ?? '', tracking_link: '' } });
    }
    if (order.state === OrderState.cancel) break;
    if (timeToContinue()) {
      await condition(allHandlersFinished);
      await flush();
      const carried: CarriedOrder = {
        order,
        timelineSeq: run.timelineSeq,
        projectedVersion: run.projectedVersion,
        processedEventIds: run.processedEventIds,
        policy: run.policy,
      };
      return continueAsNew<typeof orderWorkflow>({ kind: 'continued', carried });
    }
  }

  await condition(() => allHandlersFinished() && emailsInFlight === 0);
  await flush();
  return order;
}

interface Run extends CarriedOrder {
  initialTimeline: TimelineEntry[];
}

function startRun(input: OrderWorkflowInput): Run {
  if (input.kind === 'continued') return { ...input.carried, initialTimeline: [] };
  const { order, timeline } = newQuotation(input.quotation, now());
  return { order, timelineSeq: 0, projectedVersion: 0, processedEventIds: [], policy: input.policy, initialTimeline: timeline };
}

/** Upserts only what changed since the last upsert (the start set the first values). */
function syncSearchAttributes(order: Order, previous: SearchAttributeValues): SearchAttributeValues {
  const next = searchAttributesOf(order);
  const updates: SearchAttributeUpdatePair[] = [];
  for (const name of Object.keys(next) as Array<keyof SearchAttributeValues>) {
    if (next[name] !== previous[name]) {
      updates.push({ key: OrderSearchAttributes[name], value: next[name] } as SearchAttributeUpdatePair);
    }
  }
  if (updates.length) upsertSearchAttributes(updates);
  return next;
}


// The body must keep the signature callers start it by.
orderWorkflow satisfies OrderWorkflow;
