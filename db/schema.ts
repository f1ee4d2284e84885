import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow();

export const orderNumberSeq = pgSequence('order_number_seq', { startWith: 1 });

export const products = pgTable(
  'products',
  {
    sku: text('sku').primaryKey(),
    name: text('name').notNull(),
    price: integer('price').notNull(),
    currency: text('currency').notNull(),
    type: text('type', { enum: ['storable', 'consumable', 'service'] }).notNull(),
    returnable: boolean('returnable').notNull().default(true),
    onHand: integer('on_hand').notNull().default(0),
    reserved: integer('reserved').notNull().default(0),
    weightGrams: integer('weight_grams'),
    /** A class of the shop's tax settings (standard, reduced, zero, or the shop's own). */
    taxClass: text('tax_class').notNull().default('standard'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('products_price_nonnegative', sql`${t.price} >= 0`),
    check('products_reserved_in_stock', sql`${t.reserved} >= 0 AND ${t.reserved} <= ${t.onHand}`),
  ],
);

/** The projection of each order workflow, for lists, search and reporting. */
export const orders = pgTable(
  'orders',
  {
    id: text('id').primaryKey(),
    number: text('number').notNull().unique(),
    workflowId: text('workflow_id').notNull(),
    state: text('state').notNull(),
    paymentState: text('payment_state').notNull(),
    deliveryState: text('delivery_state').notNull(),
    total: integer('total').notNull(),
    currency: text('currency').notNull(),
    lineCount: integer('line_count').notNull().default(0),
    customerEmail: text('customer_email'),
    customerName: text('customer_name'),
    loggedIn: boolean('logged_in').notNull().default(false),
    contact: jsonb('contact'),
    paymentMethod: text('payment_method'),
    salesTeam: text('sales_team').notNull(),
    salesperson: text('salesperson'),
    accessToken: text('access_token').notNull(),
    /** Bumped by every change in the workflow; a write with an older version is ignored. */
    version: integer('version').notNull(),
    lastCustomerActivityAt: timestamp('last_customer_activity_at', { withTimezone: true, mode: 'string' }).notNull(),
    remindersSent: integer('reminders_sent').notNull().default(0),
    lastReminderAt: timestamp('last_reminder_at', { withTimezone: true, mode: 'string' }),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true, mode: 'string' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull(),
  },
  (t) => [
    index('orders_state_created_idx').on(t.state, t.createdAt, t.id),
    index('orders_created_idx').on(t.createdAt, t.id),
    index('orders_customer_email_idx').on(t.customerEmail, t.confirmedAt),
    index('orders_idle_idx').on(t.state, t.lastCustomerActivityAt),
  ],
);

export const orderLines = pgTable(
  'order_lines',
  {
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    quantity: integer('quantity').notNull(),
    unitPrice: integer('unit_price').notNull(),
    subtotal: integer('subtotal').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.sku] })],
);

export const payments = pgTable(
  'payments',
  {
    reference: text('reference').primaryKey(),
    orderId: text('order_id').notNull(),
    method: text('method').notNull(),
    provider: text('provider').notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    status: text('status').notNull(),
    instructions: text('instructions'),
    /** The provider's own id for the payment (a Stripe PaymentIntent), to cancel and refund it. */
    providerPaymentId: text('provider_payment_id'),
    /** Where the storefront sends the customer to pay (a hosted page), if the provider has one. */
    redirectUrl: text('redirect_url'),
    /** What the storefront's payment form confirms with (Stripe's client secret); handed only to the cart's storefront. */
    clientSecret: text('client_secret'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('payments_order_idx').on(t.orderId)],
);

/** Every webhook event the provider sent, once per event id. */
export const paymentEvents = pgTable('payment_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  reference: text('reference').notNull(),
  amount: bigint('amount', { mode: 'number' }).notNull(),
  currency: text('currency').notNull(),
  orderId: text('order_id'),
  payload: jsonb('payload').notNull(),
  receivedAt: createdAt(),
  /** Set once the event reached the order's workflow; a redelivery before that is forwarded again. */
  forwardedAt: timestamp('forwarded_at', { withTimezone: true, mode: 'string' }),
});

/** The order's story, in order. (order_id, seq) makes each write idempotent. */
export const orderEvents = pgTable(
  'order_events',
  {
    orderId: text('order_id').notNull(),
    seq: integer('seq').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull(),
    type: text('type').notNull(),
    message: text('message').notNull(),
    data: jsonb('data'),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.seq] })],
);

export const settings = pgTable('settings', {
  id: text('id').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: updatedAt(),
});

