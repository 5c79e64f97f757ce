import { defineQuery } from '@temporalio/workflow';
import type { PreparedDataStream } from '../activities/cluster-activities';
import type { EarlierFinished } from './finished-pages';
import type { PauseState } from './pause-definitions';
import type { StandaloneIndicesStatus } from './standalone-definitions';
import type { ContinuedStandaloneIndices } from './standalone-run-state';
import type { MaintenanceWindow } from '../shared/maintenance-window';
import type { ReadOnlyRule } from '../shared/read-only-rule';
import type { IndexError } from '../shared/status';
import type { VerifyMode } from '../shared/verify-mode';

/**
 * The one cluster upgrade workflow's id. One cluster run at a time: two runs over overlapping data
 * streams would only race each other. It cannot collide with a data stream's `reindex-data-stream-<name>`.
 */
export const CLUSTER_UPGRADE_WORKFLOW_ID = 'ds-reindex-cluster';

/** Input of the cluster workflow. Names and numbers only: no credentials ever enter a workflow. */
export interface ReindexClusterInput {
  /**
   * The data streams to upgrade, in this order: what the caller's plan listed (and was allowed to manage).
   * A run continued as new is handed only those still pending.
   */
  dataStreams: string[];
  /** The pattern they were selected with, for the status and the report. */
  pattern: string;
  /** Data streams upgraded at once. */
  maxDataStreams: number;
  readOnly: ReadOnlyRule;
  /**
   * Old indices marked read-only (`index.verified_read_only`), backing and standalone alike, are reindexed
   * instead of skipped (`--reindex-read-only`). Absent: skipped, as Elasticsearch skips them.
   */
  reindexReadOnly?: boolean;
  /** Copies run only inside this daily window; outside it the run waits. Absent: any time. */
  window?: MaintenanceWindow;
  /** What each data stream's own workflow is started with, as the API starts it. */
  dataStreamRun: { statusRetentionMs: number; maxIndicesPerRun: number; verify?: VerifyMode };
  /** How often a running data stream's status is read. Default: `CLUSTER_TUNABLES`. */
  watchPollIntervalMs?: number;
  /** Data streams started per run before continuing as new. Default: `CLUSTER_TUNABLES`. */
  maxDataStreamsPerRun?: number;
  /**
   * Standalone indices to upgrade too (`--indices`), in this order, once every data stream has started;
   * absent: none (a run as before).
   */
  standalone?: { pattern: string; indices: string[] };
  /** Set only by continue-as-new: where the previous run left off. */
  continued?: ContinuedClusterRun;
}

/** Where a data stream is in the cluster run. */
export type DataStreamStep = 'preparing' | 'starting' | 'upgrading' | 'cancelling';

/** A data stream the cluster run is working on now. */
export interface RunningDataStream {
  data_stream: string;
  started_at_millis: number;
  step: DataStreamStep;
  /** Its upgrade was already running when the run reached it: watched, never started or cancelled by the run. */
  adopted: boolean;
  /** What the preparation found and did; absent while preparing. */
  prepared?: PreparedDataStream;
  /** The pause the run last asked its upgrade for (cluster pause or closed window); absent: running. */
  hold?: 'paused' | 'paused_now';
}

/** How a data stream's part of the cluster run ended. */
export const DATA_STREAM_OUTCOMES = {
  /** Every old index reindexed (and the chosen ones marked read-only). */
  UPGRADED: 'upgraded',
  UPGRADED_WITH_ERRORS: 'upgraded_with_errors',
  /** Nothing to reindex: every old index was marked read-only. */
  READ_ONLY: 'read_only',
  /** Nothing left to do when the run reached it. */
  UP_TO_DATE: 'up_to_date',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  /** A cancelled run stops watching an upgrade it did not start, and leaves it running. */
  LEFT_RUNNING: 'left_running',
} as const;
export type DataStreamOutcome = (typeof DATA_STREAM_OUTCOMES)[keyof typeof DATA_STREAM_OUTCOMES];

/**
 * The outcomes that count as a success: everything that needed doing was done (nothing, for a data
 * stream already up to date). Every other outcome is a failure of the run, however the report lists it.
 */
