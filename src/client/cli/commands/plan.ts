import { UsageError } from '../exit-codes';
import { runClusterPlan } from './cluster-plan';
import { authorize, writeJson, writeLines, type Command } from '../command';
import { ACCESS } from '../../service/access';
import { bytes, count } from '../output/numbers';
import { renderTable } from '../output/table';
import { diskPlanLines } from '../output/disk-lines';
import { dataStreamDiskPlan } from '../../service/disk-check';
import { apiErrors } from '../../service/api-error';
import { inspectDataStream } from '../../../elasticsearch/data-stream-inspection';
import { DataStreamNotFoundError } from '../../../elasticsearch/data-streams';

export const planCommand: Command = {
  name: 'plan',
  arguments: '[data-stream]',
  options: [
    'all',
    'pattern',
    'maxDataStreams',
    'readOnly',
    'readOnlyOlderThan',
    'includeSystem',
    'indices',
    'reindexReadOnly',
    'ilmHorizon',
  ],
  help: 'Forms:\n  ds-reindex plan <data-stream>\n  ds-reindex plan --all [--pattern <glob>] [--indices <pattern>] [--read-only-older-than 90d]',
  summary: 'show which backing indices an upgrade would copy, changing nothing (needs only Elasticsearch)',
  async run(context) {
    if (context.flags.cluster.all) return runClusterPlan(context);
    const [dataStream] = context.args;
    if (dataStream === undefined) throw new UsageError('plan needs a data stream name');
    await authorize(context, ACCESS.plan, [dataStream]);
    // The plan reads Elasticsearch only, so it works before a worker or Temporal is up.
    const plan = await inspectDataStream(context.connections.es(), dataStream).catch((err: unknown) => {
      throw err instanceof DataStreamNotFoundError ? apiErrors.dataStreamNotFound(dataStream) : err;
    });
    const disk = await dataStreamDiskPlan(context.connections.es(), plan);
    if (context.flags.json) {
      writeJson(context, { ...plan, disk });
      return 0;
    }
    const upgrading = plan.backing_indices.filter((entry) => entry.needs_upgrade);
    const rows = plan.backing_indices.map((entry) => [
      entry.index,
      String(entry.version_created),
      entry.needs_upgrade ? 'upgrade' : `skip (${entry.skip_reason ?? ''})`,
      entry.doc_count === null ? '-' : count(entry.doc_count),
      bytes(entry.size_in_bytes),
      [entry.write_index ? 'write index' : '', entry.closed ? 'closed' : ''].filter(Boolean).join(', '),
    ]);
    const documents = upgrading.reduce((sum, entry) => sum + (entry.doc_count ?? 0), 0);
    writeLines(context, [
      `Data stream ${plan.data_stream} on Elasticsearch ${plan.cluster_version}${plan.system ? ' (system)' : ''}`,
      renderTable(['index', 'version', 'action', 'documents', 'size', 'notes'], rows),
      `${upgrading.length} of ${plan.backing_indices.length} backing indices to upgrade, ${count(documents)} documents` +
        (upgrading.some((entry) => entry.write_index) ? '; the write index rolls over first' : ''),
      '',
      ...diskPlanLines(disk),
    ]);
    return 0;
  },
};
