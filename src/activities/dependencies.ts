import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { Client as TemporalClient } from '@temporalio/client';
import type { WorkerConfig } from '../config';

/** What activities are given by the worker: built once, from the worker's own environment. */
export interface ActivityDependencies {
  es: ElasticsearchClient;
  /** Used by the copy activity to report progress to the data-stream workflow. */
  temporal: TemporalClient;
  worker: WorkerConfig;
}
