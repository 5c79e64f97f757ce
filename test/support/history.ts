import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { UpgradeHarness } from './upgrade-harness';

/**
 * The results of a child workflow's `copyDocuments` activities, in the order they completed, as its
 * history recorded them: one per copy, or more when a paused copy was continued.
 */
export async function copyResults(h: UpgradeHarness, workflowId: string): Promise<Record<string, unknown>[]> {
  const events = (await h.env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const copies = new Set(
    events
      .filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'copyDocuments')
      .map((event) => String(event.eventId)),
  );
  return events.flatMap((event) => {
    const completed = event.activityTaskCompletedEventAttributes;
    const data = completed?.result?.payloads?.[0]?.data;
    if (!completed || !copies.has(String(completed.scheduledEventId)) || !data) return [];
    return [JSON.parse(Buffer.from(data).toString('utf8')) as Record<string, unknown>];
  });
}

/** The marker the SDK records for a local activity, with its type in `data` and its result in `result`. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

function payloadValue(payload: Payload | undefined): Record<string, unknown> | undefined {
  return payload
    ? defaultPayloadConverter.fromPayload<Record<string, unknown> | undefined>(payload)
    : undefined;
}

/**
 * The `_reindex` task of each copy in a child workflow's history: the one its quick copy finished, or the
 * last one its `copyDocuments` watched; Elasticsearch's records of them tell when each copy ran.
 */
export async function copyTaskIds(h: UpgradeHarness, workflowId: string): Promise<string[]> {
  const events = (await h.env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const quick = events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== LOCAL_ACTIVITY_MARKER) return [];
    const type = payloadValue(marker.details?.data?.payloads?.[0])?.activity_type;
    const result = payloadValue(marker.details?.result?.payloads?.[0]);
    return type === 'copyDocumentsQuickly' && result?.finished === true ? [String(result.taskId)] : [];
  });
  const watched = (await copyResults(h, workflowId)).map((result) => String(result.taskId));
  return [...quick, ...watched];
}
