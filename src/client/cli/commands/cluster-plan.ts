import { authorize, writeJson, writeLines, type CommandContext } from '../command';
import { ACCESS } from '../../service/access';
import { clusterOptionsOf } from './cluster-options';
import { bytes, count, duration } from '../output/numbers';
import { renderTable } from '../output/table';
import { diskPlanLines } from '../output/disk-lines';
import { planCluster, type ClusterPlan, type ClusterPlanIndex } from '../../service/cluster-plan';
import { describeReadOnly } from '../../service/cluster-report';
import { standalonePlanLines } from '../output/standalone-lines';

function ilmColumn(index: ClusterPlanIndex): string {
  const forecast = index.ilm_deletion;
  switch (forecast.state) {
    case 'not-managed':
      return '-';
    case 'never':
      return `never (${forecast.policy})`;
    case 'unknown':
      return 'unknown';
    case 'scheduled':
      return `${new Date(forecast.delete_after_millis).toISOString().slice(0, 10)}${forecast.soon ? ' SOON' : ''}`;
  }
}

function estimate(millis: number | null): string {
  return millis === null ? 'unthrottled' : duration(millis);
}

/** The plan as an operator reads it: one summary row per data stream, then each one's old indices. */
export function clusterPlanLines(plan: ClusterPlan): string[] {
  const rps = plan.throttle.max_requests_per_second;
  const readOnly = describeReadOnly(plan.read_only);
  const lines = [
    `Cluster on Elasticsearch ${plan.cluster_version}, data streams ${plan.pattern}: ` +
      `${plan.data_streams.length} with backing indices to upgrade, ${plan.data_streams_up_to_date} up to date`,
    `Throttle     ${rps === -1 ? 'none' : `${count(rps)} documents/s`} per index, ` +
      `${plan.throttle.max_concurrent_indices_per_data_stream} index(es) at a time per data stream, ` +
      `${plan.throttle.max_data_streams} data stream(s) at a time`,
    `Read-only    ${readOnly}`,
    plan.ilm.available
      ? `ILM          deletions within ${plan.ilm.horizon} are marked SOON`
      : `ILM          unknown: ${plan.ilm.reason ?? ''}`,
  ];
  const standalone = standalonePlanLines(plan.standalone_indices);
  if (plan.data_streams.length === 0 && (plan.standalone_indices?.indices.length ?? 0) === 0) {
    return [...lines, ...standalone, '', 'Nothing to upgrade.'];
  }
  lines.push('', ...diskPlanLines(plan.disk), ...standalone);
  return plan.data_streams.length === 0 ? lines : [...lines, ...dataStreamPlanLines(plan)];
}

/** The data streams of the plan: one summary row each, the totals, then each one's old indices. */
function dataStreamPlanLines(plan: ClusterPlan): string[] {
  const t = plan.totals;
  const lines: string[] = [];
  const rows = plan.data_streams.map((stream) => [
    stream.data_stream,
    stream.system ? (stream.included ? 'system' : 'system, skipped') : '',
    stream.ilm_policy ?? '-',
    String(stream.old_indices.length),
    String(stream.indices_to_reindex),
    String(stream.indices_to_mark_read_only),
    count(stream.documents_to_reindex),
    bytes(stream.bytes_to_reindex),
    estimate(stream.estimated_copy_millis),
    String(stream.ilm_deletes_soon.length),
  ]);
  lines.push(
    '',
    renderTable(
      [
        'data stream',
        'notes',
        'ILM policy',
        'old',
        'reindex',
        'read-only',
        'documents',
        'size',
        'est. copy',
        'ILM deletes soon',
      ],
      rows,
    ),
    '',
    `Totals: ${t.data_streams} data streams (${t.system_data_streams} system), ${t.old_indices} old indices: ` +
      `${t.indices_to_reindex} to reindex (${count(t.documents_to_reindex)} documents, ${bytes(t.bytes_to_reindex)}), ` +
      `${t.indices_to_mark_read_only} to mark read-only, ${t.already_read_only} already read-only, ` +
      `${t.ilm_deletes_soon} deleted by ILM soon; estimated copy time ${estimate(t.estimated_copy_millis)}`,
  );
  if (plan.data_streams.some((stream) => stream.system && !stream.included)) {
    lines.push(
      "System data streams are upgraded by Elasticsearch's own system feature migration; --include-system adds them.",
    );
  }
  for (const stream of plan.data_streams) {
    lines.push(
      '',
      `${stream.data_stream}${stream.rolls_over ? ' (the write index is old: rolls over first)' : ''}`,
      renderTable(
        ['index', 'path', 'documents', 'size', 'age from', 'ILM deletes', 'notes'],
        stream.old_indices.map((index) => [
          index.index,
          index.path,
          index.doc_count === null ? '-' : count(index.doc_count),
          bytes(index.size_in_bytes),
          new Date(index.age_reference_millis).toISOString().slice(0, 10),
          ilmColumn(index),
          [index.write_index ? 'write index' : '', index.closed ? 'closed' : ''].filter(Boolean).join(', '),
        ]),
      ),
    );
  }
  return lines;
}

/** `ds-reindex plan --all`: the whole-cluster dry run. Needs only Elasticsearch. */
export async function runClusterPlan(context: CommandContext): Promise<number> {
  const options = clusterOptionsOf(context);
  await authorize(context, ACCESS.clusterPlan);
  const plan = await planCluster(context.connections.es(), { ...options, nowMillis: context.now() });
  if (context.flags.json) writeJson(context, plan);
  else writeLines(context, clusterPlanLines(plan));
  return 0;
}
