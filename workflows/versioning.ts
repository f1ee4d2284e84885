/**
 * Which workflow types move to a new worker version mid-run (Worker
 * Deployment versioning; the worker's default for the others is PINNED).
 *
 * - orderWorkflow: AUTO_UPGRADE. A cart or an unpaid order lives for weeks;
 *   pinned, every old version would have to keep running (and be drained)
 *   for that long. Its changes are therefore guarded by patched() and the
 *   replay corpus (test/replay.test.ts) proves old histories still replay.
 * - deliveryWorkflow, returnWorkflow, refundWorkflow: PINNED. They finish
 *   within minutes to days, so a run ends on the code it started with and a
 *   change to them needs no patch; the old version drains quickly.
 */
import type { VersioningBehavior } from '@temporalio/common';
import { setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import { deliveryWorkflow } from './delivery.js';
import { orderWorkflow } from './order.js';
import { refundWorkflow } from './refund.js';
import { returnWorkflow } from './return.js';

/**
 * A getter, not a constant: the server refuses a versioning behavior from an
 * unversioned worker (TEMPORAL_DEPLOYMENT_NAME unset), which would fail every
 * workflow task. It declares none there (an unversioned worker still reports
 * a build id, its bundle's checksum, but no deployment name).
 */
const behavior = (versioningBehavior: VersioningBehavior) => () => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior } : {});

setWorkflowOptions(behavior('AUTO_UPGRADE'), orderWorkflow);
setWorkflowOptions(behavior('PINNED'), deliveryWorkflow);
setWorkflowOptions(behavior('PINNED'), returnWorkflow);
setWorkflowOptions(behavior('PINNED'), refundWorkflow);
