import { EsError, illegalArgument } from '../http/errors';
import {
  isObject,
  jsonBody,
  ok,
  queryBool,
  queryTime,
  type JsonObject,
  type SandboxRequest,
  type SandboxResponse,
} from '../http/request';
import type { Router } from '../http/router';
import type { ClusterState } from '../state/cluster-state';
import type { IndexStore } from '../state/index-store';
import { resolveIndices, resolveOptions } from '../state/resolve';
import { flattenSettings, nestSettings, type FlatSettings, type SettingsPatch } from '../state/settings';
import { SANDBOX_IDENTITY } from '../version';

export interface ClusterIdentity {
  version: string;
}

/** Cluster settings the sandbox knows, with ES's validation; everything else is "not recognized". */
const CLUSTER_SETTINGS: Record<string, { default: string; validate?: (v: string) => string | undefined }> = {
  'migrate.max_concurrent_indices_reindexed_per_data_stream': {
    default: '1',
    validate: (v) => (Number.isInteger(Number(v)) && Number(v) >= 1 ? undefined : 'must be >= 1'),
  },
  'migrate.data_stream_reindex_max_request_per_second': {
    default: '1000.0',
    validate: (v) => {
      const n = Number(v);
      return Number.isFinite(n) && (n > 0 || n === -1)
        ? undefined
        : 'must be greater than 0 or -1 for infinite';
    },
  },
  'action.auto_create_index': { default: 'true' },
  'action.destructive_requires_name': { default: 'true' },
  'cluster.routing.allocation.enable': { default: 'all' },
  'cluster.max_shards_per_node': { default: '1000' },
  'indices.recovery.max_bytes_per_sec': { default: '40mb' },
  'cluster.routing.allocation.disk.threshold_enabled': { default: 'true' },
  'search.default_search_timeout': { default: '-1' },
  'reindex.remote.whitelist': { default: '' },
};

type SettingRegistry = typeof CLUSTER_SETTINGS;

/**
 * The cluster settings a node of `version` registers: the two `migrate.*` settings arrived with
 * x-pack's migrate plugin in 8.18, so an older node does not know them.
 */
function registryFor(version: string): SettingRegistry {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > 8 || (major === 8 && minor >= 18)) return CLUSTER_SETTINGS;
  return Object.fromEntries(Object.entries(CLUSTER_SETTINGS).filter(([key]) => !key.startsWith('migrate.')));
}

function validateClusterPatch(
  registry: SettingRegistry,
  scope: 'persistent' | 'transient',
  patch: SettingsPatch,
): void {
  for (const [key, value] of Object.entries(patch)) {
    const def = registry[key];
    if (!def && !key.startsWith('logger.') && !key.startsWith('cluster.metadata.'))
      throw illegalArgument(`${scope} setting [${key}], not recognized`);
    if (def?.validate && value !== null) {
      const problem = def.validate(value);
      if (problem) throw illegalArgument(`Failed to parse value [${value}] for setting [${key}] ${problem}`);
    }
  }
}

function apply(target: FlatSettings, patch: SettingsPatch): FlatSettings {
  const changed: FlatSettings = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else {
      target[key] = value;
      changed[key] = value;
    }
  }
  return changed;
}

function putClusterSettings(
  registry: SettingRegistry,
  state: ClusterState,
  req: SandboxRequest,
): SandboxResponse {
  const body = jsonBody(req, true) as JsonObject;
  for (const key of Object.keys(body)) {
    if (key !== 'persistent' && key !== 'transient') {
      throw new EsError(
        400,
        'x_content_parse_exception',
        `[1:2] [cluster_update_settings_request] unknown field [${key}]`,
      );
    }
  }
  const persistent = isObject(body.persistent) ? flattenSettings(body.persistent) : {};
  const transient = isObject(body.transient) ? flattenSettings(body.transient) : {};
  if (Object.keys(persistent).length === 0 && Object.keys(transient).length === 0) {
    throw new EsError(
      400,
      'action_request_validation_exception',
      'Validation Failed: 1: no settings to update;',
    );
  }
  // Validate both halves before touching either, so a bad request changes nothing.
  validateClusterPatch(registry, 'persistent', persistent);
  validateClusterPatch(registry, 'transient', transient);
  const changedPersistent = apply(state.persistentSettings, persistent);
  const changedTransient = apply(state.transientSettings, transient);
  state.changed();
  return ok({
    acknowledged: true,
    persistent: nestSettings(changedPersistent),
    transient: nestSettings(changedTransient),
  });
}

