/**
 * "A projection was written": a PostgreSQL NOTIFY sent in the projection's own
 * transaction (delivered on commit, never for a rolled-back write), which
 * every API process LISTENs to and passes on to the console as server-sent
 * events (api/routes/events.ts). The worker writes projections in its own
 * process, so the database is the one place every API process can learn of it.
 */
import { sql } from 'drizzle-orm';
import type { Db } from './index.js';

export const PROJECTION_CHANNEL = 'projection_written';

/** What was written; small, so far below NOTIFY's 8000-byte payload limit. No customer data. */
export type ProjectionEvent =
  | { kind: 'order'; orderId: string; version: number; state: string; deliveryState: string }
  | { kind: 'delivery'; orderId: string; deliveryId: string; version: number; state: string };

export async function notifyProjection(db: Db, event: ProjectionEvent): Promise<void> {
  await db.execute(sql`select pg_notify(${PROJECTION_CHANNEL}, ${JSON.stringify(event)})`);
}
