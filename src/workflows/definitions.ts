import { defineQuery, defineSignal } from '@temporalio/workflow';
import {
  deriveStatus,
  type CopyWait,
  type ReindexDataStreamStatus,
  type UpgradePause,
} from '../shared/status';
import type { SourceFacts } from '../activities/source-facts';
import type { CopyPermit } from './copy-permits';
import type { VerifyMode } from '../shared/verify-mode';

/** Input of the data-stream workflow. Names only: no credentials ever enter a workflow. */
export interface ReindexDataStreamInput {
  dataStream: string;
  /**
   * How long the finished status stays readable. A run records it in its memo as it closes, and the
   * service serves the status that long after the close. Default: 24 hours, as Elasticsearch.
   */
  statusRetentionMs?: number;
  /** Backing indices per run before continuing as new (keeps history small). */
  maxIndicesPerRun?: number;
  /**
   * How each index's copy is proven before its swap; shown in the status when not `count`.
   * @default 'count'
   */
  verify?: VerifyMode;
  /**
   * Old backing indices marked read-only (`index.verified_read_only`) are reindexed too, as a cluster run
   * with `--reindex-read-only` asks; absent: they are skipped, as Elasticsearch skips them.
   */
  reindexReadOnly?: boolean;
  /**
   * What the service counted when it accepted the start, so the status is right from the first query,
   * before this workflow's own plan arrives. Absent: the workflow counts for itself when it plans.
   */
  accepted?: AcceptedStart;
  /** Set only by continue-as-new: where the previous run left off. */
  continued?: ContinuedRun;
}

/**
 * What Elasticsearch knows when it acknowledges a start (docs/ELASTICSEARCH-BEHAVIOUR.md, section 3,
 * step 1): the start time and the two totals, counted before the rollover.
 */
export interface AcceptedStart {
  startTimeMillis: number;
  totalIndicesInDataStream: number;
  totalIndicesRequiringUpgrade: number;
}

/** The state a run hands to the next one when it continues as new. */
export interface ContinuedRun {
  startTimeMillis: number;
  totalIndicesInDataStream: number;
  totalIndicesRequiringUpgrade: number;
  pendingIndices: string[];
  errors: { index: string; message: string }[];
  maxConcurrentIndices: number;
  /**
   * The concurrency setting as last read from the cluster, so that the next run's first read is not
   * taken for a change that would undo a newer value from the API.
   */
  concurrencyLastRead?: number;
  /** A pause that was on when the run continued; absent when none was. */
  paused?: UpgradePause;
}

export interface ReindexBackingIndexInput {
  dataStream: string;
  sourceIndex: string;
  /**
   * The source as it was, read by the data-stream workflow in the workflow task that starts this one, so
   * it is in history before any step changes the source.
   */
  facts: SourceFacts;
  /**
   * How the copy is proven before the swap beyond its count (`ids`, `content`); absent means `count`,
   * so the input of a default upgrade is as it always was.
   */
  verify?: VerifyMode;
  /** The upgrade was paused with `now` as this index started (too late to tell it by signal): its copy waits for the resume. */
  copyPaused?: boolean; /**
   * Whether the index may copy at once or waits for a permit after preparing (`copy-permits.ts`); either
   * way it reports its copy's end to the upgrade. Absent: copy at once, report nothing.
   */
  copyPermit?: CopyPermit;
  /**
   * At concurrency 1, the index copying when this one started: if its copy ends within
   * `QUICK_COPY_WAIT_MS` of this one being prepared, this one copies at once, its permit on the way.
   */
  copyAfter?: { sourceIndex: string; destinationIndex: string };
  /**
   * At concurrency 1, started before its turn to prepare: the index copying when this one started. This
   * one blocks writes once that copy has ended (seen in Elasticsearch within `QUICK_COPY_WAIT_MS`), or
   * when the upgrade says its turn has come (`preparationTurnSignal`), whichever is first.
   */
  prepareAfter?: { sourceIndex: string; destinationIndex: string };
}

export interface ReindexBackingIndexResult {
  sourceIndex: string;
  destinationIndex: string;
  documents: number;
}

/** Copy progress of one backing index; sent by the copy activity to the data-stream workflow. */
export interface IndexProgress {
  index: string;
  totalDocCount: number;
  reindexedDocCount: number;
  /**
   * The cluster's concurrency setting as the copy last read it, so a `PUT /_cluster/settings` made
   * straight to Elasticsearch reaches a running upgrade too. Sent only when the copy saw it change.
   */
  maxConcurrentIndices?: number;
  /** The copy waits for a lost shard to come back (absent once it copies again). */
  waiting?: CopyWait;
}

/**
 * The status a run reports before its first workflow task has done anything: the state handed over by
 * continue-as-new, or else the service's counts, every index to upgrade still pending. The workflow starts
 * from exactly this, and the service answers with it when a status query comes too early to be answered.
 */
export function statusBeforeFirstTask(
  input: ReindexDataStreamInput,
  executionStartMillis: number,
): ReindexDataStreamStatus {
  const { accepted, continued } = input;
  return deriveStatus({
    startTimeMillis: continued?.startTimeMillis ?? accepted?.startTimeMillis ?? executionStartMillis,
    complete: false,
    totalIndicesInDataStream: continued?.totalIndicesInDataStream ?? accepted?.totalIndicesInDataStream ?? 0,
    totalIndicesRequiringUpgrade:
      continued?.totalIndicesRequiringUpgrade ?? accepted?.totalIndicesRequiringUpgrade ?? 0,
    inProgress: [],
    pendingCount: continued?.pendingIndices.length ?? accepted?.totalIndicesRequiringUpgrade ?? 0,
    errors: continued?.errors ?? [],
    paused: continued?.paused,
    verify: input.verify,
  });
}

/** Memo key under which a closed run records how long its status stays readable after its close. */
export const STATUS_RETENTION_MEMO = 'statusRetentionMs';

/** The memo a run sets as it closes. */
export interface FinishedRunMemo {
  [STATUS_RETENTION_MEMO]: number;
}

/** The status in Elasticsearch's JSON shape; answered at any moment, also while children run. */
export const statusQuery = defineQuery<ReindexDataStreamStatus>('status');

/** Sent (rate-limited) by the copy activity so the status shows documents copied so far. */
export const indexProgressSignal = defineSignal<[IndexProgress]>('indexProgress');

/** Sent when `migrate.max_concurrent_indices_reindexed_per_data_stream` changes, so a run adapts at once. */
export const maxConcurrentIndicesChangedSignal = defineSignal<[number]>('maxConcurrentIndicesChanged');
