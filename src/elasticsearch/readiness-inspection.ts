import { errors, type Client } from '@elastic/elasticsearch';
import { reasonOf } from './errors';

/** What the readiness report needs to know of one index, as the cluster state's metadata holds it. */
export interface IndexReadinessFacts {
  index: string;
  /** `index.version.created`, e.g. 7170099 for 7.17.0. */
  version_created: number;
  closed: boolean;
  /** `index.hidden`. */
  hidden: boolean;
  /** The cluster state's own `system` flag: Elasticsearch's system-index registry, not a name guess. */
  system: boolean;
  /** The data stream it backs, if any. */
  data_stream: string | null;
  /** Whether that data stream is a system data stream. */
  system_data_stream: boolean;
  aliases: string[];
  /** `index.verified_read_only` together with `index.blocks.write` (see `verifiedReadOnly`). */
  verified_read_only: boolean;
  /** `index.blocks.write`, verified or not. */
  write_blocked: boolean;
  /** `index.store.type: snapshot`: a mounted searchable snapshot. */
  searchable_snapshot: boolean;
  /** `index.xpack.ccr.following_index`: a cross-cluster-replication follower. */
  follower: boolean;
  /** Dotted paths of the fields mapped as `percolator`. */
  percolator_fields: string[];
  /** `index.lifecycle.name`, if any. */
  lifecycle_policy: string | null;
  /** `index.creation_date` (epoch ms), and `index.lifecycle.origination_date` when set: the read-only rule's age. */
  creation_date_millis: number;
  origination_date_millis: number | null;
}

/** Whether an optional read could be made, and why not. */
export type OptionalCheck = { status: 'checked' } | { status: 'not_available' | 'forbidden'; reason: string };

/** One system feature as `GET _migration/system_features` reports it. */
export interface SystemFeatureStatus {
  feature_name: string;
  /** `NO_MIGRATION_NEEDED`, `MIGRATION_NEEDED`, `IN_PROGRESS`, `ERROR`. */
  migration_status: string;
  indices: string[];
}

export interface ReadinessReadings {
  cluster_version: string;
  indices: IndexReadinessFacts[];
  system_features: { check: OptionalCheck; migration_status: string | null; features: SystemFeatureStatus[] };
  /** Transform destination index → the transforms that write to it. */
  transforms: { check: OptionalCheck; destinations: Record<string, string[]> };
}

interface MetadataIndex {
  state?: string;
  system?: boolean;
  settings?: Record<string, unknown>;
  aliases?: string[];
  mappings?: Record<string, unknown>;
}

interface MetadataDataStream {
  system?: boolean;
  indices?: { index_name: string }[];
}

interface MetadataAnswer {
  metadata?: {
    indices?: Record<string, MetadataIndex>;
    data_stream?: { data_stream?: Record<string, MetadataDataStream> };
  };
}

// Only what the report reads: `**.type` keeps every mapped field's type (and the path to it), so a
// cluster with large mappings still answers in a small body.
const METADATA_FILTER = [
  'metadata.indices.*.state',
  'metadata.indices.*.system',
  'metadata.indices.*.settings',
  'metadata.indices.*.aliases',
  'metadata.indices.*.mappings.**.type',
  'metadata.data_stream.data_stream.*.system',
  'metadata.data_stream.data_stream.*.indices.index_name',
];

// Elasticsearch's `GET _transform` pages at most 10,000 transforms (`from` + `size`).
const TRANSFORMS_PAGE_SIZE = 10_000;

function flag(settings: Record<string, unknown>, name: string): boolean {
  return settings[name] === 'true' || settings[name] === true;
}

/** The fields mapped as `percolator`, walking `properties` and multi-fields. */
export function percolatorFields(mapping: unknown, prefix = ''): string[] {
  if (typeof mapping !== 'object' || mapping === null) return [];
  const found: string[] = [];
  for (const key of ['properties', 'fields']) {
    const children = (mapping as Record<string, unknown>)[key];
    if (typeof children !== 'object' || children === null) continue;
    for (const [name, child] of Object.entries(children as Record<string, unknown>)) {
      const path = prefix === '' ? name : `${prefix}.${name}`;
      if ((child as { type?: unknown } | null)?.type === 'percolator') found.push(path);
      found.push(...percolatorFields(child, path));
    }
  }
  return found;
}

function millisOrNull(value: unknown): number | null {
  const millis = Number(value);
  return value === undefined || value === null || !Number.isFinite(millis) ? null : millis;
}

/** The cluster state holds mappings under their type (`_doc`), or `{}` for none. */
function unwrapMapping(mappings: Record<string, unknown> | undefined): unknown {
  return mappings?._doc ?? mappings ?? {};
}

/**
 * Elasticsearch's next major accepts an old index as "read-only compatible" when it carries a write
 * block that Elasticsearch verified: 8.18+ records `index.verified_read_only: true` when the block comes
 * from `PUT <index>/_block/write` (checked on a real 8.19.21), never when `index.blocks.write` is set
 * through the settings API; and removing the write block removes the flag too (also checked there).
 */
