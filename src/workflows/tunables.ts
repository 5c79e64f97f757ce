/**
 * Constants compiled into workflow code, each with its unit in its name. Workflows cannot read the
 * environment (they must replay identically), so these change only with a deploy; changing one that alters
 * the command sequence of a running workflow follows the versioning policy in docs/REPLAY.md.
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
  /**
   * Short steps heartbeat every second (`STEP_HEARTBEAT_INTERVAL_MS`), so a worker that dies inside one is
   * noticed within this, not at the step's timeout: three missed heartbeats.
   */
  ES_STEP_HEARTBEAT_TIMEOUT_MS: 3 * 1000,
  /** Short steps keep retrying (429, 503, lost connections) for this long before the index is failed. */
  ES_STEP_RETRY_BUDGET_MS: 30 * 60 * 1000,
  /**
   * Workflow task timeout of a backing index's workflow: how long a worker that dies inside a short step
   * (a local activity) goes unnoticed. Replays of its small history take milliseconds.
   */
  BACKING_INDEX_WORKFLOW_TASK_TIMEOUT_MS: 4 * 1000,
  /** A short step run as a local activity retries inside the worker for this long, then on durable timers. */
  LOCAL_STEP_RETRY_IN_WORKER_MS: 10 * 1000,
  /**
   * The copy activity heartbeats every second (`COPY_HEARTBEAT_INTERVAL_MS`), whatever Elasticsearch is
   * doing; a worker silent for three heartbeats is presumed dead and the copy's retry re-attaches.
   */
  REINDEX_HEARTBEAT_TIMEOUT_MS: 3 * 1000,
  /**
   * How long the quick copy (a local activity) waits for a reindex task to end before handing it, still
   * running, to the heartbeated copy activity. Short: a worker that dies meanwhile is noticed only by the
   * workflow task timing out, and the phases before it run again.
   */
  QUICK_COPY_WAIT_MS: 1_000,
  /**
   * Backing indices whose workflows start ahead of their copy, to block writes and create the destination
   * while the copies before them run, so a copy never waits for the next index's preparation. One is
   * enough: preparing takes far less than a copy. Write blocks are thus taken at most one index early.
   */
  COPY_LOOKAHEAD_INDICES: 1,
  /**
   * `ids` and `content` verification heartbeats every second, also while a batch is read, so a worker
   * silent this long is presumed dead (the retry resumes from the last batch) and a cancel arrives soon.
   */
  VERIFY_HEARTBEAT_TIMEOUT_MS: 10 * 1000,
  /** Verification attempts before the index is failed (transient errors; a difference is not retried). */
  VERIFY_MAXIMUM_ATTEMPTS: 20,
  /** Copy attempts before the index is failed; each waits out up to 2 minutes of an unreachable cluster. */
  COPY_MAXIMUM_ATTEMPTS: 100,
  /** Upper bound on one copy attempt; a billion documents at 1,000/s is about 12 days. */
  REINDEX_START_TO_CLOSE_MS: 14 * 24 * 60 * 60 * 1000,
  /**
   * A backing index held before its copy because its node's disk would cross the high watermark is
   * checked again this often (Elasticsearch itself refreshes disk figures every 30 s by default).
   */
  DISK_RECHECK_INTERVAL_MS: 15 * 1000,
  /** First retry delay after a failed Elasticsearch call. */
  RETRY_INITIAL_INTERVAL_MS: 1000,
  /** Longest delay between retries, so a recovered cluster is noticed within this. */
  RETRY_MAXIMUM_INTERVAL_MS: 30 * 1000,
} as const;

/** Constants of the cluster upgrade workflow (`reindexCluster`), with the same rules as the ones above. */
export const CLUSTER_TUNABLES = {
  /** Data streams upgraded at once when the operator does not say (`--max-data-streams`). */
  DEFAULT_MAX_DATA_STREAMS: 1,
  /** After starting this many data streams, the cluster workflow continues as new (keeps history small). */
  DEFAULT_MAX_DATA_STREAMS_PER_RUN: 100,
  /** How often a data stream's upgrade is asked for its status while the cluster run waits for it. */
  DEFAULT_WATCH_POLL_INTERVAL_MS: 5_000,
  /** The watch heartbeats every poll; a silent worker is presumed dead after this. */
  WATCH_HEARTBEAT_TIMEOUT_MS: 60_000,
  /** One watch attempt; a data stream's upgrade may take longer, and a new attempt simply watches on. */
  WATCH_START_TO_CLOSE_MS: 24 * 60 * 60 * 1000,
  /** Failed indices listed per data stream in the cluster report (the data stream's own status has all). */
  MAX_ERRORS_PER_DATA_STREAM: 20,
  /** Longest error message kept in the cluster report; keeps the workflow's state small for thousands. */
  MAX_ERROR_MESSAGE_CHARS: 500,
  /** The maintenance window is re-read at least this often, even when it next changes later (daily). */
  WINDOW_RECHECK_MAX_MS: 24 * 60 * 60 * 1000,
  /** And at most this often, so a boundary reported a moment early does not spin. */
  WINDOW_RECHECK_MIN_MS: 1_000,
  /** One read of the maintenance window (a computation in the worker): anything longer is a lost worker. */
  WINDOW_READ_START_TO_CLOSE_MS: 30_000,
  /** Reads of the window before the run fails: about 15 s of retries, enough for a worker restart. */
  WINDOW_READ_MAXIMUM_ATTEMPTS: 5,
} as const;
