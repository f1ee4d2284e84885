import { asc, eq, inArray, sql } from 'drizzle-orm';
import { availableOf, returnableByDefault, type Product, type ProductType } from '../domain/catalog.js';
import { DomainError } from '../domain/errors.js';
import type { Db } from './index.js';
import { products } from './schema.js';

type Row = typeof products.$inferSelect;

export function toProduct(row: Row): Product {
  return {
    sku: row.sku,
    name: row.name,
    price: row.price,
    currency: row.currency,
    type: row.type,
    returnable: row.returnable,
    onHand: row.onHand,
    reserved: row.reserved,
    available: availableOf(row),
    weightGrams: row.weightGrams,
    taxClass: row.taxClass,
  };
}

export async function listProducts(db: Db): Promise<Product[]> {
  const rows = await db.select().from(products).orderBy(asc(products.sku));
  return rows.map(toProduct);
}

export async function getProduct(db: Db, sku: string): Promise<Product | null> {
  const [row] = await db.select().from(products).where(eq(products.sku, sku));
  return row ? toProduct(row) : null;
}

export async function getProductsBySku(db: Db, skus: string[]): Promise<Map<string, Product>> {
  if (skus.length === 0) return new Map();
  const rows = await db.select().from(products).where(inArray(products.sku, skus));
  return new Map(rows.map((r) => [r.sku, toProduct(r)]));
}

export interface NewProduct {
  sku: string;
  name: string;
  price: number;
  currency: string;
  type: ProductType;
  returnable?: boolean | undefined;
  onHand?: number | undefined;
  weightGrams?: number | undefined;
  taxClass?: string | undefined;
}

export async function createProduct(db: Db, input: NewProduct): Promise<Product> {
  const [row] = await db
    .insert(products)
    .values({
      sku: input.sku,
      name: input.name,
      price: input.price,
      currency: input.currency,
      type: input.type,
      returnable: input.returnable ?? returnableByDefault(input.type),
      onHand: input.type === 'storable' ? (input.onHand ?? 0) : 0,
      weightGrams: input.weightGrams ?? null,
      taxClass: input.taxClass ?? 'standard',
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new DomainError('product_exists', `A product with SKU ${input.sku} already exists.`, { sku: input.sku });
  return toProduct(row);
}

export interface ProductPatch {
  name?: string | undefined;
  price?: number | undefined;
  onHand?: number | undefined;
  returnable?: boolean | undefined;
  weightGrams?: number | null | undefined;
  taxClass?: string | undefined;
}

/** Stock on hand may never drop below what is already reserved for confirmed orders. */
export async function updateProduct(db: Db, sku: string, patch: ProductPatch): Promise<Product> {
  const values: Partial<typeof products.$inferInsert> = { updatedAt: sql`now()` as unknown as string };
  if (patch.name !== undefined) values.name = patch.name;
  if (patch.price !== undefined) values.price = patch.price;
  if (patch.returnable !== undefined) values.returnable = patch.returnable;
  if (patch.weightGrams !== undefined) values.weightGrams = patch.weightGrams;
  if (patch.onHand !== undefined) values.onHand = patch.onHand;
  if (patch.taxClass !== undefined) values.taxClass = patch.taxClass;
  const onHand = patch.onHand;
  const [row] = await db
    .update(products)
    .set(values)
    .where(onHand === undefined ? eq(products.sku, sku) : sql`${products.sku} = ${sku} and ${products.reserved} <= ${onHand}`)
    .returning();
  if (row) return toProduct(row);
  const existing = await getProduct(db, sku);
  if (!existing) throw new DomainError('product_not_found', `No product with SKU ${sku}.`, { sku });
  throw new DomainError('stock_below_reserved', `${existing.reserved} units of ${sku} are reserved: on hand cannot go below that.`, {
    sku,
    reserved: existing.reserved,
  });
}

/** The tax classes the catalog uses: the settings may not drop one of them. */
export async function taxClassesInUse(db: Db): Promise<string[]> {
  const rows = await db.selectDistinct({ taxClass: products.taxClass }).from(products);
  return rows.map((r) => r.taxClass);
}