function verifiedReadOnly(settings: Record<string, unknown>): boolean {
  return flag(settings, 'index.verified_read_only') && flag(settings, 'index.blocks.write');
}

function indexFacts(
  name: string,
  entry: MetadataIndex,
  streamOf: Map<string, { name: string; system: boolean }>,
): IndexReadinessFacts {
  const settings = entry.settings ?? {};
  const stream = streamOf.get(name);
  const policy = settings['index.lifecycle.name'];
  return {
    index: name,
    version_created: Number(settings['index.version.created'] ?? 0),
    closed: entry.state === 'close',
    hidden: flag(settings, 'index.hidden'),
    system: entry.system === true,
    data_stream: stream?.name ?? null,
    system_data_stream: stream?.system ?? false,
    aliases: [...(entry.aliases ?? [])].sort(),
    verified_read_only: verifiedReadOnly(settings),
    write_blocked: flag(settings, 'index.blocks.write'),
    searchable_snapshot: settings['index.store.type'] === 'snapshot',
    follower: flag(settings, 'index.xpack.ccr.following_index'),
    percolator_fields: percolatorFields(unwrapMapping(entry.mappings)),
    lifecycle_policy: typeof policy === 'string' && policy !== '' ? policy : null,
    creation_date_millis: Number(settings['index.creation_date'] ?? 0),
    origination_date_millis: millisOrNull(settings['index.lifecycle.origination_date']),
  };
}

/**
 * Every index of the cluster, closed, hidden and system ones included, from `GET _cluster/state/metadata`.
 * That read needs the cluster privilege `monitor` and no index privilege, and security does not filter
 * it by index: a caller who may not read system or other users' indices still sees every index's
 * metadata, which is what a gate before an upgrade must see (`GET <pattern>/_settings` would silently leave out
 * the indices the caller has no privilege on and call a cluster ready that is not).
 */
async function readIndices(es: Client): Promise<IndexReadinessFacts[]> {
  const answer = (await es.cluster.state({
    metric: 'metadata',
    flat_settings: true,
    filter_path: METADATA_FILTER,
  })) as MetadataAnswer;
  const streamOf = new Map<string, { name: string; system: boolean }>();
  for (const [name, stream] of Object.entries(answer.metadata?.data_stream?.data_stream ?? {})) {
    for (const backing of stream.indices ?? []) {
      streamOf.set(backing.index_name, { name, system: stream.system === true });
    }
  }
  return Object.entries(answer.metadata?.indices ?? {})
    .map(([name, entry]) => indexFacts(name, entry, streamOf))
    .sort((a, b) => a.index.localeCompare(b.index));
}

/**
 * An optional API's refusal: 403 is the caller's privileges; 400, 404 or 405 mean the cluster has no
 * such API (a distribution without the module answers "no handler found", "Incorrect HTTP method" or
 * reads the path as an index name). Anything else is a real failure and is thrown.
 */
function unavailable(err: unknown): OptionalCheck | undefined {
  if (!(err instanceof errors.ResponseError)) return undefined;
  if (err.statusCode === 403) return { status: 'forbidden', reason: reasonOf(err) };
  if ([400, 404, 405].includes(err.statusCode ?? 0))
    return { status: 'not_available', reason: reasonOf(err) };
  return undefined;
}

async function readSystemFeatures(es: Client): Promise<ReadinessReadings['system_features']> {
  try {
    const answer = await es.migration.getFeatureUpgradeStatus();
    return {
      check: { status: 'checked' },
      migration_status: answer.migration_status,
      features: answer.features.map((feature) => ({
        feature_name: feature.feature_name,
        migration_status: feature.migration_status,
        indices: feature.indices.map((entry) => entry.index),
      })),
    };
  } catch (err) {
    const check = unavailable(err);
    if (check === undefined) throw err;
    return { check, migration_status: null, features: [] };
  }
}

async function readTransforms(es: Client): Promise<ReadinessReadings['transforms']> {
  try {
    const answer = await es.transform.getTransform({ size: TRANSFORMS_PAGE_SIZE, allow_no_match: true });
    const destinations: Record<string, string[]> = {};
    for (const transform of answer.transforms) {
      const dest = transform.dest.index;
      (destinations[dest] ??= []).push(transform.id);
    }
    return { check: { status: 'checked' }, destinations };
  } catch (err) {
    const check = unavailable(err);
    if (check === undefined) throw err;
    return { check, destinations: {} };
  }
}

/** Everything the readiness report reads; changes nothing. */
export async function readReadiness(es: Client): Promise<ReadinessReadings> {
  const [info, indices, systemFeatures, transforms] = await Promise.all([
    es.info(),
    readIndices(es),
    readSystemFeatures(es),
    readTransforms(es),
  ]);
  return {
    cluster_version: info.version.number,
    indices,
    system_features: systemFeatures,
    transforms,
  };
}
