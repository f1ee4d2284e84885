// Run by `npm install` / `npm ci` (this package's own postinstall; plain Node,
// no dependencies). Mends one known defect in a dependency until its release:
//
// postgres (postgres.js) 3.4.9: when a connection's socket closes, a write
// queued on it can run against the null socket and throw an uncaught
// TypeError from a setImmediate callback, which takes the whole process down
// (porsager/postgres#1154, #1208; fix proposed in #1168 / #1209). Our fault
// test met it with PostgreSQL stopped under load. The guard settles the
// pending queries with CONNECTION_CLOSED instead, which callers retry.
// Idempotent; says so and changes nothing when the code no longer matches.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MARK = '/* orders: nextWrite guard (porsager/postgres#1208) */';
const BEFORE = '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)';
const AFTER = `  function nextWrite(fn) {
    ${MARK}
    if (!socket) {
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options, socket))
      return false
    }
    const x = socket.write(chunk, fn)`;

let patched = 0;
for (const variant of ['src', 'cjs/src', 'cf/src']) {
  const file = join(root, 'node_modules', 'postgres', variant, 'connection.js');
  if (!existsSync(file)) continue;
  const text = readFileSync(file, 'utf8');
  if (text.includes(MARK)) continue;
  if (!text.includes(BEFORE)) {
    console.warn(`patch-dependencies: ${file} no longer has the code this guard mends; check whether the installed postgres fixes porsager/postgres#1208.`);
    continue;
  }
  writeFileSync(file, text.replace(BEFORE, AFTER));
  patched += 1;
}
if (patched) console.log(`patch-dependencies: postgres.js nextWrite guard applied to ${patched} file(s)`);