const SUCCESSFUL_OUTCOMES: ReadonlySet<DataStreamOutcome> = new Set([
  DATA_STREAM_OUTCOMES.UPGRADED,
  DATA_STREAM_OUTCOMES.READ_ONLY,
  DATA_STREAM_OUTCOMES.UP_TO_DATE,
]);

export function isSuccessfulOutcome(outcome: DataStreamOutcome): boolean {
  return SUCCESSFUL_OUTCOMES.has(outcome);
}

/** One data stream in the report. */
export interface DataStreamRunReport {
  data_stream: string;
  outcome: DataStreamOutcome;
  adopted: boolean;
  started_at_millis: number;
  finished_at_millis: number;
  /** Backing indices its upgrade found needing upgrade (from its own status). */
  indices_requiring_upgrade: number;
  indices_reindexed: number;
  indices_failed: number;
  indices_marked_read_only: number;
  indices_already_read_only: number;
  /** Documents in the reindexed indices when the run prepared them; `null` when not counted (adopted). */
  documents: number | null;
  bytes: number | null;
  /** At most `MAX_ERRORS_PER_DATA_STREAM`; `errors_omitted` counts the rest. */
  errors: IndexError[];
  errors_omitted: number;
  exception?: string;
}

export const CLUSTER_STATES = {
  RUNNING: 'running',
  CANCELLING: 'cancelling',
  COMPLETED: 'completed',
  COMPLETED_WITH_ERRORS: 'completed_with_errors',
  CANCELLED: 'cancelled',
  /** The run itself could not go on (its maintenance window could not be read); `exception` says why. */
  FAILED: 'failed',
} as const;
export type ClusterState = (typeof CLUSTER_STATES)[keyof typeof CLUSTER_STATES];

/** The cluster run's status, answered at any moment and kept in the closed workflow afterwards. */
export interface ClusterUpgradeStatus {
  state: ClusterState;
  complete: boolean;
  start_time_millis: number;
  end_time_millis?: number;
  pattern: string;
  max_data_streams: number;
  read_only: ReadOnlyRule;
  /** How every data stream's copies are proven before their swaps (issue 23); absent: `count`. */
  verify?: VerifyMode;
  total_data_streams: number;
  /** Not started yet, in the order they will start. */
  pending: string[];
  running: RunningDataStream[];
  /** In the order they finished. */
  finished: DataStreamRunReport[];
  /**
   * Only in the workflow's own answer: `finished` (and the standalone indices' `finished`) then holds
   * what this run finished, and the earlier runs' reports are in pages the service reads back in.
   */
  earlier_finished?: EarlierFinished;
  /** Paused by the operator (`pause --all`), since when; `null` when not. */
  paused: PauseState | null;
  /** The maintenance window, whether it is open now, and when that changes; `null` without one. */
  window: WindowStatus | null;
  /** Why the run failed (state `failed`); absent otherwise. */
  exception?: string;
  /** The standalone indices (`--indices`); absent when the run has none. */
  standalone_indices?: StandaloneIndicesStatus;
}

export interface WindowStatus extends MaintenanceWindow {
  open: boolean;
  /** When the window opens (if closed) or closes (if open) next, epoch ms. */
  next_change_millis: number;
}

/**
 * The state a run hands to the next one when it continues as new: the same size whatever the run has
 * finished (the pending data streams are the next run's `dataStreams`; finished ones are in pages).
 */
export interface ContinuedClusterRun {
  startTimeMillis: number;
  /** Data streams the whole upgrade covers. */
  totalDataStreams: number;
  /** Only data streams being watched (step `upgrading`): the next run watches them on. */
  running: RunningDataStream[];
  /** What earlier runs finished; absent before the first page. */
  earlier?: EarlierFinished;
  paused?: PauseState;
  runNumber: number;
  /** Absent when the run has no standalone indices. */
  standalone?: ContinuedStandaloneIndices;
}

export const clusterStatusQuery = defineQuery<ClusterUpgradeStatus>('clusterStatus');
