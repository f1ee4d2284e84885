import { sql } from 'drizzle-orm';
import { returnableByDefault } from '../domain/catalog.js';
import type { NewProduct } from './products.js';
import type { Db } from './index.js';
import { products } from './schema.js';

/** A small demo catalog, so the README's walkthrough works on a first start. */
export const DEMO_CATALOG: NewProduct[] = [
  { sku: 'MUG-BLUE', name: 'Blue ceramic mug', price: 1290, currency: 'EUR', type: 'storable', onHand: 40, weightGrams: 350 },
  { sku: 'TEE-M', name: 'Organic T-shirt (M)', price: 2490, currency: 'EUR', type: 'storable', onHand: 25, weightGrams: 180 },
  { sku: 'POSTER-A2', name: 'Poster A2', price: 1900, currency: 'EUR', type: 'storable', onHand: 10, returnable: false, weightGrams: 200 },
  { sku: 'COFFEE-250', name: 'Coffee beans 250 g', price: 890, currency: 'EUR', type: 'consumable', returnable: false, weightGrams: 260 },
  { sku: 'GIFT-WRAP', name: 'Gift wrapping', price: 350, currency: 'EUR', type: 'service', returnable: false },
];

/** Seeds the demo catalog into an empty products table only; never touches a shop's own catalog. */
export async function seedDemoCatalog(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(products);
  if ((row?.n ?? 0) > 0) return false;
  await db
    .insert(products)
    .values(
      DEMO_CATALOG.map((p) => ({
        sku: p.sku,
        name: p.name,
        price: p.price,
        currency: p.currency,
        type: p.type,
        returnable: p.returnable ?? returnableByDefault(p.type),
        onHand: p.onHand ?? 0,
        weightGrams: p.weightGrams ?? null,
      })),
    )
    .onConflictDoNothing();
  return true;
}
