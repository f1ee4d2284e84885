/**
 * Bundles the workflows into one file. The worker runs this in a short-lived
 * process of its own, so webpack's memory never counts in the long-running
 * worker's.
 */
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../worker.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: tsx scripts/bundle-workflows.ts <output file>');
  process.exit(2);
}
// Warnings and errors only: webpack's module listing would fill the dev terminal at every start.
const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
writeFileSync(out, code);
