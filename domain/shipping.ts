/**
 * Shipping methods and their fee (Odoo's delivery methods): a flat-rate
 * carrier method, optionally free above an amount of goods, and in-store
 * pickup. Pure: the cart, the checkout and the routes ask these.
 */
import { DomainError } from './errors.js';

export const ShippingKind = { carrier: 'carrier', pickup: 'pickup' } as const;
export type ShippingKind = (typeof ShippingKind)[keyof typeof ShippingKind];

export interface ShippingMethod {
  id: string;
  name: string;
  kind: ShippingKind;
  /** The flat fee, minor units. */
  price: number;
  currency: string;
  /** Goods worth at least this much (minor units) ship free; null: never free. */
  freeAbove: number | null;
  /** The carrier service bought for this method's labels; null: the cheapest. Never for pickup. */
  carrierService: string | null;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What the order carries: the method chosen and the fee it came to. */
export interface OrderShipping {
  methodId: string;
  name: string;
  kind: ShippingKind;
  amount: number;
}

/** The choice as the order keeps it: with the method's rate, so the fee follows the goods when the cart changes. */
export interface ChosenShipping extends OrderShipping {
  price: number;
  freeAbove: number | null;
  currency: string;
}

/** The cart's choice of an offered method (its fee is computed on the order, from its goods). */
export function chosenShipping(method: ShippingMethod): ChosenShipping {
  return { methodId: method.id, name: method.name, kind: method.kind, amount: method.price, price: method.price, freeAbove: method.freeAbove, currency: method.currency };
}

export type ShippingMethodFields = Pick<ShippingMethod, 'name' | 'kind' | 'price' | 'currency' | 'freeAbove' | 'carrierService' | 'enabled'>;

/** A method as created or patched must make sense as a whole (the patch is checked merged with what is there). */
export function checkShippingMethod(fields: ShippingMethodFields): void {
  if (!Number.isInteger(fields.price) || fields.price < 0) throw new DomainError('shipping_method_invalid', 'The price is a whole, non-negative amount in minor units.');
  if (fields.freeAbove !== null && (!Number.isInteger(fields.freeAbove) || fields.freeAbove < 0)) {
    throw new DomainError('shipping_method_invalid', 'freeAbove is a whole, non-negative amount in minor units.');
  }
  if (fields.kind === ShippingKind.pickup && fields.carrierService !== null) {
    throw new DomainError('shipping_method_invalid', 'In-store pickup has no carrier service: nothing is shipped.');
  }
  if (fields.freeAbove !== null && fields.price === 0) {
    throw new DomainError('shipping_method_invalid', 'A free method cannot also be "free above" an amount; drop freeAbove or set a price.');
  }
}

/** The fee for goods worth `goodsTotal`: the flat price, or nothing from `freeAbove` on. */
export function shippingFee(method: Pick<ShippingMethod, 'price' | 'currency' | 'freeAbove'>, goodsTotal: number, currency: string): number {
  if (method.currency !== currency) {
    throw new DomainError('currency_mismatch', `This shipping method is priced in ${method.currency}, the order in ${currency}.`);
  }
  if (method.freeAbove !== null && goodsTotal >= method.freeAbove) return 0;
  return method.price;
}

/** A storefront may choose only a method the shop offers now. */
export function checkChosenMethod(method: ShippingMethod | null, id: string): ShippingMethod {
  if (!method) throw new DomainError('shipping_method_not_found', `No shipping method ${id}.`);
  if (!method.enabled) throw new DomainError('shipping_method_disabled', `The shipping method "${method.name}" is no longer offered.`);
  return method;
}

/** Pickup has no carrier label: the customer collects the goods at the shop. */
export function needsCarrierLabel(shipping: Pick<OrderShipping, 'kind'> | null): boolean {
  return shipping?.kind !== ShippingKind.pickup;
}
