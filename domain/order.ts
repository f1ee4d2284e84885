/**
 * The order's rules, pure: no I/O, no clock, no randomness (callers pass
 * `now` and ids), so the workflow can run them deterministically and tests can
 * run them without any server.
 *
 * Each command has a `check…` (may it happen now? returns the rejection or
 * null; workflow update validators call it) and an `apply…` (mutates the order
 * and returns the timeline entries it produced; workflow handlers call it).
 */
import type { ProductSnapshot, ProductType } from './catalog.js';
import { summarizeDeliveryPhases } from './delivery.js';
import { DomainError } from './errors.js';
import { formatMoney, lineSubtotal } from './money.js';
import { taxOrder, type TaxAmount, type TaxBreakdown } from './tax.js';
import { checkPaymentMethodAccepted } from './payment-methods.js';
import type { Refund, ReturnRecord, SupportRefund } from './refunds.js';
import { needsCarrierLabel, shippingFee, type ChosenShipping } from './shipping.js';

export const OrderState = { draft: 'draft', sent: 'sent', sale: 'sale', cancel: 'cancel' } as const;
export type OrderState = (typeof OrderState)[keyof typeof OrderState];

export const PaymentState = {
  not_paid: 'not_paid',
  pending: 'pending',
  paid: 'paid',
  partially_refunded: 'partially_refunded',
  refunded: 'refunded',
} as const;
export type PaymentState = (typeof PaymentState)[keyof typeof PaymentState];

export const DeliveryState = {
  none: 'none',
  waiting: 'waiting',
  ready: 'ready',
  in_progress: 'in_progress',
  done: 'done',
  cancel: 'cancel',
} as const;
export type DeliveryState = (typeof DeliveryState)[keyof typeof DeliveryState];

export const PaymentMethod = { card: 'card', wire_transfer: 'wire_transfer', pay_in_store: 'pay_in_store' } as const;
export type PaymentMethod = (typeof PaymentMethod)[keyof typeof PaymentMethod];

/** Offline methods: the order waits for an operator's confirmation and reserves nothing before it. */
export function isOfflineMethod(method: PaymentMethod): boolean {
  return method === PaymentMethod.wire_transfer || method === PaymentMethod.pay_in_store;
}

