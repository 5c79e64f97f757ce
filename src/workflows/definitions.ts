import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ReindexDataStreamStatus } from '../shared/status';

/** Input of the data-stream workflow. Names only: no credentials ever enter a workflow. */
export interface ReindexDataStreamInput {
  dataStream: string;
  /** How long the finished status stays readable. Default: 24 hours, as Elasticsearch. */
  statusRetentionMs?: number;
  /** Backing indices per run before continuing as new (keeps history small). */
  maxIndicesPerRun?: number;
  /** Set only by continue-as-new: where the previous run left off. */
  continued?: ContinuedRun;
}

/** The state a run hands to the next one when it continues as new. */
export interface ContinuedRun {
  startTimeMillis: number;
  totalIndicesInDataStream: number;
  totalIndicesRequiringUpgrade: number;
  pendingIndices: string[];
  errors: { index: string; message: string }[];
  maxConcurrentIndices: number;
  runNumber: number;
}

export interface ReindexBackingIndexInput {
  dataStream: string;
  sourceIndex: string;
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
   * straight to Elasticsearch reaches a running upgrade too. Absent in signals from older workers.
   */
  maxConcurrentIndices?: number;
}

/** The status in Elasticsearch's JSON shape; answered at any moment, also while children run. */
export const statusQuery = defineQuery<ReindexDataStreamStatus>('status');

/** Sent (rate-limited) by the copy activity so the status shows documents copied so far. */
export const indexProgressSignal = defineSignal<[IndexProgress]>('indexProgress');

/** Sent when `migrate.max_concurrent_indices_reindexed_per_data_stream` changes, so a run adapts at once. */
export const maxConcurrentIndicesChangedSignal = defineSignal<[number]>('maxConcurrentIndicesChanged');
