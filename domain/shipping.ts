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

export function orderShipping(method: ShippingMethod, goodsTotal: number, currency: string): OrderShipping {
  return { methodId: method.id, name: method.name, kind: method.kind, amount: shippingFee(method, goodsTotal, currency) };
}

/**
 * At checkout: a shop that offers shipping methods needs one chosen (and still
 * offered); a shop without any ships as before, with no fee.
 */
export function checkShippingAtCheckout(shopMethods: ShippingMethod[], chosen: OrderShipping | null): void {
  const offered = shopMethods.filter((m) => m.enabled);
  if (offered.length === 0) return;
  if (!chosen) {
    throw new DomainError('shipping_method_required', `Choose a shipping method first: ${offered.map((m) => `"${m.name}" (${m.id})`).join(', ')}.`);
  }
  const method = shopMethods.find((m) => m.id === chosen.methodId) ?? null;
  checkChosenMethod(method, chosen.methodId);
}

/** Pickup has no carrier label: the customer collects the goods at the shop. */
export function needsCarrierLabel(shipping: Pick<OrderShipping, 'kind'> | null): boolean {
  return shipping?.kind !== ShippingKind.pickup;
}
