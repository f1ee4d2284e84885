/**
 * Temporal Cloud billable actions, counted the way the published definition
 * counts them (docs.temporal.io/cloud/actions, read 2026-11):
 *
 * - a workflow start is 1 (client start, the start half of update-with-start,
 *   continue-as-new); a child workflow's own start is not billed again in the
 *   child: the parent's StartChildWorkflowExecutionInitiated is **2** (the
 *   recorded intent and the attempt to start);
 * - an update received by a worker is 1, accepted **or rejected**; a rejected
 *   update leaves no event, so it is counted by the caller ({@link addUnseen});
 * - a signal is 1, whether a client or a workflow sent it: counted once, where
 *   it was received (WorkflowExecutionSignaled);
 * - a query handled by a worker is 1 and is never in a history, so the caller
 *   counts it ({@link addUnseen}); only the built-in `__temporal_workflow_metadata`
 *   query is free (`__stack_trace`, the UI's call stack, is billed);
 * - a timer started is 1, the implicit one of `condition(fn, timeout)` too;
 * - an activity is 1 per attempt (scheduled, plus `attempt − 1` retries);
 * - all local activities recorded in one workflow task are 1 together; each
 *   workflow-task heartbeat that kept a long local activity alive is 1 more,
 *   and local-activity retries are 1 each (the server records them on the
 *   workflow task in `meteringMetadata.nonfirstLocalActivityExecutionAttempts`;
 *   capped at 100 per task as the docs say);
 * - a search-attribute upsert is 1 per command, however many attributes it
 *   sets, except one that only sets `TemporalChangeVersion` (what `patched()`
 *   upserts): that is free;
 * - a workflow-options update is 1.
 *
 * Free, and reported apart so nobody mistakes them for actions: patch markers
 * (`core_patch` markers are version markers, not local activities), the
 * `TemporalChangeVersion` upserts, memo changes (WorkflowPropertiesModified),
 * current details, the metadata query.
 *
 * Signal-with-start (one action in all) is not used by this project; its
 * history would count 2 here.
 */
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export const ACTION_KINDS = [
  'workflow_start',
  'continue_as_new',
  'update',
  'update_rejected',
  'signal',
  'query',
  'timer',
  'activity',
  'activity_retry',
  'local_activity_batch',
  'local_activity_retry',
  'workflow_task_heartbeat',
  'child_workflow',
  'search_attribute_upsert',
  'options_updated',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];
export type ActionCount = Record<ActionKind, number>;

/** What the histories hold that is not billed, counted to show it is not forgotten. */
export const UNBILLED_KINDS = ['change_version_upsert', 'patch_marker', 'properties_modified', 'metadata_query'] as const;
export type UnbilledKind = (typeof UNBILLED_KINDS)[number];
export type UnbilledCount = Record<UnbilledKind, number>;

/** The built-in query every SDK answers; the docs exclude it from billing. */
export const METADATA_QUERY = '__temporal_workflow_metadata';
const CHANGE_VERSION = 'TemporalChangeVersion';
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
const PATCH_MARKER = 'core_patch';
/** The docs cap local-activity retries billed after a workflow-task heartbeat at 100. */
const LOCAL_ACTIVITY_RETRY_CAP = 100;

export function emptyCount(): ActionCount {
  return Object.fromEntries(ACTION_KINDS.map((k) => [k, 0])) as ActionCount;
}

export function emptyUnbilled(): UnbilledCount {
  return Object.fromEntries(UNBILLED_KINDS.map((k) => [k, 0])) as UnbilledCount;
}

/**
 * Counts the billed actions of one workflow run's history into `into` (and the
 * free items into `unbilled`). Call once per history: order, delivery, …
 */
