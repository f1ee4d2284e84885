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
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  setCurrentDetails,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { DeliveryActivities } from '../activities/delivery.js';
import type { OrderActivities, SendEmailInput } from '../activities/types.js';
import { deliveryIdOf, type Delivery } from '../domain/delivery.js';
import type { NumberedEntry } from '../db/orders.js';
import {
  applyExpiry,
  applyReminderDone,
  applyReminderPassedOver,
  nextIdleStep,
  reminderBlocker,
} from '../domain/abandoned-cart.js';
import type { EmailKind } from '../domain/email-templates.js';
import { DomainError } from '../domain/errors.js';
import { formatMoney } from '../domain/money.js';
import {
  applyRefundRequested,
  applyRefundSettled,
  applyReturnNeedsManualRefund,
  applyReturnReceived,
  applyReturnRequested,
  canRefundAutomatically,
  checkRefund,
  checkReturn,
  refundableAmount,
  returnWindowEnd,
  type Refund,
} from '../domain/refunds.js';
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
  refundSettledSignal,
  requestRefundUpdate,
  requestReturnUpdate,
  returnReceivedSignal,
  checkoutUpdate,
  confirmUpdate,
  OrderSearchAttributes,
  searchAttributesOf,
  orderDetailsText,
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
import {
  REFUND_WORKFLOW_TYPE,
  refundWorkflowId,
  RETURN_WORKFLOW_TYPE,
  returnWorkflowId,
  type RefundWorkflow,
  type ReturnWorkflow,
} from './returns-contract.js';