/** Where one payment at the provider stands (not the order's `PaymentState`, which sums up all its payments and refunds). */
export const PaymentOutcome = {
  pending: 'pending',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
export type PaymentOutcome = (typeof PaymentOutcome)[keyof typeof PaymentOutcome];

export const PaymentEventType = {
  succeeded: 'payment.succeeded',
  failed: 'payment.failed',
  pending: 'payment.pending',
} as const;
export type PaymentEventType = (typeof PaymentEventType)[keyof typeof PaymentEventType];

export const LIMITS = {
  maxLines: 100,
  maxQuantity: 9_999,
  maxProcessedEvents: 500,
} as const;

export interface Address {
  line1: string;
  line2?: string | undefined;
  city: string;
  postalCode: string;
  country: string;
}

export interface Contact {
  email: string;
  name?: string | undefined;
  phone?: string | undefined;
  shippingAddress?: Address | undefined;
}

export interface Customer {
  email?: string | undefined;
  name?: string | undefined;
  /** Logged in when the cart was created: their email counts as a known contact. */
  loggedIn: boolean;
}

export interface OrderLine {
  sku: string;
  name: string;
  type: ProductType;
  quantity: number;
  unitPrice: number;
  subtotal: number;
  /** The tax rate (percent) the line was priced with; absent on lines of orders priced before taxes (0 %, see taxesOf). */
  taxRate?: number | undefined;
}

export interface Payment {
  reference: string;
  method: PaymentMethod;
  amount: number;
  currency: string;
  status: PaymentOutcome;
  instructions?: string | undefined;
  /** What the payment's provider can refund (set when the payment is created). */
  supportRefund?: SupportRefund | undefined;
  /** Opened under the brief's card rules (draft until the customer went through payment): cancelled at the provider when it closes. */
  untilPaid?: true | undefined;
  /** The provider was told to cancel this payment (set once the cancel answered). */
  providerCancelled?: true | undefined;
  /** Paid after it was cancelled or replaced: the money goes back, the order is not confirmed by it. */
  paidLate?: true | undefined;
  /** The automatic refund of a late payment: one per payment, keyed by its reference. */
  lateRefund?: { id: string; status: 'pending' | 'succeeded' | 'failed' } | undefined;
}

export interface Order {
  id: string;
  number: string;
  accessToken: string;
  state: OrderState;
  paymentState: PaymentState;
  deliveryState: DeliveryState;
  lines: OrderLine[];
  total: number;
  currency: string;
  customer: Customer;
  contact: Contact | null;
  paymentMethod: PaymentMethod | null;
  payments: Payment[];
  salesTeam: string;
  salesperson: string | null;
  createdAt: string;
  updatedAt: string;
  /** Last change made by the customer (cart edits, contact, checkout): abandonment is measured from it. */
  lastCustomerActivityAt: string;
  /** Bumped by every change; the projection never overwrites a newer version with an older one. */
  version: number;
  cancelReason?: string | undefined;
  /** When it became a sales order. */
  confirmedAt?: string | undefined;
  /** Abandoned-cart reminders sent (or decided) so far; each step of the sequence happens once. */
  remindersSent: number;
  lastReminderAt?: string | undefined;
  /** The customer activity time for which the due reminder could not go (no contact, nothing to pay). */
  reminderPassedOverAt?: string | undefined;
  /** Emails sent per kind: the next one's sequence number, part of its idempotency key. */
  emailsSent: Partial<Record<string, number>>;
  /** The shipping method chosen on the cart and its fee, part of `total` (absent: a shop without methods, no fee). */
  shipping?: ChosenShipping | undefined;
  /** Emails the order owes its customer (payment instructions, cancellation), sent once each by the workflow. */
  emailsOwed?: string[] | undefined;
  /** The delivery order, once the sales order has one. */
  delivery?:
    | {
        id: string;
        trackingNumber?: string | undefined;
        doneEmail: boolean;
        returnWindowDays?: number | undefined;
        /** Each parcel's tracking, as the delivery last told it (for the delivery-done email's links); with a backorder, both deliveries', each with its `deliveryId`. */
        parcels?: Array<{ trackingNumber: string; trackingUrl?: string | undefined; state: string; deliveryId?: string | undefined }> | undefined;
        /** Pickup: the goods wait at the shop, only the hand-over is left. */
        readyForPickup?: boolean | undefined;
        /**
         * Shipping policy as_soon_as_possible, stock partly there: the backorder delivery (for the rest), and each
         * delivery's own state (the order's `deliveryState` summarises them). Absent: one delivery, as before.
         */
        backorderId?: string | undefined;
        states?: Record<string, DeliveryState> | undefined;
        /** With a backorder: the units each done delivery took to the customer, by sku (returns count these). */
        delivered?: Record<string, number> | undefined;
      }
    | undefined;
  deliveredAt?: string | undefined;
  refunds?: Refund[] | undefined;
  returns?: ReturnRecord[] | undefined;
  /** Whether the lines' prices include tax, as the shop's settings said when the order was created (absent: included, as before taxes). */
  pricesIncludeTax?: boolean | undefined;
  /** Whether the order gets its invoice when paid (the shop's autoInvoice when the order was created; absent: no). */
  autoInvoice?: boolean | undefined;
  /** The tax breakdown of the lines (domain/tax.ts taxOrder); `total` is what the customer pays. */
  untaxedAmount?: number | undefined;
  taxAmount?: number | undefined;
  taxes?: TaxAmount[] | undefined;
  /** The invoice issued when the order became paid. */
  invoice?: { id: string; number: string } | undefined;
  /** One credit note per succeeded refund. */
  creditNotes?: Array<{ refundId: string; id: string; number: string }> | undefined;
  /** Succeeded refunds whose credit note was refused for good (see domain/invoicing.ts). */
  uncreditedRefunds?: string[] | undefined;
  /** Money an operator recorded by hand on a confirmed offline order (paid at pickup, a late wire); they add up to the total. */
  receipts?: Receipt[] | undefined;
  /**
   * A cancelled order found to keep the customer's money (domain/refunds.ts applyRefundOwed): the amount and when.
   * The run stays open until it is refunded, so the refund can be recorded.
   */
  refundOwed?: { amount: number; at: string } | undefined;
}

/** Money received outside any provider, recorded by an operator (POST /api/orders/:id/payments). */
export interface Receipt {
  id: string;
  /** The order's payment it counts towards (the one opened at checkout). */
  reference: string;
  amount: number;
  currency: string;
  method: PaymentMethod;
  note?: string | undefined;
  by?: string | undefined;
  at: string;
}

export interface TimelineEntry {
  at: string;
  type: string;
  message: string;
  data?: Record<string, unknown> | undefined;
}

export interface NewQuotation {
  id: string;
  number: string;
  accessToken: string;
  currency: string;
  customer: Customer;
  salesTeam: string;
  salesperson: string | null;
  lines: Array<{ product: ProductSnapshot; quantity: number }>;
  /** From the shop's tax settings when the order is created; absent: prices include tax. */
  pricesIncludeTax?: boolean | undefined;
  /** The shop's autoInvoice setting when the order is created. */
  autoInvoice?: boolean | undefined;
}

// ---------------------------------------------------------------- helpers

function entry(at: string, type: string, message: string, data?: Record<string, unknown>): TimelineEntry {
  return data === undefined ? { at, type, message } : { at, type, message, data };
}

function touch(order: Order, now: string, byCustomer: boolean): void {
  order.updatedAt = now;
  order.version += 1;
  if (byCustomer) order.lastCustomerActivityAt = now;
}

/**
 * The order's taxes and total, by domain/tax.ts. A line without a rate (priced
 * before taxes existed) counts at 0 %: its price was the total then, and it stays so.
 * The shipping fee is taxed at the goods' highest rate (it follows the main
 * supply; a shop selling mixed rates may want the fee split pro rata, which
 * domain/tax.ts's splitRefund rule would support).
 */
export function taxesOf(order: Pick<Order, 'lines' | 'pricesIncludeTax' | 'shipping'>): TaxBreakdown {
  return taxOrder({
    pricesIncludeTax: order.pricesIncludeTax ?? true,
    lines: order.lines.map((l) => ({ unitPrice: l.unitPrice, quantity: l.quantity, taxRate: l.taxRate ?? 0 })),
    shipping: order.shipping ? { fee: order.shipping.amount, rate: shippingTaxRateOf(order) } : null,
  });
}

/** The rate the shipping fee is taxed at: the goods' highest. */
export function shippingTaxRateOf(order: Pick<Order, 'lines'>): number {
  return order.lines.reduce((max, l) => Math.max(max, l.taxRate ?? 0), 0);
}

/** The goods' worth, without shipping: what a "free above" method compares. */
export function goodsTotal(order: Pick<Order, 'lines'>): number {
  return order.lines.reduce((sum, l) => sum + l.subtotal, 0);
}

/** The total: the goods and the shipping fee (itself recomputed: a "free above" method may become free, or stop being), taxes included. */
function recomputeTotal(order: Order): void {
  if (order.shipping) order.shipping.amount = shippingFee(order.shipping, goodsTotal(order), order.currency);
  const taxed = taxesOf(order);
  order.untaxedAmount = taxed.untaxedAmount;
  order.taxAmount = taxed.taxAmount;
  order.taxes = taxed.taxes;
  order.total = taxed.total;
}

/** The email the shop may write to: the contact given at checkout, or a logged-in customer's. */
export function contactEmail(order: Pick<Order, 'contact' | 'customer'>): string | null {
  if (order.contact?.email) return order.contact.email;
  if (order.customer.loggedIn && order.customer.email) return order.customer.email;
  return null;
}

export function findPayment(order: Order, reference: string): Payment | undefined {
  return order.payments.find((p) => p.reference === reference);
}

function currentPayment(order: Order): Payment | undefined {
  return order.payments.findLast((p) => p.status !== PaymentOutcome.cancelled);
}

function isEditable(order: Order): boolean {
  return order.state === OrderState.draft;
}

function notEditable(order: Order): DomainError {
  return new DomainError(
    'cart_not_editable',
    `Order ${order.number} is ${describeState(order.state)}: its lines and contact can no longer change.`,
    { state: order.state },
  );
}

export function describeState(state: OrderState): string {
  switch (state) {
    case OrderState.draft:
      return 'a quotation';
    case OrderState.sent:
      return 'a quotation sent (payment pending)';
    case OrderState.sale:
      return 'a sales order';
    case OrderState.cancel:
      return 'cancelled';
  }
}

function checkQuantity(quantity: number, allowZero: boolean): DomainError | null {
  const min = allowZero ? 0 : 1;
  if (!Number.isInteger(quantity) || quantity < min || quantity > LIMITS.maxQuantity) {
    return new DomainError(
      'quantity_out_of_range',
      `Quantity must be a whole number from ${min} to ${LIMITS.maxQuantity}.`,
      { quantity },
    );
  }
  return null;
}

function checkProduct(order: Pick<Order, 'currency'>, product: ProductSnapshot): DomainError | null {
  if (product.currency !== order.currency) {
    return new DomainError(
      'currency_mismatch',
      `${product.sku} is priced in ${product.currency}, this cart is in ${order.currency}.`,
      { sku: product.sku },
    );
  }
  return null;
}

// ---------------------------------------------------------------- quotation

export function checkNewQuotation(input: NewQuotation): DomainError | null {
  if (input.lines.length > LIMITS.maxLines) {
    return new DomainError('too_many_lines', `A cart holds at most ${LIMITS.maxLines} lines.`);
  }
  for (const { product, quantity } of input.lines) {
    const problem = checkQuantity(quantity, false) ?? checkProduct(input, product);
    if (problem) return problem;
  }
  return null;
}

/** The quotation is created when the customer adds the first product (or opens a cart). */
export function newQuotation(input: NewQuotation, now: string): { order: Order; timeline: TimelineEntry[] } {
  const order: Order = {
    id: input.id,
    number: input.number,
    accessToken: input.accessToken,
    state: OrderState.draft,
    paymentState: PaymentState.not_paid,
    deliveryState: DeliveryState.none,
    lines: [],
    total: 0,
    currency: input.currency,
    customer: input.customer,
    contact: null,
    paymentMethod: null,
    payments: [],
    salesTeam: input.salesTeam,
    salesperson: input.salesperson,
    createdAt: now,
    updatedAt: now,
    lastCustomerActivityAt: now,
    version: 1,
    remindersSent: 0,
    emailsSent: {},
    ...(input.pricesIncludeTax !== undefined ? { pricesIncludeTax: input.pricesIncludeTax } : {}),
    ...(input.autoInvoice !== undefined ? { autoInvoice: input.autoInvoice } : {}),
  };
  const timeline = [
    entry(now, 'quotation_created', `Quotation ${order.number} created`, {
      salesTeam: order.salesTeam,
      salesperson: order.salesperson,
      loggedIn: order.customer.loggedIn,
    }),
  ];
  for (const { product, quantity } of input.lines) mergeLine(order, product, quantity);
  recomputeTotal(order);
  return { order, timeline };
}

function mergeLine(order: Order, product: ProductSnapshot, quantity: number): OrderLine {
  const existing = order.lines.find((l) => l.sku === product.sku);
  if (existing) {
    existing.quantity += quantity;
    existing.subtotal = lineSubtotal(existing.unitPrice, existing.quantity);
    return existing;
  }
  const line: OrderLine = {
    sku: product.sku,
    name: product.name,
    type: product.type,
    quantity,
    unitPrice: product.unitPrice,
    subtotal: lineSubtotal(product.unitPrice, quantity),
    ...(product.taxRate !== undefined ? { taxRate: product.taxRate } : {}),
  };
  order.lines.push(line);
  return line;
}

// ---------------------------------------------------------------- cart edits

export interface AddLine {
  product: ProductSnapshot;
  quantity: number;
}

export function checkAddLine(order: Order, input: AddLine): DomainError | null {
  if (!isEditable(order)) return notEditable(order);
  const problem = checkQuantity(input.quantity, false) ?? checkProduct(order, input.product);
  if (problem) return problem;
  const existing = order.lines.find((l) => l.sku === input.product.sku);
  if (!existing && order.lines.length >= LIMITS.maxLines) {
    return new DomainError('too_many_lines', `A cart holds at most ${LIMITS.maxLines} lines.`);
  }
  if (existing) return checkQuantity(existing.quantity + input.quantity, false);
  return null;
}

export function applyAddLine(order: Order, input: AddLine, now: string): TimelineEntry[] {
  const line = mergeLine(order, input.product, input.quantity);
  recomputeTotal(order);
  touch(order, now, true);
  return [entry(now, 'line_added', `Added ${input.quantity} × ${line.name}`, { sku: line.sku, quantity: line.quantity })];
}

export interface SetLineQuantity {
  sku: string;
  quantity: number;
}

export function checkSetLineQuantity(order: Order, input: SetLineQuantity): DomainError | null {
  if (!isEditable(order)) return notEditable(order);
  const problem = checkQuantity(input.quantity, true);
  if (problem) return problem;
  if (!order.lines.some((l) => l.sku === input.sku)) {
    return new DomainError('line_not_found', `This cart has no line for ${input.sku}.`, { sku: input.sku });
  }
  return null;
}

export function applySetLineQuantity(order: Order, input: SetLineQuantity, now: string): TimelineEntry[] {
  if (input.quantity === 0) return applyRemoveLine(order, { sku: input.sku }, now);
  const line = order.lines.find((l) => l.sku === input.sku);
  if (!line) return [];
  line.quantity = input.quantity;
  line.subtotal = lineSubtotal(line.unitPrice, line.quantity);
  recomputeTotal(order);
  touch(order, now, true);
  return [entry(now, 'line_changed', `${line.name}: quantity ${line.quantity}`, { sku: line.sku, quantity: line.quantity })];
}

export function checkRemoveLine(order: Order, input: { sku: string }): DomainError | null {
  return checkSetLineQuantity(order, { sku: input.sku, quantity: 0 });
}

export function applyRemoveLine(order: Order, input: { sku: string }, now: string): TimelineEntry[] {
  const line = order.lines.find((l) => l.sku === input.sku);
  if (!line) return [];
  order.lines = order.lines.filter((l) => l !== line);
  recomputeTotal(order);
  touch(order, now, true);
  return [entry(now, 'line_removed', `Removed ${line.name}`, { sku: line.sku })];
}

export function checkSetContact(order: Order, _contact: Contact): DomainError | null {
  return isEditable(order) ? null : notEditable(order);
}

export function applySetContact(order: Order, contact: Contact, now: string): TimelineEntry[] {
  order.contact = contact;
  touch(order, now, true);
  return [entry(now, 'contact_set', `Contact set to ${contact.email}`, { email: contact.email })];
}

// ---------------------------------------------------------------- checkout

export interface Checkout {
  paymentMethod: PaymentMethod;
  /** The methods the shop takes at the time of the request (settings); absent: no restriction. */
  acceptedMethods?: PaymentMethod[] | undefined;
  /** The ids of the shipping methods the shop offers now; non-empty: one of them must be on the cart. Absent: no check. */
  offeredShippingMethods?: string[] | undefined;
}

/** What checkout will do: nothing (same method again), or create a payment. */
export type CheckoutPlan = { kind: 'repeat'; payment: Payment } | { kind: 'pay'; amount: number; currency: string };

export function checkCheckout(order: Order, input: Checkout): DomainError | null {
  const disabled = checkPaymentMethodAccepted(order, input.paymentMethod, input.acceptedMethods);
  if (disabled) return disabled;
  if (order.state === OrderState.sent) {
    const current = currentPayment(order);
    if (order.paymentMethod === input.paymentMethod && current) return null;
    if (order.payments.some((p) => p.status === PaymentOutcome.succeeded)) {
      return new DomainError('payment_method_locked', `Order ${order.number} is already paid.`);
    }
    return null; // switching method while the payment is still pending
  }
  if (order.state !== OrderState.draft) return notEditable(order);
  if (order.lines.length === 0) return new DomainError('empty_cart', 'The cart is empty: add a product before checkout.');
  if (order.total <= 0) return new DomainError('nothing_to_pay', 'The cart has nothing to pay.');
  if (!contactEmail(order)) {
    return new DomainError('contact_required', 'A contact email is required before checkout (PUT /contact).');
  }
  return checkShippingChosen(order, input.offeredShippingMethods ?? []);
}

/** A shop that offers shipping methods needs one of them on the cart; one switched off since it was chosen must be changed. */
function checkShippingChosen(order: Order, offered: string[]): DomainError | null {
  // Services only: nothing is shipped, no method to choose.
  if (offered.length === 0 || !hasGoodsToDeliver(order)) return null;
  if (!order.shipping) return new DomainError('shipping_method_required', 'Choose a shipping method first (PUT /api/carts/:id/shipping-method).', { offered });
  if (!offered.includes(order.shipping.methodId)) {
    return new DomainError('shipping_method_disabled', `The shipping method "${order.shipping.name}" is no longer offered: choose another.`, { offered });
  }
  return null;
}

// ---------------------------------------------------------------- shipping method

/** The method is chosen on the cart, before checkout (its fee is then in the payment's amount). */
export function checkSetShippingMethod(order: Order, choice: ChosenShipping): DomainError | null {
  if (order.state !== OrderState.draft) return notEditable(order);
  if (choice.currency !== order.currency) {
    return new DomainError('currency_mismatch', `This shipping method is priced in ${choice.currency}, the order in ${order.currency}.`);
  }
  return null;
}

export function applySetShippingMethod(order: Order, choice: ChosenShipping, now: string): TimelineEntry[] {
  order.shipping = { ...choice };
  recomputeTotal(order);
  touch(order, now, true);
  return [entry(now, 'shipping_method_set', `Shipping method set to ${choice.name}`, { methodId: choice.methodId, amount: order.shipping.amount })];
}

export function planCheckout(order: Order, input: Checkout): CheckoutPlan {
  const current = currentPayment(order);
  // A card quotation whose payment is still open for the same cart: the same payment page again.
  if (
    order.state === OrderState.draft &&
    input.paymentMethod === PaymentMethod.card &&
    current?.untilPaid &&
    current.status === PaymentOutcome.pending &&
    current.method === PaymentMethod.card &&
    current.amount === order.total
  ) {
    return { kind: 'repeat', payment: current };
  }
  if (order.state === OrderState.sent && order.paymentMethod === input.paymentMethod && current) {
    return { kind: 'repeat', payment: current };
  }
  return { kind: 'pay', amount: order.total, currency: order.currency };
}

/** The customer went through payment: the quotation is sent, the payment pending. */
export function applyCheckout(order: Order, payment: Payment, now: string): TimelineEntry[] {
  const timeline: TimelineEntry[] = [];
  for (const p of order.payments) {
    if (p.status === PaymentOutcome.pending) {
      p.status = PaymentOutcome.cancelled;
      timeline.push(entry(now, 'payment_cancelled', `Payment ${p.reference} (${p.method}) replaced`, { reference: p.reference }));
    }
  }
  order.payments.push(payment);
  order.paymentMethod = payment.method;
  order.state = OrderState.sent;
  order.paymentState = PaymentState.pending;
  touch(order, now, true);
  timeline.push(
    entry(now, 'quotation_sent', `Checkout with ${payment.method}: quotation sent, payment ${payment.reference} pending`, {
      reference: payment.reference,
      method: payment.method,
      amount: payment.amount,
    }),
  );
  return timeline;
}

// ---------------------------------------------------------------- payment events

export interface PaymentEvent {
  eventId: string;
  type: PaymentEventType;
  reference: string;
  amount: number;
  currency: string;
}

/** The outcome is data, not an error: a provider's event is always recorded, even when it changes nothing. */
export type PaymentEventOutcome =
  | 'confirmed'
  | 'paid'
  | 'paid_after_cancel'
  | 'amount_mismatch'
  | 'unknown_reference'
  | 'failed'
  | 'pending'
  | 'ignored';

export function applyPaymentEvent(
  order: Order,
  event: PaymentEvent,
  now: string,
): { outcome: PaymentEventOutcome; timeline: TimelineEntry[] } {
  const data = { eventId: event.eventId, reference: event.reference, amount: event.amount, currency: event.currency };
  const payment = findPayment(order, event.reference);
  const done = (outcome: PaymentEventOutcome, type: string, message: string) => {
    touch(order, now, false);
    return { outcome, timeline: [entry(now, type, message, { ...data, outcome })] };
  };
  if (!payment) return done('unknown_reference', 'payment_unmatched', `Payment event for unknown reference ${event.reference}`);
  if (payment.status === PaymentOutcome.succeeded) {
    return done('ignored', 'payment_event_ignored', `${event.type} after the payment ${payment.reference} succeeded: ignored`);
  }

  switch (event.type) {
    case PaymentEventType.succeeded: {
      if (event.amount !== payment.amount || event.currency !== payment.currency) {
        return done(
          'amount_mismatch',
          'payment_amount_mismatch',
          `Payment ${payment.reference} reported ${event.amount} ${event.currency}, expected ${payment.amount} ${payment.currency}: order not confirmed`,
        );
      }
      payment.status = PaymentOutcome.succeeded;
      order.paymentState = PaymentState.paid;
      if (order.state === OrderState.sent) {
        order.state = OrderState.sale;
        order.confirmedAt = now;
        return done('confirmed', 'payment_received', `Payment ${payment.reference} received: sales order confirmed`);
      }
      if (order.state === OrderState.cancel) {
        return done('paid_after_cancel', 'payment_after_cancel', `Payment ${payment.reference} received after cancellation: refund due`);
      }
      return done('paid', 'payment_received', `Payment ${payment.reference} received`);
    }
    case PaymentEventType.failed: {
      payment.status = PaymentOutcome.failed;
      if (order.paymentState === PaymentState.pending) order.paymentState = PaymentState.not_paid;
      return done('failed', 'payment_failed', `Payment ${payment.reference} failed: the customer may check out again`);
    }
    case PaymentEventType.pending: {
      if (payment.status === PaymentOutcome.pending && order.paymentState === PaymentState.not_paid) {
        order.paymentState = PaymentState.pending;
      }
      return done('pending', 'payment_pending', `Payment ${payment.reference} pending at the provider`);
    }
  }
}

// ---------------------------------------------------------------- operator

export interface Confirm {
  /** The operator saw the money (the wire transfer arrived, the customer paid in store). */
  paymentReceived?: boolean | undefined;
  by?: string | undefined;
}

export function checkConfirm(order: Order, _input: Confirm): DomainError | null {
  if (order.state !== OrderState.sent) {
    return new DomainError('order_not_confirmable', `Order ${order.number} is ${describeState(order.state)}: only a quotation sent can be confirmed.`, {
      state: order.state,
    });
  }
  if (!order.paymentMethod || !isOfflineMethod(order.paymentMethod)) {
    return new DomainError(
      'order_not_confirmable',
      `Order ${order.number} is paid by ${order.paymentMethod ?? 'no method yet'}: it is confirmed by its payment, not by hand.`,
      { paymentMethod: order.paymentMethod },
    );
  }
  return null;
}

export function applyConfirm(order: Order, input: Confirm, now: string): TimelineEntry[] {
  order.state = OrderState.sale;
  order.confirmedAt = now;
  const payment = currentPayment(order);
  if (input.paymentReceived && payment) {
    payment.status = PaymentOutcome.succeeded;
    order.paymentState = PaymentState.paid;
  }
  touch(order, now, false);
  return [
    entry(
      now,
      'order_confirmed',
      `Confirmed by ${input.by ?? 'an operator'}${input.paymentReceived ? ', payment received' : ', payment still expected'}`,
      { paymentReceived: input.paymentReceived ?? false },
    ),
  ];
}

/**
 * The money the customer handed over: the payment that succeeded (paid in
 * full), else what operators recorded by hand (an order cancelled before its
 * receipts covered the total keeps them).
 */
export function amountReceived(order: Pick<Order, 'payments' | 'receipts'>): number {
  const paid = order.payments.find((p) => p.status === PaymentOutcome.succeeded);
  if (paid) return paid.amount;
  return (order.receipts ?? []).reduce((sum, r) => sum + r.amount, 0);
}

/** What may still be refunded: what was received, minus what was refunded or is being refunded. */
export function refundableAmount(order: Pick<Order, 'payments' | 'receipts' | 'refunds'>): number {
  const refunded = (order.refunds ?? []).filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);
  return amountReceived(order) - refunded;
}