export function countActions(events: HistoryEvent[], into: ActionCount = emptyCount(), unbilled: UnbilledCount = emptyUnbilled()): ActionCount {
  // Workflow tasks (by their completed event id) whose commands recorded local-activity markers.
  const localActivityTasks = new Set<number>();
  for (const e of events) {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === LOCAL_ACTIVITY_MARKER) localActivityTasks.add(Number(marker.workflowTaskCompletedEventId ?? 0));
  }

  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.workflowExecutionStartedEventAttributes) {
      const started = e.workflowExecutionStartedEventAttributes;
      // A child's start is billed in its parent; a continued run is billed as continue-as-new.
      if (started.continuedExecutionRunId) into.continue_as_new += 1;
      else if (!started.parentWorkflowExecution) into.workflow_start += 1;
    } else if (e.workflowExecutionUpdateAcceptedEventAttributes) into.update += 1;
    else if (e.workflowExecutionSignaledEventAttributes) into.signal += 1;
    else if (e.timerStartedEventAttributes) into.timer += 1;
    else if (e.activityTaskScheduledEventAttributes) into.activity += 1;
    else if (e.activityTaskStartedEventAttributes) into.activity_retry += Math.max(0, Number(e.activityTaskStartedEventAttributes.attempt ?? 1) - 1);
    else if (e.startChildWorkflowExecutionInitiatedEventAttributes) into.child_workflow += 2;
    else if (e.upsertWorkflowSearchAttributesEventAttributes) {
      const keys = Object.keys(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {});
      if (keys.length > 0 && keys.every((k) => k === CHANGE_VERSION)) unbilled.change_version_upsert += 1;
      else into.search_attribute_upsert += 1;
    } else if (e.workflowPropertiesModifiedEventAttributes) unbilled.properties_modified += 1;
    else if (e.workflowExecutionOptionsUpdatedEventAttributes) into.options_updated += 1;
    else if (e.markerRecordedEventAttributes) {
      if (e.markerRecordedEventAttributes.markerName === PATCH_MARKER) unbilled.patch_marker += 1;
    } else if (e.workflowTaskCompletedEventAttributes) {
      const id = Number(e.eventId ?? 0);
      if (localActivityTasks.has(id)) into.local_activity_batch += 1;
      const retries = Number(e.workflowTaskCompletedEventAttributes.meteringMetadata?.nonfirstLocalActivityExecutionAttempts ?? 0);
      into.local_activity_retry += Math.min(LOCAL_ACTIVITY_RETRY_CAP, retries);
      if (isWorkflowTaskHeartbeat(events, i)) into.workflow_task_heartbeat += 1;
    }
  }
  return into;
}

/**
 * A workflow-task heartbeat is not marked as such in a history. It is a task
 * completed with no command while a local activity runs past ~80% of the task
 * timeout: the SDK asks for a new task at once. So: a completion directly
 * followed by the next task's scheduling, with no command event between, and
 * the chain of such empty tasks ending in one that records local-activity
 * markers. (An update arriving mid-task also yields an empty completion, but
 * the task after it accepts the update rather than recording markers alone.)
 */
function isWorkflowTaskHeartbeat(events: HistoryEvent[], completedIndex: number): boolean {
  let i = completedIndex;
  for (;;) {
    if (!events[i + 1]?.workflowTaskScheduledEventAttributes) return false;
    // Find the next completion.
    let j = i + 2;
    while (j < events.length && !events[j]!.workflowTaskCompletedEventAttributes) {
      if (!events[j]!.workflowTaskStartedEventAttributes) return false;
      j++;
    }
    if (j >= events.length) return false;
    let k = j + 1;
    let markers = false;
    let updates = false;
    while (k < events.length && !events[k]!.workflowTaskScheduledEventAttributes) {
      if (events[k]!.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) markers = true;
      if (events[k]!.workflowExecutionUpdateAcceptedEventAttributes) updates = true;
      k++;
    }
    if (markers) return !updates;
    // Another empty completion: the heartbeat chain goes on.
    i = j;
  }
}

/**
 * Actions no history shows, counted by whoever saw them: queries handled by a
 * worker (the metadata query is free) and rejected updates.
 */
export function addUnseen(into: ActionCount, seen: { queries?: Record<string, number>; rejectedUpdates?: number }, unbilled?: UnbilledCount): ActionCount {
  for (const [name, n] of Object.entries(seen.queries ?? {})) {
    if (name === METADATA_QUERY) {
      if (unbilled) unbilled.metadata_query += n;
    } else into.query += n;
  }
  into.update_rejected += seen.rejectedUpdates ?? 0;
  return into;
}

export function totalActions(count: ActionCount): number {
  return ACTION_KINDS.reduce((sum, k) => sum + count[k], 0);
}
