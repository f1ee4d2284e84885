/** `npx tsx scripts/temporal-cli.ts`: obtains the Temporal CLI (installing it if needed) and prints its path. */
import { loadConfig } from '../config.js';
import { resolveTemporalCli } from './temporal-server.js';

const config = loadConfig();
console.log(resolveTemporalCli({ cliPath: config.temporal.cliPath, searchPath: config.searchPath, log: (m) => console.error(m) }));
