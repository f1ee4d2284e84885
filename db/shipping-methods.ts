/** The shop's shipping methods (see domain/shipping.ts for their rules). */
import { randomBytes } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { DomainError } from '../domain/errors.js';
import { checkShippingMethod, type ShippingMethod, type ShippingMethodFields } from '../domain/shipping.js';
import type { Db } from './index.js';
import { shippingMethods } from './schema.js';

function toMethod(row: typeof shippingMethods.$inferSelect): ShippingMethod {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    price: row.price,
    currency: row.currency,
    freeAbove: row.freeAbove,
    carrierService: row.carrierService,
    enabled: row.enabled,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Oldest first: the order the operator created them in is the order the storefront shows. */
export async function listShippingMethods(db: Db, options: { enabledOnly?: boolean } = {}): Promise<ShippingMethod[]> {
  const rows = await db
    .select()
    .from(shippingMethods)
    .where(options.enabledOnly ? eq(shippingMethods.enabled, true) : undefined)
    .orderBy(asc(shippingMethods.createdAt), asc(shippingMethods.id));
  return rows.map(toMethod);
}

export async function getShippingMethod(db: Db, id: string): Promise<ShippingMethod | null> {
  const [row] = await db.select().from(shippingMethods).where(eq(shippingMethods.id, id));
  return row ? toMethod(row) : null;
}

export type NewShippingMethod = Pick<ShippingMethodFields, 'name' | 'kind' | 'price' | 'currency'> & Partial<Pick<ShippingMethodFields, 'freeAbove' | 'carrierService' | 'enabled'>>;

export async function createShippingMethod(db: Db, input: NewShippingMethod): Promise<ShippingMethod> {
  const fields: ShippingMethodFields = {
    name: input.name,
    kind: input.kind,
    price: input.price,
    currency: input.currency,
    freeAbove: input.freeAbove ?? null,
    carrierService: input.carrierService ?? null,
    enabled: input.enabled ?? true,
  };
  checkShippingMethod(fields);
  const [row] = await db
    .insert(shippingMethods)
    .values({ id: `ship_${randomBytes(9).toString('base64url')}`, ...fields })
    .returning();
  return toMethod(row!);
}

/** A patch is checked merged with the method as it stands, in one transaction so two patches cannot combine into an invalid method. */
export async function updateShippingMethod(db: Db, id: string, patch: Partial<ShippingMethodFields>): Promise<ShippingMethod> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(shippingMethods).where(eq(shippingMethods.id, id)).for('update');
    if (!row) throw new DomainError('shipping_method_not_found', `No shipping method ${id}.`);
    const current = toMethod(row);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<ShippingMethodFields>;
    const merged: ShippingMethodFields = { ...current, ...defined };
    checkShippingMethod(merged);
    if (Object.keys(defined).length === 0) return current;
    const [updated] = await tx
      .update(shippingMethods)
      .set({ ...defined, updatedAt: sql`now()` })
      .where(eq(shippingMethods.id, id))
      .returning();
    return toMethod(updated!);
  });
}
