import type { Client } from '@elastic/elasticsearch';
import { DataStreamNotFoundError, getDataStream } from './data-streams';
import { releaseMajor, upgradeSkipReason, type SkipReason } from '../shared/upgrade-predicate';

/** One backing index as the dry-run plan shows it. */
export interface BackingIndexPlanEntry {
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
}

export interface DataStreamInspection {
  data_stream: string;
  cluster_version: string;
  system: boolean;
  write_index: string;
  /** Oldest first, in the data stream's own order; the write index is last. */
  backing_indices: BackingIndexPlanEntry[];
}

// Index names go in the URL; chunks keep it well under Elasticsearch's 4 KB initial-line limit even
// for a data stream with thousands of backing indices.
const INDICES_PER_REQUEST = 40;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

function settingString(settings: Record<string, unknown>, name: string): string | undefined {
  const value = settings[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads everything the upgrade decides on, and changes nothing: the cluster's version, the data
 * stream's backing indices in order, which need upgrading (docs/ELASTICSEARCH-BEHAVIOUR.md, section 2) and why not,
 * whether each is closed, and its documents and size.
 */
export async function inspectDataStream(es: Client, dataStream: string): Promise<DataStreamInspection> {
  const info = await es.info();
  const clusterMajor = releaseMajor(info.version.number);

  const stream = await getDataStream(es, dataStream);
  const names = stream.indices.map((entry) => entry.index_name);
  const writeIndex = names[names.length - 1];
  if (writeIndex === undefined) throw new DataStreamNotFoundError(dataStream);

  const settingsByIndex = new Map<string, Record<string, unknown>>();
  const closed = new Set<string>();
  const stats = new Map<string, { docs: number; bytes: number }>();
  for (const chunk of chunks(names, INDICES_PER_REQUEST)) {
    const index = chunk.join(',');
    const settings = await es.indices.getSettings({ index, flat_settings: true, expand_wildcards: 'all' });
    for (const [name, entry] of Object.entries(settings)) {
      settingsByIndex.set(name, entry.settings ?? {});
    }
    const rows = await es.cat.indices({ index, format: 'json', h: 'index,status', expand_wildcards: 'all' });
    for (const row of rows) if (row.status === 'close' && row.index) closed.add(row.index);
    const open = chunk.filter((name) => !closed.has(name));
    if (open.length > 0) {
      const indexStats = await es.indices.stats({ index: open.join(',') });
      for (const [name, entry] of Object.entries(indexStats.indices ?? {})) {
        stats.set(name, {
          docs: entry.primaries?.docs?.count ?? 0,
          bytes: entry.primaries?.store?.size_in_bytes ?? 0,
        });
      }
    }
  }

  const backingIndices = names.map((name): BackingIndexPlanEntry => {
    const settings = settingsByIndex.get(name) ?? {};
    const versionCreated = Number(settingString(settings, 'index.version.created') ?? '0');
    const skipReason = upgradeSkipReason(
      {
        versionCreated,
        storeType: settingString(settings, 'index.store.type'),
        verifiedReadOnly: settingString(settings, 'index.verified_read_only') === 'true',
        system: stream.system === true,
      },
      clusterMajor,
      stream.system === true,
    );
    const isClosed = closed.has(name);
    const entryStats = stats.get(name);
    const entry: BackingIndexPlanEntry = {
      index: name,
      version_created: versionCreated,
      needs_upgrade: skipReason === undefined,
      write_index: name === writeIndex,
      closed: isClosed,
      doc_count: isClosed ? null : (entryStats?.docs ?? 0),
      size_in_bytes: isClosed ? null : (entryStats?.bytes ?? 0),
    };
    if (skipReason !== undefined) entry.skip_reason = skipReason;
    return entry;
  });

  return {
    data_stream: dataStream,
    cluster_version: info.version.number,
    system: stream.system === true,
    write_index: writeIndex,
    backing_indices: backingIndices,
  };
}
