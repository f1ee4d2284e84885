/**
 * One order, from the first product in the cart to its close: quotation
 * (draft) → quotation sent (payment pending) → sales order, or cancelled.
 *
 * The workflow is the source of truth for an order in flight. It reads top to
 * bottom as: the run's state (`OrderRun`), its message handlers (one method
 * each), the reactions the run owes once the state asks for them (a short,
 * named table), and the loop that performs them. Every change bumps the
 * order's version; the projection reaction writes it to the lists (the row
 * and the new timeline entries) with one activity per burst of changes, so a
 * busy cart does not cost an activity per edit.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  type ChildWorkflowHandle,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { ActivityFailure, ApplicationFailure, type SearchAttributeUpdatePair } from '@temporalio/common';
import type { DeliveryActivities } from '../activities/delivery.js';
import type { InvoiceActivities } from '../activities/invoices.js';
import { applyCreditNoteIssued, applyCreditNoteRefused, applyInvoiceIssued, invoiceDue, invoiceInputOf, refundsToCredit } from '../domain/invoicing.js';
import type { OrderActivities, SendEmailInput } from '../activities/types.js';
import type { NumberedEntry } from '../db/orders.js';
import { applyExpiry, applyReminderDone, applyReminderPassedOver, nextIdleStep, reminderBlocker } from '../domain/abandoned-cart.js';
import { applyReserved, backorderIdOf, backorderStockKeyOf, deliveryIdOf, DeliveryPhase, type Delivery, type DeliveryLine } from '../domain/delivery.js';
import type { ReservationStatus } from '../db/stock.js';
import type { EmailKind } from '../domain/email-templates.js';
import { DomainError } from '../domain/errors.js';
import { returnWindowDaysOf, ShippingPolicy } from '../domain/settings.js';
import { formatMoney } from '../domain/money.js';
import {
  applyAddLine,
  applyCancel,
  applyCardCheckout,
  applyCardPaymentEvent,
  applyCartEditedAfterCheckout,
  applyCheckout,
  cancelOpenPayments,
  applyConfirm,
  applyDeliveryCreated,
  applyDeliveryNews,
  applyEmailSent,
  applyNothingToDeliver,
  applyPaymentEvent,
  applyRecordPayment,
  applyRemoveLine,
  applySetContact,
  applySetLineQuantity,
  applySetShippingMethod,
  checkAddLine,
  checkCancel,
  checkCheckout,
  checkConfirm,
  checkRecordPayment,
  checkRemoveLine,
  checkSetContact,
  checkSetLineQuantity,
  checkSetShippingMethod,
  contactEmail,
  deliveryOpen,
  openDeliveryIds,
  DeliveryState,
  hasGoodsToDeliver,
  isPickup,
  LIMITS,
  newQuotation,
  PaymentMethod,
  nextEmailSeq,
  OrderState,
  PaymentOutcome,
  planCheckout,
  type AddLine,
  type Cancel,
  type Checkout,
  type Confirm,
  type Contact,
  type Order,
  type PaymentEvent,
  type RecordPayment,
  type SetLineQuantity,
  type TimelineEntry,
} from '../domain/order.js';
import {
  applyManualRefund,
  applyRefundOwed,
  applyRefundRequested,
  applyRefundSettled,
  applyLatePaymentRefundRequested,
  applyLatePaymentRefundSettled,
  applyProviderCancelled,
  latePaymentToRefund,
  paymentToCancelAtProvider,
  applyReturnNeedsManualRefund,
  applyReturnReceived,
  applyReturnRequested,
  canRefundAutomatically,
  checkManualRefund,
  checkRefund,
  checkReturn,
  refundableAmount,
  refundOwed,
  refundsInSettlementOrder,
  returnWindowEnd,
  type ManualRefund,
  type Refund,
  type RefundOutcome,
  type RefundRequest,
  type ReturnRecord,
  type ReturnRequest,
} from '../domain/refunds.js';
import type { ReminderPolicy } from '../domain/abandoned-cart.js';
import type { ChosenShipping } from '../domain/shipping.js';
import { trackingEmailValues } from '../domain/parcels.js';
import { cancelDeliverySignal, DELIVERY_WORKFLOW_TYPE, deliveryWorkflowId, newDeliveryOf, type DeliveryInput, type DeliveryProgress, type DeliveryWorkflow } from './delivery-contract.js';
import {
  addLineUpdate,
  cancelUpdate,
  checkoutUpdate,
  confirmUpdate,
  deliveryProgressSignal,
  openCartUpdate,
  orderDetailsText,
  orderQuery,
  OrderSearchAttributes,
  paymentEventSignal,
  recordManualRefundUpdate,
  recordPaymentUpdate,
  refundSettledSignal,
  reminderPolicySignal,
  removeLineUpdate,
  requestRefundUpdate,
  requestReturnUpdate,
  returnReceivedSignal,
  searchAttributesOf,
  setContactUpdate,
  setLineQuantityUpdate,
  setShippingMethodUpdate,
  type CarriedOrder,
  type CheckoutResult,
  type OrderWorkflow,
  type OrderWorkflowInput,
  type SearchAttributeValues,
} from './order-contract.js';
import { REFUND_WORKFLOW_TYPE, refundWorkflowId, RETURN_WORKFLOW_TYPE, returnWorkflowId, type RefundWorkflow, type ReturnWorkflow } from './returns-contract.js';
import { LOCAL_CALL, localFirst, now, Patches, reject, RETRIED_UNTIL_DONE, SHORT_WRITE, wakeDeliveriesWaitingForStock } from './support.js';

const { projectOrder, createPayment, sendEmail } = proxyActivities<OrderActivities>(RETRIED_UNTIL_DONE);
const { cancelPayment } = proxyActivities<Pick<OrderActivities, 'cancelPayment'>>(RETRIED_UNTIL_DONE);
const { planDelivery, reserveWithBackorder } = proxyActivities<Pick<DeliveryActivities, 'planDelivery' | 'reserveWithBackorder'>>(RETRIED_UNTIL_DONE);
/** The same writes as local activities (runs since {@link PATCHES.shortWritesLocal}). */
const local = proxyLocalActivities<Pick<OrderActivities, 'projectOrder'> & Pick<DeliveryActivities, 'planDelivery'>>(SHORT_WRITE);
const { issueInvoice, issueCreditNote } = proxyActivities<Pick<InvoiceActivities, 'issueInvoice' | 'issueCreditNote'>>(RETRIED_UNTIL_DONE);
type Calls = Pick<OrderActivities, 'createPayment' | 'cancelPayment' | 'sendEmail'> & Pick<InvoiceActivities, 'issueInvoice' | 'issueCreditNote'> & Pick<DeliveryActivities, 'requestStock'>;
/** The calls out (provider, email, invoice, stock): local activities first (runs since {@link PATCHES.reactionsInOneTask}). */
const calls = localFirst(proxyLocalActivities<Calls>(LOCAL_CALL), proxyActivities<Calls>(RETRIED_UNTIL_DONE));