/** What a cancelled order owes its customer: the money it kept (0 on any other order, whose money pays for it). */
export function refundOwed(order: Pick<Order, 'state' | 'payments' | 'receipts' | 'refunds'>): number {
  return order.state === OrderState.cancel ? Math.max(0, refundableAmount(order)) : 0;
}

/** What is still owed on the order: nothing once its payment succeeded, else the total minus what operators recorded. */
export function amountDue(order: Pick<Order, 'payments' | 'receipts' | 'total'>): number {
  if (order.payments.some((p) => p.status === PaymentOutcome.succeeded)) return 0;
  const received = (order.receipts ?? []).reduce((sum, r) => sum + r.amount, 0);
  return Math.max(0, order.total - received);
}

export interface RecordPayment {
  /** Minor units received. */
  amount: number;
  /** How the money came (absent: the order's method). */
  method?: PaymentMethod | undefined;
  note?: string | undefined;
  by?: string | undefined;
}

/**
 * Money received by hand counts only on a confirmed order paid offline (wire
 * transfer, pay in store): a card order's payments are the provider's word; a
 * quotation sent is confirmed (with the money, if it came) rather than paid
 * piecemeal; and nothing beyond what is due is taken.
 */
/** Whether money may be recorded by hand on this order at all (also asked of a closed order's row). */
export function checkPaymentRecordable(order: { number: string; state: string; paymentMethod?: string | null | undefined }): DomainError | null {
  if (order.paymentMethod === PaymentMethod.card) {
    return new DomainError('payment_not_recordable', `Order ${order.number} is paid by card: its payments come from the provider, not by hand.`, {
      paymentMethod: order.paymentMethod,
    });
  }
  if (order.state !== OrderState.sale || !order.paymentMethod || !isOfflineMethod(order.paymentMethod as PaymentMethod)) {
    return new DomainError(
      'order_not_confirmed',
      `Order ${order.number} is ${describeState(order.state as OrderState)}: money is recorded on a confirmed order${order.state === OrderState.sent ? ' (confirm it, saying whether the payment was received)' : ''}.`,
      { state: order.state },
    );
  }
  return null;
}

