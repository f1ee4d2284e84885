/** `npm run seed`: migrates the database and seeds the demo catalog into an empty products table. */
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { createDb } from '../db/index.js';
import { seedDemoCatalog } from '../db/seed.js';

const config = loadConfig();
const database = await createDb({ url: config.databaseUrl, dataDir: join(config.dataDir, 'pglite') });
await database.migrate();
console.log((await seedDemoCatalog(database.db)) ? 'seeded the demo catalog' : 'products exist already: left as they are');
await database.close();
