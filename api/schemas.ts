/**
 * The contract's shapes, once: these zod schemas validate requests and
 * generate `GET /api/openapi.json`.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ProductType } from '../domain/catalog.js';
import { isDuration } from '../domain/duration.js';
import { EmailStatus } from '../db/emails.js';
import { DeliveryPhase, StepName, StepState } from '../domain/delivery.js';
import { DeliveryState, LIMITS, OrderState, PaymentEventType, PaymentMethod, PaymentState } from '../domain/order.js';
import { ParcelState } from '../domain/parcels.js';
import { RefundStatus, ReturnState } from '../domain/refunds.js';
import { Assignment } from '../domain/sales.js';
import { CardProvider, DeliverySteps, ShippingPolicy } from '../domain/settings.js';
import { ShippingKind } from '../domain/shipping.js';
import { isValidRate, TAX_CLASS_PATTERN } from '../domain/tax.js';

extendZodWithOpenApi(z);

const values = <T extends Record<string, string>>(o: T) => Object.values(o) as [T[keyof T], ...Array<T[keyof T]>];

export const Sku = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-"').openapi({ example: 'MUG-BLUE' });
export const Quantity = z.number().int().min(1).max(LIMITS.maxQuantity);
export const Money = z.number().int().min(0).max(100_000_000).openapi({ description: 'Minor units (cents).' });
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR').openapi({ example: 'EUR' });
const Email = z.email().max(254);
const ShortText = z.string().trim().min(1).max(200);
export const TaxClassName = z.string().regex(TAX_CLASS_PATTERN, 'lowercase letters, digits and "_", such as "reduced"').openapi({ example: 'standard' });

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'cart_not_editable' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

// ---------------------------------------------------------------- catalog
export const ProductSchema = z
  .object({
    sku: Sku,
    name: z.string(),
    price: Money,
    currency: Currency,
    type: z.enum(values(ProductType)),
    returnable: z.boolean(),
    onHand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int(),
    weightGrams: z.number().int().nullable(),
    taxClass: z.string().openapi({ description: "A class of the shop's tax settings: standard, reduced, zero, or the shop's own" }),
  })
  .openapi('Product');

export const NewProductBody = z
  .object({
    sku: Sku,
    name: ShortText,
    price: Money,
    currency: Currency.default('EUR'),
    type: z.enum(values(ProductType)),
    returnable: z.boolean().optional(),
    onHand: z.number().int().min(0).max(10_000_000).optional(),
    weightGrams: z.number().int().min(0).max(1_000_000).optional(),
    taxClass: TaxClassName.optional().openapi({ description: 'Default standard; must be a class of the tax settings.' }),
  })
  .strict()
  .openapi('NewProduct');

export const ProductPatchBody = z
  .object({
    name: ShortText.optional(),
    price: Money.optional(),
    onHand: z.number().int().min(0).max(10_000_000).optional(),
    returnable: z.boolean().optional(),
    weightGrams: z.number().int().min(0).max(1_000_000).nullable().optional(),
    taxClass: TaxClassName.optional().openapi({ description: "A class of the tax settings; orders already priced keep their rates." }),
  })
  .strict()
  .openapi('ProductPatch');

// ---------------------------------------------------------------- carts and orders
export const LineInput = z.object({ sku: Sku, quantity: Quantity }).strict().openapi('LineInput');

export const NewCartBody = z
  .object({
    lines: z.array(LineInput).max(LIMITS.maxLines).optional(),
    customer: z
      .object({ email: Email.optional(), name: ShortText.optional(), loggedIn: z.boolean().optional() })
      .strict()
      .optional(),
  })
  .strict()
  .openapi('NewCart');

export const QuantityBody = z
  .object({ quantity: z.number().int().min(0).max(LIMITS.maxQuantity).openapi({ description: '0 removes the line.' }) })
  .strict();

export const AddressSchema = z
  .object({
    line1: ShortText,
    line2: z.string().trim().max(200).optional(),
    city: ShortText,
    postalCode: z.string().trim().min(1).max(20),
    country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as FR'),
  })
  .strict()
  .openapi('Address');

export const ContactBody = z
  .object({
    email: Email,
    name: ShortText.optional(),
    phone: z.string().trim().min(3).max(40).optional(),
    shippingAddress: AddressSchema.optional(),
  })
  .strict()
  .openapi('Contact');

export const CheckoutBody = z.object({ paymentMethod: z.enum(values(PaymentMethod)) }).strict().openapi('CheckoutRequest');

export const OrderLineSchema = z
  .object({
    sku: z.string(),
    name: z.string(),
    quantity: z.number().int(),
    unitPrice: Money,
    subtotal: Money,
    taxRate: z.number().optional().openapi({ description: 'The tax rate (percent) the line was priced with: the order keeps it when the shop changes its rates' }),
  })
  .openapi('OrderLine');

export const PaymentSchema = z
  .object({
    reference: z.string(),
    method: z.enum(values(PaymentMethod)),
    amount: Money,
    currency: Currency,
    instructions: z.string().optional(),
    paymentUrl: z.string().optional().openapi({ description: "Where the customer pays (the demo card provider's page, in development)" }),
  })
  .openapi('Payment');

/** The checkout's payment adds what the storefront needs to send the customer through a card payment. */
const CheckoutPaymentSchema = PaymentSchema.extend({
  redirectUrl: z.string().optional().openapi({ description: "The provider's hosted payment page, when it has one (the demo provider)" }),
  clientSecret: z.string().optional().openapi({ description: "For the storefront's own payment form (Stripe's Payment Element, stripe.confirmPayment)" }),
}).openapi('CheckoutPayment');

