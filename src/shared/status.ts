import { DEFAULT_VERIFY_MODE, type VerifyMode } from './verify-mode';

/** One backing index being copied now, as Elasticsearch's status lists it. */
export interface InProgressIndex {
  index: string;
  total_doc_count: number;
  reindexed_doc_count: number;
  /**
   * Beyond Elasticsearch, present only while it lasts: the copy waits for something outside it (a node
   * that left with a shard of the source or of the new index), why, and since when.
   */
  waiting?: CopyWait;
}

/** Why a copy in flight waits, and since when (epoch ms). */
export interface CopyWait {
  reason: string;
  since_millis: number;
  /** Present when the wait is for disk (a flood-stage block), which `ds_reindex_indices_waiting_for_disk` counts. */
  disk?: true;
}

/** One backing index that failed, with the reason. */
export interface IndexError {
  index: string;
  message: string;
}

/**
 * The next backing index held before its copy starts (beyond Elasticsearch): starting it would take a node
 * holding its shards past the high disk watermark. Re-checked until it fits.
 */
export interface DiskHold {
  index: string;
  reason: string;
  since_millis: number;
}

/** A paused upgrade (beyond Elasticsearch): since when, and whether the copies in flight were stopped too. */
export interface UpgradePause {
  since_millis: number;
  now: boolean;
}

/**
 * `GET /_migration/reindex/<ds>/_status`, field for field and in Elasticsearch's order.
 * `start_time` appears only with `?human`; `exception` only when the whole task failed; `paused` (not
 * Elasticsearch's: it cannot pause) only while paused, last, so a status that is not paused is exactly
 * Elasticsearch's.
 */
export interface ReindexDataStreamStatus {
  start_time?: string;
  start_time_millis: number;
  complete: boolean;
  total_indices_in_data_stream: number;
  total_indices_requiring_upgrade: number;
  successes: number;
  in_progress: InProgressIndex[];
  pending: number;
  errors: IndexError[];
  exception?: string;
  /** Beyond Elasticsearch, only when not `count`: how each copy was proven before its swap. */
  verify?: VerifyMode;
  paused?: UpgradePause & { since?: string };
  /** Beyond Elasticsearch, only while it lasts: the next index waits for disk before it starts. */
  waiting_for_disk?: DiskHold;
}

/** What the data-stream workflow tracks; the status is derived from it, never stored twice. */
export interface StatusState {
  startTimeMillis: number;
  complete: boolean;
  totalIndicesInDataStream: number;
  totalIndicesRequiringUpgrade: number;
  inProgress: readonly InProgressIndex[];
  pendingCount: number;
  errors: readonly IndexError[];
  exception?: string;
  paused?: UpgradePause;
  verify?: VerifyMode;
  waitingForDisk?: DiskHold;
}

export function deriveStatus(state: StatusState): ReindexDataStreamStatus {
  const status: ReindexDataStreamStatus = {
    start_time_millis: state.startTimeMillis,
    complete: state.complete,
    total_indices_in_data_stream: state.totalIndicesInDataStream,
    total_indices_requiring_upgrade: state.totalIndicesRequiringUpgrade,
    successes:
      state.totalIndicesRequiringUpgrade - state.inProgress.length - state.pendingCount - state.errors.length,
    in_progress: state.inProgress.map((entry) => ({ ...entry })),
    pending: state.pendingCount,
    errors: state.errors.map((entry) => ({ ...entry })),
  };
  if (state.exception !== undefined) status.exception = state.exception;
  // The default is not shown, so a default upgrade's status is exactly Elasticsearch's.
  if (state.verify !== undefined && state.verify !== DEFAULT_VERIFY_MODE) status.verify = state.verify;
  if (state.paused !== undefined) status.paused = { ...state.paused };
  if (state.waitingForDisk !== undefined) status.waiting_for_disk = { ...state.waitingForDisk };
  return status;
}

/**
 * `?human`: Elasticsearch puts `start_time` (ISO 8601, UTC) before `start_time_millis`; a pause gets its
 * `since` the same way.
 */
export function withHumanReadableTimes(status: ReindexDataStreamStatus): ReindexDataStreamStatus {
  const human = { start_time: new Date(status.start_time_millis).toISOString(), ...status };
  if (status.paused !== undefined) {
    human.paused = { since: new Date(status.paused.since_millis).toISOString(), ...status.paused };
  }
  return human;
}

/** Overall progress in percent: finished indices plus the finished share of those being copied. */
export function progressPercent(status: ReindexDataStreamStatus): number {
  if (status.total_indices_requiring_upgrade === 0) return status.complete ? 100 : 0;
  const partial = status.in_progress.reduce(
    (sum, entry) =>
      sum + (entry.total_doc_count > 0 ? Math.min(1, entry.reindexed_doc_count / entry.total_doc_count) : 0),
    0,
  );
  const done = status.successes + status.errors.length + partial;
  return Math.round((1000 * done) / status.total_indices_requiring_upgrade) / 10;
}