/** How long a cancellation waits for the delivery to release the goods before it answers that the delivery is not answering. */
const DELIVERY_ANSWER_TIMEOUT = '30 seconds';

/**
 * Patches (see docs/changing-workflows.md). Runs recorded before a patch
 * replay the old path; remove a patch (deprecatePatch, then delete) only when
 * no run older than it can still be open.
 */
const PATCHES = {
  /** The cancel handler's wait for the delivery got a bound (a timer). */
  boundedDeliveryCancel: 'order-cancel-bounded-wait',
  /** A sales order of services only starts no delivery (it used to start one with nothing to ship). */
  noDeliveryForServices: 'order-no-delivery-for-services',
  /**
   * Cheaper orders: the projection and the delivery plan run as local
   * activities, and the in-between delivery states (ready, in progress) are
   * not upserted on their own. Decided once, in the run's first task: a run
   * started before it keeps the old commands throughout.
   */
  shortWritesLocal: 'order-short-writes-local',
  /** Paid orders get their invoice, succeeded refunds their credit note. */
  invoices: 'invoices',
  /** Card checkout keeps the quotation a draft until the customer went through payment (issue 13). */
  cardDraftUntilPaid: 'card-draft-until-paid',
  /** Wire-transfer instructions and cancellation emails (issue 13). */
  paymentEmails: 'payment-emails',
  /**
   * The confirmation waits for the invoice owed and the refund email for the
   * credit note owed, so each carries its document (issue 16): a refund that
   * succeeded while an earlier reaction of the pass was awaiting (the
   * delivery-done email) was emailed before its credit note. Decided once, in
   * the run's first task: a run started before it keeps the old order throughout.
   */
  emailsAfterTheirDocument: 'order-emails-after-their-document',
  /**
   * A cancelled order that keeps the customer's money (a payment the provider
   * cannot refund, receipts recorded by hand) says so and stays open until it
   * is refunded (it used to close, and the refund could not be recorded).
   */
  refundOwed: 'cancelled-order-refund-owed',
  /**
   * Shipping policy as_soon_as_possible (issue 14): the delivery start reserves what is there and starts a
   * backorder delivery for the rest. Asked only when the plan says as_soon_as_possible (recorded runs never did).
   */
  backorders: 'backorders',
  /**
   * Generation 2 (issue 15): a reaction's calls out — payment, email,
   * invoice, credit note, the stock request — run as local activities, so a
   * reaction and the projection after it are one workflow task and one billed
   * action. The order requests its delivery's stock before starting it (and
   * knows it ready without a signal), reads the delivery's end from the
   * child's result instead of a signal (it never continues as new while
   * waiting for one), and upserts no search attribute for a contact alone on
   * a quotation (it goes with the next milestone).
   */
  reactionsInOneTask: 'order-reactions-in-one-task',
} as const;

// ==================================================================== state

/** Work the run started and has not finished: it may neither close nor continue as new meanwhile. */
interface InFlight {
  /** A checkout is asking the provider for a payment: lines and contact are frozen. */
  checkout: boolean;
  /** The delivery is being planned and started: a cancellation must wait for it. */
  deliveryStart: boolean;
  /** Refund and return children being started. */
  childStarts: number;
  /** Emails being sent (their result is recorded on the order). */
  emails: number;
  /** Deliveries this run started whose end it reads from their result: it may not continue as new meanwhile. */
  deliveryResults: number;
}

/**
 * One run of an order: its state, one method per message handler, and the
 * reactions the main loop performs. What outlives the run is `carried()`.
 */
class OrderRun {
  readonly order: Order;
  private timelineSeq: number;
  private projectedVersion: number;
  private readonly processedEventIds: string[];
  private policy: ReminderPolicy | undefined;

  /** Timeline entries not yet written by the projection. */
  private readonly pending: NumberedEntry[] = [];
  /** A quotation is projected when created, when its idle timer fires, and when it leaves the draft state. */
  private projectDraftNow = true;
  /**
   * News of a card payment on a quotation (opened, cancelled, answered), counted so that news arriving during a write is
   * written too (`projectDraftNow` is cleared after each write, which would lose it).
   */
  private paymentNews = 0;
  private paymentNewsProjected = 0;
  /** The delivery's latest state, as it told us: projected with the order. */
  private deliverySnapshot: Delivery | undefined;
  /** Its backorder's (shipping policy as_soon_as_possible), when it has one. */
  private backorderSnapshot: Delivery | undefined;
  /** Returns received whose refund is still to be decided (decided before the run may continue). */
  private readonly receivedReturns: string[] = [];
  private returnWindowOver = false;
  /** A run recorded before invoices existed replays without them (patched). */
  private invoicesOff = false;
  /** A run recorded before {@link PATCHES.refundOwed} closes a cancelled order that owes money, as it did. */
  private refundOwedOff = false;
  /** The idle watcher is running (it stops when the quotation leaves the draft state). */
  private watchingIdle = false;
  private searchAttributes: SearchAttributeValues;
  /** Which patched paths this run takes, decided in its first task (workflows/support.ts). */
  private readonly patches = Patches.decide();
  /** {@link PATCHES.shortWritesLocal}, as the run's first task found it. */
  private readonly shortWritesLocal = this.patches.has(PATCHES.shortWritesLocal);
  /** {@link PATCHES.emailsAfterTheirDocument}, as the run's first task found it. */
  private readonly emailsAfterTheirDocument = this.patches.has(PATCHES.emailsAfterTheirDocument);
  /** {@link PATCHES.reactionsInOneTask}, as the run's first task found it. */
  private readonly inOneTask = this.patches.has(PATCHES.reactionsInOneTask, 2);
  readonly inFlight: InFlight = { checkout: false, deliveryStart: false, childStarts: 0, emails: 0, deliveryResults: 0 };