export const OrderSchema = z
  .object({
    id: z.string(),
    number: z.string().openapi({ example: 'S00042' }),
    state: z.enum(values(OrderState)),
    paymentState: z.enum(values(PaymentState)),
    deliveryState: z.enum(values(DeliveryState)),
    lines: z.array(OrderLineSchema),
    pricesIncludeTax: z.boolean().optional(),
    untaxedAmount: Money.optional(),
    taxAmount: Money.optional(),
    taxes: z.array(z.object({ rate: z.number(), base: Money, amount: Money })).optional().openapi({ description: 'Per rate, highest first: the base and the tax' }),
    total: Money,
    currency: Currency,
    contact: ContactBody.nullable(),
    customer: z.object({ email: z.string().optional(), name: z.string().optional(), loggedIn: z.boolean() }).optional(),
    customerEmail: z.string().optional().openapi({ description: "In lists: the customer's email as far as it is known (the contact's, or a logged-in customer's)" }),
    paymentMethod: z.enum(values(PaymentMethod)).nullable(),
    salesTeam: z.string(),
    salesperson: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    lastCustomerActivityAt: z.string(),
    version: z.number().int(),
    remindersSent: z.number().int().optional(),
    lastReminderAt: z.string().nullable().optional(),
    confirmedAt: z.string().nullable().optional(),
    invoice: z.object({ id: z.string(), number: z.string() }).nullable().optional().openapi({ description: 'The invoice issued when the order became paid' }),
    creditNotes: z.array(z.object({ refundId: z.string(), id: z.string(), number: z.string() })).optional(),
    shipping: z
      .object({ methodId: z.string(), name: z.string(), kind: z.enum(values(ShippingKind)), amount: z.number().int() })
      .optional()
      .openapi({ description: 'The shipping method chosen on the cart and its fee (included in total).' }),
    receipts: z
      .array(z.lazy(() => ReceiptSchema))
      .optional()
      .openapi({ description: 'v1.1: money an operator recorded by hand (POST /api/orders/:id/payments), oldest first' }),
    amountDue: Money.optional().openapi({ description: 'v1.1: what is still owed: 0 once paid, else the total minus the receipts' }),
    refundDue: Money.optional().openapi({
      description:
        'v1.1: on a cancelled order, the money received (its payment, or the receipts recorded by hand) not refunded yet: what the shop owes the customer. Absent when nothing is owed.',
    }),
  })
  .openapi('Order');

export const EmailSchema = z
  .object({
    id: z.string(),
    orderId: z.string().nullable(),
    to: z.string(),
    kind: z.string(),
    subject: z.string(),
    status: z.enum(values(EmailStatus)),
    transport: z.string(),
    providerId: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
    attachment: z
      .object({ invoiceId: z.string(), number: z.string(), filename: z.string() })
      .nullable()
      .openapi({ description: 'The invoice (confirmation) or credit note (refund) attached as PDF; its PDF is `GET /api/invoices/{invoiceId}/pdf`.' }),
  })
  .openapi('Email');

