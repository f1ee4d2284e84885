/**
 * `npm run build`: compiles the API and the worker with the project's tsc to
 * dist/, copies what they read at run time (SQL migrations, the console's
 * assets), and prebuilds the workflow bundle, so production starts them as
 * plain `node dist/api/server.js` and `node dist/worker.js`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (command, args) => {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

rmSync(`${root}dist`, { recursive: true, force: true });
run(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json']);
cpSync(`${root}db/migrations`, `${root}dist/db/migrations`, { recursive: true });
cpSync(`${root}api/console/assets`, `${root}dist/api/console/assets`, { recursive: true });
// The bundle is made from the TypeScript sources (webpack with the SDK's loader), once, here.
run(process.execPath, ['--import', 'tsx', `${root}scripts/bundle-workflows.ts`, `${root}dist/workflow-bundle.js`]);
if (!existsSync(`${root}dist/workflow-bundle.js`)) {
  console.error('the workflow bundle was not written');
  process.exit(1);
}
console.log('built dist/ (node dist/api/server.js, node dist/worker.js)');
