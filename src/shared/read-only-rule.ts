/**
 * Which old backing indices take the cheap path: marked read-only (`PUT <index>/_block/write`, which
 * records `index.verified_read_only: true`, what the next major accepts as read-only compatible) instead
 * of being reindexed. The plan, the cluster workflow and its activities all decide with this one rule.
 */
export type ReadOnlyRule =
  /** Reindex every old index (Elasticsearch's behaviour). */
  | { kind: 'none' }
  /** Mark every old index of the data stream read-only; reindex none. */
  | { kind: 'all' }
  /**
   * Mark old indices read-only when their age reference (ILM's origination date when set, else their
   * creation date) is before `cutoffMillis`; reindex the newer ones. `olderThanMs` is what the operator
   * asked for; the cutoff is fixed once, when the plan or the run starts, so every data stream of a run
   * is judged by the same instant.
   */
  | { kind: 'older-than'; olderThanMs: number; cutoffMillis: number };

/** What happens to one old backing index. */
export type UpgradePath = 'reindex' | 'read-only';

/** The facts the rule needs about one index that needs upgrading. */
export interface AgedIndex {
  /** `index.creation_date`, epoch ms. */
  creationDateMillis: number;
  /** `index.lifecycle.origination_date`, epoch ms, when set (ILM and ds-reindex's copies use it). */
  originationDateMillis?: number;
}

/** The instant an index's age is measured from: the origination date when set, as ILM measures it. */
export function ageReferenceMillis(index: AgedIndex): number {
  return index.originationDateMillis ?? index.creationDateMillis;
}

export function upgradePathOf(index: AgedIndex, rule: ReadOnlyRule): UpgradePath {
  switch (rule.kind) {
    case 'none':
      return 'reindex';
    case 'all':
      return 'read-only';
    case 'older-than':
      return ageReferenceMillis(index) < rule.cutoffMillis ? 'read-only' : 'reindex';
  }
}
