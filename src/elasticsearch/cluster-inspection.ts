import type { Client } from '@elastic/elasticsearch';
import type { IndicesDataStream } from '@elastic/elasticsearch/lib/api/types';
import { DataStreamNotFoundError } from './data-streams';
import { isNotFound } from './errors';
import { releaseMajor, upgradeSkipReason, type SkipReason } from '../shared/upgrade-predicate';

/** One backing index with everything the cluster plan and the read-only path decide on. */
export interface BackingIndexFacts {
  index: string;
  /** `index.version.created`. */
  version_created: number;
  needs_upgrade: boolean;
  /** Why the index is left alone; absent when it needs upgrading. */
  skip_reason?: SkipReason;
  write_index: boolean;
  closed: boolean;
  /** Primary documents; `null` for a closed index (Elasticsearch does not count those). */
  doc_count: number | null;
  /** Primary store size in bytes; `null` for a closed index. */
  size_in_bytes: number | null;
  /** `index.creation_date`, epoch ms. */
  creation_date_millis: number;
  /** `index.lifecycle.origination_date`, epoch ms, when set. */
  origination_date_millis: number | null;
  /** `index.lifecycle.name`: the ILM policy the index follows, if any. */
  lifecycle_policy: string | null;
  /** What `GET _data_stream` says manages it: `Index Lifecycle Management`, `Data stream lifecycle`, `Unmanaged`. */
  managed_by: string | null;
}

export interface DataStreamFacts {
  data_stream: string;
  /** A system data stream (upgraded by Elasticsearch's system feature migration, not by this API). */
  system: boolean;
  hidden: boolean;
  /** The ILM policy the data stream's template names for new backing indices, if any. */
  ilm_policy: string | null;
  /** The data stream lifecycle's retention (e.g. `30d`), when that lifecycle manages the data stream. */
  lifecycle_retention: string | null;
  write_index: string;
  /** Oldest first, as Elasticsearch lists them; the write index is last. */
  backing_indices: BackingIndexFacts[];
}

export interface ClusterFacts {
  cluster_version: string;
  data_streams: DataStreamFacts[];
}

// Data stream names go in the URL and stand for all their backing indices, so a few dozen per request
// keep the URL well under Elasticsearch's 4 KB initial-line limit however many indices they hold.
const DATA_STREAMS_PER_REQUEST = 40;
// Chunks read at once: enough to hide round trips on a cluster with hundreds of data streams, few
// enough not to crowd out the cluster's own work.
const PARALLEL_REQUESTS = 4;

// Only the settings the decisions need: keeps the answer small for thousands of backing indices.
const SETTING_NAMES = [
  'index.version.created',
  'index.creation_date',
  'index.store.type',
  'index.verified_read_only',
  'index.lifecycle.name',
  'index.lifecycle.origination_date',
];

export function chunked<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

/** Runs `work` on every item, at most `parallel` at once, keeping the order of the results. */
export async function mapInParallel<T, R>(
  items: readonly T[],
  parallel: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  });
  await Promise.all(lanes);
  return results;
}

function settingString(settings: Record<string, unknown>, name: string): string | undefined {
  const value = settings[name];
  return typeof value === 'string' ? value : undefined;
}

function epochMillis(value: string | undefined): number | null {
  if (value === undefined) return null;
  const millis = Number(value);
  return Number.isFinite(millis) && millis >= 0 ? millis : null;
}

/**
 * The data streams an expression names (`*`, `logs-*`, `a,b`, `-excluded`, as `GET _data_stream` reads
 * it), hidden and system ones included, sorted by name. A concrete name that does not exist is Elasticsearch's
 * 404, turned into `DataStreamNotFoundError`; a wildcard that matches nothing is an empty list.
 */
export async function listDataStreams(es: Client, expression: string): Promise<IndicesDataStream[]> {
  try {
    const response = await es.indices.getDataStream({ name: expression, expand_wildcards: 'all' });
    return [...response.data_streams].sort((a, b) => a.name.localeCompare(b.name));
  } catch (err) {
    if (isNotFound(err)) throw new DataStreamNotFoundError(expression);
    throw err;
  }
}

interface IndexReadings {
  settings: Map<string, Record<string, unknown>>;
  closed: Set<string>;
  stats: Map<string, { docs: number; bytes: number }>;
}

