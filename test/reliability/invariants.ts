import type { Client } from '@elastic/elasticsearch';
import {
  backingIndexNames,
  backingIndexVersions,
  successesMismatch,
  type BackingIndexVersions,
  type EsTarget,
} from '../support';
import { destinationIndexName } from '../../src/shared/names';
import type { ReindexDataStreamStatus } from '../../src/shared/status';

/** The settings an upgrade must carry from a source index to its `.migrated-` copy. */
export interface CarriedSettings {
  replicas: string | undefined;
  refreshInterval: string | undefined;
  lifecycleName: string | undefined;
  /** `index.lifecycle.origination_date` of the source, else its creation date: what the copy must keep. */
  originationDate: string | undefined;
}

/** What a data stream held before the run: the reference every invariant is checked against. */
export interface SourceSnapshot {
  dataStream: string;
  backingIndices: string[];
  settings: Map<string, CarriedSettings>;
  /** `_id` → canonical JSON of `_source`, per backing index (kept apart so a deleted index can be excused). */
  documents: Map<string, Map<string, string>>;
  /** Each backing index's `index.version.created` against the cluster's version, as Elasticsearch has them. */
  versions: BackingIndexVersions;
}

export interface InvariantOptions {
  /** Writes acknowledged by Elasticsearch during the run: `_id` → source. */
  acknowledged?: ReadonlyMap<string, unknown>;
  /** Indices the scenario expects to fail: they must be back in the data stream, unblocked, without a copy. */
  expectFailed?: readonly string[];
  /** Indices someone else deleted mid-run: their documents are excused, nothing else is. */
  deletedByOthers?: readonly string[];
  /**
   * The upgrade's status at completion: its `successes` must equal the backing indices Elasticsearch
   * shows on the current version that were not already (`atStart`, read right before that upgrade
   * started; default: the snapshot's).
   */
  upgrade?: { status: ReindexDataStreamStatus; atStart?: BackingIndexVersions };
}

export interface InvariantReport {
  documentsChecked: number;
  documentsLost: number;
  duplicates: number;
  violations: string[];
}

type Flat = Record<string, string | undefined>;

/** Key order must not make equal sources differ. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

async function flatSettings(es: Client, indices: string[]): Promise<Map<string, Flat>> {
  const result = new Map<string, Flat>();
  if (indices.length === 0) return result;
  // Chunked: thousands of names in one URL would exceed the sandbox's line limit, as ES's would.
  for (let i = 0; i < indices.length; i += 100) {
    const response = await es.indices.getSettings({
      index: indices.slice(i, i + 100).join(','),
      flat_settings: true,
      expand_wildcards: 'all',
    });
    for (const [name, entry] of Object.entries(response)) result.set(name, entry.settings ?? {});
  }
  return result;
}

function carried(flat: Flat): CarriedSettings {
  return {
    replicas: flat['index.number_of_replicas'],
    refreshInterval: flat['index.refresh_interval'],
    lifecycleName: flat['index.lifecycle.name'],
    originationDate: flat['index.lifecycle.origination_date'] ?? flat['index.creation_date'],
  };
}

/** Reads the data stream and every document of every backing index, closed ones too. */
export async function snapshotSource(target: EsTarget, dataStream: string): Promise<SourceSnapshot> {
  const es = target.client;
  const indices = await backingIndexNames(es, dataStream);
  const flats = await flatSettings(es, indices);
  const settings = new Map<string, CarriedSettings>();
  const documents = new Map<string, Map<string, string>>();
  for (const index of indices) {
    settings.set(index, carried(flats.get(index) ?? {}));
    const docs = new Map<string, string>();
    for (const doc of await target.documents(index)) docs.set(doc._id, canonical(doc._source));
    documents.set(index, docs);
  }
  const versions = await backingIndexVersions(es, dataStream);
  return { dataStream, backingIndices: indices, settings, documents, versions };
}

function blocked(flat: Flat): boolean {
  return ['write', 'read_only', 'read_only_allow_delete'].some((b) => flat[`index.blocks.${b}`] === 'true');
}

/**
 * Checks, after a scenario, that nothing was lost, duplicated or left behind. Returns every violation
 * instead of throwing at the first, so a report shows the whole damage.
 */
