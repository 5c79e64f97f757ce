import type { Client } from '@elastic/elasticsearch';
import { chunked, mapInParallel } from './cluster-inspection';
import { statusCodeOf } from './errors';
import { WATERMARK_LEVELS, type WatermarkSetting, type WatermarkSettings } from '../shared/disk-watermarks';

const DISK_SETTING = 'cluster.routing.allocation.disk';
// Index names go in the URL: chunks keep it well under Elasticsearch's 4 KB initial-line limit.
const INDICES_PER_REQUEST = 40;
const PARALLEL_REQUESTS = 4;

/** The watermarks in force and whether Elasticsearch acts on them at all. */
export interface DiskSettings {
  /** `cluster.routing.allocation.disk.threshold_enabled`: when false no watermark is enforced. */
  threshold_enabled: boolean;
  watermarks: WatermarkSettings;
}

/** One node's disk as Elasticsearch's disk decider sees it: its data path with the least space available. */
export interface NodeDiskFacts {
  node_id: string;
  node: string;
  total_bytes: number;
  /** Space available to Elasticsearch (`available_in_bytes`, not `free_in_bytes`, as the decider uses). */
  available_bytes: number;
}

type FlatSettings = Record<string, string | undefined>;

/**
 * The cluster gives no disk figures or watermarks (a look-alike without `_nodes/stats/fs` or the disk
 * settings): the plan says the disk is unknown, and nothing is refused or held on a guess.
 */
export class DiskFactsUnavailableError extends Error {
  override readonly name = 'DiskFactsUnavailableError';
}

/**
 * How long a process keeps a cluster's default disk settings. Defaults come from the nodes' own
 * configuration, so they change only as nodes restart; reading them (`include_defaults`, which renders every
 * default setting of the cluster) costs the node about 5 ms of CPU, once per index started.
 */
const DISK_DEFAULTS_MAX_AGE_MS = 60_000;

/** The default layer last read, by connection pool (a worker's client and those derived from it). */
const defaultsRead = new WeakMap<Client['connectionPool'], { layer: FlatSettings; atMs: number }>();

/**
 * `GET _cluster/settings`: the transient, persistent and default layers of the disk settings. The set
 * layers are read every time; the default layer with `include_defaults` once per `DISK_DEFAULTS_MAX_AGE_MS`
 * (every time from a look-alike whose defaults have no watermark).
 */
async function readDiskSettingLayers(es: Client): Promise<[FlatSettings, FlatSettings, FlatSettings]> {
  const known = defaultsRead.get(es.connectionPool);
  const fresh = known !== undefined && Date.now() - known.atMs < DISK_DEFAULTS_MAX_AGE_MS;
  const response = await es.cluster.getSettings({
    flat_settings: true,
    ...(fresh ? {} : { include_defaults: true }),
    // Flat names hold dots, which a filter path would split: select by the first part only.
    filter_path: ['persistent.cluster*', 'transient.cluster*', ...(fresh ? [] : ['defaults.cluster*'])],
  });
  const defaults = fresh ? known.layer : ((response.defaults ?? {}) as FlatSettings);
  if (!fresh && defaults[`${DISK_SETTING}.watermark.high`] !== undefined) {
    defaultsRead.set(es.connectionPool, { layer: defaults, atMs: Date.now() });
  }
  return [(response.transient ?? {}) as FlatSettings, (response.persistent ?? {}) as FlatSettings, defaults];
}