/** Two requests per chunk of data streams: the settings, and `_cat/indices` for state, documents and size. */
async function readChunk(es: Client, dataStreams: readonly string[]): Promise<IndexReadings> {
  const index = dataStreams.join(',');
  const readings: IndexReadings = { settings: new Map(), closed: new Set(), stats: new Map() };
  const settings = await es.indices.getSettings({
    index,
    name: SETTING_NAMES,
    flat_settings: true,
    expand_wildcards: 'all',
  });
  for (const [name, entry] of Object.entries(settings)) {
    readings.settings.set(name, entry.settings ?? {});
  }
  const rows = await es.cat.indices({
    index,
    format: 'json',
    bytes: 'b',
    h: 'index,status,docs.count,pri.store.size',
    expand_wildcards: 'all',
  });
  for (const row of rows) {
    if (!row.index) continue;
    if (row.status === 'close') {
      readings.closed.add(row.index);
      continue;
    }
    readings.stats.set(row.index, {
      docs: Number(row['docs.count'] ?? 0),
      bytes: Number(row['pri.store.size'] ?? 0),
    });
  }
  return readings;
}

function lifecycleRetention(stream: IndicesDataStream): string | null {
  const lifecycle = stream.lifecycle as
    { enabled?: boolean; data_retention?: unknown; effective_retention?: unknown } | undefined;
  if (lifecycle === undefined || lifecycle.enabled === false) return null;
  const retention = lifecycle.effective_retention ?? lifecycle.data_retention;
  return typeof retention === 'string' ? retention : null;
}

function factsOf(
  stream: IndicesDataStream,
  clusterMajor: number,
  readings: IndexReadings,
): DataStreamFacts | undefined {
  const names = stream.indices.map((entry) => entry.index_name);
  const managedBy = new Map(stream.indices.map((entry) => [entry.index_name, entry.managed_by ?? null]));
  const writeIndex = names[names.length - 1];
  if (writeIndex === undefined) return undefined;
  const system = stream.system === true;
  const backingIndices = names.map((name): BackingIndexFacts => {
    const settings = readings.settings.get(name) ?? {};
    const versionCreated = Number(settingString(settings, 'index.version.created') ?? '0');
    const skipReason = upgradeSkipReason(
      {
        versionCreated,
        storeType: settingString(settings, 'index.store.type'),
        verifiedReadOnly: settingString(settings, 'index.verified_read_only') === 'true',
        system,
      },
      clusterMajor,
      system,
    );
    const closed = readings.closed.has(name);
    const stats = readings.stats.get(name);
    const facts: BackingIndexFacts = {
      index: name,
      version_created: versionCreated,
      needs_upgrade: skipReason === undefined,
      write_index: name === writeIndex,
      closed,
      doc_count: closed ? null : (stats?.docs ?? 0),
      size_in_bytes: closed ? null : (stats?.bytes ?? 0),
      creation_date_millis: epochMillis(settingString(settings, 'index.creation_date')) ?? 0,
      origination_date_millis: epochMillis(settingString(settings, 'index.lifecycle.origination_date')),
      lifecycle_policy: settingString(settings, 'index.lifecycle.name') || null,
      managed_by: managedBy.get(name) ?? null,
    };
    if (skipReason !== undefined) facts.skip_reason = skipReason;
    return facts;
  });
  return {
    data_stream: stream.name,
    system,
    hidden: stream.hidden === true,
    ilm_policy: stream.ilm_policy ?? null,
    lifecycle_retention: lifecycleRetention(stream),
    write_index: writeIndex,
    backing_indices: backingIndices,
  };
}

/**
 * Reads, changing nothing, every data stream an expression names and all their backing indices: version,
 * the upgrade predicate's verdict, open or closed, documents, size, creation and origination dates and
 * ILM policy. Batched by data stream (two requests per few dozen data streams, a few at once), so a
 * cluster with hundreds of data streams and thousands of backing indices is read in a few dozen requests.
 */
export async function inspectDataStreams(es: Client, expression: string): Promise<ClusterFacts> {
  const info = await es.info();
  const clusterMajor = releaseMajor(info.version.number);
  const streams = await listDataStreams(es, expression);
  const readings = await mapInParallel(
    chunked(
      streams.map((stream) => stream.name),
      DATA_STREAMS_PER_REQUEST,
    ),
    PARALLEL_REQUESTS,
    (chunk) => readChunk(es, chunk),
  );
  const merged: IndexReadings = { settings: new Map(), closed: new Set(), stats: new Map() };
  for (const chunk of readings) {
    for (const [name, value] of chunk.settings) merged.settings.set(name, value);
    for (const name of chunk.closed) merged.closed.add(name);
    for (const [name, value] of chunk.stats) merged.stats.set(name, value);
  }
  return {
    cluster_version: info.version.number,
    data_streams: streams
      .map((stream) => factsOf(stream, clusterMajor, merged))
      .filter((facts): facts is DataStreamFacts => facts !== undefined),
  };
}
