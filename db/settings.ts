import { eq } from 'drizzle-orm';
import { DEFAULT_SETTINGS, type ShopSettings } from '../domain/settings.js';
import type { Db } from './index.js';
import { settings } from './schema.js';

const SHOP = 'shop';

/** Stored settings over the shipped defaults, so a setting added later has a value at once. */
export async function getSettings(db: Db): Promise<ShopSettings> {
  const [row] = await db.select().from(settings).where(eq(settings.id, SHOP));
  const stored = (row?.value ?? {}) as Partial<ShopSettings>;
  return {
    ...DEFAULT_SETTINGS,
    ...stored,
    abandonedCart: { ...DEFAULT_SETTINGS.abandonedCart, ...(stored.abandonedCart ?? {}) },
    paymentMethods: { ...DEFAULT_SETTINGS.paymentMethods, ...(stored.paymentMethods ?? {}) },
  };
}

export async function saveSettings(db: Db, value: ShopSettings): Promise<ShopSettings> {
  await db
    .insert(settings)
    .values({ id: SHOP, value })
    .onConflictDoUpdate({ target: settings.id, set: { value, updatedAt: new Date().toISOString() } });
  return value;
}