export function checkRecordPayment(order: Order, input: RecordPayment): DomainError | null {
  const notRecordable = checkPaymentRecordable(order);
  if (notRecordable) return notRecordable;
  if (input.method !== undefined && !isOfflineMethod(input.method)) {
    return new DomainError('invalid_request', 'Money recorded by hand came by wire transfer or in store.', { method: input.method });
  }
  if (!Number.isInteger(input.amount) || input.amount <= 0) return new DomainError('invalid_request', 'A payment amount is a positive whole number of cents.');
  const due = amountDue(order);
  if (input.amount > due) {
    return new DomainError(
      'payment_exceeds_due',
      due === 0
        ? `Order ${order.number} is paid in full already.`
        : `Only ${formatMoney(due, order.currency)} is still due on ${order.number}, not ${formatMoney(input.amount, order.currency)}.`,
      { due },
    );
  }
  return null;
}

/** Records the money; once the receipts cover the total, the order's payment succeeded and the order is paid (its invoice follows). */
export function applyRecordPayment(order: Order, id: string, input: RecordPayment, now: string): { receipt: Receipt; timeline: TimelineEntry[] } {
  const payment = currentPayment(order);
  const method = input.method ?? order.paymentMethod ?? PaymentMethod.wire_transfer;
  const receipt: Receipt = {
    id,
    reference: payment?.reference ?? '',
    amount: input.amount,
    currency: order.currency,
    method,
    at: now,
    ...(input.note ? { note: input.note } : {}),
    ...(input.by ? { by: input.by } : {}),
  };
  order.receipts = [...(order.receipts ?? []), receipt];
  const due = amountDue(order);
  if (due === 0) {
    if (payment) payment.status = PaymentOutcome.succeeded;
    order.paymentState = PaymentState.paid;
  }
  touch(order, now, false);
  const how = method === PaymentMethod.pay_in_store ? 'in store' : 'by wire transfer';
  return {
    receipt,
    timeline: [
      entry(
        now,
        'payment_recorded',
        `${formatMoney(input.amount, order.currency)} received ${how}, recorded by ${input.by ?? 'an operator'}${input.note ? ` (${input.note})` : ''}: ${
          due === 0 ? 'paid in full' : `${formatMoney(due, order.currency)} still due`
        }`,
        { receiptId: id, amount: input.amount, method, due, note: input.note },
      ),
    ],
  };
}