const { projectOrder, createPayment, sendEmail } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  // Retried until it succeeds (an outage must delay an order, never lose it); business refusals are non-retryable.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

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
  /** A quotation is projected when created, when its idle timer fires, and when it leaves the draft state. */
  let projectDraftNow = true;
  /** The delivery's latest state, as it told us: projected with the order. */
  let deliverySnapshot: Delivery | undefined;
  let deliveryStarting = false;
  let childrenStarting = 0;
  /** Returns received whose refund is still to be decided. */
  const receivedReturns: string[] = [];
  let returnWindowOver = false;
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
          supportRefund: created.supportRefund,
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
    if (news.delivery && (!deliverySnapshot || news.delivery.version > deliverySnapshot.version)) deliverySnapshot = news.delivery;
    record(applyDeliveryNews(order, news, now()));
  });

  // ------------------------------------------------------------ refunds and returns
  /** Each refund is a child workflow, recorded on the order before it starts so no path refunds more than was paid. */
  const startRefund = async (amount: number, reason: string | undefined, returnId?: string): Promise<Refund> => {
    const payment = order.payments.find((p) => p.status === PaymentStatus.succeeded)!;
    const refund: Refund = {
      id: `rfd_${uuid4().replaceAll('-', '').slice(0, 24)}`,
      amount,
      currency: payment.currency,
      paymentReference: payment.reference,
      status: 'pending',
      reason,
      returnId,
      requestedAt: now(),
    };
    record(applyRefundRequested(order, refund, now()));
    const ret = returnId ? order.returns?.find((r) => r.id === returnId) : undefined;
    if (ret) ret.refundId = refund.id;
    childrenStarting += 1;
    try {
      await startChild<RefundWorkflow>(REFUND_WORKFLOW_TYPE, {
        workflowId: refundWorkflowId(refund.id),
        args: [{ refundId: refund.id, orderId: order.id, paymentReference: payment.reference, method: payment.method, amount, currency: payment.currency, reason, returnId, orderWorkflowId: workflowInfo().workflowId }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Refund of ${formatMoney(amount, payment.currency)} for ${order.number}`,
      });
    } finally {
      childrenStarting -= 1;
    }
    return refund;
  };

  setHandler(
    requestRefundUpdate,
    (request) => startRefund(request.amount ?? refundableAmount(order), request.reason),
    { validator: (request) => reject(checkRefund(order, request)) },
  );
  setHandler(refundSettledSignal, (outcome) => {
    record(applyRefundSettled(order, outcome, now()));
  });

  setHandler(
    requestReturnUpdate,
    async (request) => {
      const id = `ret_${uuid4().replaceAll('-', '').slice(0, 24)}`;
      const { record: ret, timeline } = applyReturnRequested(order, id, request, now());
      record(timeline);
      childrenStarting += 1;
      try {
        await startChild<ReturnWorkflow>(RETURN_WORKFLOW_TYPE, {
          workflowId: returnWorkflowId(id),
          args: [{ returnId: id, orderId: order.id, orderNumber: order.number, orderWorkflowId: workflowInfo().workflowId, lines: ret.lines }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          staticSummary: `Return for ${order.number}: ${ret.lines.map((l) => `${l.quantity} × ${l.sku}`).join(', ')}`,
        });
      } finally {
        childrenStarting -= 1;
      }
      return ret;
    },
    {
      validator: (request) => {
        const windowDays = order.delivery?.returnWindowDays ?? request.returnWindowDays;
        reject(checkReturn(order, { ...request, returnWindowDays: windowDays }, now()));
      },
    },
  );
  setHandler(returnReceivedSignal, ({ returnId }) => {
    const { record: ret, timeline } = applyReturnReceived(order, returnId, now());
    record(timeline);
    if (ret) receivedReturns.push(returnId);
  });

  /** The order stays open while goods may come back; it closes when the window is over and nothing is in flight. */
  const closeAfterReturnWindow = async () => {
    await condition(() => order.deliveredAt !== undefined);
    const end = returnWindowEnd(order, order.delivery?.returnWindowDays ?? 30)!;
    if (end > Date.now()) await sleep(end - Date.now());
    returnWindowOver = true;
  };
  void closeAfterReturnWindow();

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
  const confirmationDue = () => order.state === OrderState.sale && !order.emailsSent.order_confirmation;
  const deliveryDue = () => order.state === OrderState.sale && !order.delivery;
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
      applyDeliveryCreated(order, { id, doneEmail: plan.deliveryDoneEmail, returnWindowDays: plan.returnWindowDays }, now());
      record([{ at: now(), type: 'delivery_created', message: `Delivery order created (${plan.steps.join(' → ')})`, data: { deliveryId: id } }]);
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
      // The idle check brings the lists up to date (the abandoned-cart list reads them).
      projectDraftNow = true;
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
  void watchIdleQuotation();

  // ------------------------------------------------------------ main sequence
  let searchAttributes = searchAttributesOf(order);
  setCurrentDetails(orderDetailsText(order));
  const unprojected = () => run.projectedVersion < order.version || pending.length > 0;
  // A quotation's edits wait for its next milestone: a busy cart costs one action per edit.
  const needsProjection = () => unprojected() && (order.state !== OrderState.draft || projectDraftNow);
  const flush = async (force = false) => {
    for (;;) {
      if (!needsProjection() && !(force && unprojected())) return;
      searchAttributes = syncSearchAttributes(order, searchAttributes);
      const batch = pending.splice(0);
      const version = order.version;
      await projectOrder(order, batch, deliverySnapshot);
      run.projectedVersion = Math.max(run.projectedVersion, version);
      projectDraftNow = false;
    }
  };

  const succeededRefunds = () => (order.refunds ?? []).filter((r) => r.status === 'succeeded');
  const refundEmailDue = () => succeededRefunds().length > (order.emailsSent.refund ?? 0);
  const returnEmailDue = () => (order.returns ?? []).length > (order.emailsSent.return ?? 0);
  const cancelRefundDue = () =>
    order.state === OrderState.cancel &&
    !(order.refunds ?? []).some((r) => r.reason === 'order cancelled') &&
    refundableAmount(order) > 0 &&
    checkRefund(order, {}) === null;
  /** Business still open: a child starting, a refund at the provider, a return to decide or to receive, an email to send. */
  const busy = () =>
    childrenStarting > 0 ||
    receivedReturns.length > 0 ||
    (order.refunds ?? []).some((r) => r.status === 'pending') ||
    (order.returns ?? []).some((r) => r.state === 'requested') ||
    refundEmailDue() ||
    returnEmailDue() ||
    cancelRefundDue();
  const closing = () => (order.state === OrderState.cancel || returnWindowOver) && !busy();

  // Continue as new when the history grows long, but never in the middle of a checkout or a child's start.
  const timeToContinue = () =>
    workflowInfo().continueAsNewSuggested &&
    !checkoutInFlight &&
    emailsInFlight === 0 &&
    !deliveryStarting &&
    childrenStarting === 0 &&
    receivedReturns.length === 0;
  for (;;) {
    await condition(
      () =>
        needsProjection() ||
        closing() ||
        confirmationDue() ||
        deliveryDue() ||
        deliveryDoneEmailDue() ||
        receivedReturns.length > 0 ||
        refundEmailDue() ||
        returnEmailDue() ||
        cancelRefundDue() ||
        timeToContinue(),
    );
    if (deliveryDue()) await startDelivery();
    await flush();
    if (confirmationDue()) await notify('order_confirmation');
    if (deliveryDoneEmailDue()) {
      await notify('delivery_done', { values: { tracking_number: order.delivery?.trackingNumber ?? '', tracking_link: '' } });
    }
    if (receivedReturns.length > 0) {
      const ret = order.returns?.find((r) => r.id === receivedReturns[0]);
      if (ret && canRefundAutomatically(order, ret.amount)) await startRefund(Math.min(ret.amount, refundableAmount(order)), 'return', ret.id);
      else if (ret) record(applyReturnNeedsManualRefund(order, ret, now()));
      receivedReturns.shift();
    }
    if (returnEmailDue()) {
      const ret = order.returns![order.emailsSent.return ?? 0]!;
      await notify('return', { values: { lines: ret.lines.map((l) => `${l.quantity} × ${l.name} (${l.reason})`) } });
    }
    if (refundEmailDue()) {
      const refund = succeededRefunds()[order.emailsSent.refund ?? 0]!;
      await notify('refund', { values: { amount: formatMoney(refund.amount, refund.currency) } });
    }
    // A paid order cancelled before delivery: the money goes back, where the provider can send it.
    if (cancelRefundDue()) await startRefund(refundableAmount(order), 'order cancelled');
    if (closing()) break;
    if (timeToContinue()) {
      await condition(allHandlersFinished);
      await flush(true);
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
  await flush(true);
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
  setCurrentDetails(orderDetailsText(order));
  return next;
}


// The body must keep the signature callers start it by.
orderWorkflow satisfies OrderWorkflow;
