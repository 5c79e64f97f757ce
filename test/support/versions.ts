import type { Client } from '@elastic/elasticsearch';
import type { ReindexDataStreamStatus } from '../../src/shared/status';

/**
 * A data stream's backing indices as Elasticsearch itself records them: each one's
 * `index.version.created` against the cluster's own version (`GET /`). Read only from Elasticsearch,
 * never from the workflow's bookkeeping, so it can check what the status claims.
 */
export interface BackingIndexVersions {
  dataStream: string;
  /** `version.number` of `GET /`, e.g. `8.19.21`. */
  clusterVersion: string;
  /** The write index; the upgrade never copies it (an old one is rolled over first), so it is kept apart. */
  writeIndex: IndexVersion | undefined;
  /** Every other backing index, oldest first. */
  indices: IndexVersion[];
}

/** One index's `index.version.created`, and whether that is the cluster's current version. */
export interface IndexVersion {
  index: string;
  versionCreated: number;
  current: boolean;
}

/**
 * Current means created by the cluster's major version or a later one, as Elasticsearch decides which
 * backing indices the upgrade must rebuild: `index.version.created` ids carry the major in their
 * millions (7170099 is 7.17.0; 8.x ids from 8.11 on are 8_5xx_xxx and the like).
 */
function isCurrent(versionCreated: number, clusterVersion: string): boolean {
  const clusterMajor = Number.parseInt(clusterVersion, 10);
  if (!Number.isInteger(clusterMajor)) throw new Error(`the cluster reports no version: [${clusterVersion}]`);
  return Math.floor(versionCreated / 1_000_000) >= clusterMajor;
}

/** Reads the data stream's backing indices, their versions and the cluster's version from Elasticsearch. */
export async function backingIndexVersions(es: Client, dataStream: string): Promise<BackingIndexVersions> {
  const info = await es.info();
  const clusterVersion = info.version.number;
  const stream = (await es.indices.getDataStream({ name: dataStream })).data_streams[0];
  if (stream === undefined) throw new Error(`data stream [${dataStream}] does not exist`);
  const names = stream.indices.map((entry) => entry.index_name);
  const created = new Map<string, number>();
  // Chunked: thousands of names in one URL would exceed Elasticsearch's line limit.
  for (let i = 0; i < names.length; i += 100) {
    const response = await es.indices.getSettings({
      index: names.slice(i, i + 100).join(','),
      flat_settings: true,
      expand_wildcards: 'all',
    });
    for (const [index, entry] of Object.entries(response)) {
      const flat = (entry.settings ?? {}) as Record<string, unknown>;
      created.set(index, Number(flat['index.version.created']));
    }
  }
  const versions = names.map((index): IndexVersion => {
    const versionCreated = created.get(index);
    if (versionCreated === undefined || !Number.isFinite(versionCreated))
      throw new Error(`${index} has no index.version.created in its settings`);
    return { index, versionCreated, current: isCurrent(versionCreated, clusterVersion) };
  });
  return { dataStream, clusterVersion, writeIndex: versions.at(-1), indices: versions.slice(0, -1) };
}

/** The backing indices, the write index left out, that are on the cluster's current version. */
export function onCurrentVersion(versions: BackingIndexVersions): string[] {
  return versions.indices.filter((entry) => entry.current).map((entry) => entry.index);
}

/**
 * The status invariant, checked against Elasticsearch: when an upgrade completes, its `successes` equals
 * the number of the data stream's backing indices (the write index left out: the upgrade rolls an old
 * one over and never copies it) that are now on the current version, less those that already were when
 * it started (`atStart`, read before the start; without it, none were, as in a freshly seeded data
 * stream). Returns what is wrong, with the indices behind each count, or `undefined` when it holds.
 */
export async function successesMismatch(
  es: Client,
  dataStream: string,
  status: ReindexDataStreamStatus,
  atStart?: BackingIndexVersions,
): Promise<string | undefined> {
  if (!status.complete) return `the upgrade of ${dataStream} is not complete: ${JSON.stringify(status)}`;
  const now = await backingIndexVersions(es, dataStream);
  const current = onCurrentVersion(now);
  // Current at the start: those need no upgrade, whether they were the write index then or not.
  const before = new Set(
    atStart === undefined
      ? []
      : [...atStart.indices, ...(atStart.writeIndex ? [atStart.writeIndex] : [])]
          .filter((entry) => entry.current)
          .map((entry) => entry.index),
  );
  const alreadyCurrent = current.filter((index) => before.has(index));
  const upgraded = current.length - alreadyCurrent.length;
  if (status.successes === upgraded) return undefined;
  return (
    `the status of ${dataStream} says ${status.successes} successes, but Elasticsearch ${now.clusterVersion} ` +
    `shows ${upgraded} backing indices upgraded to the current version: current ${JSON.stringify(current)}` +
    (alreadyCurrent.length > 0
      ? `, of which already current at the start ${JSON.stringify(alreadyCurrent)}`
      : '') +
    `; still old ${JSON.stringify(now.indices.filter((entry) => !entry.current).map((entry) => `${entry.index}@${entry.versionCreated}`))}` +
    `; write index ${now.writeIndex?.index ?? 'none'}`
  );
}

/** `successesMismatch` as an assertion: throws with the whole story when the counts differ. */
export async function expectSuccessesOnCluster(
  es: Client,
  dataStream: string,
  status: ReindexDataStreamStatus,
  atStart?: BackingIndexVersions,
): Promise<void> {
  const mismatch = await successesMismatch(es, dataStream, status, atStart);
  if (mismatch !== undefined) throw new Error(mismatch);
}

/** 8.0.0's `index.version.created`: an index created before it is one the next major (9.x) refuses. */
const VERSION_8_0_0 = 8_000_099;

/**
 * Every index the next major would refuse, read from Elasticsearch itself rather than from a report:
 * each index's flat settings through `GET _all/_settings` as the administrator, old
 * (`index.version.created` below 8.0.0) and without a verified write block (`index.verified_read_only`
 * and `index.blocks.write`, which the next major accepts). Sorted by name.
 */
export async function blockingOnCluster(es: Client): Promise<string[]> {
  const all = await es.indices.getSettings({ index: '_all', flat_settings: true, expand_wildcards: 'all' });
  return Object.entries(all)
    .filter(([, entry]) => {
      const settings = (entry.settings ?? {}) as Record<string, string>;
      const verified =
        settings['index.verified_read_only'] === 'true' && settings['index.blocks.write'] === 'true';
      return Number(settings['index.version.created']) < VERSION_8_0_0 && !verified;
    })
    .map(([name]) => name)
    .sort();
}
