/**
 * The benchmark's action counter against small synthetic histories: each case
 * is one rule of Temporal Cloud's published definition of an action.
 */
import { readFileSync } from 'node:fs';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { addUnseen, countActions, emptyCount, emptyUnbilled, totalActions, type ActionCount } from '../bench/actions.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Attributes = Omit<HistoryEvent, 'eventId'>;

/** Numbers the events as a server would (ids are Longs in fetched histories, strings in JSON ones; the counter reads either). */
function history(...events: Attributes[]): HistoryEvent[] {
  return events.map((e, i) => ({ ...e, eventId: String(i + 1) }) as unknown as HistoryEvent);
}

const started = (extra: temporal.api.history.v1.IWorkflowExecutionStartedEventAttributes = {}): Attributes => ({ workflowExecutionStartedEventAttributes: { workflowType: { name: 'w' }, ...extra } });
const scheduled: Attributes = { workflowTaskScheduledEventAttributes: {} };
const taskStarted: Attributes = { workflowTaskStartedEventAttributes: {} };
const completed = (localActivityRetries = 0): Attributes => ({
  workflowTaskCompletedEventAttributes: localActivityRetries ? { meteringMetadata: { nonfirstLocalActivityExecutionAttempts: localActivityRetries } } : {},
});
/** A marker recorded by the workflow task whose completion is event `taskCompletedId`. */
const marker = (name: string, taskCompletedId: number): Attributes =>
  ({ markerRecordedEventAttributes: { markerName: name, workflowTaskCompletedEventId: String(taskCompletedId) } }) as unknown as Attributes;
const upsert = (...keys: string[]): Attributes => ({
  upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: Object.fromEntries(keys.map((k) => [k, { data: new Uint8Array([0x22, 0x22]) }])) } },
});
const accepted: Attributes = { workflowExecutionUpdateAcceptedEventAttributes: { protocolInstanceId: 'u' } };

function only(count: ActionCount): Partial<ActionCount> {
  return Object.fromEntries(Object.entries(count).filter(([, n]) => n !== 0));
}

describe('billable actions, by the docs', () => {
  it('update-with-start is a start and an update; a signal, a timer and an activity attempt are one each', () => {
    const count = countActions(
      history(
        started(),
        scheduled,
        taskStarted,
        completed(),
        accepted,
        { workflowExecutionSignaledEventAttributes: { signalName: 's' } },
        { timerStartedEventAttributes: { timerId: '1' } },
        { activityTaskScheduledEventAttributes: { activityId: '1' } },
        { activityTaskStartedEventAttributes: { attempt: 3 } },
      ),
    );
    expect(only(count)).toEqual({ workflow_start: 1, update: 1, signal: 1, timer: 1, activity: 1, activity_retry: 2 });
    expect(totalActions(count)).toBe(7);
  });

  it('a child workflow start is two actions in the parent and none in the child', () => {
    const parent = countActions(history(started(), scheduled, taskStarted, completed(), { startChildWorkflowExecutionInitiatedEventAttributes: { workflowId: 'child' } }));
    expect(only(parent)).toEqual({ workflow_start: 1, child_workflow: 2 });
    const child = countActions(history(started({ parentWorkflowExecution: { workflowId: 'parent' } })));
    expect(totalActions(child)).toBe(0);
    const continued = countActions(history(started({ continuedExecutionRunId: 'previous-run' })));
    expect(only(continued)).toEqual({ continue_as_new: 1 });
  });

  it('all local activities of one workflow task are one action; another task is another', () => {
    // Task 1 (completed at event 4) records three local activities; task 2 (event 10) one.
    const count = countActions(
      history(
        started(),
        scheduled,
        taskStarted,
        completed(),
        marker('core_local_activity', 4),
        marker('core_local_activity', 4),
        marker('core_local_activity', 4),
        { workflowExecutionSignaledEventAttributes: { signalName: 's' } },
        scheduled,
        taskStarted,
        completed(),
        marker('core_local_activity', 11),
      ),
    );
    expect(only(count)).toEqual({ workflow_start: 1, signal: 1, local_activity_batch: 2 });
  });

  it('local-activity retries and workflow-task heartbeats are extra actions', () => {
    // The first task completes empty and asks for a new one at once (the heartbeat); the second records the marker after 2 retries.
    const count = countActions(history(started(), scheduled, taskStarted, completed(), scheduled, taskStarted, completed(2), marker('core_local_activity', 7)));
    expect(only(count)).toEqual({ workflow_start: 1, local_activity_batch: 1, local_activity_retry: 2, workflow_task_heartbeat: 1 });
  });

  it('an empty task followed by one that accepts an update is not a heartbeat', () => {
    const count = countActions(history(started(), scheduled, taskStarted, completed(), scheduled, taskStarted, completed(), accepted));
    expect(only(count)).toEqual({ workflow_start: 1, update: 1 });
  });

  it('patch markers and TemporalChangeVersion upserts are free; any other upsert is one per command', () => {
    const unbilled = emptyUnbilled();
    const count = countActions(
      history(
        started(),
        scheduled,
        taskStarted,
        completed(),
        marker('core_patch', 4),
        upsert('TemporalChangeVersion'),
        upsert('OrderState', 'OrderTotal'),
        upsert('TemporalChangeVersion', 'OrderState'),
        { workflowPropertiesModifiedEventAttributes: {} },
      ),
      emptyCount(),
      unbilled,
    );
    expect(only(count)).toEqual({ workflow_start: 1, search_attribute_upsert: 2 });
    expect(unbilled).toEqual({ change_version_upsert: 1, patch_marker: 1, properties_modified: 1, metadata_query: 0 });
  });

  it('queries handled by a worker and rejected updates count, though no history shows them; the metadata query is free', () => {
    const unbilled = emptyUnbilled();
    const count = addUnseen(emptyCount(), { queries: { orderQuery: 5, deliveryQuery: 2, __stack_trace: 1, __temporal_workflow_metadata: 4 }, rejectedUpdates: 1 }, unbilled);
    expect(only(count)).toEqual({ query: 8, update_rejected: 1 });
    expect(unbilled.metadata_query).toBe(4);
  });

  it('a recorded order with its delivery: every child start is two', () => {
    const parent = JSON.parse(readFileSync(new URL('./histories/delivered-pick-pack-ship.json', import.meta.url), 'utf8')) as { events: Array<Record<string, unknown>> };
    const initiated = parent.events.filter((e) => e.eventType === 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED').length;
    expect(initiated).toBeGreaterThan(0);
    expect(countActions(parent.events as HistoryEvent[]).child_workflow).toBe(2 * initiated);
  });
});