export interface Cancel {
  reason?: string | undefined;
  by?: string | undefined;
}

export function checkCancel(order: Order, _input: Cancel): DomainError | null {
  if (order.state === OrderState.cancel) {
    return new DomainError('order_not_cancellable', `Order ${order.number} is already cancelled.`);
  }
  if (order.deliveryState === DeliveryState.done) {
    return new DomainError('order_not_cancellable', `Order ${order.number} has been delivered: use a return instead.`);
  }
  if (Object.values(order.delivery?.states ?? {}).includes(DeliveryState.done)) {
    return new DomainError('order_not_cancellable', `Part of order ${order.number} has been delivered already: its backorder follows; use a return for what arrived.`);
  }
  return null;
}

export function applyCancel(order: Order, input: Cancel, now: string): TimelineEntry[] {
  order.state = OrderState.cancel;
  order.cancelReason = input.reason;
  for (const p of order.payments) if (p.status === PaymentOutcome.pending) p.status = PaymentOutcome.cancelled;
  if (order.paymentState === PaymentState.pending) order.paymentState = PaymentState.not_paid;
  touch(order, now, false);
  // Money kept by the order (its payment, or the receipts recorded by hand before it was paid in full) goes back.
  const owed = refundOwed(order);
  const refundDue = owed > 0;
  return [
    entry(
      now,
      'order_cancelled',
      `Cancelled by ${input.by ?? 'an operator'}${input.reason ? `: ${input.reason}` : ''}${refundDue ? ` (${formatMoney(owed, order.currency)} received: refund due)` : ''}`,
      { reason: input.reason, refundDue, ...(refundDue ? { owed } : {}) },
    ),
  ];
}

