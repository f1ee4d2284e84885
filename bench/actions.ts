/**
 * Temporal billable actions, counted from a workflow's real history with
 * Temporal Cloud's definition: starts (and continue-as-new runs), updates,
 * signals received, timers, activity attempts, local-activity batches, child
 * workflow starts (counted in the parent, not again in the child), search
 * attribute upserts and workflow-property changes. Queries are not in a
 * history and are not counted here.
 */
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export const ACTION_KINDS = [
  'workflow_start',
  'continue_as_new',
  'update',
  'signal',
  'timer',
  'activity',
  'activity_retry',
  'local_activity_batch',
  'child_workflow',
  'search_attribute_upsert',
  'properties_modified',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];
export type ActionCount = Record<ActionKind, number>;

export function emptyCount(): ActionCount {
  return Object.fromEntries(ACTION_KINDS.map((k) => [k, 0])) as ActionCount;
}

export function countActions(events: HistoryEvent[], into: ActionCount = emptyCount()): ActionCount {
  let localActivityTask = -1;
  for (const e of events) {
    if (e.workflowExecutionStartedEventAttributes) {
      const started = e.workflowExecutionStartedEventAttributes;
      // A child's start is billed in its parent; a continued run is a start of its own.
      if (started.continuedExecutionRunId) into.continue_as_new += 1;
      else if (!started.parentWorkflowExecution) into.workflow_start += 1;
    } else if (e.workflowExecutionUpdateAcceptedEventAttributes) into.update += 1;
    else if (e.workflowExecutionSignaledEventAttributes) into.signal += 1;
    else if (e.timerStartedEventAttributes) into.timer += 1;
    else if (e.activityTaskScheduledEventAttributes) into.activity += 1;
    else if (e.activityTaskStartedEventAttributes) into.activity_retry += Math.max(0, (e.activityTaskStartedEventAttributes.attempt ?? 1) - 1);
    else if (e.startChildWorkflowExecutionInitiatedEventAttributes) into.child_workflow += 1;
    else if (e.upsertWorkflowSearchAttributesEventAttributes) into.search_attribute_upsert += 1;
    else if (e.workflowPropertiesModifiedEventAttributes) into.properties_modified += 1;
    else if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
      // Local activities recorded in one workflow task are one batch.
      const task = Number(e.markerRecordedEventAttributes.workflowTaskCompletedEventId ?? 0);
      if (task !== localActivityTask) into.local_activity_batch += 1;
      localActivityTask = task;
    }
  }
  return into;
}

export function totalActions(count: ActionCount): number {
  return ACTION_KINDS.reduce((sum, k) => sum + count[k], 0);
}
