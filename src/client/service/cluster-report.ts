import type { ClusterStatusView } from './cluster-upgrade-service';
import type { ReadOnlyView } from './cluster-plan';
import { formatMaintenanceWindow } from '../../shared/maintenance-window';
import type { VerifyMode } from '../../shared/verify-mode';
import type { ClusterState, DataStreamRunReport } from '../../workflows/cluster-definitions';
import type { StandaloneIndicesStatus } from '../../workflows/standalone-definitions';

// Which outcomes are successes is the cluster workflow's to say (up to date is one: nothing needed
// doing); the CLI, which may not import workflow code, reads it here.
export { isSuccessfulOutcome } from '../../workflows/cluster-definitions';

/** What each verification mode proved, for the Markdown report. */
const VERIFY_DESCRIPTIONS: Record<VerifyMode, string> = {
  count: '`count`: the same number of documents in the old and the new index',
  ids: '`ids`: the same document `_id`s in the old and the new index',
  content: '`content`: the same `_id` → `_source` in the old and the new index',
};

/** One data stream in the report, with its duration. */
export interface DataStreamReportEntry extends DataStreamRunReport {
  duration_millis: number;
}

export interface ClusterReportTotals {
  data_streams: number;
  upgraded: number;
  upgraded_with_errors: number;
  read_only: number;
  up_to_date: number;
  failed: number;
  cancelled: number;
  left_running: number;
  running: number;
  not_started: number;
  indices_reindexed: number;
  indices_failed: number;
  indices_marked_read_only: number;
  documents: number;
}

/** The cluster run's report: what the JSON answer holds and the Markdown renders. */
export interface ClusterReport {
  state: ClusterState;
  complete: boolean;
  pattern: string;
  read_only: ReadOnlyView;
  max_data_streams: number;
  /** How each copy was proven before its swap: `count`, `ids` or `content`. */
  verify: VerifyMode;
  /** `01:00-05:00 Europe/Berlin`, when the run had one. */
  window: string | null;
  start_time_millis: number;
  end_time_millis?: number;
  duration_millis?: number;
  totals: ClusterReportTotals;
  /** In the order they finished. */
  data_streams: DataStreamReportEntry[];
  /** Still running (only while the run is). */
  running: string[];
  /** Never started: the run was cancelled first, or is still working through them. */
  not_started: string[];
  /** Why the run itself stopped (state `failed`). */
  exception?: string;
  /** The standalone indices (`--indices`), each as it ended; absent when the run had none. */
  standalone_indices?: StandaloneIndicesStatus;
}

export function buildClusterReport(status: ClusterStatusView): ClusterReport {
  const entries = status.finished.map((entry) => ({
    ...entry,
    duration_millis: entry.finished_at_millis - entry.started_at_millis,
  }));
  const count = (outcome: DataStreamRunReport['outcome']) =>
    entries.filter((entry) => entry.outcome === outcome).length;
  const sum = (pick: (entry: DataStreamRunReport) => number) =>
    entries.reduce((total, entry) => total + pick(entry), 0);
  const report: ClusterReport = {
    state: status.state,
    complete: status.complete,
    pattern: status.pattern,
    read_only: status.read_only,
    max_data_streams: status.max_data_streams,
    // A run started before verification existed has none in its status: it compared counts.
    verify: status.verify ?? 'count',
    window: status.window === null ? null : formatMaintenanceWindow(status.window),
    start_time_millis: status.start_time_millis,
    totals: {
      data_streams: status.total_data_streams,
      upgraded: count('upgraded'),
      upgraded_with_errors: count('upgraded_with_errors'),
      read_only: count('read_only'),
      up_to_date: count('up_to_date'),
      failed: count('failed'),
      cancelled: count('cancelled'),
      left_running: count('left_running'),
      running: status.running.length,
      not_started: status.pending.length,
      indices_reindexed: sum((entry) => entry.indices_reindexed),
      indices_failed: sum((entry) => entry.indices_failed),
      indices_marked_read_only: sum((entry) => entry.indices_marked_read_only),
      documents: sum((entry) => (entry.outcome === 'cancelled' ? 0 : (entry.documents ?? 0))),
    },
    data_streams: entries,
    running: status.running.map((entry) => entry.data_stream),
    not_started: [...status.pending],
    ...(status.exception !== undefined ? { exception: status.exception } : {}),
    ...(status.standalone_indices !== undefined ? { standalone_indices: status.standalone_indices } : {}),
  };
  if (status.end_time_millis !== undefined) {
    report.end_time_millis = status.end_time_millis;
    report.duration_millis = status.end_time_millis - status.start_time_millis;
  }
  return report;
}

/** The read-only rule in words. */
export function describeReadOnly(rule: ReadOnlyView): string {
  switch (rule.kind) {
    case 'none':
      return 'none (every old index reindexed)';
    case 'all':
      return 'every old index marked read-only';
    case 'older-than':
      return (
        `old indices older than ${rule.older_than ?? '?'} (before ${new Date(rule.cutoff_millis ?? 0).toISOString()}) ` +
        'marked read-only, newer ones reindexed'
      );
  }
}

/** `1h 02m 03s`, `4m 05s`, `12s`. */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

const number = (value: number): string => value.toLocaleString('en-US');

