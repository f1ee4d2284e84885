export const ProductType = { storable: 'storable', consumable: 'consumable', service: 'service' } as const;
export type ProductType = (typeof ProductType)[keyof typeof ProductType];

export interface Product {
  sku: string;
  name: string;
  price: number;
  currency: string;
  type: ProductType;
  returnable: boolean;
  onHand: number;
  reserved: number;
  available: number;
  weightGrams: number | null;
  /** A class of the shop's tax settings (domain/tax.ts). */
  taxClass: string;
}

/** What a cart line keeps of a product: its price is fixed when it is added. */
export interface ProductSnapshot {
  sku: string;
  name: string;
  unitPrice: number;
  currency: string;
  type: ProductType;
}

/** Services have no stock; consumables are not tracked; storables are. */
export function tracksStock(type: ProductType): boolean {
  return type === ProductType.storable;
}

export function availableOf(p: { type: ProductType; onHand: number; reserved: number }): number {
  return tracksStock(p.type) ? p.onHand - p.reserved : 0;
}

/** Services never come back; goods may, unless the catalog marks a product otherwise (see isReturnable in refunds.ts). */
export function returnableByDefault(type: string): boolean {
  return type !== ProductType.service;
}