export const EmailListQuery = z
  .object({ orderId: z.string().max(100).optional(), to: z.string().max(254).optional(), limit: z.coerce.number().int().min(1).max(500).default(200) })
  .strict();

export const TimelineEntrySchema = z
  .object({ seq: z.number().int(), at: z.string(), type: z.string(), message: z.string(), data: z.unknown().optional() })
  .openapi('TimelineEntry');

export const OrderDetailSchema = OrderSchema.extend({
  payments: z.array(
    PaymentSchema.extend({
      status: z.string(),
      provider: z.string(),
      createdAt: z.string(),
      events: z.array(z.object({ id: z.string(), type: z.string(), amount: z.number(), currency: z.string(), receivedAt: z.string() })),
    }),
  ),
  deliveries: z.array(z.lazy(() => DeliverySchema)),
  returns: z.array(z.lazy(() => ReturnSchema)),
  refunds: z.array(z.lazy(() => RefundSchema)),
  emails: z.array(EmailSchema),
  timeline: z.array(TimelineEntrySchema),
  accessToken: z.string(),
  returnUrl: z.string(),
  workflowId: z.string(),
  temporalUrl: z.string(),
}).openapi('OrderDetail');

export const CheckoutResultSchema = z.object({ order: OrderSchema, payment: CheckoutPaymentSchema }).openapi('CheckoutResult');