// ---------------------------------------------------------------- emails

/** Records that an email of this kind went (or was decided); returns its sequence number. */
export function nextEmailSeq(order: Order, kind: string): number {
  return (order.emailsSent[kind] ?? 0) + 1;
}

export function applyEmailSent(order: Order, kind: string, seq: number, outcome: { status: string; to?: string | undefined; reason?: string | undefined }, now: string): TimelineEntry[] {
  order.emailsSent[kind] = Math.max(order.emailsSent[kind] ?? 0, seq);
  touch(order, now, false);
  const message =
    outcome.status === 'skipped'
      ? `Email ${kind} #${seq} not sent: ${outcome.reason ?? 'skipped'}`
      : `Email ${kind} #${seq} ${outcome.status === 'failed' ? 'failed' : 'sent'} to ${outcome.to ?? 'the customer'}${outcome.reason ? ` (${outcome.reason})` : ''}`;
  return [entry(now, outcome.status === 'skipped' ? 'email_skipped' : outcome.status === 'failed' ? 'email_failed' : 'email_sent', message, { kind, seq, ...outcome })];
}

// ---------------------------------------------------------------- delivery

export interface DeliveryNews {
  deliveryId: string;
  event: 'waiting' | 'reserved' | 'step_done' | 'done' | 'cancelled';
  state: DeliveryState;
  step?: string | undefined;
  trackingNumber?: string | undefined;
  /** The delivery as it is now (its steps, its parcels), when the delivery sends it. */
  delivery?:
    | {
        state: string;
        steps: Array<{ state: string }>;
        parcels?: Array<{ trackingNumber: string; trackingUrl?: string | undefined; state: string }> | undefined;
        /** The goods it carries (a backorder's done news counts them as delivered). */
        lines?: Array<{ sku: string; quantity: number }> | undefined;
      }
    | undefined;
}

