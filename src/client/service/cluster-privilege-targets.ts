import type { ClusterPlanDataStream, ClusterPlanIndex } from './cluster-plan';
import type { StandalonePlanIndex } from './standalone-plan';
import { sampleNames, type PrivilegeTargets } from '../../shared/privileges';

/** Backing indices of each data stream a cluster run's privilege check names (privileges go by patterns). */
const CLUSTER_PRIVILEGE_SAMPLE_PER_DATA_STREAM = 3;

/** The parts of a cluster plan (`ClusterPlan`) the check reads. */
export interface PlannedForPrivileges {
  data_streams: readonly (Pick<ClusterPlanDataStream, 'data_stream' | 'included' | 'indices_to_reindex'> & {
    old_indices: readonly Pick<ClusterPlanIndex, 'index' | 'path'>[];
  })[];
  standalone_indices?: { indices: readonly Pick<StandalonePlanIndex, 'index' | 'path' | 'aliases'>[] };
}

/**
 * What the worker's privileges are checked on before a cluster run: the data streams it will reindex and
 * a few backing indices of each (those only marked read-only need `manage`, which Elasticsearch checks as
 * they are marked); each standalone index it will reindex, as a data stream and its backing index on its
 * own name; and every alias of those, which the switch moves (`_aliases` needs `manage` on each).
 */
export function clusterPrivilegeTargets(plan: PlannedForPrivileges): PrivilegeTargets {
  const reindexing = plan.data_streams.filter((stream) => stream.included && stream.indices_to_reindex > 0);
  const standalone = (plan.standalone_indices?.indices ?? []).filter((index) => index.path === 'reindex');
  const names = standalone.map((index) => index.index);
  const aliases = [...new Set(standalone.flatMap((index) => index.aliases))];
  return {
    dataStreams: [...reindexing.map((stream) => stream.data_stream), ...names],
    backingIndices: [
      ...reindexing.flatMap((stream) =>
        sampleNames(
          stream.old_indices.filter((index) => index.path === 'reindex').map((index) => index.index),
          CLUSTER_PRIVILEGE_SAMPLE_PER_DATA_STREAM,
        ),
      ),
      ...names,
    ],
    // Only when there are some, so a check without standalone aliases asks what it always asked.
    ...(aliases.length > 0 ? { aliases } : {}),
  };
}
