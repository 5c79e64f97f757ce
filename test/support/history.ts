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