export async function checkInvariants(
  target: EsTarget,
  before: SourceSnapshot,
  options: InvariantOptions = {},
): Promise<InvariantReport> {
  const es = target.client;
  const violations: string[] = [];
  const failed = new Set(options.expectFailed ?? []);
  const deleted = new Set(options.deletedByOthers ?? []);
  const after = await backingIndexNames(es, before.dataStream);
  const afterSet = new Set(after);

  // Documents: every expected `_id` exactly once, with its source.
  const expected = new Map<string, string>();
  for (const [index, docs] of before.documents) {
    if (deleted.has(index)) continue;
    for (const [id, source] of docs) expected.set(id, source);
  }
  for (const [id, source] of options.acknowledged ?? []) expected.set(id, canonical(source));
  const seen = new Map<string, number>();
  const mismatched: string[] = [];
  for (const index of after) {
    for (const doc of await target.documents(index)) {
      seen.set(doc._id, (seen.get(doc._id) ?? 0) + 1);
      const want = expected.get(doc._id);
      if (want !== undefined && want !== canonical(doc._source)) mismatched.push(doc._id);
    }
  }
  let lost = 0;
  for (const id of expected.keys()) if (!seen.has(id)) lost += 1;
  const duplicateCount = [...seen.values()].filter((n) => n > 1).length;
  if (lost > 0) violations.push(`${lost} documents lost`);
  if (duplicateCount > 0) violations.push(`${duplicateCount} documents present more than once`);
  if (mismatched.length > 0)
    violations.push(`${mismatched.length} sources changed, e.g. ${mismatched.slice(0, 3).join(', ')}`);

  // Index list: each old index replaced by its copy, or (expected failure) back as it was.
  const flats = await flatSettings(es, after);
  for (const source of before.backingIndices) {
    const copy = destinationIndexName(source);
    if (deleted.has(source)) {
      if (afterSet.has(source) || afterSet.has(copy)) violations.push(`deleted ${source} is back`);
    } else if (failed.has(source)) {
      if (!afterSet.has(source)) violations.push(`failed ${source} is not restored into the data stream`);
      if (afterSet.has(copy)) violations.push(`failed ${source} has its copy ${copy} in the data stream`);
    } else {
      if (afterSet.has(source)) violations.push(`${source} is still in the data stream`);
      if (!afterSet.has(copy)) violations.push(`${copy} is missing from the data stream`);
      const want = before.settings.get(source);
      const got = flats.get(copy);
      if (want && got) {
        const have = carried(got);
        const origination = got['index.lifecycle.origination_date'];
        for (const [key, value] of [
          ['index.number_of_replicas', have.replicas === want.replicas],
          ['index.refresh_interval', have.refreshInterval === want.refreshInterval],
          ['index.lifecycle.name', have.lifecycleName === want.lifecycleName],
          ['index.lifecycle.origination_date', origination === want.originationDate],
        ] as const) {
          if (!value) violations.push(`${copy}: ${key} differs from ${source}`);
        }
      }
    }
  }
  const writeIndex = after[after.length - 1];
  if (writeIndex !== undefined && blocked(flats.get(writeIndex) ?? {}))
    violations.push(`write index ${writeIndex} is blocked`);

  // Nothing left behind: no orphan copy, no block, among every index named after this data stream
  // (a backing index, or a copy of one), whichever data stream holds it now. Other data streams on a
  // shared cluster are other tests' business.
  const streams = await es.indices.getDataStream({ name: '*', expand_wildcards: 'all' });
  const inSomeStream = new Set(streams.data_streams.flatMap((d) => d.indices.map((i) => i.index_name)));
  const rows = await es.cat.indices({ format: 'json', h: 'index', expand_wildcards: 'all' });
  const all = rows.map((row) => row.index ?? '').filter((name) => name.includes(`-${before.dataStream}-`));
  const allFlats = await flatSettings(es, all);
  for (const name of all) {
    if (/(^|\.)migrated-/.test(name) && !inSomeStream.has(name)) violations.push(`orphan copy ${name}`);
    if (blocked(allFlats.get(name) ?? {})) violations.push(`${name} is left blocked`);
  }

  // The status against Elasticsearch: what it counts as upgraded is what the cluster shows.
  if (options.upgrade !== undefined) {
    const { status, atStart = before.versions } = options.upgrade;
    const mismatch = await successesMismatch(es, before.dataStream, status, atStart);
    if (mismatch !== undefined) violations.push(mismatch);
    // Named here, so a failure shows why an index was not upgraded, not only that it was not.
    for (const { index, message } of status.errors) {
      if (!failed.has(index) && !deleted.has(index))
        violations.push(`the status reports ${index}: ${message}`);
    }
  }
  return { documentsChecked: expected.size, documentsLost: lost, duplicates: duplicateCount, violations };
}
