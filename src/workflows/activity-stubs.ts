import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { WORKFLOW_TUNABLES as T } from './tunables';

const retry = {
  initialInterval: T.RETRY_INITIAL_INTERVAL_MS,
  maximumInterval: T.RETRY_MAXIMUM_INTERVAL_MS,
  backoffCoefficient: 2,
};

/**
 * Short Elasticsearch steps: each attempt is bounded and heartbeats (a dead worker is noticed in
 * seconds), and transient failures (429, 503, lost connections) are retried with backoff for up to
 * `ES_STEP_RETRY_BUDGET_MS` before the index fails.
 * Cancellation waits for a running step to finish, so a rollback never races the step it undoes.
 */
export const elasticsearchSteps = proxyActivities<Activities>({
  startToCloseTimeout: T.ES_STEP_START_TO_CLOSE_MS,
  heartbeatTimeout: T.ES_STEP_HEARTBEAT_TIMEOUT_MS,
  scheduleToCloseTimeout: T.ES_STEP_RETRY_BUDGET_MS,
  retry,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * The same short steps as local activities: the worker runs them inside the workflow task, so a chain of
 * steps costs no round trip through the server (and no billable action) per step. A worker that dies in
 * one is noticed by the workflow task timing out, and the next worker runs the step again (every step is
 * idempotent). Transient failures are retried as above: in the worker at first, then on durable timers.
 */
export const localElasticsearchSteps = proxyLocalActivities<Activities>({
  startToCloseTimeout: T.ES_STEP_START_TO_CLOSE_MS,
  scheduleToCloseTimeout: T.ES_STEP_RETRY_BUDGET_MS,
  localRetryThreshold: T.LOCAL_STEP_RETRY_IN_WORKER_MS,
  retry,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * `ids` and `content` verification: reads both indices whole, so it runs for as long as a copy may
 * (a billion documents take hours) and heartbeats every batch.
 */
export const verifySteps = proxyActivities<Activities>({
  startToCloseTimeout: T.REINDEX_START_TO_CLOSE_MS,
  heartbeatTimeout: T.VERIFY_HEARTBEAT_TIMEOUT_MS,
  retry: { ...retry, maximumAttempts: T.VERIFY_MAXIMUM_ATTEMPTS },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** The long copy: heartbeats, so a dead worker is noticed within seconds and cancels arrive at once. */
export const copySteps = proxyActivities<Activities>({
  startToCloseTimeout: T.REINDEX_START_TO_CLOSE_MS,
  heartbeatTimeout: T.REINDEX_HEARTBEAT_TIMEOUT_MS,
  retry: { ...retry, maximumAttempts: T.COPY_MAXIMUM_ATTEMPTS },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});