export const emails = pgTable(
  'emails',
  {
    id: text('id').primaryKey(),
    /** workflow id + kind + sequence: the same email is never recorded (or sent) twice. */
    idempotencyKey: text('idempotency_key').notNull().unique(),
    orderId: text('order_id'),
    to: text('to').notNull(),
    kind: text('kind').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull(),
    status: text('status').notNull(),
    transport: text('transport').notNull(),
    providerId: text('provider_id'),
    error: text('error'),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'string' }),
    /**
     * The invoice or credit note attached (the confirmation's invoice, the
     * refund's credit note): a reference only, the PDF is rendered from the
     * stored document each time the email is handed over.
     */
    attachmentInvoiceId: text('attachment_invoice_id'),
    attachmentNumber: text('attachment_number'),
  },
  (t) => [index('emails_order_idx').on(t.orderId), index('emails_to_idx').on(t.to)],
);

/**
 * What each confirmed order asks of the stock, line by line, served first come
 * first served (by id): waiting → reserved → shipped, or released / cancelled.
 */
export const stockRequests = pgTable(
  'stock_requests',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orderId: text('order_id').notNull(),
    sku: text('sku').notNull(),
    quantity: integer('quantity').notNull(),
    status: text('status', { enum: ['waiting', 'reserved', 'shipped', 'released', 'cancelled'] }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [unique('stock_requests_order_sku').on(t.orderId, t.sku), index('stock_requests_status_idx').on(t.status, t.id)],
);

/** The projection of each delivery workflow. */
export const deliveries = pgTable(
  'deliveries',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull(),
    orderNumber: text('order_number').notNull(),
    workflowId: text('workflow_id').notNull(),
    state: text('state').notNull(),
    steps: jsonb('steps').notNull(),
    trackingNumber: text('tracking_number'),
    carrier: text('carrier'),
    version: integer('version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull(),
    doneAt: timestamp('done_at', { withTimezone: true, mode: 'string' }),
    /** A backorder: its order's first delivery (shipping policy as_soon_as_possible). */
    backorderOf: text('backorder_of'),
  },
  (t) => [index('deliveries_state_idx').on(t.state, t.createdAt), index('deliveries_order_idx').on(t.orderId)],
);

/** One label per delivery, written once: a retried label activity finds it. */
export const shippingLabels = pgTable('shipping_labels', {
  deliveryId: text('delivery_id').primaryKey(),
  trackingNumber: text('tracking_number').notNull(),
  carrier: text('carrier').notNull(),
  pdfBase64: text('pdf_base64').notNull(),
  createdAt: createdAt(),
});

/** Each refund, as its workflow records it: the provider's answer is kept with it. */
export const refunds = pgTable(
  'refunds',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull(),
    paymentReference: text('payment_reference').notNull(),
    provider: text('provider').notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    reason: text('reason'),
    returnId: text('return_id'),
    status: text('status', { enum: ['pending', 'succeeded', 'failed'] }).notNull(),
    providerRefundId: text('provider_refund_id'),
    failureReason: text('failure_reason'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    settledAt: timestamp('settled_at', { withTimezone: true, mode: 'string' }),
  },
  (t) => [index('refunds_order_idx').on(t.orderId)],
);

/** The projection of each return workflow. */
export const returns = pgTable(
  'returns',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull(),
    orderNumber: text('order_number').notNull(),
    state: text('state').notNull(),
    lines: jsonb('lines').notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    refundId: text('refund_id'),
    version: integer('version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'string' }),
  },
  (t) => [index('returns_state_idx').on(t.state, t.createdAt), index('returns_order_idx').on(t.orderId)],
);

/**
 * Goods of a return put back on hand: one row per return, claimed in the same
 * transaction as the stock change, so a retried restock changes nothing. Its
 * own table, not a column of the projected `returns` row, which the order
 * writes a moment later: the warehouse may receive a return before then.
 */
export const returnRestocks = pgTable('return_restocks', {
  returnId: text('return_id').primaryKey(),
  lines: jsonb('lines').notNull(),
  restockedAt: timestamp('restocked_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

/** The demo card provider's own ledger (it lives in this API for the demo): one refund per idempotency key. */
export const demoProviderRefunds = pgTable('demo_provider_refunds', {
  id: text('id').primaryKey(),
  idempotencyKey: text('idempotency_key').notNull().unique(),
  paymentReference: text('payment_reference').notNull(),
  amount: integer('amount').notNull(),
  currency: text('currency').notNull(),
  createdAt: createdAt(),
});

/**
 * Sales teams and their salespeople: the records the settings choose from.
 * A team with `round_robin` assignment gives new orders to its active
 * salespeople in turn; `next_turn` counts the turns handed out.
 */
export const salesTeams = pgTable('sales_teams', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  assignment: text('assignment', { enum: ['team_only', 'round_robin'] }).notNull().default('team_only'),
  nextTurn: bigint('next_turn', { mode: 'number' }).notNull().default(0),
  createdAt: createdAt(),
});

export const salespeople = pgTable(
  'salespeople',
  {
    id: text('id').primaryKey(),
    teamId: text('team_id')
      .notNull()
      .references(() => salesTeams.id),
    name: text('name').notNull(),
    email: text('email'),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index('salespeople_team_idx').on(t.teamId, t.createdAt), unique('salespeople_team_name').on(t.teamId, t.name)],
);

/**
 * The carrier's shipment booked for each label idempotency key, written before
 * the label is bought: a retried purchase buys that same shipment (which the
 * carrier sells once) instead of booking another.
 */
export const carrierShipments = pgTable('carrier_shipments', {
  idempotencyKey: text('idempotency_key').primaryKey(),
  carrier: text('carrier').notNull(),
  shipmentId: text('shipment_id').notNull(),
  createdAt: createdAt(),
});

/** The shop's shipping methods (flat-rate carrier, free above an amount, in-store pickup). */
export const shippingMethods = pgTable(
  'shipping_methods',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['carrier', 'pickup'] }).notNull(),
    price: integer('price').notNull(),
    currency: text('currency').notNull(),
    freeAbove: integer('free_above'),
    /** The carrier's service bought for this method's labels (e.g. "Priority"); null: the cheapest. */
    carrierService: text('carrier_service'),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('shipping_methods_price_nonnegative', sql`${t.price} >= 0`),
    check('shipping_methods_free_above_nonnegative', sql`${t.freeAbove} IS NULL OR ${t.freeAbove} >= 0`),
  ],
);

