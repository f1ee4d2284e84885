import { durationMs, isDuration } from './duration.js';
import { DEFAULT_TEMPLATES, templateProblems } from './email-templates.js';
import type { Order } from './order.js';
import { DEFAULT_TAX_SETTINGS, type TaxSettings } from './tax.js';

export const DeliverySteps = {
  ship_only: 'ship_only',
  pick_ship: 'pick_ship',
  pick_pack_ship: 'pick_pack_ship',
} as const;
export type DeliverySteps = (typeof DeliverySteps)[keyof typeof DeliverySteps];

/**
 * Odoo's shipping policy: one delivery that waits for every product
 * (`when_all_ready`, the default), or what is in stock now plus a backorder
 * delivery for the rest (`as_soon_as_possible`).
 */
export const ShippingPolicy = { when_all_ready: 'when_all_ready', as_soon_as_possible: 'as_soon_as_possible' } as const;
export type ShippingPolicy = (typeof ShippingPolicy)[keyof typeof ShippingPolicy];

/** The card providers a shop may choose; the process offers the one it is configured with (config.ts). */
export const CardProvider = { stripe: 'stripe', demo: 'demo' } as const;
export type CardProvider = (typeof CardProvider)[keyof typeof CardProvider];

/**
 * The payment methods a shop takes. The brief: "a payment provider compatible
 * with refunds must first be activated" — a method switched off is refused at
 * checkout; orders already checked out with it keep it.
 */
export interface PaymentMethodSettings {
  card: { enabled: boolean; provider: CardProvider };
  /** `instructions`: the shop's own text added to the transfer details the customer gets. */
  wire_transfer: { enabled: boolean; instructions: string };
  pay_in_store: { enabled: boolean };
}

export interface AbandonedCartSettings {
  enabled: boolean;
  /** Idle time before the reminder, e.g. "10h". */
  delay: string;
  subject: string;
  body: string;
  /** Further reminders, each after this much idle time (going beyond the brief's single reminder). */
  followUps: string[];
  /** A quotation idle this long is cancelled. */
  expireAfter: string;
}

export interface ShopSettings {
  shopName: string;
  currency: string;
  /** The sales team new orders go to (a record of sales_teams). */
  salesTeamId: string;
  /** A salesperson of that team who gets every new order; null: the team's rule (alone, or in turn). */
  salespersonId: string | null;
  abandonedCart: AbandonedCartSettings;
  deliverySteps: DeliverySteps;
  deliveryDoneEmail: boolean;
  /** A confirmed order whose stock is only partly there: wait for all, or ship what is there and backorder the rest. */
  shippingPolicy: ShippingPolicy;
  returnWindowDays: number;
  /** Shown to customers who pay by wire transfer. */
  bankAccount: string;
  /**
   * Where a reminder's recovery link sends the customer: the storefront's cart
   * page, with {order_id} and {token} filled in. Unset: the API shows the cart itself.
   */
  cartRecoveryUrl: string | null;
  /** The sender on shipping labels. */
  shopAddress: { line1: string; city: string; postalCode: string; country: string };
  paymentMethods: PaymentMethodSettings;
  /** Rates per class (per country) and whether prices include tax: domain/tax.ts. */
  taxes: TaxSettings;
  /** An order that becomes paid gets its invoice, and every successful refund its credit note (Odoo's "automatic invoice"). */
  autoInvoice: boolean;
}

/** The shop's return window until an operator sets one. */
export const DEFAULT_RETURN_WINDOW_DAYS = 30;

/**
 * An order's return window, in days: the one in force when its delivery was
 * created (a later settings change does not move it), else the shop's window
 * now (orders delivered before windows were recorded), else the default.
 */
export function returnWindowDaysOf(order: Pick<Order, 'delivery'>, shopReturnWindowDays: number = DEFAULT_RETURN_WINDOW_DAYS): number {
  return order.delivery?.returnWindowDays ?? shopReturnWindowDays;
}

export const DEFAULT_SETTINGS: ShopSettings = {
  shopName: 'Demo Shop',
  currency: 'EUR',
  salesTeamId: 'team_website',
  salespersonId: null,
  abandonedCart: {
    enabled: true,
    delay: '10h',
    subject: DEFAULT_TEMPLATES.abandoned_cart.subject,
    body: DEFAULT_TEMPLATES.abandoned_cart.body,
    followUps: [],
    expireAfter: '30d',
  },
  deliverySteps: DeliverySteps.ship_only,
  deliveryDoneEmail: true,
  shippingPolicy: ShippingPolicy.when_all_ready,
  returnWindowDays: DEFAULT_RETURN_WINDOW_DAYS,
  bankAccount: 'IBAN FR76 3000 6000 0112 3456 7890 189 (BIC AGRIFRPP)',
  cartRecoveryUrl: null,
  shopAddress: { line1: '12 rue du Commerce', city: 'Lyon', postalCode: '69002', country: 'FR' },
  paymentMethods: {
    card: { enabled: true, provider: CardProvider.demo },
    wire_transfer: { enabled: true, instructions: '' },
    pay_in_store: { enabled: true },
  },
  taxes: DEFAULT_TAX_SETTINGS,
  autoInvoice: true,
};

export function settingsProblems(s: ShopSettings): string[] {
  const problems: string[] = [];
  const { abandonedCart: cart } = s;
  const durations = [cart.delay, ...cart.followUps, cart.expireAfter];
  const bad = durations.filter((d) => !isDuration(d));
  if (bad.length) {
    problems.push(`abandonedCart: ${bad.map((d) => `"${d}"`).join(', ')} must look like "90s", "30m", "10h" or "2d"`);
    return problems;
  }
  const delays = [cart.delay, ...cart.followUps].map(durationMs);
  if (delays.some((d, i) => i > 0 && d <= delays[i - 1]!)) problems.push('abandonedCart.followUps must come after the delay, each later than the one before');
  if (delays.some((d) => d >= durationMs(cart.expireAfter))) problems.push('abandonedCart.expireAfter must be longer than every reminder delay');
  if (cart.followUps.length > 4) problems.push('abandonedCart.followUps: at most 4 follow-ups');
  problems.push(...templateProblems({ subject: cart.subject, body: cart.body }).map((p) => `abandonedCart.${p}`));
  return problems;
}
