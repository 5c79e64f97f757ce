import type { Client } from '@elastic/elasticsearch';
import { ElasticsearchApiError } from './api-error';
import { readinessReport, versionString, type ReadinessCategory } from './readiness-report';
import { isNotFound } from '../../elasticsearch/errors';
import { readReadiness, type IndexReadinessFacts } from '../../elasticsearch/readiness-inspection';
import { upgradePathOf, type ReadOnlyRule } from '../../shared/read-only-rule';
import { indexVersionMajor, releaseMajor } from '../../shared/upgrade-predicate';

/** What the run does with one old standalone index. */
export type StandalonePath = 'reindex' | 'read-only' | 'skip';

export interface StandalonePlanIndex {
  index: string;
  version_created: string;
  /** The readiness report's category (`standalone`, `system`, `needs_person`, ...). */
  category: ReadinessCategory;
  path: StandalonePath;
  closed: boolean;
  hidden: boolean;
  /** Its aliases: each moves to the new index, and the old name becomes one. */
  aliases: string[];
  lifecycle_policy: string | null;
  /** Why it is skipped (`path: skip`). */
  reason?: string;
}

/** The standalone part of a cluster plan (`--indices`). */
export interface StandalonePlan {
  pattern: string;
  /** Verified read-only indices are reindexed too (`--reindex-read-only`). */
  reindex_read_only: boolean;
  /** Every old index outside a data stream that the pattern names, by name. */
  indices: StandalonePlanIndex[];
  totals: { indices_to_reindex: number; indices_to_mark_read_only: number; indices_skipped: number };
}

/** Why the run never touches an index of this category (the readiness report's own words are in `action`). */
const NEVER_TOUCHED: Partial<Record<ReadinessCategory, string>> = {
  system:
    "a system index: left to Elasticsearch's system feature migration (POST /_migration/system_features)",
  needs_person: 'needs a person (see `ds-reindex readiness`): never touched by a run',
  searchable_snapshot: 'a searchable snapshot: accepted by the next major as it is',
};

function illegalArgument(reason: string): ElasticsearchApiError {
  return new ElasticsearchApiError(400, 'illegal_argument_exception', reason);
}

/**
 * The indices `pattern` names, resolved by Elasticsearch itself (comma lists, wildcards, `-` exclusions,
 * aliases), hidden and closed ones included. A concrete name that does not exist is the caller's mistake.
 */
async function indicesNamed(es: Client, pattern: string): Promise<Set<string>> {
  try {
    const rows = await es.cat.indices({
      index: pattern,
      expand_wildcards: 'all',
      h: 'index',
      format: 'json',
    });
    return new Set(rows.map((row) => row.index ?? ''));
  } catch (err) {
    if (isNotFound(err))
      throw new ElasticsearchApiError(404, 'index_not_found_exception', `no such index [${pattern}]`);
    throw err;
  }
}

function pathOf(
  facts: IndexReadinessFacts,
  category: ReadinessCategory,
  rule: ReadOnlyRule,
  reindexReadOnly: boolean,
): { path: StandalonePath; reason?: string } {
  const never = NEVER_TOUCHED[category];
  if (never !== undefined) return { path: 'skip', reason: never };
  if (category === 'verified_read_only' && !reindexReadOnly) {
    return { path: 'skip', reason: 'already marked read-only (reindex it with --reindex-read-only)' };
  }
  if (category === 'verified_read_only') return { path: 'reindex' };
  const age = {
    creationDateMillis: facts.creation_date_millis,
    ...(facts.origination_date_millis !== null
      ? { originationDateMillis: facts.origination_date_millis }
      : {}),
  };
  return { path: upgradePathOf(age, rule) };
}

/**
 * Reindexing an index marked read-only lifts its write block; the next major refuses that for an index
 * of two majors back (it can only read it), so the run refuses before it changes anything.
 */
export function refuseOnNextMajor(
  clusterVersion: string,
  indices: readonly Pick<StandalonePlanIndex, 'index' | 'category' | 'path'>[],
  versionCreated: (index: string) => number,
): void {
  const major = releaseMajor(clusterVersion);
  const tooOld = indices.filter(
    (entry) =>
      entry.category === 'verified_read_only' &&
      entry.path === 'reindex' &&
      indexVersionMajor(versionCreated(entry.index)) < major - 1,
  );
  if (tooOld.length === 0) return;
  throw illegalArgument(
    `--reindex-read-only cannot reindex [${tooOld.map((entry) => entry.index).join(', ')}]: the cluster is ` +
      `already on ${clusterVersion}, which keeps an index of two majors back read-only and refuses to lift its ` +
      'write block; reindex it on a cluster of the major before, or leave it read-only',
  );
}

/**
 * The standalone indices a cluster run would upgrade: every index outside a data stream that `pattern`
 * names and the readiness report finds older than the current major, with the path each takes. System,
 * needs-a-person and searchable-snapshot ones are listed and never touched; verified read-only ones only
 * with `reindexReadOnly`. Reads Elasticsearch only.
 */
export async function planStandaloneIndices(
  es: Client,
  options: { pattern: string; readOnly: ReadOnlyRule; reindexReadOnly: boolean },
): Promise<StandalonePlan> {
  const [readings, named] = await Promise.all([readReadiness(es), indicesNamed(es, options.pattern)]);
  const report = readinessReport(readings);
  const facts = new Map(readings.indices.map((entry) => [entry.index, entry]));
  const indices = report.old_indices
    .filter((entry) => entry.data_stream === null && named.has(entry.index))
    .map((entry): StandalonePlanIndex => {
      const indexFacts = facts.get(entry.index) as IndexReadinessFacts;
      return {
        index: entry.index,
        version_created: versionString(entry.version_created),
        category: entry.category,
        ...pathOf(indexFacts, entry.category, options.readOnly, options.reindexReadOnly),
        closed: entry.closed,
        hidden: entry.hidden,
        aliases: entry.aliases,
        lifecycle_policy: entry.lifecycle_policy,
      };
    });
  refuseOnNextMajor(readings.cluster_version, indices, (index) => facts.get(index)?.version_created ?? 0);
  const count = (path: StandalonePath) => indices.filter((entry) => entry.path === path).length;
  return {
    pattern: options.pattern,
    reindex_read_only: options.reindexReadOnly,
    indices,
    totals: {
      indices_to_reindex: count('reindex'),
      indices_to_mark_read_only: count('read-only'),
      indices_skipped: count('skip'),
    },
  };
}

/** The indices a run starts with: those it reindexes or marks read-only, in the plan's order. */
export function standaloneIndicesToRun(plan: StandalonePlan): string[] {
  return plan.indices.filter((entry) => entry.path !== 'skip').map((entry) => entry.index);
}
