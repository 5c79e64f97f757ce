import { EXIT_CODES, UsageError } from '../exit-codes';
import { authorize, writeJson, writeLines, type Command, type CommandContext } from '../command';
import { ACCESS, type Access } from '../../service/access';
import type { ClusterUpgradeService } from '../../service/cluster-upgrade-service';
import { clusterOptionsOf, clusterServiceOf } from './cluster-options';
import { LiveView } from '../output/live-view';
import { duration } from '../output/numbers';
import { progressBar } from '../output/status-text';
import {
  buildClusterReport,
  isSuccessfulOutcome,
  renderClusterReportMarkdown,
} from '../../service/cluster-report';
import type { ClusterStatusView, RunningDataStreamView } from '../../service/cluster-upgrade-service';
import { formatMaintenanceWindow } from '../../../shared/maintenance-window';
import { progressPercent } from '../../../shared/status';
import { standaloneStatusLines } from '../output/standalone-lines';

/** The exit code of a cluster run: 0 when every data stream ended well, 4 otherwise. */
function exitCodeOfRun(status: ClusterStatusView): number {
  return status.state === 'completed' || status.state === 'running'
    ? EXIT_CODES.OK
    : EXIT_CODES.COMPLETED_WITH_ERRORS;
}

function runningLine(entry: RunningDataStreamView, width: number): string {
  const name = entry.data_stream.padEnd(width);
  const status = entry.status;
  if (status === undefined) {
    return `  ${name}  ${progressBar(0)}        ${entry.step}${entry.adopted ? ' (already running)' : ''}`;
  }
  const percent = progressPercent(status);
  const copying = status.in_progress.map((index) => index.index).join(', ');
  return (
    `  ${name}  ${progressBar(percent / 100)} ${percent.toFixed(1).padStart(5)}%  ` +
    `${status.successes} of ${status.total_indices_requiring_upgrade} indices` +
    (status.errors.length > 0 ? `, ${status.errors.length} failed` : '') +
    (copying ? `, copying ${copying}` : '') +
    (entry.adopted ? ' (already running)' : '') +
    (entry.step === 'cancelling' ? ' (cancelling)' : '') +
    (entry.hold === 'paused_now' ? ' (paused, copy stopped)' : entry.hold === 'paused' ? ' (paused)' : '')
  );
}

/** Whether the run is paused or waiting for its window, and until when. */
function holdLines(status: ClusterStatusView): string[] {
  const lines: string[] = [];
  if (status.paused !== null) {
    lines.push(
      `Paused           since ${new Date(status.paused.since_millis).toISOString()}` +
        (status.paused.now ? ', copies in flight stopped' : ', copies in flight finish') +
        '; resume with: ds-reindex resume --all',
    );
  }
  if (status.window !== null) {
    const window = formatMaintenanceWindow(status.window);
    const change = new Date(status.window.next_change_millis).toISOString();
    lines.push(
      status.window.open
        ? `Window           ${window}: open until ${change}`
        : `Window           ${window}: closed, waiting until ${change}`,
    );
  }
  return lines;
}

/** The cluster status as an operator reads it: a header, then one progress bar per running data stream. */
export function clusterStatusLines(status: ClusterStatusView, now: number): string[] {
  const failed = status.finished.filter((entry) => !isSuccessfulOutcome(entry.outcome)).length;
  const width = Math.max(0, ...status.running.map((entry) => entry.data_stream.length));
  return [
    `Cluster upgrade  ${status.pattern}: ${status.total_data_streams} data streams, at most ${status.max_data_streams} at once`,
    `State            ${status.state}, started ${new Date(status.start_time_millis).toISOString()} ` +
      `(${duration((status.end_time_millis ?? now) - status.start_time_millis)}${status.end_time_millis === undefined ? ' ago' : ''})`,
    `Data streams     ${status.finished.length - failed} done, ${status.running.length} running, ` +
      `${status.pending.length} pending, ${failed} failed or cancelled`,
    ...holdLines(status),
    ...status.running.map((entry) => runningLine(entry, width)),
    ...standaloneStatusLines(status.standalone_indices),
  ];
}