  constructor(input: OrderWorkflowInput) {
    if (input.kind === 'continued') {
      const { order, timelineSeq, projectedVersion, processedEventIds, policy, pending } = input.carried;
      this.pending.push(...(pending ?? []));
      this.order = order;
      this.timelineSeq = timelineSeq;
      this.projectedVersion = projectedVersion;
      this.processedEventIds = processedEventIds;
      this.policy = policy;
    } else {
      const { order, timeline } = newQuotation(input.quotation, now());
      this.order = order;
      this.timelineSeq = 0;
      this.projectedVersion = 0;
      this.processedEventIds = [];
      this.policy = input.policy;
      this.record(timeline);
    }
    this.searchAttributes = searchAttributesOf(this.order);
  }

  /**
   * The values the run starts from: later upserts send only what changed
   * since. Taken once the timers have started (an idle quotation continued
   * past its expiry has already expired then), as the recorded runs did.
   */
  takeStartingSearchAttributes(): void {
    this.searchAttributes = searchAttributesOf(this.order);
    setCurrentDetails(orderDetailsText(this.order));
  }

  /** What the next run starts from. */
  carried(): CarriedOrder {
    const { order, timelineSeq, projectedVersion, processedEventIds, policy, pending } = this;
    return { order, timelineSeq, projectedVersion, processedEventIds, policy, ...(pending.length ? { pending } : {}) };
  }

  private record(entries: TimelineEntry[]): void {
    for (const e of entries) this.pending.push({ ...e, seq: ++this.timelineSeq });
  }

  // ================================================================== handlers

  private notDuringCheckout(): DomainError | null {
    return this.inFlight.checkout ? new DomainError('checkout_in_progress', 'Checkout is in progress for this cart: try again in a moment.') : null;
  }

  addLine(line: AddLine): Order {
    this.record(applyAddLine(this.order, line, now()));
    this.cartEdited();
    return this.order;
  }
  validateAddLine(line: AddLine): void {
    reject(this.notDuringCheckout() ?? checkAddLine(this.order, line));
  }

  setLineQuantity(change: SetLineQuantity): Order {
    this.record(applySetLineQuantity(this.order, change, now()));
    this.cartEdited();
    return this.order;
  }
  validateSetLineQuantity(change: SetLineQuantity): void {
    reject(this.notDuringCheckout() ?? checkSetLineQuantity(this.order, change));
  }

  removeLine(line: { sku: string }): Order {
    this.record(applyRemoveLine(this.order, line, now()));
    this.cartEdited();
    return this.order;
  }
  validateRemoveLine(line: { sku: string }): void {
    reject(this.notDuringCheckout() ?? checkRemoveLine(this.order, line));
  }

  /**
   * A card payment opened for the cart as it was no longer matches it: closed
   * here (no command, so the edit stays fast); the provider is told by the
   * 'provider cancel' reaction.
   */
  private cartEdited(): void {
    const { timeline } = applyCartEditedAfterCheckout(this.order, now());
    this.record(timeline);
    if (timeline.length) this.paymentNews += 1;
  }

  setContact(contact: Contact): Order {
    this.record(applySetContact(this.order, contact, now()));
    return this.order;
  }
  validateSetContact(contact: Contact): void {
    reject(this.notDuringCheckout() ?? checkSetContact(this.order, contact));
  }

  setShippingMethod(choice: ChosenShipping): Order {
    this.record(applySetShippingMethod(this.order, choice, now()));
    return this.order;
  }
  validateSetShippingMethod(choice: ChosenShipping): void {
    reject(this.notDuringCheckout() ?? checkSetShippingMethod(this.order, choice));
  }

  /** Asks the provider for a payment; the quotation is sent once it answers. */
  async checkout(request: Checkout): Promise<CheckoutResult> {
    const plan = planCheckout(this.order, request);
    if (plan.kind === 'repeat') return { order: this.order, payment: plan.payment };
    this.inFlight.checkout = true;
    try {
      const reference = `pay_${uuid4().replaceAll('-', '')}`;
      const { order } = this;
      const created = await (this.inOneTask ? calls.createPayment : createPayment)({ orderId: order.id, orderNumber: order.number, reference, method: request.paymentMethod, amount: plan.amount, currency: plan.currency });
      const payment = {
        reference: created.reference,
        method: request.paymentMethod,
        amount: plan.amount,
        currency: plan.currency,
        status: PaymentOutcome.pending,
        instructions: created.instructions,
        supportRefund: created.supportRefund,
      };
      if (request.paymentMethod === PaymentMethod.card && this.patches.has(PATCHES.cardDraftUntilPaid)) {
        // The brief: the quotation is sent once the customer went through payment, not when the payment page opens.
        const opened = { ...payment, untilPaid: true as const };
        this.record(applyCardCheckout(order, opened, now()).timeline);
        this.paymentNews += 1;
        return { order, payment: opened };
      }
      this.record(applyCheckout(order, payment, now()));
      if (request.paymentMethod === PaymentMethod.wire_transfer && this.patches.has(PATCHES.paymentEmails)) this.oweEmail('payment_instructions');
      return { order, payment };
    } finally {
      this.inFlight.checkout = false;
    }
  }
  validateCheckout(request: Checkout): void {
    reject(this.notDuringCheckout() ?? checkCheckout(this.order, request));
  }

  confirm(request: Confirm): Order {
    this.record(applyConfirm(this.order, request, now()));
    return this.order;
  }
  validateConfirm(request: Confirm): void {
    reject(checkConfirm(this.order, request));
  }

  /** The delivery releases the goods unless they have left; the order is cancelled only then. */
  async cancel(request: Cancel): Promise<Order> {
    if (deliveryOpen(this.order)) {
      // The first delivery and, when there is one, its backorder (an order without one signals as recorded runs did).
      for (const id of openDeliveryIds(this.order)) {
        await getExternalWorkflowHandle(deliveryWorkflowId(id)).signal(cancelDeliverySignal, { reason: request.reason });
      }
      if (this.patches.has(PATCHES.boundedDeliveryCancel)) {
        const answered = await condition(() => !deliveryOpen(this.order), DELIVERY_ANSWER_TIMEOUT);
        if (!answered) {
          // The delivery keeps the request: it cancels when it can, and a later cancel of the order then goes through.
          reject(new DomainError('delivery_not_answering', `The delivery of ${this.order.number} has not released the goods yet: the order is unchanged; try again in a moment.`));
        }
      } else {
        await condition(() => !deliveryOpen(this.order));
      }
      reject(checkCancel(this.order, request));
    }
    this.record(applyCancel(this.order, request, now()));
    if (this.patches.has(PATCHES.paymentEmails)) this.oweEmail('order_cancelled');
    return this.order;
  }
  validateCancel(request: Cancel): void {
    const deliveryStarting = this.inFlight.deliveryStart ? new DomainError('checkout_in_progress', 'The delivery is being created: try again in a moment.') : null;
    reject(this.notDuringCheckout() ?? deliveryStarting ?? checkCancel(this.order, request));
  }

