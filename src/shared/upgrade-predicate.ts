/** What the section-2 predicate needs to know about one backing index. */
export interface IndexUpgradeFacts {
  /** `index.version.created`, e.g. 7170099 for 7.17.0. */
  versionCreated: number;
  /** `index.store.type`; `snapshot` marks a searchable snapshot. */
  storeType?: string;
  /** `index.verified_read_only`: an operator chose "mark read-only" instead of reindexing. */
  verifiedReadOnly: boolean;
  /** Whether the index is a system index (only backing indices of system data streams are). */
  system: boolean;
}

/** Why an index is left alone, or `undefined` when it needs upgrading. Shown in the dry-run plan. */
export type SkipReason = 'current-version' | 'searchable-snapshot' | 'verified-read-only' | 'system-index';

/** The major version of an index version id: 7170099 → 7, 8536000 → 8. */
export function indexVersionMajor(versionId: number): number {
  return Math.floor(versionId / 1_000_000);
}

/** The major of a release version string such as `8.19.3`. */
export function releaseMajor(version: string): number {
  const major = Number.parseInt(version, 10);
  if (!Number.isInteger(major)) throw new Error(`not a version: [${version}]`);
  return major;
}

/**
 * Elasticsearch's rule for which backing indices the upgrade touches: created by an older major than
 * the cluster's, and not a system index (unless the data stream is a system one), not a searchable
 * snapshot, not marked verified read-only.
 */
export function upgradeSkipReason(
  facts: IndexUpgradeFacts,
  clusterMajor: number,
  systemDataStream: boolean,
): SkipReason | undefined {
  if (indexVersionMajor(facts.versionCreated) >= clusterMajor) return 'current-version';
  if (facts.system && !systemDataStream) return 'system-index';
  if (facts.storeType === 'snapshot') return 'searchable-snapshot';
  if (facts.verifiedReadOnly) return 'verified-read-only';
  return undefined;
}

/**
 * Whether a run upgrades an old index the predicate has classified: one that needs it, or, when the run
 * reindexes indices marked read-only (`--reindex-read-only`), one skipped only for its verified block.
 */
export function upgradedByRun(
  entry: { needs_upgrade: boolean; skip_reason?: SkipReason },
  reindexReadOnly: boolean,
): boolean {
  return entry.needs_upgrade || (reindexReadOnly && entry.skip_reason === 'verified-read-only');
}
