/**
 * A database of the test file's own: in-memory PGlite by default, or a fresh
 * PostgreSQL database (created and dropped here) when DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { loadConfig } from '../../config.js';
import { createDb, type Database } from '../../db/index.js';
import { seedDemoCatalog } from '../../db/seed.js';

export async function createTestDatabase(options: { seed?: boolean } = {}): Promise<Database> {
  const url = loadConfig().databaseUrl;
  let database: Database;
  let drop = async () => {};
  if (url) {
    const name = `orders_test_${randomBytes(6).toString('hex')}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const testUrl = new URL(url);
    testUrl.pathname = `/${name}`;
    database = await createDb({ url: testUrl.toString(), max: 5 });
    drop = async () => {
      const again = postgres(url, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${name} with (force)`);
      await again.end();
    };
  } else {
    database = await createDb();
  }
  await database.migrate();
  if (options.seed ?? true) await seedDemoCatalog(database.db);
  const close = database.close;
  return {
    ...database,
    async close() {
      await close();
      await drop();
    },
  };
}