  deliveryProgress(news: DeliveryProgress): void {
    if (news.delivery?.backorderOf !== undefined) {
      if (!this.backorderSnapshot || news.delivery.version > this.backorderSnapshot.version) this.backorderSnapshot = news.delivery;
    } else if (news.delivery && (!this.deliverySnapshot || news.delivery.version > this.deliverySnapshot.version)) this.deliverySnapshot = news.delivery;
    this.record(applyDeliveryNews(this.order, news, now()));
  }

  requestRefund(request: RefundRequest): Promise<Refund> {
    return this.startRefund(request.amount ?? refundableAmount(this.order), request.reason);
  }
  validateRequestRefund(request: RefundRequest): void {
    reject(checkRefund(this.order, request));
  }

  /** Money received by hand (no command: the invoice, when due, follows from the payment state). */
  recordPayment(input: RecordPayment): Order {
    this.record(applyRecordPayment(this.order, `rcv_${uuid4().replaceAll('-', '').slice(0, 24)}`, input, now()).timeline);
    return this.order;
  }
  validateRecordPayment(input: RecordPayment): void {
    reject(checkRecordPayment(this.order, input));
  }

  /** A refund the shop made by hand: recorded as succeeded (its email and credit note follow like any refund's). */
  recordManualRefund(request: ManualRefund): Refund {
    const { refund, timeline } = applyManualRefund(this.order, `rfd_${uuid4().replaceAll('-', '').slice(0, 24)}`, request, now());
    this.record(timeline);
    return refund;
  }
  validateRecordManualRefund(request: ManualRefund): void {
    reject(checkManualRefund(this.order, request));
  }

  refundSettled(outcome: RefundOutcome): void {
    const late = applyLatePaymentRefundSettled(this.order, outcome, now());
    if (late === null) return this.record(applyRefundSettled(this.order, outcome, now()));
    if (late.length) this.paymentNews += 1;
    this.record(late);
  }

