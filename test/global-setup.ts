/**
 * Starts one real Temporal dev server (the same CLI `npm start` uses) and
 * bundles the workflows once for the whole run; each test file gets its own
 * task queue and database. With TEMPORAL_ADDRESS set, that cluster is used.
 * It also obtains the time-skipping test server for the files that need one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../config.js';
import { freePort, resolveTemporalCli, startDevServer, type DevServer } from '../scripts/temporal-server.js';
import { resolveTemporalTestServer } from '../scripts/temporal-test-server.js';
import { WORKFLOWS_PATH } from '../worker.js';

/** History events after which the test server suggests continue-as-new. */
export const SUGGEST_CONTINUE_AS_NEW_AFTER = 150;

export default async function setup(project: TestProject) {
  const config = loadConfig();
  let server: DevServer | undefined;
  let cli = '';
  let address = config.temporal.address;
  // The Temporal UI, so a browser test can find an order's run there as an operator would.
  let uiUrl = config.temporal.address ? (process.env.TEMPORAL_UI_URL ?? '') : '';
  if (!address) {
    cli = resolveTemporalCli({ cliPath: config.temporal.cliPath, searchPath: config.searchPath, log: console.log });
    // A low threshold makes busy carts continue as new within a test, so that path is exercised.
    const uiPort = await freePort();
    server = await startDevServer({ cli, port: await freePort(), uiPort, dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': SUGGEST_CONTINUE_AS_NEW_AFTER } });
    address = server.address;
    uiUrl = `http://127.0.0.1:${uiPort}`;
  }
  // The time-skipping server is started per test file (support/time-skipping.ts); obtained once here.
  const testServer = resolveTemporalTestServer({ testServerPath: config.temporal.testServerPath, searchPath: config.searchPath, log: console.log });
  const dir = mkdtempSync(join(tmpdir(), 'orders-test-'));
  const bundlePath = join(dir, 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: undefined });
  writeFileSync(bundlePath, code);

  project.provide('temporalAddress', address);
  project.provide('temporalCli', cli);
  project.provide('temporalUiUrl', uiUrl);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('temporalTestServer', testServer);
  return async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