export const OrderListQuery = z
  .object({
    state: z.enum(values(OrderState)).optional(),
    paymentState: z.enum(values(PaymentState)).optional(),
    q: z.string().trim().min(1).max(100).optional().openapi({ description: 'Order number, customer email or name (substring).' }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
  })
  .strict();

export const AbandonedCartQuery = OrderListQuery.omit({ state: true, paymentState: true }).extend({ limit: z.coerce.number().int().min(1).max(200).default(200) });

export const OrderListSchema = z.object({ items: z.array(OrderSchema), nextCursor: z.string().nullable() }).openapi('OrderList');

export const ConfirmBody = z
  .object({
    paymentReceived: z.boolean().optional().openapi({ description: 'The operator saw the money (wire transfer arrived, paid in store).' }),
  })
  .strict();

export const CancelBody = z.object({ reason: z.string().trim().max(500).optional() }).strict();

// ---------------------------------------------------------------- payments webhook
export const PaymentWebhookBody = z
  .object({
    id: z.string().min(1).max(200),
    type: z.enum(values(PaymentEventType)),
    data: z.object({ reference: z.string().min(1).max(200), amount: z.number().int().min(0), currency: Currency }),
  })
  .openapi('PaymentWebhook');

// ---------------------------------------------------------------- settings
const DurationText = z.string().refine(isDuration, 'a duration such as "90s", "30m", "10h" or "2d"');

const PaymentMethodsSchema = z
  .object({
    card: z.object({ enabled: z.boolean(), provider: z.enum(values(CardProvider)) }),
    wire_transfer: z.object({ enabled: z.boolean(), instructions: z.string() }),
    pay_in_store: z.object({ enabled: z.boolean() }),
  })
  .openapi('PaymentMethods', {
    description: "The methods customers may check out with; card runs through the server's configured provider (stripe, or demo outside production).",
  });

const PaymentMethodsPatch = z
  .object({
    card: z.object({ enabled: z.boolean().optional(), provider: z.enum(values(CardProvider)).optional() }).strict().optional(),
    wire_transfer: z
      .object({ enabled: z.boolean().optional(), instructions: z.string().trim().max(2000).optional().openapi({ description: 'Added to the transfer details the customer gets' }) })
      .strict()
      .optional(),
    pay_in_store: z.object({ enabled: z.boolean().optional() }).strict().optional(),
  })
  .strict()
  .openapi('PaymentMethodsPatch', { description: 'Merged method by method, field by field. A switched-off method is refused at checkout (422 payment_method_disabled); open orders keep theirs.' });

const CountryCode = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as FR');
const TaxRate = z
  .number()
  .refine(isValidRate, 'a percentage between 0 and 100 with at most 3 decimals, such as 5.5')
  .openapi({ description: 'Percent, e.g. 20 or 5.5' });

const TaxSettingsSchema = z
  .object({
    pricesIncludeTax: z.boolean(),
    country: CountryCode,
    rates: z.record(z.string(), z.record(z.string(), z.number())).openapi({ description: 'Percent per class per country, e.g. { "FR": { "standard": 20, "reduced": 5.5, "zero": 0 } }' }),
  })
  .openapi('TaxSettings');

const TaxSettingsPatch = z
  .object({
    pricesIncludeTax: z.boolean().optional().openapi({ description: 'Catalog prices and the shipping fee include tax. Orders already priced keep theirs.' }),
    country: CountryCode.optional().openapi({ description: "The shop's country, whose rates apply" }),
    rates: z
      .record(CountryCode, z.record(TaxClassName, TaxRate.nullable()))
      .optional()
      .openapi({ description: 'Merged country by country, class by class; null removes a class (refused while a product uses it). A rate change applies to new quotations.' }),
  })
  .strict()
  .openapi('TaxSettingsPatch');

export const SettingsSchema = z
  .object({
    shopName: z.string(),
    currency: Currency,
    salesTeam: z.string().openapi({ description: "The sales team's name (new orders carry it)" }),
    salesperson: z.string().nullable().openapi({ description: 'The fixed salesperson, or null (the team alone, or its salespeople in turn)' }),
    salesTeamId: z.string(),
    salespersonId: z.string().nullable(),
    abandonedCart: z.object({
      enabled: z.boolean(),
      delay: z.string(),
      subject: z.string(),
      body: z.string(),
      followUps: z.array(z.string()),
      expireAfter: z.string(),
    }),
    deliverySteps: z.enum(values(DeliverySteps)),
    deliveryDoneEmail: z.boolean(),
    shippingPolicy: z
      .enum(values(ShippingPolicy))
      .openapi({ description: 'when_all_ready: one delivery waits for every product; as_soon_as_possible: what is in stock ships now, a backorder delivery follows' }),
    returnWindowDays: z.number().int(),
    bankAccount: z.string(),
    cartRecoveryUrl: z.string().nullable(),
    shopAddress: z.object({ line1: z.string(), city: z.string(), postalCode: z.string(), country: z.string() }),
    paymentMethods: PaymentMethodsSchema,
    taxes: TaxSettingsSchema,
    autoInvoice: z.boolean().openapi({ description: 'Paid orders get their invoice, successful refunds their credit note' }),
  })
  .openapi('Settings');

export const SettingsPatchBody = z
  .object({
    shopName: ShortText.optional(),
    salesTeam: ShortText.optional().openapi({ description: 'A sales team by name (it must exist: POST /api/sales-teams); or use salesTeamId' }),
    salesperson: ShortText.nullable().optional().openapi({ description: 'A salesperson of that team by name, or null for none; or use salespersonId' }),
    salesTeamId: z.string().min(1).max(100).optional(),
    salespersonId: z.string().min(1).max(100).nullable().optional(),
    abandonedCart: z
      .object({
        enabled: z.boolean().optional(),
        delay: DurationText.optional(),
        subject: z.string().trim().min(1).max(200).optional(),
        body: z.string().trim().min(1).max(10_000).optional(),
        followUps: z.array(DurationText).max(4).optional().openapi({ description: 'Further reminders, e.g. ["24h", "3d"]: each sent at most once.' }),
        expireAfter: DurationText.optional().openapi({ description: 'A quotation idle this long is cancelled (default "30d").' }),
      })
      .strict()
      .optional(),
    deliverySteps: z.enum(values(DeliverySteps)).optional(),
    deliveryDoneEmail: z.boolean().optional(),
    shippingPolicy: z.enum(values(ShippingPolicy)).optional(),
    returnWindowDays: z.number().int().min(0).max(365).optional(),
    bankAccount: ShortText.optional(),
    cartRecoveryUrl: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .nullable()
      .optional()
      .openapi({ description: 'The storefront cart page for recovery links, with {order_id} and {token} placeholders.' }),
    shopAddress: AddressSchema.omit({ line2: true }).optional().openapi({ description: 'The sender on shipping labels.' }),
    paymentMethods: PaymentMethodsPatch.optional(),
    taxes: TaxSettingsPatch.optional(),
    autoInvoice: z.boolean().optional(),
  })
  .strict()
  .openapi('SettingsPatch');

// ---------------------------------------------------------------- sales teams
export const SalespersonSchema = z
  .object({ id: z.string(), teamId: z.string(), name: z.string(), email: z.string().nullable(), active: z.boolean(), createdAt: z.string() })
  .openapi('Salesperson');

const AssignmentSchema = z.enum(values(Assignment)).openapi({
  description: 'team_only: orders carry the team alone (unless the settings fix a salesperson); round_robin: its active salespeople in turn',
});

export const SalesTeamSchema = z
  .object({ id: z.string(), name: z.string(), assignment: AssignmentSchema, salespeople: z.array(SalespersonSchema), createdAt: z.string() })
  .openapi('SalesTeam');

export const SalesTeamBody = z.object({ name: ShortText, assignment: AssignmentSchema.optional() }).strict().openapi('NewSalesTeam');
export const SalesTeamPatchBody = z.object({ name: ShortText.optional(), assignment: AssignmentSchema.optional() }).strict().openapi('SalesTeamPatch');
export const SalespersonBody = z.object({ name: ShortText, email: Email.optional() }).strict().openapi('NewSalesperson');
export const SalespersonPatchBody = z
  .object({ name: ShortText.optional(), email: Email.nullable().optional(), active: z.boolean().optional() })
  .strict()
  .openapi('SalespersonPatch');

export const IdParam = z.object({ id: z.string().min(1).max(100) });
export const SkuParam = z.object({ sku: Sku });
export const CartLineParams = z.object({ id: z.string().min(1).max(100), sku: Sku });

// ---------------------------------------------------------------- deliveries
export const StepNameSchema = z.enum(values(StepName));

export const DeliverySchema = z
  .object({
    id: z.string(),
    orderId: z.string(),
    orderNumber: z.string(),
    state: z.enum(values(DeliveryPhase)),
    steps: z.array(z.object({ name: StepNameSchema, state: z.enum(values(StepState)), doneAt: z.string().optional() })),
    trackingNumber: z.string().optional(),
    carrier: z.string().optional(),
    labelUrl: z.string().optional(),
    parcels: z.array(z.lazy(() => ParcelSchema)).optional(),
    backorderOf: z.string().optional().openapi({ description: 'A backorder: the first delivery of the same order (shipping policy as_soon_as_possible)' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    doneAt: z.string().optional(),
  })
  .openapi('Delivery');

export const DeliveryListQuery = z
  .object({ state: z.enum(values(DeliveryPhase)).optional(), limit: z.coerce.number().int().min(1).max(500).default(200) })
  .strict();

export const ParcelSchema = z
  .object({
    id: z.string(),
    lines: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
    weightGrams: z.number().int().nullable(),
    carrier: z.string(),
    trackingNumber: z.string(),
    trackingUrl: z.string().optional(),
    labelUrl: z.string(),
    state: z.enum(values(ParcelState)),
  })
  .openapi('Parcel');

const ParcelSplitInput = z
  .array(
    z
      .object({
        lines: z.array(z.object({ sku: Sku, quantity: Quantity }).strict()).min(1).max(100),
        weightGrams: z.number().int().min(1).max(1_000_000).optional().openapi({ description: "Absent: the sum of the products' weights." }),
      })
      .strict(),
  )
  .min(1)
  .max(50)
  .openapi({ description: 'At the label step (pack, or ship without pack): every unit of the delivery in exactly one parcel, else 422 parcel_split_invalid. Absent: one parcel holds everything.' });

export const ValidateBody = z
  .object({
    step: StepNameSchema.optional().openapi({ description: 'The step meant; a repeat of a step already done then has no effect.' }),
    parcels: ParcelSplitInput.optional(),
  })
  .strict();

export const ParcelParams = z.object({ id: z.string().min(1).max(100), parcelId: z.string().min(1).max(20) });

// ---------------------------------------------------------------- payments recorded by hand (v1.1)
export const RecordPaymentBody = z
  .object({
    amount: z.number().int().min(1).max(100_000_000).openapi({ description: 'Minor units received' }),
    method: z.enum([PaymentMethod.pay_in_store, PaymentMethod.wire_transfer]).optional().openapi({ description: "How the money came; absent: the order's method" }),
    note: z.string().trim().max(500).optional(),
  })
  .strict();

export const ReceiptSchema = z
  .object({
    id: z.string(),
    reference: z.string(),
    amount: Money,
    currency: Currency,
    method: z.enum(values(PaymentMethod)),
    note: z.string().optional(),
    by: z.string().optional(),
    at: z.string(),
  })
  .openapi('Receipt');

// ---------------------------------------------------------------- refunds and returns
export const RefundBody = z
  .object({
    amount: z.number().int().min(1).max(100_000_000).optional().openapi({ description: 'Minor units; absent: everything still refundable.' }),
    reason: z.string().trim().max(500).optional(),
    manual: z
      .boolean()
      .optional()
      .openapi({ description: 'v1.1: true records a refund the shop made by hand (bank transfer), for a payment its provider cannot refund: no provider call, 201 succeeded' }),
  })
  .strict();

export const RefundSchema = z
  .object({
    id: z.string(),
    amount: Money,
    currency: Currency,
    status: z.enum(values(RefundStatus)),
    reason: z.string().nullable().optional(),
    returnId: z.string().nullable().optional(),
    providerRefundId: z.string().nullable().optional(),
    failureReason: z.string().nullable().optional(),
    manual: z.boolean().optional().openapi({ description: 'Made by hand (bank transfer) and recorded by an operator' }),
  })
  .openapi('Refund');

export const ReturnBody = z
  .object({
    token: z.string().max(200).optional().openapi({ description: "The order's access token (customers); operators use their bearer token instead." }),
    lines: z
      .array(z.object({ sku: Sku, quantity: Quantity, reason: z.string().trim().min(1).max(500) }).strict())
      .min(1)
      .max(LIMITS.maxLines),
  })
  .strict();

export const ReturnSchema = z
  .object({
    id: z.string(),
    orderId: z.string(),
    orderNumber: z.string().optional(),
    state: z.enum(values(ReturnState)),
    lines: z.array(z.object({ sku: z.string(), name: z.string(), quantity: z.number().int(), unitPrice: Money, reason: z.string() })),
    amount: Money,
    refundId: z.string().nullable().optional(),
    createdAt: z.string().optional(),
    receivedAt: z.string().nullable().optional(),
  })
  .openapi('Return');

export const ReturnListQuery = z
  .object({ state: z.enum(values(ReturnState)).optional() })
  .strict();

// ---------------------------------------------------------------- shipping methods (v1.1)
const ShippingKindSchema = z.enum(values(ShippingKind)).openapi({ description: 'carrier: shipped with a label; pickup: collected at the shop, no label' });
const CarrierService = z.string().trim().min(1).max(100).openapi({ description: "The carrier's service bought for this method's labels (e.g. \"Priority\"); absent: the cheapest rate." });

export const ShippingMethodSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: ShippingKindSchema,
    price: Money,
    currency: Currency,
    freeAbove: Money.optional().openapi({ description: 'Goods worth at least this much ship free.' }),
    carrierService: z.string().optional(),
    enabled: z.boolean(),
  })
  .openapi('ShippingMethod');

export const ShippingMethodChoiceBody = z.object({ id: z.string().min(1).max(100) }).strict().openapi('ShippingMethodChoice');

export const NewShippingMethodBody = z
  .object({
    name: ShortText,
    kind: ShippingKindSchema,
    price: Money,
    currency: Currency,
    freeAbove: Money.optional(),
    carrierService: CarrierService.optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .openapi('NewShippingMethod');

export const ShippingMethodPatchBody = z
  .object({
    name: ShortText.optional(),
    kind: ShippingKindSchema.optional(),
    price: Money.optional(),
    currency: Currency.optional(),
    freeAbove: Money.nullable().optional().openapi({ description: 'null: never free' }),
    carrierService: CarrierService.nullable().optional(),
    enabled: z.boolean().optional().openapi({ description: 'false: no longer offered to new carts' }),
  })
  .strict()
  .openapi('ShippingMethodPatch');

/**
 * GET /api/events (server-sent events, for the console): a projection was
 * written. `event: order` carries OrderEventSchema, `event: delivery`
 * DeliveryEventSchema. A hint to read again, not a copy of the data.
 */
export const OrderEventSchema = z.object({
  orderId: z.string(),
  version: z.number().int(),
  state: z.enum(values(OrderState)),
  deliveryState: z.enum(values(DeliveryState)),
});
export const DeliveryEventSchema = z.object({
  orderId: z.string(),
  deliveryId: z.string(),
  version: z.number().int(),
  state: z.enum(values(DeliveryPhase)),
});