/** Each disk setting as in force, transient over persistent over default. */
export async function readDiskSettings(es: Client): Promise<DiskSettings> {
  const layers = await readDiskSettingLayers(es);
  const inForce = (name: string): { value: string | undefined; set: boolean } => {
    const index = layers.findIndex((layer) => layer[name] !== undefined);
    return { value: index === -1 ? undefined : layers[index][name], set: index === 0 || index === 1 };
  };
  const watermark = (level: string): WatermarkSetting => {
    const value = inForce(`${DISK_SETTING}.watermark.${level}`);
    if (value.value === undefined) {
      throw new DiskFactsUnavailableError(
        `the cluster settings have no ${DISK_SETTING}.watermark.${level}, not even a default`,
      );
    }
    return {
      value: value.value,
      max_headroom: inForce(`${DISK_SETTING}.watermark.${level}.max_headroom`).value ?? '-1',
      source: value.set ? 'set' : 'default',
    };
  };
  const watermarks = Object.fromEntries(
    WATERMARK_LEVELS.map((level) => [level, watermark(level)]),
  ) as WatermarkSettings;
  return { threshold_enabled: inForce(`${DISK_SETTING}.threshold_enabled`).value !== 'false', watermarks };
}

/** `GET _nodes/stats/fs`: every node's disk. */
export async function readNodeDisks(es: Client): Promise<Map<string, NodeDiskFacts>> {
  const response = await es.nodes.stats({ metric: 'fs' }).catch((err: unknown) => {
    const status = statusCodeOf(err);
    if (status === 400 || status === 404 || status === 405) {
      throw new DiskFactsUnavailableError(`GET _nodes/stats/fs answered ${status}`);
    }
    throw err;
  });
  const disks = new Map<string, NodeDiskFacts>();
  for (const [id, node] of Object.entries(response.nodes)) {
    const paths = (node.fs?.data ?? []).filter(
      (path) => path.total_in_bytes !== undefined && path.available_in_bytes !== undefined,
    );
    if (paths.length === 0) continue;
    // With several data paths, the decider judges a node by the one with the least space available.
    const tightest = paths.reduce((least, path) =>
      (path.available_in_bytes ?? 0) < (least.available_in_bytes ?? 0) ? path : least,
    );
    disks.set(id, {
      node_id: id,
      node: node.name ?? id,
      total_bytes: tightest.total_in_bytes ?? 0,
      available_bytes: tightest.available_in_bytes ?? 0,
    });
  }
  return disks;
}

/** One started copy of one shard: where it lies and how big its store is. */
export interface ShardCopyFacts {
  index: string;
  node_id: string;
  store_bytes: number;
}

type CatShardRow = Record<string, string | null | undefined>;

async function catShards(es: Client, indices: readonly string[]): Promise<CatShardRow[]> {
  const rows = await es.cat.shards({
    index: [...indices],
    format: 'json',
    bytes: 'b',
    h: ['index', 'state', 'store', 'id'],
  });
  return rows as CatShardRow[];
}

/**
 * `_cat/shards` of a chunk; when one of its indices is gone (deleted since it was listed: `_cat/shards`
 * has no `ignore_unavailable`), each index alone, the missing ones left out.
 */
async function catShardsOfExisting(es: Client, indices: readonly string[]): Promise<CatShardRow[]> {
  try {
    return await catShards(es, indices);
  } catch (err) {
    if (statusCodeOf(err) !== 404) throw err;
    const each = await Promise.all(
      indices.map((index) =>
        catShards(es, [index]).catch((error: unknown) => {
          if (statusCodeOf(error) === 404) return [];
          throw error;
        }),
      ),
    );
    return each.flat();
  }
}

/** `GET _cat/shards` for `indices`: every copy (primary or replica) that has a node, with its store size. */
export async function readShardCopies(es: Client, indices: readonly string[]): Promise<ShardCopyFacts[]> {
  const readings = await mapInParallel(chunked(indices, INDICES_PER_REQUEST), PARALLEL_REQUESTS, (chunk) =>
    catShardsOfExisting(es, chunk),
  );
  return readings.flat().flatMap((record) => {
    const nodeId = record.id;
    const index = record.index;
    if (!nodeId || !index || (record.state !== 'STARTED' && record.state !== 'RELOCATING')) return [];
    return [{ index, node_id: nodeId, store_bytes: Number(record.store ?? 0) || 0 }];
  });
}
