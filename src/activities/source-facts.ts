/** What an index's blocks were before the upgrade touched them, so a rollback can put them back. */
export interface IndexBlocks {
  write: boolean;
  read_only: boolean;
  read_only_allow_delete: boolean;
  metadata: boolean;
  read: boolean;
}

export type HealthStatus = 'green' | 'yellow' | 'red';

/**
 * The source index as it was before the upgrade changed anything. Read once, by a read-only activity,
 * so that its result in history stays the truth however often later steps are retried.
 */
export interface SourceFacts {
  index: string;
  closed: boolean;
  health: HealthStatus;
  /** Explicit values, or `null` when the index used the default. */
  numberOfReplicas: string | null;
  refreshInterval: string | null;
  lifecycleName: string | null;
  /** `index.creation_date` (epoch ms, as a string). */
  creationDate: string;
  /** `index.lifecycle.origination_date`, when set; otherwise ILM ages the index from its creation date. */
  lifecycleOriginationDate: string | null;
  blocks: IndexBlocks;
  /**
   * Marked read-only with the block API (`index.verified_read_only` with its write block), as a cluster
   * run's read-only path marks it: a rollback puts that verified block back, not a plain one. Absent in
   * facts read before it was recorded: not verified.
   */
  verifiedReadOnly?: boolean;
}

export const BLOCK_NAMES = [
  'write',
  'read_only',
  'read_only_allow_delete',
  'metadata',
  'read',
] as const satisfies readonly (keyof IndexBlocks)[];
