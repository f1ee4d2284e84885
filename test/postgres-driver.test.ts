/**
 * postgres.js 3.4.9 crashes the process (an uncaught TypeError from a
 * setImmediate) when a write is queued on a connection whose backend died —
 * the fault test met it with PostgreSQL stopped under load. `npm install`
 * mends it (scripts/patch-dependencies.mjs); this runs the deterministic
 * reproduction of porsager/postgres#1208 in a child process, so that without
 * the mend this test fails instead of the test runner crashing.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const DATABASE_URL = process.env.DATABASE_URL;

const REPRO = `
import postgres from 'postgres';
process.on('uncaughtException', (e) => { console.log('crashed: ' + e.message); process.exit(3); });
const sql = postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} });
const admin = postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} });
const reserved = await sql.reserve();
const [{ pid }] = await reserved\`select pg_backend_pid() as pid\`;
await admin\`select pg_terminate_backend(\${pid})\`;
// The precondition, observed rather than guessed: the backend process is gone.
while ((await admin\`select 1 from pg_stat_activity where pid = \${pid}\`).length > 0) await new Promise((r) => setTimeout(r, 10));
const outcomes = [];
for (let i = 0; i < 3; i++) outcomes.push(await reserved\`select 1\`.then(() => 'ok', (e) => e.code));
// The pool itself carries on.
const [{ n }] = await admin\`select 1 as n\`;
console.log(JSON.stringify({ outcomes, n }));
process.exit(0);
`;

describe.runIf(DATABASE_URL)('the PostgreSQL driver under a dying connection', () => {
  it('a query on a connection whose backend was terminated is rejected, and the process lives', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', REPRO], { env: { ...process.env, DATABASE_URL }, timeout: 20_000 }).catch(
      (error: { stdout?: string; code?: number }) => ({ stdout: `exit ${error.code}: ${error.stdout ?? ''}` }),
    );
    expect(stdout.trim()).toBe(JSON.stringify({ outcomes: ['CONNECTION_CLOSED', 'CONNECTION_CLOSED', 'CONNECTION_CLOSED'], n: 1 }));
  });
});
