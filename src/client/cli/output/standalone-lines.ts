import { renderTable } from './table';
import type { StandalonePlan } from '../../service/standalone-plan';
import type { ClusterStatusView } from '../../service/cluster-upgrade-service';

type StandaloneIndicesStatus = NonNullable<ClusterStatusView['standalone_indices']>;

/** The standalone part of `plan --all --indices`: one row per old index, with its path or why it is skipped. */
export function standalonePlanLines(plan: StandalonePlan | undefined): string[] {
  if (plan === undefined) return [];
  const t = plan.totals;
  const header =
    `Standalone indices ${plan.pattern}: ${t.indices_to_reindex} to reindex, ` +
    `${t.indices_to_mark_read_only} to mark read-only, ${t.indices_skipped} never touched` +
    (plan.reindex_read_only ? ' (indices marked read-only are reindexed too)' : '');
  if (plan.indices.length === 0) return ['', header];
  return [
    '',
    header,
    renderTable(
      ['index', 'version', 'category', 'path', 'aliases', 'notes'],
      plan.indices.map((entry) => [
        entry.index,
        entry.version_created,
        entry.category,
        entry.path,
        entry.aliases.length === 0 ? '-' : entry.aliases.join(', '),
        [entry.closed ? 'closed' : '', entry.hidden ? 'hidden' : '', entry.reason ?? '']
          .filter(Boolean)
          .join(', '),
      ]),
    ),
  ];
}

/** The standalone part of the cluster status: counts, then each running index. */
export function standaloneStatusLines(status: StandaloneIndicesStatus | undefined): string[] {
  if (status === undefined) return [];
  const failed = status.finished.filter((entry) => ['failed', 'cancelled'].includes(entry.outcome)).length;
  return [
    `Indices          ${status.pattern}: ${status.finished.length - failed} done, ${status.running.length} running, ` +
      `${status.pending.length} pending, ${failed} failed or cancelled`,
    ...status.running.map(
      (entry) =>
        `  ${entry.index}  ${entry.step}${entry.hold === 'paused_now' ? ' (paused, copy stopped)' : ''}`,
    ),
  ];
}
