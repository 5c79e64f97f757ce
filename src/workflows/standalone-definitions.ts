import type { VerifyMode } from '../shared/verify-mode';

/** Input of one standalone index's workflow. Names only: no credentials ever enter a workflow. */
export interface ReindexStandaloneIndexInput {
  index: string;
  /** How the copy is proven before the switch beyond its count; absent means `count`. */
  verify?: VerifyMode;
  /** The cluster run was paused with `now` (or its window closed) as this index started. */
  copyPaused?: boolean;
}

export interface ReindexStandaloneIndexResult {
  sourceIndex: string;
  destinationIndex: string;
  documents: number;
  /** The aliases the old index had when the upgrade read it, now on the new index. */
  aliases: string[];
}

/** Where a standalone index is in the cluster run. */
export type StandaloneIndexStep = 'preparing' | 'upgrading' | 'cancelling';

/** A standalone index the cluster run is working on now. */
export interface RunningStandaloneIndex {
  index: string;
  started_at_millis: number;
  step: StandaloneIndexStep;
  /** The copy pause the run last sent it (`paused_now`: its copy stops); absent: copying. */
  hold?: 'paused_now';
}

/** How a standalone index's part of the cluster run ended. */
export const STANDALONE_OUTCOMES = {
  /** Reindexed: the new index carries its name (as an alias) and every alias it had. */
  UPGRADED: 'upgraded',
  /** Marked read-only by the run's read-only rule (`_block/write`). */
  READ_ONLY: 'read_only',
  /** Nothing to do when the run reached it (deleted, upgraded or marked read-only since the plan). */
  UP_TO_DATE: 'up_to_date',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
} as const;
export type StandaloneOutcome = (typeof STANDALONE_OUTCOMES)[keyof typeof STANDALONE_OUTCOMES];

/** One standalone index in the report. */
export interface StandaloneIndexRunReport {
  index: string;
  outcome: StandaloneOutcome;
  started_at_millis: number;
  finished_at_millis: number;
  /** The new index, when it was reindexed. */
  destination_index: string | null;
  documents: number | null;
  /** The aliases moved to the new index (besides the old name itself). */
  aliases_moved: string[];
  exception?: string;
}

/** The standalone part of the cluster status; absent when the run was started without `--indices`. */
export interface StandaloneIndicesStatus {
  /** The pattern they were selected with. */
  pattern: string;
  total: number;
  pending: string[];
  running: RunningStandaloneIndex[];
  finished: StandaloneIndexRunReport[];
}

const SUCCESSFUL: ReadonlySet<StandaloneOutcome> = new Set([
  STANDALONE_OUTCOMES.UPGRADED,
  STANDALONE_OUTCOMES.READ_ONLY,
  STANDALONE_OUTCOMES.UP_TO_DATE,
]);

export function isSuccessfulStandaloneOutcome(outcome: StandaloneOutcome): boolean {
  return SUCCESSFUL.has(outcome);
}
