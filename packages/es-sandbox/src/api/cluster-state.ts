import { illegalArgument } from '../http/errors';
import { ok, queryBool, type JsonObject, type SandboxRequest, type SandboxResponse } from '../http/request';
import type { Router } from '../http/router';
import type { ClusterState } from '../state/cluster-state';
import { nestSettings } from '../state/settings';
import { SANDBOX_IDENTITY } from '../version';

// The metrics Elasticsearch's `GET _cluster/state/{metric}` accepts; the sandbox models `metadata` only.
const METRICS = new Set([
  '_all',
  'blocks',
  'metadata',
  'nodes',
  'routing_table',
  'routing_nodes',
  'master_node',
  'version',
  'customs',
]);

/** One index as the cluster state's metadata shows it (8.19): the part the sandbox keeps. */
function indexMetadata(state: ClusterState, name: string, flat: boolean): JsonObject | undefined {
  const index = state.indices.get(name);
  if (index === undefined) return undefined;
  const mappings: JsonObject = Object.keys(index.mappings).length === 0 ? {} : { _doc: index.mappings };
  return {
    state: index.state,
    settings: flat ? { ...index.settings } : nestSettings(index.settings),
    mappings,
    aliases: [...index.aliases.keys()].sort(),
    // The sandbox has no system indices (it stores task results in memory).
    system: false,
  };
}

function dataStreamMetadata(state: ClusterState): JsonObject {
  const out: JsonObject = {};
  for (const stream of state.dataStreams.values()) {
    out[stream.name] = {
      name: stream.name,
      timestamp_field: { name: '@timestamp' },
      indices: stream.indices.map((name) => ({
        index_name: name,
        index_uuid: state.indices.get(name)?.uuid ?? '_na_',
      })),
      generation: stream.generation,
      hidden: stream.hidden,
      replicated: false,
      system: false,
      allow_custom_routing: stream.allowCustomRouting,
    };
  }
  return out;
}

/**
 * `GET _cluster/state/metadata` as 8.19 answers it, for the indices' metadata and the data streams:
 * every index, closed and hidden ones included, with its state, settings (`flat_settings`), mappings
 * under `_doc` (`{}` when it has none), aliases and `system` flag. Other metrics are refused as unknown
 * to the sandbox rather than answered wrongly.
 */
function clusterStateMetadata(state: ClusterState, req: SandboxRequest): SandboxResponse {
  const metrics = (req.params.metric ?? '').split(',');
  for (const metric of metrics) {
    if (!METRICS.has(metric)) throw illegalArgument(`Unknown metric [${metric}]`);
    if (metric !== 'metadata')
      throw illegalArgument(`the sandbox models only the [metadata] metric, not [${metric}]`);
  }
  const flat = queryBool(req, 'flat_settings', false);
  const indices: JsonObject = {};
  for (const name of state.indices.keys()) {
    const entry = indexMetadata(state, name, flat);
    if (entry !== undefined) indices[name] = entry;
  }
  return ok({
    cluster_name: SANDBOX_IDENTITY.CLUSTER_NAME,
    cluster_uuid: SANDBOX_IDENTITY.CLUSTER_UUID,
    metadata: {
      cluster_uuid: SANDBOX_IDENTITY.CLUSTER_UUID,
      indices,
      data_stream: { data_stream: dataStreamMetadata(state), data_stream_aliases: {} },
    },
  });
}

export function registerClusterState(router: Router, state: ClusterState): void {
  router.add('GET', '/_cluster/state/{metric}', (req) => clusterStateMetadata(state, req));
}