/** Pickup: the goods are reserved and prepared, only the hand-over (the last step) is left. */
export function pickupReady(delivery: NonNullable<DeliveryNews['delivery']>): boolean {
  if (delivery.state === 'waiting' || delivery.state === 'done' || delivery.state === 'cancel') return false;
  return delivery.steps.slice(0, -1).every((s) => s.state === 'done') && delivery.steps.at(-1)?.state !== 'done';
}

/** Pickup orders are collected at the shop: no carrier, no label. */
export function isPickup(order: Pick<Order, 'shipping'>): boolean {
  return !needsCarrierLabel(order.shipping ?? null);
}

const DELIVERY_MESSAGES: Record<DeliveryNews['event'], (n: DeliveryNews) => string> = {
  waiting: () => 'Delivery waiting for stock',
  reserved: () => 'Stock reserved: delivery ready',
  step_done: (n) => `Delivery step ${n.step} done${n.trackingNumber && n.step === 'pack' ? `, label printed (${n.trackingNumber})` : ''}`,
  done: (n) => `Delivered to the carrier${n.trackingNumber ? `, tracking ${n.trackingNumber}` : ''}`,
  cancelled: () => 'Delivery cancelled, stock released',
};

export function applyDeliveryNews(order: Order, news: DeliveryNews, now: string): TimelineEntry[] {
  const withBackorder = order.delivery?.states !== undefined;
  if (withBackorder) return applyBackorderedDeliveryNews(order, news, now);
  order.deliveryState = news.state;
  if (order.delivery && news.trackingNumber) order.delivery.trackingNumber = news.trackingNumber;
  // Each parcel's tracking, for the delivery-done email's links (a delivery from before parcels sends none).
  if (order.delivery && news.delivery?.parcels) {
    order.delivery.parcels = news.delivery.parcels.map((p) => ({ trackingNumber: p.trackingNumber, ...(p.trackingUrl ? { trackingUrl: p.trackingUrl } : {}), state: p.state }));
  }
  if (order.delivery && isPickup(order) && news.delivery && pickupReady(news.delivery)) order.delivery.readyForPickup = true;
  if (news.event === 'done') order.deliveredAt = now;
  touch(order, now, false);
  const message = news.event === 'done' && isPickup(order) ? 'Handed over to the customer at the shop' : DELIVERY_MESSAGES[news.event](news);
  return [entry(now, `delivery_${news.event}`, message, { deliveryId: news.deliveryId, step: news.step, state: news.state })];
}

/**
 * News of one of an order's two deliveries (the first and its backorder):
 * its own state is kept, the order's is their summary; the order counts as
 * delivered (the done email, the return window) when the last one is done.
 */
function applyBackorderedDeliveryNews(order: Order, news: DeliveryNews, now: string): TimelineEntry[] {
  const delivery = order.delivery!;
  if (delivery.states![news.deliveryId] === undefined) return []; // not one of this order's deliveries
  delivery.states = { ...delivery.states, [news.deliveryId]: news.state };
  order.deliveryState = summarizeDeliveryPhases(Object.values(delivery.states));
  const isBackorder = news.deliveryId === delivery.backorderId;
  if (news.trackingNumber && !isBackorder) delivery.trackingNumber = news.trackingNumber;
  if (news.delivery?.parcels) {
    // Both deliveries' parcels, for the done email's links: this delivery's replace its earlier ones.
    const mine = news.delivery.parcels.map((p) => ({ trackingNumber: p.trackingNumber, ...(p.trackingUrl ? { trackingUrl: p.trackingUrl } : {}), state: p.state, deliveryId: news.deliveryId }));
    delivery.parcels = [...(delivery.parcels ?? []).filter((p) => p.deliveryId !== news.deliveryId), ...mine];
  }
  if (news.event === 'done') {
    const delivered = { ...(delivery.delivered ?? {}) };
    for (const line of news.delivery?.lines ?? []) delivered[line.sku] = (delivered[line.sku] ?? 0) + line.quantity;
    delivery.delivered = delivered;
    if (order.deliveryState === DeliveryState.done) order.deliveredAt = now;
  }
  touch(order, now, false);
  // Pickup: the customer hears when the first delivery's goods wait at the shop.
  if (!isBackorder && isPickup(order) && news.delivery && pickupReady(news.delivery)) delivery.readyForPickup = true;
  const base = news.event === 'done' && isPickup(order) ? 'Handed over to the customer at the shop' : DELIVERY_MESSAGES[news.event](news);
  const message = isBackorder ? `Backorder: ${base}` : base;
  return [entry(now, `delivery_${news.event}`, message, { deliveryId: news.deliveryId, step: news.step, state: news.state, ...(isBackorder ? { backorder: true } : {}) })];
}

export function applyDeliveryCreated(order: Order, delivery: NonNullable<Order['delivery']>, now: string): void {
  order.delivery = delivery;
  if (delivery.states) order.deliveryState = summarizeDeliveryPhases(Object.values(delivery.states));
  else if (order.deliveryState === DeliveryState.none) order.deliveryState = DeliveryState.waiting;
  touch(order, now, false);
}

/**
 * The order's deliveries still open, to cancel: the first, and its backorder
 * when it has one (each by its own state).
 */
export function openDeliveryIds(order: Order): string[] {
  const d = order.delivery;
  if (!d) return [];
  if (!d.states) return deliveryOpen(order) ? [d.id] : [];
  return Object.entries(d.states)
    .filter(([, state]) => state !== DeliveryState.done && state !== DeliveryState.cancel)
    .map(([id]) => id);
}

/** Goods to deliver: storable or consumable lines; services only are rendered, not shipped. */
export function hasGoodsToDeliver(order: Pick<Order, 'lines'>): boolean {
  return order.lines.some((l) => l.type !== 'service');
}

/**
 * A sales order of services only: no delivery, no label. It counts as
 * delivered now, so its return window (nothing in it is returnable) closes
 * the run as it does for goods.
 */
export function applyNothingToDeliver(order: Order, now: string): TimelineEntry[] {
  order.deliveredAt = now;
  touch(order, now, false);
  return [entry(now, 'delivery_not_needed', 'Services only: nothing to deliver')];
}

/** A delivery still open: cancelling the order must go through it. */
export function deliveryOpen(order: Order): boolean {
  return order.delivery !== undefined && order.deliveryState !== DeliveryState.done && order.deliveryState !== DeliveryState.cancel;
}