/** The cluster service, once the CLI's credentials hold `access` on every data stream of the run. */
async function authorizedClusterService(
  context: CommandContext,
  access: Access,
): Promise<ClusterUpgradeService> {
  const service = await clusterServiceOf(context);
  await authorize(context, access, await service.dataStreams());
  return service;
}

async function watchCluster(context: CommandContext): Promise<number> {
  const service = await authorizedClusterService(context, ACCESS.clusterStatus);
  const view = new LiveView(context.out);
  for (;;) {
    const status = await service.status();
    if (context.flags.json) context.out.write(`${JSON.stringify(status)}\n`);
    else view.draw(clusterStatusLines(status, context.now()));
    if (status.complete) {
      if (!context.flags.json)
        writeLines(context, ['', renderClusterReportMarkdown(buildClusterReport(status))]);
      return exitCodeOfRun(status);
    }
    await context.sleep(context.flags.intervalMs);
  }
}

/** `ds-reindex start --all`: one cluster workflow over every data stream the pattern selects. */
export async function runClusterStart(context: CommandContext): Promise<number> {
  const options = clusterOptionsOf(context);
  const service = await clusterServiceOf(context);
  const prepared = await service.prepareStart(
    context.connections.es(),
    { ...options, allowDiskRisk: context.flags.allowDiskRisk },
    context.now(),
  );
  await authorize(context, ACCESS.clusterStart, [...prepared.dataStreams, ...prepared.standaloneIndices]);
  const answer = await service.start(prepared);
  const indices = answer.indices ?? [];
  if (answer.data_streams.length === 0 && indices.length === 0) {
    if (context.flags.json) writeJson(context, answer);
    else
      // The service's words: they cover a pattern that matches nothing and data streams all up to date.
      writeLines(context, [
        answer.message ?? `Nothing to upgrade: no data stream matches ${options.pattern}.`,
      ]);
    return 0;
  }
  if (context.flags.wait) return watchCluster(context);
  if (context.flags.json) writeJson(context, answer);
  else
    writeLines(context, [
      `Started the cluster upgrade of ${answer.data_streams.length} data stream(s): ${answer.data_streams.join(', ')}` +
        (indices.length > 0 ? `, and ${indices.length} standalone index(es): ${indices.join(', ')}.` : '.'),
      'Follow it with: ds-reindex status --all --watch',
    ]);
  return 0;
}

/** `ds-reindex status --all [--watch]`. */
export async function runClusterStatus(context: CommandContext): Promise<number> {
  clusterOptionsOf(context);
  if (context.flags.watch) return watchCluster(context);
  const status = await (await authorizedClusterService(context, ACCESS.clusterStatus)).status();
  if (context.flags.json) writeJson(context, status);
  else writeLines(context, clusterStatusLines(status, context.now()));
  return exitCodeOfRun(status);
}

/** `ds-reindex cancel --all`. */
export async function runClusterCancel(context: CommandContext): Promise<number> {
  clusterOptionsOf(context);
  const answer = await (await authorizedClusterService(context, ACCESS.clusterCancel)).cancel();
  if (context.flags.json) writeJson(context, answer);
  else writeLines(context, ['Cancelled the cluster upgrade; the data streams it started were rolled back.']);
  return 0;
}

export const reportCommand: Command = {
  name: 'report',
  options: [],
  summary: "the latest cluster upgrade's report in Markdown (JSON with --json), so far if it still runs",
  async run(context) {
    if (context.args.length > 0) throw new UsageError('report takes no arguments');
    const report = await (await authorizedClusterService(context, ACCESS.clusterReport)).report();
    if (context.flags.json) writeJson(context, report);
    else context.out.write(renderClusterReportMarkdown(report));
    return report.state === 'completed' || report.state === 'running'
      ? EXIT_CODES.OK
      : EXIT_CODES.COMPLETED_WITH_ERRORS;
  },
};