  async requestReturn(request: ReturnRequest): Promise<ReturnRecord> {
    const { order } = this;
    const id = `ret_${uuid4().replaceAll('-', '').slice(0, 24)}`;
    const { record: ret, timeline } = applyReturnRequested(order, id, request, now());
    this.record(timeline);
    await this.startChild(() =>
      startChild<ReturnWorkflow>(RETURN_WORKFLOW_TYPE, {
        workflowId: returnWorkflowId(id),
        args: [{ returnId: id, orderId: order.id, orderNumber: order.number, orderWorkflowId: workflowInfo().workflowId, lines: ret.lines }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Return for ${order.number}: ${ret.lines.map((l) => `${l.quantity} × ${l.sku}`).join(', ')}`,
      }),
    );
    return ret;
  }
  validateRequestReturn(request: ReturnRequest): void {
    reject(checkReturn(this.order, request, now()));
  }

  returnReceived({ returnId }: { returnId: string }): void {
    const { record: ret, timeline } = applyReturnReceived(this.order, returnId, now());
    this.record(timeline);
    if (ret) this.receivedReturns.push(returnId);
  }

  paymentEvent(event: PaymentEvent): void {
    if (this.processedEventIds.includes(event.eventId)) return; // a provider's redelivery
    this.processedEventIds.push(event.eventId);
    if (this.processedEventIds.length > LIMITS.maxProcessedEvents) this.processedEventIds.shift();
    const payment = this.order.payments.find((p) => p.reference === event.reference);
    // Payments opened under the card rules follow them; older ones (recorded histories) keep the old rules.
    const result = payment?.untilPaid ? applyCardPaymentEvent(this.order, event, now()) : applyPaymentEvent(this.order, event, now());
    this.record(result.timeline);
    // News from the payment page is a milestone for a quotation: the lists show it at once.
    if (payment?.untilPaid) this.paymentNews += 1;
  }

  private oweEmail(kind: EmailKind): void {
    this.order.emailsOwed = [...(this.order.emailsOwed ?? []), kind];
  }

  reminderPolicy(policy: ReminderPolicy): void {
    this.policy = policy;
  }

  // ================================================================== reactions

  /** Each refund is a child workflow, recorded on the order before it starts so no path refunds more than was paid. */
  private async startRefund(amount: number, reason: string | undefined, returnId?: string): Promise<Refund> {
    const { order } = this;
    const payment = order.payments.find((p) => p.status === PaymentOutcome.succeeded)!;
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
    this.record(applyRefundRequested(order, refund, now()));
    const ret = returnId ? order.returns?.find((r) => r.id === returnId) : undefined;
    if (ret) ret.refundId = refund.id;
    await this.startChild(() =>
      startChild<RefundWorkflow>(REFUND_WORKFLOW_TYPE, {
        workflowId: refundWorkflowId(refund.id),
        args: [{ refundId: refund.id, orderId: order.id, paymentReference: payment.reference, method: payment.method, amount, currency: payment.currency, reason, returnId, orderWorkflowId: workflowInfo().workflowId }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Refund of ${formatMoney(amount, payment.currency)} for ${order.number}`,
      }),
    );
    return refund;
  }

  /** Children outlive this run (ABANDON); counted while they start so the run neither closes nor continues meanwhile. */
  private async startChild(start: () => Promise<unknown>): Promise<void> {
    this.inFlight.childStarts += 1;
    try {
      await start();
    } finally {
      this.inFlight.childStarts -= 1;
    }
  }

  private async notify(kind: EmailKind, extra: Partial<Pick<SendEmailInput, 'values' | 'unlessCustomerOrderedSince' | 'document'>> = {}) {
    const seq = nextEmailSeq(this.order, kind);
    this.inFlight.emails += 1;
    try {
      const result = await (this.inOneTask ? calls.sendEmail : sendEmail)({ kind, idempotencyKey: `${workflowInfo().workflowId}/${kind}/${seq}`, order: this.order, ...extra });
      this.record(applyEmailSent(this.order, kind, seq, result, now()));
      return result;
    } finally {
      this.inFlight.emails -= 1;
    }
  }

  /**
   * The sales order's delivery: a child that outlives this run (continue-as-new), told apart by its id. With the
   * shipping policy as_soon_as_possible and the stock only partly there, two: one for what is there now (reserved
   * here, before it starts) and a backorder for the rest, which waits for stock like any delivery.
   */
  private async startDelivery(): Promise<void> {
    const { order } = this;
    if (!hasGoodsToDeliver(order) && this.patches.has(PATCHES.noDeliveryForServices)) {
      this.record(applyNothingToDeliver(order, now()));
      return;
    }
    this.inFlight.deliveryStart = true;
    try {
      const plan = await (this.shortWritesLocal ? local.planDelivery() : planDelivery());
      const id = deliveryIdOf(order.id);
      const lines: DeliveryLine[] = order.lines.map((l) => ({ sku: l.sku, name: l.name, type: l.type, quantity: l.quantity }));
      const split = plan.shippingPolicy === ShippingPolicy.as_soon_as_possible && this.patches.has(PATCHES.backorders) ? await reserveWithBackorder(order.id, lines) : null;
      // One delivery: its stock is requested here, in the same task as the plan, and the delivery is told how it stands.
      const reservation = this.inOneTask && !split ? await calls.requestStock(order.id, lines) : null;
      if (reservation) await wakeDeliveriesWaitingForStock(reservation.reservedOrders, this.patches);
      const contact = order.contact;
      const common = {
        orderId: order.id,
        orderNumber: order.number,
        orderWorkflowId: workflowInfo().workflowId,
        steps: plan.steps,
        recipient: { name: contact?.name ?? order.customer.name ?? null, email: contactEmail(order), address: contact?.shippingAddress ?? null },
        // Only when true: the start of a carrier order's delivery stays as recorded runs have it.
        ...(isPickup(order) ? { pickup: true } : {}),
      };
      const backorderId = backorderIdOf(order.id);
      const created = {
        id,
        doneEmail: plan.deliveryDoneEmail,
        returnWindowDays: plan.returnWindowDays,
        ...(split ? { backorderId, states: { [id]: DeliveryPhase.waiting, [backorderId]: DeliveryPhase.waiting } } : {}),
      };
      // With a backorder the order knows both deliveries before either starts: news from one may arrive while the other starts.
      if (split) applyDeliveryCreated(order, created, now());
      const first: DeliveryInput = { deliveryId: id, ...common, lines: split ? split.now : lines, ...(reservation ? { reservation: reservation.status, reportsByResult: true } : {}) };
      const delivery = await startChild<DeliveryWorkflow>(DELIVERY_WORKFLOW_TYPE, {
        workflowId: deliveryWorkflowId(id),
        args: [first],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Delivery of ${order.number} (${plan.steps.join(' → ')})`,
      });
      if (reservation) void this.followDelivery(delivery);
      if (split) {
        await startChild<DeliveryWorkflow>(DELIVERY_WORKFLOW_TYPE, {
          workflowId: deliveryWorkflowId(backorderId),
          args: [{ deliveryId: backorderId, ...common, lines: split.later, stockKey: backorderStockKeyOf(order.id), backorderOf: id }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          staticSummary: `Backorder of ${order.number} (${plan.steps.join(' → ')})`,
        });
      } else {
        applyDeliveryCreated(order, created, now());
      }
      this.record([{ at: now(), type: 'delivery_created', message: `Delivery order created (${plan.steps.join(' → ')})`, data: { deliveryId: id } }]);
      if (reservation) this.learnReservation(newDeliveryOf(first, now()), reservation.status);
      if (split) {
        const what = split.later.map((l) => `${l.quantity} × ${l.name}`).join(', ');
        this.record([{ at: now(), type: 'backorder_created', message: `Backorder created for what is not in stock yet: ${what}`, data: { deliveryId: backorderId, backorderOf: id } }]);
      }
    } finally {
      this.inFlight.deliveryStart = false;
    }
  }

  /**
   * The delivery's stock as this run requested it: the order knows it (and
   * writes the delivery's row) as the delivery would have told it, with the
   * same domain rules, so the delivery sends no signal for it.
   */
  private learnReservation(delivery: Delivery, status: ReservationStatus): void {
    const reserved = status !== 'waiting';
    if (reserved) applyReserved(delivery, now());
    this.deliverySnapshot = delivery;
    this.record(applyDeliveryNews(this.order, { deliveryId: delivery.id, event: reserved ? 'reserved' : 'waiting', state: delivery.state, delivery }, now()));
  }

  /**
   * The end of a delivery this run started, read from its result (the
   * delivery signals its steps, its stock arriving and its cancellation, not
   * its last step). The run does not continue as new meanwhile: a new run
   * would not get the result.
   */
  private async followDelivery(handle: ChildWorkflowHandle<DeliveryWorkflow>): Promise<void> {
    this.inFlight.deliveryResults += 1;
    try {
      const delivery = await handle.result();
      if (delivery.state === DeliveryPhase.done) {
        const last = delivery.steps.at(-1)?.name;
        this.deliveryProgress({ deliveryId: delivery.id, event: 'done', state: delivery.state, step: last, trackingNumber: delivery.trackingNumber, at: delivery.updatedAt, delivery });
      }
    } catch {
      // Only a delivery terminated by hand ends without a result: nothing more is heard of it, as before.
    } finally {
      this.inFlight.deliveryResults -= 1;
    }
  }

  // What is due, as questions on the state.
  private unprojected = () => this.projectedVersion < this.order.version || this.pending.length > 0;
  /** A quotation's edits wait for its next milestone: a busy cart costs one action per edit. */
  private projectionDue = () =>
    this.unprojected() && (this.order.state !== OrderState.draft || this.projectDraftNow || this.paymentNews > this.paymentNewsProjected);
  private confirmationDue = () =>
    this.order.state === OrderState.sale && !this.order.emailsSent.order_confirmation && !(this.emailsAfterTheirDocument && this.invoiceDue());
  private deliveryDue = () => this.order.state === OrderState.sale && !this.order.delivery && this.order.deliveredAt === undefined;
  /** Pickup: the customer took the goods at the shop, no "shipped" email (they had "ready for pickup"). */
  private deliveryDoneEmailDue = () =>
    this.order.deliveryState === DeliveryState.done && this.order.delivery?.doneEmail === true && !this.order.emailsSent.delivery_done && !isPickup(this.order);
  /**
   * No patch: only pickup orders come to it, and no run recorded before
   * pickup existed can have one (a patch would guard nothing).
   */
  private readyForPickupEmailDue = () =>
    isPickup(this.order) && this.order.delivery?.readyForPickup === true && !this.order.emailsSent.ready_for_pickup && this.order.state === OrderState.sale;
  private returnDecisionDue = () => this.receivedReturns.length > 0;
  private succeededRefunds = () => (this.order.refunds ?? []).filter((r) => r.status === 'succeeded');
  private refundEmailDue = () =>
    this.succeededRefunds().length > (this.order.emailsSent.refund ?? 0) && !(this.emailsAfterTheirDocument && this.creditNoteDue());
  private returnEmailDue = () => (this.order.returns ?? []).length > (this.order.emailsSent.return ?? 0);
  /** A paid order cancelled before delivery: the money goes back, where the provider can send it. */
  private cancelRefundDue = () =>
    this.order.state === OrderState.cancel &&
    !(this.order.refunds ?? []).some((r) => r.reason === 'order cancelled') &&
    refundableAmount(this.order) > 0 &&
    checkRefund(this.order, {}) === null;
  /** Business still open: a child starting, a refund at the provider, a return to decide or to receive, an email to send. */
  private busy = () =>
    this.inFlight.childStarts > 0 ||
    this.receivedReturns.length > 0 ||
    (this.order.refunds ?? []).some((r) => r.status === 'pending') ||
    (this.order.returns ?? []).some((r) => r.state === 'requested') ||
    this.refundEmailDue() ||
    this.returnEmailDue() ||
    this.cancelRefundDue() ||
    this.creditNoteDue() ||
    this.providerCancelDue() ||
    this.lateRefundDue() ||
    this.order.payments.some((p) => p.lateRefund?.status === 'pending') ||
    this.owedEmailDue() ||
    this.refundOwedDue() ||
    this.awaitingRefund();
  private invoiceDue = () => !this.invoicesOff && invoiceDue(this.order);
  private creditNoteDue = () => !this.invoicesOff && refundsToCredit(this.order).length > 0;
  /** Card payments closed on the order (edit, replacement, cancel, expiry) that the provider has not been told about. */
  private providerCancelDue = () => paymentToCancelAtProvider(this.order) !== undefined;
  /** A payment that succeeded after it was cancelled: refunded once. */
  private lateRefundDue = () => latePaymentToRefund(this.order) !== undefined;
  private owedEmailDue = () => (this.order.emailsOwed ?? []).some((kind) => !this.order.emailsSent[kind]);
  /** A cancelled order keeps money no refund is on its way for (none started, or the cancel refund failed): say so, once. */
  private refundOwedDue = () =>
    !this.refundOwedOff &&
    !this.order.refundOwed &&
    refundOwed(this.order) > 0 &&
    !this.cancelRefundDue() &&
    !(this.order.refunds ?? []).some((r) => r.status === 'pending');
  /** The money owed is not all back yet: the order stays open for its refund (a manual refund, or one through the provider). */
  private awaitingRefund = () => this.order.refundOwed !== undefined && refundOwed(this.order) > 0;
  /** A card payment failed: the cart is a quotation again, and idle again from now on. */
  private idleWatchDue = () => this.order.state === OrderState.draft && !this.watchingIdle && this.policy !== undefined && this.order.payments.some((p) => p.untilPaid);
  private closeDue = () => (this.order.state === OrderState.cancel || this.returnWindowOver) && !this.busy();
  private nothingInFlight = () => !this.inFlight.checkout && this.inFlight.emails === 0 && !this.inFlight.deliveryStart && this.inFlight.childStarts === 0;
  /** Continue as new when the history grows long, but never in the middle of a checkout, an email or a child's start. */
  private continueAsNewDue = () =>
    workflowInfo().continueAsNewSuggested && this.nothingInFlight() && this.receivedReturns.length === 0 && this.inFlight.deliveryResults === 0;

  /** Tells the provider a closed card payment is cancelled; one it already took is refunded when its success arrives (a late payment). */
  private async cancelAtProvider(): Promise<void> {
    const payment = paymentToCancelAtProvider(this.order)!;
    // Marked before the call: the reaction is not due again while it runs.
    payment.providerCancelled = true;
    const answer = await (this.inOneTask ? calls.cancelPayment : cancelPayment)(payment.reference);
    this.paymentNews += 1;
    this.record(applyProviderCancelled(this.order, payment, answer, now()));
  }

  /** The refund of a late payment is keyed by the payment's reference: one refund per payment, whatever happens. */
  private async refundLatePayment(): Promise<void> {
    const { order } = this;
    const payment = latePaymentToRefund(order)!;
    const { refundId: id, timeline } = applyLatePaymentRefundRequested(order, payment, now());
    this.paymentNews += 1;
    this.record(timeline);
    await this.startChild(() =>
      startChild<RefundWorkflow>(REFUND_WORKFLOW_TYPE, {
        workflowId: refundWorkflowId(id),
        args: [{ refundId: id, orderId: order.id, paymentReference: payment.reference, method: payment.method, amount: payment.amount, currency: payment.currency, reason: 'payment after cancellation', orderWorkflowId: workflowInfo().workflowId }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Refund of the late payment ${payment.reference} for ${order.number}`,
      }),
    );
  }

  /** No command: the patch decides, once, whether this run keeps a cancelled order open while it owes money. */
  private noteRefundOwed(): void {
    if (!this.patches.has(PATCHES.refundOwed)) {
      this.refundOwedOff = true;
      return;
    }
    this.record(applyRefundOwed(this.order, now()));
  }

  private async sendOwedEmail(): Promise<void> {
    const { order } = this;
    const kind = (order.emailsOwed ?? []).find((k) => !order.emailsSent[k]) as EmailKind;
    if (kind === 'payment_instructions') {
      const payment = order.payments.findLast((p) => p.method === PaymentMethod.wire_transfer);
      await this.notify(kind, { values: { payment_instructions: payment?.instructions ?? '' } });
    } else {
      await this.notify(kind, { values: { cancel_reason: order.cancelReason ? `: ${order.cancelReason}` : '' } });
    }
  }

  /** Writes the order (and the timeline entries since the last write) to the lists, until nothing is left. */
  private async project({ force = false, once = false } = {}): Promise<void> {
    for (;;) {
      if (!this.projectionDue() && !(force && this.unprojected())) return;
      this.syncSearchAttributes();
      const batch = this.pending.splice(0);
      const version = this.order.version;
      const news = this.paymentNews;
      const deliveries = this.backorderSnapshot ? [this.deliverySnapshot, this.backorderSnapshot].filter((d) => d !== undefined) : this.deliverySnapshot;
      await (this.shortWritesLocal ? local.projectOrder : projectOrder)(this.order, batch, deliveries);
      this.paymentNewsProjected = news;
      this.projectedVersion = Math.max(this.projectedVersion, version);
      this.projectDraftNow = false;
      if (once) return;
    }
  }

  /**
   * Upserts only what changed since the last upsert (the start set the first
   * values), in one command. The delivery's in-between states (ready, in
   * progress) last minutes and the warehouse finds them in its list: they are
   * not worth an upsert (a billed action) on their own, only alongside another
   * change; the current details (free) always say where the order is.
   */
  private syncSearchAttributes(): void {
    const next = searchAttributesOf(this.order);
    const changed = (Object.keys(next) as Array<keyof SearchAttributeValues>).filter((name) => next[name] !== this.searchAttributes[name]);
    const inBetween = (state: string | null) => state === DeliveryState.ready || state === DeliveryState.in_progress;
    const skip =
      (this.shortWritesLocal && changed.length === 1 && changed[0] === 'deliveryState' && inBetween(next.deliveryState)) ||
      // A quotation's contact alone waits for its next milestone (the idle check, the quotation sent, the sale).
      (this.inOneTask && changed.length === 1 && changed[0] === 'customerEmail' && this.order.state === OrderState.draft && !this.projectDraftNow);
    if (changed.length && !skip) {
      upsertSearchAttributes(changed.map((name) => ({ key: OrderSearchAttributes[name], value: next[name] }) as SearchAttributeUpdatePair));
      this.searchAttributes = next;
    }
    setCurrentDetails(orderDetailsText(this.order));
  }

  /** The order's invoice, numbered once (the activity is keyed by the order: a retry gets the same number). */
  private async issueInvoice(): Promise<void> {
    if (!this.patches.has(PATCHES.invoices)) {
      this.invoicesOff = true;
      return;
    }
    const issued = await (this.inOneTask ? calls.issueInvoice : issueInvoice)(invoiceInputOf(this.order));
    this.record(applyInvoiceIssued(this.order, issued, now()));
  }

  /** The oldest succeeded refund's credit note (keyed by the refund); one refused for good is recorded, not retried. */
  private async issueCreditNote(): Promise<void> {
    if (!this.patches.has(PATCHES.invoices)) {
      this.invoicesOff = true;
      return;
    }
    const refund = refundsToCredit(this.order)[0]!;
    try {
      const note = await (this.inOneTask ? calls.issueCreditNote : issueCreditNote)({ refundId: refund.id, orderId: this.order.id, amount: refund.amount, currency: refund.currency });
      this.record(applyCreditNoteIssued(this.order, refund.id, note, now()));
    } catch (error) {
      const cause = error instanceof ActivityFailure ? error.cause : error;
      if (!(cause instanceof ApplicationFailure) || !cause.nonRetryable) throw error;
      this.record(applyCreditNoteRefused(this.order, refund.id, cause.message, now()));
    }
  }

  /** The first return received is refunded automatically when the payment allows it, or left to the operator. */
  private async decideReturn(): Promise<void> {
    const ret = this.order.returns?.find((r) => r.id === this.receivedReturns[0]);
    if (ret && canRefundAutomatically(this.order, ret.amount)) await this.startRefund(Math.min(ret.amount, refundableAmount(this.order)), 'return', ret.id);
    else if (ret) this.record(applyReturnNeedsManualRefund(this.order, ret, now()));
    this.receivedReturns.shift();
  }

  private async sendReturnEmail(): Promise<void> {
    const ret = this.order.returns![this.order.emailsSent.return ?? 0]!;
    await this.notify('return', { values: { lines: ret.lines.map((l) => `${l.quantity} × ${l.name} (${l.reason})`) } });
  }

  private async sendRefundEmail(): Promise<void> {
    const refund = refundsInSettlementOrder(this.order)[this.order.emailsSent.refund ?? 0]!;
    const note = this.order.creditNotes?.find((c) => c.refundId === refund.id);
    await this.notify('refund', { values: { amount: formatMoney(refund.amount, refund.currency) }, ...(note ? { document: { kind: 'credit_note' as const, number: note.number } } : {}) });
  }

  /**
   * The order is over: once every handler and email is done, the last
   * projection. A message that arrived meanwhile and left work (a refund, a
   * change not projected) sends the run back to the loop instead.
   */
  private async close(): Promise<'closed' | undefined> {
    await condition(() => allHandlersFinished() && this.inFlight.emails === 0);
    await this.project({ force: true });
    return allHandlersFinished() && !this.unprojected() && this.closeDue() ? 'closed' : undefined;
  }

  /**
   * The history is long: write the projection first, then wait until no
   * handler and no email is in flight, and continue with no await in between, so no message
   * can land in a run that is ending. What a message changed during that last
   * projection is carried (the order, and its timeline entries in `pending`)
   * and written first thing by the next run: waiting for a moment with
   * nothing to project would never come for a cart edited without pause. A
   * reaction that came due meanwhile (a return to decide, an email) is done
   * by this run first; the loop comes back here afterwards.
   */
  private async continueAsNew(): Promise<void> {
    // One write, not "until nothing is left": edits arriving without a pause would keep it writing for ever.
    await this.project({ force: true, once: true });
    await condition(() => allHandlersFinished() && this.nothingInFlight());
    if (this.reactions.some((r) => r.name !== 'continue as new' && r.name !== 'projection' && r.due())) return;
    await continueAsNew<typeof orderWorkflow>({ kind: 'continued', carried: this.carried() });
  }

  /**
   * The reactions, in the order the loop performs them when several are due.
   * `run` answers 'closed' when the order is over.
   */
  readonly reactions: ReadonlyArray<{ name: string; due: () => boolean; run: () => Promise<unknown> }> = [
    { name: 'delivery start', due: this.deliveryDue, run: () => this.startDelivery() },
    // Before the projection: the cancellation and what it owes are written together.
    { name: 'refund owed', due: this.refundOwedDue, run: async () => this.noteRefundOwed() },
    { name: 'projection', due: this.projectionDue, run: () => this.project() },
    { name: 'invoice', due: this.invoiceDue, run: () => this.issueInvoice() },
    { name: 'credit note', due: this.creditNoteDue, run: () => this.issueCreditNote() },
    {
      name: 'confirmation email',
      due: this.confirmationDue,
      run: () => this.notify('order_confirmation', this.order.invoice ? { document: { kind: 'invoice', number: this.order.invoice.number } } : {}),
    },
    {
      name: 'delivery done email',
      due: this.deliveryDoneEmailDue,
      // Only the activity's input changes with parcels (their numbers and links): the same command, recorded runs replay.
      run: () => this.notify('delivery_done', { values: trackingEmailValues(this.order.delivery?.parcels, this.order.delivery?.trackingNumber) }),
    },
    { name: 'ready for pickup email', due: this.readyForPickupEmailDue, run: () => this.notify('ready_for_pickup') },
    { name: 'return decision', due: this.returnDecisionDue, run: () => this.decideReturn() },
    { name: 'return email', due: this.returnEmailDue, run: () => this.sendReturnEmail() },
    { name: 'refund email', due: this.refundEmailDue, run: () => this.sendRefundEmail() },
    { name: 'cancel refund', due: this.cancelRefundDue, run: () => this.startRefund(refundableAmount(this.order), 'order cancelled') },
    { name: 'provider cancel', due: this.providerCancelDue, run: () => this.cancelAtProvider() },
    { name: 'late payment refund', due: this.lateRefundDue, run: () => this.refundLatePayment() },
    { name: 'owed email', due: this.owedEmailDue, run: () => this.sendOwedEmail() },
    { name: 'idle watch', due: this.idleWatchDue, run: async () => void this.watchIdleQuotation() },
    { name: 'close', due: this.closeDue, run: () => this.close() },
    { name: 'continue as new', due: this.continueAsNewDue, run: () => this.continueAsNew() },
  ];

  // ================================================================== reactions on time (timers)

  /** The order stays open while goods may come back; it closes when the window is over and nothing is in flight. */
  async closeAfterReturnWindow(): Promise<void> {
    await condition(() => this.order.deliveredAt !== undefined);
    const end = returnWindowEnd(this.order, returnWindowDaysOf(this.order))!;
    if (end > Date.now()) await sleep(end - Date.now());
    this.returnWindowOver = true;
  }

  /**
   * One timer at a time, armed for the next step (a reminder, or expiry) from
   * the customer's last change. A change that only pushes that step later does
   * not touch the timer: when it fires, the step is computed again and the
   * timer re-armed for the new time. It is re-armed early only when the next
   * step moves earlier: a new policy, or a contact given after the reminder
   * was passed over for lack of one.
   */
  async watchIdleQuotation(): Promise<void> {
    this.watchingIdle = true;
    try {
      await this.watchIdle();
    } finally {
      this.watchingIdle = false;
    }
  }

  private async watchIdle(): Promise<void> {
    const { order } = this;
    while (order.state === OrderState.draft && this.policy) {
      const step = nextIdleStep(order, this.policy);
      const wait = step.at - Date.now();
      if (wait > 0) {
        const movedEarlier = () => this.policy !== undefined && nextIdleStep(order, this.policy).at < step.at;
        const interrupted = await condition(() => order.state !== OrderState.draft || movedEarlier(), wait);
        if (interrupted) continue;
      }
      // The idle check brings the lists up to date (the abandoned-cart list reads them).
      this.projectDraftNow = true;
      const due = nextIdleStep(order, this.policy);
      if (due.at > Date.now()) continue; // the customer came back: arm for the new time
      if (due.kind === 'expire') {
        this.record(applyExpiry(order, now()));
        // A card payment left open at the payment page closes with the quotation (the provider is told by a reaction).
        this.record(cancelOpenPayments(order, now(), 'the quotation expired').timeline);
        return;
      }
      const blocker = reminderBlocker(order);
      if (blocker) {
        this.record(applyReminderPassedOver(order, blocker, now()));
        continue;
      }
      await this.notify('abandoned_cart', { unlessCustomerOrderedSince: order.createdAt });
      applyReminderDone(order, due.seq, now());
    }
  }
}

// ==================================================================== the loop

export async function orderWorkflow(input: OrderWorkflowInput): Promise<Order> {
  const run = new OrderRun(input);

  // Registered in this order on purpose: recorded histories replay against it.
  setHandler(orderQuery, () => run.order);
  setHandler(openCartUpdate, () => run.order);
  setHandler(addLineUpdate, (line) => run.addLine(line), { validator: (line) => run.validateAddLine(line) });
  setHandler(setLineQuantityUpdate, (change) => run.setLineQuantity(change), { validator: (change) => run.validateSetLineQuantity(change) });
  setHandler(removeLineUpdate, (line) => run.removeLine(line), { validator: (line) => run.validateRemoveLine(line) });
  setHandler(setContactUpdate, (contact) => run.setContact(contact), { validator: (contact) => run.validateSetContact(contact) });
  setHandler(checkoutUpdate, (request) => run.checkout(request), { validator: (request) => run.validateCheckout(request) });
  setHandler(confirmUpdate, (request) => run.confirm(request), { validator: (request) => run.validateConfirm(request) });
  setHandler(cancelUpdate, (request) => run.cancel(request), { validator: (request) => run.validateCancel(request) });
  setHandler(deliveryProgressSignal, (news) => run.deliveryProgress(news));
  setHandler(requestRefundUpdate, (request) => run.requestRefund(request), { validator: (request) => run.validateRequestRefund(request) });
  setHandler(refundSettledSignal, (outcome) => run.refundSettled(outcome));
  setHandler(requestReturnUpdate, (request) => run.requestReturn(request), { validator: (request) => run.validateRequestReturn(request) });
  setHandler(returnReceivedSignal, (received) => run.returnReceived(received));
  void run.closeAfterReturnWindow();
  setHandler(paymentEventSignal, (event) => run.paymentEvent(event));
  setHandler(reminderPolicySignal, (policy) => run.reminderPolicy(policy));
  void run.watchIdleQuotation();
  // A handler is no command: registered last, recorded runs replay unchanged.
  setHandler(setShippingMethodUpdate, (choice) => run.setShippingMethod(choice), { validator: (choice) => run.validateSetShippingMethod(choice) });
  setHandler(recordPaymentUpdate, (input) => run.recordPayment(input), { validator: (input) => run.validateRecordPayment(input) });
  setHandler(recordManualRefundUpdate, (request) => run.recordManualRefund(request), { validator: (request) => run.validateRecordManualRefund(request) });
  run.takeStartingSearchAttributes();

  for (;;) {
    await condition(() => run.reactions.some((reaction) => reaction.due()));
    for (const reaction of run.reactions) {
      if (reaction.due() && (await reaction.run()) === 'closed') return run.order;
    }
  }
}

// The body must keep the signature callers start it by.
orderWorkflow satisfies OrderWorkflow;