// ---------------------------------------------------------------- card payments at the provider (issue 13)
// The brief's card semantics, as pure rules for the order workflow to call once
// its restructure lands (not wired yet: today's card checkout still goes
// through applyCheckout/applyPaymentEvent). A card checkout opens a payment at
// the provider and the order stays a quotation until the customer went
// through payment; a failed payment gives the cart back; a payment that
// succeeds after it was replaced is refunded, never confirms the order.

/** What the workflow must do at the provider after a card rule: cancel these open payments. */
export interface CardPaymentEffects {
  timeline: TimelineEntry[];
  cancelAtProvider: string[];
}

export function cancelOpenPayments(order: Order, now: string, why: string): CardPaymentEffects {
  const timeline: TimelineEntry[] = [];
  const cancelAtProvider: string[] = [];
  for (const p of order.payments) {
    if (p.status !== PaymentOutcome.pending) continue;
    p.status = PaymentOutcome.cancelled;
    if (p.method === PaymentMethod.card) cancelAtProvider.push(p.reference);
    timeline.push(entry(now, 'payment_cancelled', `Payment ${p.reference} (${p.method}) cancelled: ${why}`, { reference: p.reference }));
  }
  return { timeline, cancelAtProvider };
}

/** Card checkout: the payment is opened at the provider; the order stays `draft` (the customer has not paid yet). */
export function applyCardCheckout(order: Order, payment: Payment, now: string): CardPaymentEffects {
  const effects = cancelOpenPayments(order, now, 'replaced');
  order.payments.push(payment);
  order.paymentMethod = payment.method;
  touch(order, now, true);
  effects.timeline.push(
    entry(now, 'payment_opened', `Card payment ${payment.reference} opened at the provider: waiting for the customer`, { reference: payment.reference, amount: payment.amount }),
  );
  return effects;
}

/** A draft cart edited after a card checkout: its open payment no longer matches the cart and is cancelled. */
export function applyCartEditedAfterCheckout(order: Order, now: string): CardPaymentEffects {
  if (order.state !== OrderState.draft) return { timeline: [], cancelAtProvider: [] };
  const effects = cancelOpenPayments(order, now, 'the cart changed');
  if (effects.timeline.length) touch(order, now, false);
  return effects;
}

export type CardPaymentOutcome = PaymentEventOutcome | 'sent' | 'reopened' | 'paid_stale';

export interface CardPaymentEventResult {
  outcome: CardPaymentOutcome;
  timeline: TimelineEntry[];
  /** A payment received for a payment already replaced or cancelled: refund it (once, keyed by its reference). */
  refundDue?: { reference: string; amount: number; currency: string } | undefined;
}

/**
 * A provider's event for a card order under the brief's semantics:
 * `payment.pending` → `sent`; `payment.succeeded` → `sale` (from `draft` as
 * from `sent`); `payment.failed` → back to an editable `draft`; a success for
 * a cancelled payment → refund due, the order untouched.
 */
export function applyCardPaymentEvent(order: Order, event: PaymentEvent, now: string): CardPaymentEventResult {
  const payment = findPayment(order, event.reference);
  const data = { eventId: event.eventId, reference: event.reference, amount: event.amount, currency: event.currency };
  if (!payment || payment.method !== PaymentMethod.card || order.state === OrderState.cancel || payment.status === PaymentOutcome.succeeded) {
    return applyPaymentEvent(order, event, now);
  }
  // A declined attempt may be retried on the same provider payment (Stripe's PaymentIntent): still the cart's payment if nothing replaced it.
  const retriedAfterFailure =
    payment.status === PaymentOutcome.failed && order.state === OrderState.draft && order.payments.at(-1) === payment && payment.amount === order.total;
  if (retriedAfterFailure) payment.status = PaymentOutcome.pending;
  if (payment.status === PaymentOutcome.cancelled || payment.status === PaymentOutcome.failed) {
    const was = payment.status;
    touch(order, now, false);
    if (event.type !== PaymentEventType.succeeded || payment.paidLate) {
      return { outcome: 'ignored', timeline: [entry(now, 'payment_event_ignored', `${event.type} for the closed payment ${payment.reference}: ignored`, { ...data, outcome: 'ignored' })] };
    }
    // The payment stays closed for the order (it confirms nothing, counts for no refund of the order): only its own refund follows.
    payment.paidLate = true;
    return {
      outcome: 'paid_stale',
      refundDue: { reference: payment.reference, amount: event.amount, currency: event.currency },
      timeline: [
        entry(now, 'payment_after_replacement', `Payment ${payment.reference} succeeded after it was ${was}: refunded automatically, the order is not confirmed by it`, {
          ...data,
          outcome: 'paid_stale',
        }),
      ],
    };
  }
  switch (event.type) {
    case PaymentEventType.pending: {
      if (order.state !== OrderState.draft) return applyPaymentEvent(order, event, now);
      order.state = OrderState.sent;
      order.paymentState = PaymentState.pending;
      touch(order, now, false);
      return { outcome: 'sent', timeline: [entry(now, 'quotation_sent', `The customer went through payment ${payment.reference}: quotation sent, payment pending`, { ...data, outcome: 'sent' })] };
    }
    case PaymentEventType.succeeded: {
      if (order.state !== OrderState.draft || event.amount !== payment.amount || event.currency !== payment.currency) return applyPaymentEvent(order, event, now);
      // Paid straight from the payment page: the story reads "sent", then "confirmed", by the one rule that confirms.
      order.state = OrderState.sent;
      const sent = entry(now, 'quotation_sent', `The customer went through payment ${payment.reference}: quotation sent`, { ...data, outcome: 'sent' });
      const confirmed = applyPaymentEvent(order, event, now);
      return { outcome: confirmed.outcome, timeline: [sent, ...confirmed.timeline] };
    }
    case PaymentEventType.failed: {
      payment.status = PaymentOutcome.failed;
      order.state = OrderState.draft;
      order.paymentState = PaymentState.not_paid;
      touch(order, now, false);
      return {
        outcome: 'reopened',
        timeline: [entry(now, 'payment_failed', `Payment ${payment.reference} failed: the cart is editable and may be checked out again`, { ...data, outcome: 'reopened' })],
      };
    }
  }
}