/** Markdown cells must not break the table. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The report's opening list: state, selection, times, outcome and totals. */
function summaryLines(report: ClusterReport): string[] {
  const t = report.totals;
  const finished =
    report.end_time_millis !== undefined
      ? `, **finished:** ${new Date(report.end_time_millis).toISOString()} (${humanDuration(report.duration_millis ?? 0)})`
      : '';
  const extra = [
    t.left_running > 0 ? `, ${t.left_running} left running` : '',
    t.running > 0 ? `, ${t.running} running` : '',
    t.not_started > 0 ? `, ${t.not_started} not started` : '',
  ].join('');
  return [
    `- **State:** ${report.state}${report.complete ? '' : ' (not finished yet)'}`,
    ...(report.exception !== undefined ? [`- **Why it stopped:** ${cell(report.exception)}`] : []),
    `- **Data streams:** ${report.pattern}, ${number(t.data_streams)} selected, at most ${report.max_data_streams} at once`,
    `- **Read-only path:** ${describeReadOnly(report.read_only)}`,
    `- **Verification before each swap:** ${VERIFY_DESCRIPTIONS[report.verify]}`,
    ...(report.window !== null ? [`- **Maintenance window:** ${report.window}`] : []),
    `- **Started:** ${new Date(report.start_time_millis).toISOString()}${finished}`,
    `- **Outcome:** ${t.upgraded} upgraded, ${t.upgraded_with_errors} with errors, ${t.read_only} only marked read-only, ` +
      `${t.up_to_date} already up to date, ${t.failed} failed, ${t.cancelled} cancelled${extra}`,
    `- **Backing indices:** ${number(t.indices_reindexed)} reindexed, ${number(t.indices_failed)} failed, ` +
      `${number(t.indices_marked_read_only)} marked read-only`,
    `- **Documents reindexed:** ${number(t.documents)}`,
    ...standaloneSummary(report.standalone_indices),
    '',
  ];
}

/** The standalone indices' outcomes in one line, when the run had any. */
function standaloneSummary(standalone: StandaloneIndicesStatus | undefined): string[] {
  if (standalone === undefined) return [];
  const outcomes = new Map<string, number>();
  for (const entry of standalone.finished)
    outcomes.set(entry.outcome, (outcomes.get(entry.outcome) ?? 0) + 1);
  const documents = standalone.finished.reduce((sum, entry) => sum + (entry.documents ?? 0), 0);
  const counted = [...outcomes].map(([outcome, count]) => `${count} ${outcome.replace(/_/g, ' ')}`);
  return [
    `- **Standalone indices:** ${standalone.pattern}, ${number(standalone.total)} selected: ` +
      `${counted.length > 0 ? counted.join(', ') : 'none finished'}; ${number(documents)} documents reindexed`,
  ];
}

/** One table row per finished data stream. */
function dataStreamTable(report: ClusterReport): string[] {
  if (report.data_streams.length === 0) return [];
  return [
    '| data stream | result | reindexed | failed | marked read-only | documents | started | duration |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |',
    ...report.data_streams.map(
      (entry) =>
        `| ${cell(entry.data_stream)}${entry.adopted ? ' (already running)' : ''} | ${entry.outcome} | ` +
        `${entry.indices_reindexed} of ${entry.indices_requiring_upgrade} | ${entry.indices_failed} | ` +
        `${entry.indices_marked_read_only} | ${entry.documents === null ? '-' : number(entry.documents)} | ` +
        `${new Date(entry.started_at_millis).toISOString()} | ${humanDuration(entry.duration_millis)} |`,
    ),
    '',
  ];
}

/** Every error, per data stream. */
function errorSection(report: ClusterReport): string[] {
  const troubled = report.data_streams.filter(
    (entry) => entry.errors.length > 0 || entry.exception !== undefined,
  );
  if (troubled.length === 0) return [];
  return [
    '## Errors',
    '',
    ...troubled.flatMap((entry) => [
      `### ${entry.data_stream}`,
      '',
      ...(entry.exception !== undefined ? [`- ${cell(entry.exception)}`] : []),
      ...entry.errors.map((error) => `- \`${error.index}\`: ${cell(error.message)}`),
      ...(entry.errors_omitted > 0
        ? [`- … and ${entry.errors_omitted} more (see \`ds-reindex status ${entry.data_stream}\`)`]
        : []),
      '',
    ]),
  ];
}

/** The standalone indices: one row per finished index, then those running and not started. */
function standaloneSection(report: ClusterReport): string[] {
  const standalone = report.standalone_indices;
  if (standalone === undefined) return [];
  const open = [...standalone.running.map((entry) => entry.index), ...standalone.pending];
  return [
    `## Standalone indices (${cell(standalone.pattern)})`,
    '',
    ...(standalone.finished.length === 0
      ? []
      : [
          '| index | result | new index | aliases moved | documents | duration | error |',
          '| --- | --- | --- | --- | ---: | ---: | --- |',
          ...standalone.finished.map(
            (entry) =>
              `| ${cell(entry.index)} | ${entry.outcome} | ${entry.destination_index ?? '-'} | ` +
              `${cell(entry.aliases_moved.join(', ')) || '-'} | ${entry.documents === null ? '-' : number(entry.documents)} | ` +
              `${humanDuration(entry.finished_at_millis - entry.started_at_millis)} | ${cell(entry.exception ?? '')} |`,
          ),
        ]),
    ...(open.length > 0 ? ['', `Not finished: ${open.join(', ')}`] : []),
    '',
  ];
}

/** The report as Markdown: a summary, one table row per data stream, then every error. */
export function renderClusterReportMarkdown(report: ClusterReport): string {
  const notStarted =
    report.not_started.length > 0
      ? ['## Not started', '', ...report.not_started.map((name) => `- ${name}`), '']
      : [];
  const lines = [
    '# Cluster upgrade report',
    '',
    ...summaryLines(report),
    ...dataStreamTable(report),
    ...standaloneSection(report),
    ...errorSection(report),
    ...notStarted,
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
