/**
 * Constants compiled into workflow code, each with its unit in its name. Workflows cannot read the
 * environment (they must replay identically), so these change only with a deploy; changing one that alters
 * the command sequence of a running workflow needs `patched()` (docs/REPLAY.md).
 */
export const WORKFLOW_TUNABLES = {
  /** Task queue that the worker polls and every workflow and activity is scheduled on. */
  TASK_QUEUE: 'ds-reindex',
  /** How long a finished task's status stays readable, as Elasticsearch keeps it (24 hours). */
  DEFAULT_STATUS_RETENTION_MS: 24 * 60 * 60 * 1000,
  /** After this many backing indices in one run, the data-stream workflow drains and continues as new. */
  DEFAULT_MAX_INDICES_PER_RUN: 500,
  /** Short, idempotent Elasticsearch steps: each attempt must answer within this. */
  ES_STEP_START_TO_CLOSE_MS: 2 * 60 * 1000,
  /** Short steps heartbeat too, so a worker that dies inside one is noticed within this, not at the timeout. */
  ES_STEP_HEARTBEAT_TIMEOUT_MS: 10 * 1000,
  /** Short steps keep retrying (429, 503, lost connections) for this long before the index is failed. */
  ES_STEP_RETRY_BUDGET_MS: 30 * 60 * 1000,
  /** The copy activity heartbeats every few seconds; a silent worker is presumed dead after this. */
  REINDEX_HEARTBEAT_TIMEOUT_MS: 30 * 1000,
  /** Copy attempts before the index is failed; each waits out up to 2 minutes of an unreachable cluster. */
  COPY_MAXIMUM_ATTEMPTS: 100,
  /** Upper bound on one copy attempt; a billion documents at 1,000/s is about 12 days. */
  REINDEX_START_TO_CLOSE_MS: 14 * 24 * 60 * 60 * 1000,
  /** First retry delay after a failed Elasticsearch call. */
  RETRY_INITIAL_INTERVAL_MS: 1000,
  /** Longest delay between retries, so a recovered cluster is noticed within this. */
  RETRY_MAXIMUM_INTERVAL_MS: 30 * 1000,
} as const;
