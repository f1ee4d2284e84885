/**
 * The benchmark's action counter against small synthetic histories: each case
 * is one rule of Temporal Cloud's published definition of an action.
 */
import { readFileSync } from 'node:fs';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { addUnseen, countActions, emptyCount, emptyUnbilled, totalActions, type ActionCount } from '../bench/actions.js';
import { END, renderTable, replaceBetweenMarkers, START, type BenchResult } from '../scripts/render-performance.js';

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

describe('the Performance table is rendered from a result file', () => {
  const result: BenchResult = {
    at: '2026-11-29T06:20:16.270Z',
    machine: '2 cores',
    settings: { sessions: 40, concurrency: 5, abandon: 0.1 },
    completedOrders: 16,
    seconds: 62.1,
    ordersPerSecond: 0.26,
    baselinePerSecond: 0.58,
    throughputRatio: 0.448,
    addLineP99Ms: 1153.4,
    baselineUpdateP99Ms: 934.4,
    latencyRatio: 1.234,
    addLineP50Ms: 574.4,
    validateP50Ms: 3832.9,
    actionsPerOrder: { total: 66.3, query: 33.4, child_workflow: 2, update_rejected: 0 },
    queriesPerOrder: 33.4,
    historyEventsPerOrder: 148.8,
    baseline: { pinned: true },
    memory: { workerPeakMb: 358, apiPeakMb: 212 },
    idle: { carts: 2000, seconds: 100, workerRssMb: 500, workerRssBeforeMb: 400, target: 10000, fresh: true },
    storm: { reminders: 30, sent: 30, duplicates: 0, seconds: 11.7, latenessP50Ms: 5748, latenessP99Ms: 9871 },
  };

  it('writes the figures between the markers and leaves the rest of the document alone', () => {
    const doc = `# Perf\n\nbefore\n\n${START}\nold table\n${END}\n\nafter\n`;
    const out = replaceBetweenMarkers(doc, renderTable(result, 'bench/results/x.json'));
    expect(out.startsWith('# Perf\n\nbefore\n\n<!-- perf:start -->\n')).toBe(true);
    expect(out.endsWith('<!-- perf:end -->\n\nafter\n')).toBe(true);
    expect(out).not.toContain('old table');
    expect(out).toContain('| validate p50 / add-line p50 | 3833 / 574 ms = 6.67 | ≤ 2 |');
    expect(out).toContain('| billable actions per order (docs’ count, queries included) | 66.3 | ≤ 20 |');
    // 2,000 carts from a fresh worker grew it by 100 MB: 10,000 extrapolate to 400 + 500 MB.
    expect(out).toContain('2,000 from a fresh worker in 100 s: 500 MB (from 400); 10,000 extrapolated: 900 MB');
    expect(out).toContain('30 / 30 sent in 12 s, 0 twice; lateness p50 5.7 s, p99 9.9 s');
    expect(out).toContain('Actions per order by kind: query 33.4, child workflow 2.0.');
  });

  it('refuses a document without its markers, and shows a missing figure of an older result as a dash', () => {
    expect(() => replaceBetweenMarkers('no markers here', 'x')).toThrow(/perf:start/);
    expect(() => replaceBetweenMarkers(`${END}\n${START}`, 'x')).toThrow(/perf:start/);
    const older = { ...result, validateP50Ms: undefined, addLineP50Ms: undefined, storm: undefined, idle: null };
    expect(renderTable(older, 'old.json')).toContain('| validate p50 / add-line p50 | – / – ms = – | ≤ 2 |');
  });
});
