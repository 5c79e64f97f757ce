import { ApplicationFailure, Context } from '@temporalio/activity';
import { DataStreamNotFoundError } from '../elasticsearch/data-streams';
import { isIndexNotFound, isTransientElasticsearchError, reasonOf } from '../elasticsearch/errors';

/**
 * Failure types the workflows see. Known Elasticsearch errors are mapped here, in one place, so that
 * every activity agrees on what is retried and what ends the index with a message in `errors`.
 */
export const FAILURE_TYPES = {
  /** 429, 502-504, lost connection, timeout: retried with backoff by the activity's retry policy. */
  ELASTICSEARCH_UNAVAILABLE: 'ElasticsearchUnavailable',
  /** Any other refusal: a retry would get the same answer. */
  ELASTICSEARCH_REFUSED: 'ElasticsearchRefused',
  SOURCE_INDEX_MISSING: 'SourceIndexMissing',
  DOCUMENT_COUNT_MISMATCH: 'DocumentCountMismatch',
  /** `ids` or `content` verification found documents that differ: the index fails before the swap. */
  DOCUMENTS_DIFFER: 'DocumentsDiffer',
  COPY_FAILED: 'CopyFailed',
  DATA_STREAM_MISSING: 'DataStreamMissing',
  /** The new index is not yet as healthy as the old one was (replicas unassigned): retried until it is. */
  DESTINATION_NOT_HEALTHY: 'DestinationNotHealthy',
  /** The worker's credentials lack a privilege the upgrade needs: found before anything changes. */
  MISSING_PRIVILEGES: 'MissingPrivileges',
  UNEXPECTED_STATE: 'UnexpectedState',
} as const;

function sourceIndexMissing(index: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `source index [${index}] does not exist`,
    FAILURE_TYPES.SOURCE_INDEX_MISSING,
  );
}

/** Maps an Elasticsearch client error to a Temporal failure; `sourceIndex` names a missing source. */
export function toActivityFailure(err: unknown, sourceIndex?: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof DataStreamNotFoundError) {
    return ApplicationFailure.nonRetryable(err.message, FAILURE_TYPES.DATA_STREAM_MISSING);
  }
  if (isTransientElasticsearchError(err)) {
    return ApplicationFailure.retryable(reasonOf(err), FAILURE_TYPES.ELASTICSEARCH_UNAVAILABLE);
  }
  if (sourceIndex !== undefined && isIndexNotFound(err) && reasonOf(err).includes(`[${sourceIndex}]`)) {
    return sourceIndexMissing(sourceIndex);
  }
  return ApplicationFailure.nonRetryable(reasonOf(err), FAILURE_TYPES.ELASTICSEARCH_REFUSED);
}

// A third of ES_STEP_HEARTBEAT_TIMEOUT_MS, and the worker's heartbeat throttle (one a second).
export const STEP_HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * Runs one Elasticsearch step, heartbeating while it runs (a refresh or an open can take a while, and a
 * worker that dies meanwhile must be noticed by its heartbeat, not by the step's timeout), and turns
 * whatever it throws into the right Temporal failure.
 *
 * The first heartbeat goes out after one interval, not at the start: the server counts the heartbeat
 * timeout from the attempt's start, so an early one detects nothing sooner, and each heartbeat that
 * reaches the server is a billable Temporal Cloud action. Most steps end well before the first one.
 */
export async function elasticsearchStep<T>(step: () => Promise<T>, sourceIndex?: string): Promise<T> {
  const context = Context.current();
  // A local activity has no heartbeat: its workflow task, which the SDK keeps alive, stands in for it.
  const heartbeats = context.info.isLocal
    ? undefined
    : setInterval(() => context.heartbeat(), STEP_HEARTBEAT_INTERVAL_MS);
  try {
    return await step();
  } catch (err) {
    throw toActivityFailure(err, sourceIndex);
  } finally {
    if (heartbeats !== undefined) clearInterval(heartbeats);
  }
}
