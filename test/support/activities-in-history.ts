/**
 * The activities a history shows, ordinary or local: an ordinary one by its
 * ActivityTaskScheduled (and ActivityTaskCompleted) events, a local one by the
 * single marker recorded when it completed (`core_local_activity`, whose
 * details name the activity type).
 */
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The activity type a local-activity marker records, else undefined. */
export function localActivityType(e: HistoryEvent): string | undefined {
  const marker = e.markerRecordedEventAttributes;
  if (marker?.markerName !== 'core_local_activity') return undefined;
  const data = marker.details?.data?.payloads?.[0]?.data;
  if (!data) return undefined;
  const parsed = JSON.parse(Buffer.from(data).toString()) as { activity_type?: string; activityType?: string };
  return parsed.activity_type ?? parsed.activityType;
}

/** Activities of this type started (ordinary: scheduled) or done (local: its marker). */
export function activityRuns(events: HistoryEvent[], name: string): number {
  return events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name || localActivityType(e) === name).length;
}

/** Indexes of the events where an activity of this type completed (ordinary: ActivityTaskCompleted; local: its marker). */
export function activityCompletions(events: HistoryEvent[], name: string): number[] {
  const scheduled = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name).map((e) => String(e.eventId)));
  return events.flatMap((e, i) => (scheduled.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '-')) || localActivityType(e) === name ? [i] : []));
}