function getClusterSettings(
  registry: SettingRegistry,
  state: ClusterState,
  req: SandboxRequest,
): SandboxResponse {
  const flat = queryBool(req, 'flat_settings', false);
  const render = (s: FlatSettings): JsonObject => (flat ? { ...s } : nestSettings(s));
  const body: JsonObject = {
    persistent: render(state.persistentSettings),
    transient: render(state.transientSettings),
  };
  if (queryBool(req, 'include_defaults', false)) {
    const defaults: FlatSettings = {};
    for (const [key, def] of Object.entries(registry)) {
      if (state.clusterSetting(key) === undefined) defaults[key] = def.default;
    }
    body.defaults = render(defaults);
  }
  return ok(body);
}

type Health = 'green' | 'yellow' | 'red';
const RANK: Record<Health, number> = { green: 0, yellow: 1, red: 2 };

function healthBody(indices: IndexStore[], missing: boolean): { status: Health; body: JsonObject } {
  let primaries = 0;
  let unassigned = 0;
  for (const index of indices) {
    primaries += index.shards();
    unassigned += index.shards() * index.replicas();
  }
  let status: Health = unassigned > 0 ? 'yellow' : 'green';
  if (missing) status = 'red';
  const total = primaries + unassigned;
  return {
    status,
    body: {
      cluster_name: SANDBOX_IDENTITY.CLUSTER_NAME,
      status,
      timed_out: false,
      number_of_nodes: 1,
      number_of_data_nodes: 1,
      active_primary_shards: primaries,
      active_shards: primaries,
      relocating_shards: 0,
      initializing_shards: 0,
      unassigned_shards: unassigned,
      unassigned_primary_shards: 0,
      delayed_unassigned_shards: 0,
      number_of_pending_tasks: 0,
      number_of_in_flight_fetch: 0,
      task_max_waiting_in_queue_millis: 0,
      active_shards_percent_as_number: total === 0 ? 100 : (primaries / total) * 100,
    },
  };
}

async function health(state: ClusterState, req: SandboxRequest): Promise<SandboxResponse> {
  const wanted = req.query.get('wait_for_status') as Health | null;
  if (wanted !== null && !(wanted in RANK))
    throw illegalArgument(`unknown cluster health status [${wanted}]`);
  const timeoutMs = queryTime(req, 'timeout', 30_000);
  const deadline = Date.now() + timeoutMs;
  const expression = req.params.index;
  for (;;) {
    let indices: IndexStore[];
    let missing = false;
    if (expression === undefined) {
      indices = [...state.indices.values()];
    } else {
      // Closed indices count (they are replicated since 7.2); a missing name makes the answer red.
      indices = resolveIndices(
        state,
        expression,
        resolveOptions(req, { expandClosed: true, expandHidden: true, ignoreUnavailable: true }),
      );
      missing =
        indices.length === 0 ||
        expression
          .split(',')
          .some((n) => !n.includes('*') && !state.indices.has(n) && !state.dataStreams.has(n));
    }
    const { status, body } = healthBody(indices, missing);
    if (wanted === null || RANK[status] <= RANK[wanted]) return ok(body);
    if (Date.now() >= deadline) return ok({ ...body, timed_out: true }, 408);
    await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, deadline - Date.now()))));
  }
}

export function registerCluster(router: Router, state: ClusterState, identity: ClusterIdentity): void {
  const registry = registryFor(identity.version);
  router
    .add(['GET', 'HEAD'], '/', (req) => {
      if (req.method === 'HEAD') return { status: 200 };
      return ok({
        name: SANDBOX_IDENTITY.NODE_NAME,
        cluster_name: SANDBOX_IDENTITY.CLUSTER_NAME,
        cluster_uuid: SANDBOX_IDENTITY.CLUSTER_UUID,
        version: {
          number: identity.version,
          build_flavor: 'default',
          build_type: 'tar',
          build_hash: SANDBOX_IDENTITY.BUILD_HASH,
          build_date: SANDBOX_IDENTITY.BUILD_DATE,
          build_snapshot: false,
          lucene_version: SANDBOX_IDENTITY.LUCENE_VERSION,
          minimum_wire_compatibility_version: SANDBOX_IDENTITY.MINIMUM_WIRE_COMPATIBILITY,
          minimum_index_compatibility_version: SANDBOX_IDENTITY.MINIMUM_INDEX_COMPATIBILITY,
        },
        tagline: 'You Know, for Search',
      });
    })
    .add('GET', '/_cluster/health', (req) => health(state, req))
    .add('GET', '/_cluster/health/{index}', (req) => health(state, req))
    .add('GET', '/_cluster/settings', (req) => getClusterSettings(registry, state, req))
    .add('PUT', '/_cluster/settings', (req) => putClusterSettings(registry, state, req));
}