/**
 * Each parcel of a delivery and its current label (the carrier's tracking
 * number and page, its attempt: a relabel after a void is the next attempt).
 * What the label prints is kept with it, so the PDF is drawn again on demand.
 */
export const parcels = pgTable(
  'parcels',
  {
    deliveryId: text('delivery_id').notNull(),
    parcelId: text('parcel_id').notNull(),
    position: integer('position').notNull(),
    lines: jsonb('lines').notNull(),
    weightGrams: integer('weight_grams'),
    state: text('state', { enum: ['labelled', 'voided', 'shipped'] }).notNull(),
    labelAttempt: integer('label_attempt').notNull(),
    carrier: text('carrier').notNull(),
    trackingNumber: text('tracking_number').notNull(),
    trackingUrl: text('tracking_url'),
    carrierShipmentId: text('carrier_shipment_id'),
    /** Sender, recipient and order number as printed. */
    printed: jsonb('printed').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.parcelId] })],
);

/**
 * Invoices and credit notes, numbered per kind and year without gaps: the
 * number is allocated (invoice_sequences) and the document written in one
 * transaction (db/invoices.ts). `key` (the order for an invoice, the refund
 * for a credit note) is unique: a retry finds the document already issued.
 */
export const invoices = pgTable(
  'invoices',
  {
    id: text('id').primaryKey(),
    number: text('number').notNull().unique(),
    kind: text('kind', { enum: ['invoice', 'credit_note'] }).notNull(),
    key: text('key').notNull().unique(),
    orderId: text('order_id').notNull(),
    refundId: text('refund_id'),
    /** The invoice a credit note credits. */
    creditedInvoiceId: text('credited_invoice_id'),
    year: integer('year').notNull(),
    sequence: integer('sequence').notNull(),
    currency: text('currency').notNull(),
    untaxedAmount: integer('untaxed_amount').notNull(),
    taxAmount: integer('tax_amount').notNull(),
    total: integer('total').notNull(),
    taxes: jsonb('taxes').notNull(),
    lines: jsonb('lines').notNull(),
    customer: jsonb('customer').notNull(),
    /** The shop as it was when the document was issued (a later rename does not change an issued invoice). */
    seller: jsonb('seller').notNull(),
    pricesIncludeTax: boolean('prices_include_tax').notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true, mode: 'string' }).notNull(),
  },
  (t) => [
    unique('invoices_kind_year_sequence').on(t.kind, t.year, t.sequence),
    index('invoices_order_idx').on(t.orderId),
    index('invoices_issued_idx').on(t.issuedAt, t.id),
  ],
);

/** The last number handed out per (kind, year); its row lock serialises issuers of the same series. */
export const invoiceSequences = pgTable(
  'invoice_sequences',
  {
    kind: text('kind').notNull(),
    year: integer('year').notNull(),
    last: integer('last').notNull(),
    /** The last document's date: the next is never dated earlier, whatever the clock of the worker issuing it. */
    lastIssuedAt: timestamp('last_issued_at', { withTimezone: true, mode: 'string' }),
  },
  (t) => [primaryKey({ columns: [t.kind, t.year] })],
);
