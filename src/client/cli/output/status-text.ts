import { lineText, type SqueezableLine } from './fit-width';
import { count, duration, rate } from './numbers';
import { etaMs, type TrackedIndex } from './progress-tracker';
import { renderTable } from './table';
import { progressPercent, type ReindexDataStreamStatus } from '../../../shared/status';

const BAR_WIDTH = 24;

/** `complete`, `complete with errors`, `failed`, `paused` or `running`, as an operator says it. */
export function stateOf(status: ReindexDataStreamStatus): string {
  if (status.exception !== undefined) return 'failed';
  // A data stream always has a backing index: zero means the workflow has not counted them yet.
  if (!status.complete && status.total_indices_in_data_stream === 0) return 'starting';
  if (!status.complete) return status.paused !== undefined ? 'paused' : 'running';
  return status.errors.length > 0 ? 'complete with errors' : 'complete';
}

export function progressBar(fraction: number, width = BAR_WIDTH): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/**
 * One line per index being copied: bar, documents copied / total, percent, rate and ETA; the index name
 * apart, so a narrow terminal can shorten it and keep the rest.
 */
export function indexProgress(tracked: TrackedIndex): SqueezableLine {
  // Before its copy task reports, an index has no document total yet.
  if (tracked.totalDocCount === 0 && tracked.reindexedDocCount === 0) {
    return { before: '  ', name: tracked.index, after: `  ${progressBar(0)} starting` };
  }
  const fraction = tracked.totalDocCount > 0 ? tracked.reindexedDocCount / tracked.totalDocCount : 0;
  const figures =
    `${count(tracked.reindexedDocCount)}/${count(tracked.totalDocCount)} ` +
    `${(100 * fraction).toFixed(1)}%  ${rate(tracked.docsPerSecond)}  ETA ${duration(etaMs(tracked))}`;
  return {
    before: '  ',
    name: tracked.index,
    after: `  ${progressBar(fraction)} ${figures}`,
    shortAfter: `  ${figures}`,
  };
}

export function indexProgressLine(tracked: TrackedIndex): string {
  return lineText(indexProgress(tracked));
}

/** The status header: what the upgrade is doing overall. */
export function statusHeader(dataStream: string, status: ReindexDataStreamStatus, now: number): string[] {
  const lines = [
    `Data stream  ${dataStream}`,
    `State        ${stateOf(status)} (${progressPercent(status)}%)`,
    `Started      ${new Date(status.start_time_millis).toISOString()} (${duration(now - status.start_time_millis)} ago)`,
    stateOf(status) === 'starting'
      ? 'Indices      counting the backing indices'
      : `Indices      ${status.total_indices_in_data_stream} in the data stream, ${status.total_indices_requiring_upgrade} to upgrade: ` +
        `${status.successes} done, ${status.in_progress.length} copying, ${status.pending} pending, ${status.errors.length} failed`,
  ];
  if (status.paused !== undefined) {
    lines.push(
      `Paused       since ${new Date(status.paused.since_millis).toISOString()} (${duration(now - status.paused.since_millis)} ago); ` +
        (status.paused.now
          ? 'copies stopped until `ds-reindex resume`'
          : 'copies in flight finish, nothing new starts until `ds-reindex resume`'),
    );
  }
  if (status.verify !== undefined) lines.push(`Verify       ${status.verify}, before each swap`);
  if (status.exception !== undefined) lines.push(`Exception    ${status.exception}`);
  return lines;
}

export function errorLines(status: ReindexDataStreamStatus): string[] {
  if (status.errors.length === 0) return [];
  return ['Errors:', ...status.errors.map((error) => `  ${error.index}: ${error.message}`)];
}

/** The table printed when an upgrade watched to the end finishes. */
export function summaryTable(status: ReindexDataStreamStatus, seen: readonly TrackedIndex[]): string {
  const rows = seen.map((tracked) => [
    tracked.index,
    tracked.state === 'failed' ? 'failed' : tracked.state,
    // An index that finished between polls before reporting its total shows no count rather than 0.
    tracked.totalDocCount > 0 ? count(tracked.totalDocCount) : '-',
    duration(tracked.lastSeenAt - tracked.firstSeenAt),
    tracked.message ?? '',
  ]);
  const unseen = status.successes - seen.filter((tracked) => tracked.state === 'done').length;
  const table = renderTable(['index', 'result', 'documents', 'time', 'message'], rows);
  const note = unseen > 0 ? `\n(${unseen} more index(es) upgraded between polls)` : '';
  return (
    `${table}${note}\n` +
    `Upgraded ${status.successes} of ${status.total_indices_requiring_upgrade}, ${status.errors.length} failed: ${stateOf(status)}`
  );
}
