import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { Client as TemporalClient } from '@temporalio/client';
import type { WorkerConfig } from '../config';

/** What activities are given by the worker: built once, from the worker's own environment. */
export interface ActivityDependencies {
  es: ElasticsearchClient;
  /** Used by the copy activity to report progress to the data-stream workflow. */
  temporal: TemporalClient;
  worker: WorkerConfig;
  /** Told about every copy while it runs, so the worker can export it as metrics; none in most tests. */
  copyObserver?: CopyObserver;
}

/** What one read of a running copy's task shows. */
export interface CopyProgress {
  totalDocCount: number;
  reindexedDocCount: number;
  /** The throttle the task runs at; -1 is unlimited. */
  requestsPerSecond: number;
}

/** One copy attempt, as its observer sees it: progress on every read of the task, then its end. */
export interface CopyTracker {
  progress(progress: CopyProgress): void;
  ended(): void;
}

export interface CopyObserver {
  /** A copy attempt has its task: started now, or `reattached` to one an earlier attempt started. */
  copyStarted(copy: { dataStream: string; index: string; reattached: boolean }): CopyTracker;
}
