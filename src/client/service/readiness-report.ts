import type {
  IndexReadinessFacts,
  OptionalCheck,
  ReadinessReadings,
} from '../../elasticsearch/readiness-inspection';
import { indexVersionMajor, releaseMajor } from '../../shared/upgrade-predicate';

/**
 * What an old index is, for the next major: the categories of issue 24. `fine` ones do not stop the
 * next major from starting; every other one does until someone acts.
 */
export type ReadinessCategory =
  'data_stream' | 'standalone' | 'system' | 'needs_person' | 'searchable_snapshot' | 'verified_read_only';

const FINE: ReadonlySet<ReadinessCategory> = new Set(['searchable_snapshot', 'verified_read_only']);

export interface ReadinessIndex {
  index: string;
  version_created: number;
  /** `7.17.0` for the 7.x ids (`major*1e6 + minor*1e4 + revision*100 + 99`). */
  version_created_string: string;
  category: ReadinessCategory;
  /** Whether it stops the next major from starting. */
  blocking: boolean;
  closed: boolean;
  hidden: boolean;
  data_stream: string | null;
  aliases: string[];
  /** `index.lifecycle.name`: ILM may still act on it (delete it, or roll it on) before the upgrade. */
  lifecycle_policy: string | null;
  /** Why it is in its category (percolator fields, transforms, the system feature and its status). */
  reasons: string[];
  /** What to do about it. */
  action: string;
}

export interface ReadinessReport {
  cluster_version: string;
  /** `ready`, or `not ready: N indices`. */
  verdict: string;
  ready: boolean;
  /** Old indices that stop the next major from starting. */
  blocking_indices: number;
  /** Every index created before the cluster's major, fine ones included, by name. */
  old_indices: ReadinessIndex[];
  counts: Record<ReadinessCategory, number>;
  /** How many indices the cluster has in all (every one was read). */
  indices_checked: number;
  checks: { system_features: OptionalCheck; transforms: OptionalCheck };
  /** The system feature migration's overall status, when it could be read. */
  system_feature_migration_status: string | null;
}

const ACTIONS: Record<ReadinessCategory, string> = {
  data_stream:
    'reindex or mark read-only: `ds-reindex start --all` (the whole-cluster run), or `ds-reindex start <data stream>`',
  standalone:
    'reindex or mark read-only: `ds-reindex start --all --indices <pattern>` (add `--read-only` or `--read-only-older-than <age>` to mark instead of reindexing); its aliases move to the new index',
  system:
    "left to Elasticsearch's system feature migration: `POST /_migration/system_features` (Kibana's Upgrade Assistant runs it)",
  needs_person:
    'needs a person: a write block is not enough here (see the reasons); reindex by hand or remove the index',
  searchable_snapshot: 'nothing: a searchable snapshot is accepted by the next major as it is',
  verified_read_only: 'nothing: a verified write block is accepted by the next major as it is',
};

/** `7.17.0` from 7170099; the id itself for ids that are not release-shaped (8.x `IndexVersion` ids). */
export function versionString(id: number): string {
  if (id % 100 !== 99) return String(id);
  const major = Math.floor(id / 1_000_000);
  const minor = Math.floor(id / 10_000) % 100;
  const revision = Math.floor(id / 100) % 100;
  return `${major}.${minor}.${revision}`;
}

/** Why an index needs a person, or an empty list. */
function personReasons(facts: IndexReadinessFacts, transforms: readonly string[]): string[] {
  const reasons: string[] = [];
  // The next major cannot read a 7.x percolator field's stored queries even behind a write block.
  if (facts.percolator_fields.length > 0) {
    reasons.push(`percolator field(s) ${facts.percolator_fields.join(', ')}: read-only does not suffice`);
  }
  if (transforms.length > 0) reasons.push(`destination of transform(s) ${transforms.join(', ')}`);
  if (facts.follower)
    reasons.push('a cross-cluster replication follower: unfollow it, or upgrade the leader');
  return reasons;
}

function systemReasons(facts: IndexReadinessFacts, readings: ReadinessReadings): string[] {
  const feature = readings.system_features.features.find((entry) => entry.indices.includes(facts.index));
  const what = facts.system_data_stream ? `system data stream ${facts.data_stream ?? ''}` : 'system index';
  if (feature) return [`${what}, feature ${feature.feature_name}: ${feature.migration_status}`];
  const check = readings.system_features.check;
  return [check.status === 'checked' ? what : `${what}; feature status unknown: ${check.reason}`];
}

function classify(
  facts: IndexReadinessFacts,
  readings: ReadinessReadings,
): { category: ReadinessCategory; reasons: string[] } {
  const person = personReasons(facts, readings.transforms.destinations[facts.index] ?? []);
  if (person.length > 0) return { category: 'needs_person', reasons: person };
  if (facts.searchable_snapshot) return { category: 'searchable_snapshot', reasons: [] };
  if (facts.verified_read_only) return { category: 'verified_read_only', reasons: [] };
  if (facts.system || facts.system_data_stream) {
    return { category: 'system', reasons: systemReasons(facts, readings) };
  }
  if (facts.data_stream !== null) return { category: 'data_stream', reasons: [] };
  // A write block set through the settings API is not verified: the next major still refuses it.
  const reasons = facts.write_blocked
    ? ['write-blocked, but not verified: use `PUT <index>/_block/write`']
    : [];
  return { category: 'standalone', reasons };
}

/**
 * The readiness report: every index created before the cluster's current major (its
 * `index.version.created` below `<major>.0.0`, e.g. 8000099 on 8.x), classified, and the verdict.
 * Pure: `readReadiness` reads, this decides.
 */
export function readinessReport(readings: ReadinessReadings): ReadinessReport {
  const major = releaseMajor(readings.cluster_version);
  const counts: Record<ReadinessCategory, number> = {
    data_stream: 0,
    standalone: 0,
    system: 0,
    needs_person: 0,
    searchable_snapshot: 0,
    verified_read_only: 0,
  };
  const old = readings.indices
    .filter((facts) => indexVersionMajor(facts.version_created) < major)
    .map((facts): ReadinessIndex => {
      const { category, reasons } = classify(facts, readings);
      counts[category] += 1;
      return {
        index: facts.index,
        version_created: facts.version_created,
        version_created_string: versionString(facts.version_created),
        category,
        blocking: !FINE.has(category),
        closed: facts.closed,
        hidden: facts.hidden,
        data_stream: facts.data_stream,
        aliases: facts.aliases,
        lifecycle_policy: facts.lifecycle_policy,
        reasons,
        action: ACTIONS[category],
      };
    });
  const blocking = old.filter((entry) => entry.blocking).length;
  return {
    cluster_version: readings.cluster_version,
    verdict: blocking === 0 ? 'ready' : `not ready: ${blocking} ${blocking === 1 ? 'index' : 'indices'}`,
    ready: blocking === 0,
    blocking_indices: blocking,
    old_indices: old,
    counts,
    indices_checked: readings.indices.length,
    checks: { system_features: readings.system_features.check, transforms: readings.transforms.check },
    system_feature_migration_status: readings.system_features.migration_status,
  };
}
