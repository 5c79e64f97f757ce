/**
 * Every tunable of ds-reindex, in one typed module, with its unit in its name.
 *
 * Two halves:
 * - `WORKFLOW_TUNABLES`: constants compiled into workflow code. Workflows cannot read the environment
 *   (they must replay identically), so these change only with a deploy, and changing one that alters the
 *   command sequence needs `patched()`.
 * - `loadConfig(env)`: everything the worker, the HTTP API and the CLI read from environment variables.
 *   It takes the environment as an argument so that importing this module never touches `process`.
 */

export const WORKFLOW_TUNABLES = {
  /** Task queue that the worker polls and every workflow and activity is scheduled on. */
  TASK_QUEUE: 'ds-reindex',
  /** How long a finished task's status stays readable, as Elasticsearch keeps it (24 hours). */
  DEFAULT_STATUS_RETENTION_MS: 24 * 60 * 60 * 1000,
  /** Elasticsearch's default for `migrate.max_concurrent_indices_reindexed_per_data_stream`. */
  DEFAULT_MAX_CONCURRENT_INDICES: 1,
  /** Elasticsearch's default for `migrate.data_stream_reindex_max_request_per_second`. */
  DEFAULT_MAX_REQUESTS_PER_SECOND: 1000,
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

/** Where and how to reach Elasticsearch. Credentials live only here, in the process environment. */
export interface ElasticsearchConnectionConfig {
  /** `ES_URL`, default `http://localhost:9200`. */
  url: string;
  /** `ES_API_KEY`: an encoded API key; takes precedence over basic auth. */
  apiKey?: string;
  /** `ES_USERNAME` and `ES_PASSWORD`: basic auth. */
  username?: string;
  password?: string;
  /** `ES_CA_FILE`: PEM file of the CA that signed the cluster's certificate. */
  caFile?: string;
  /** `ES_REQUEST_TIMEOUT_MS`, default 30 000. */
  requestTimeoutMs: number;
}

export interface TemporalConnectionConfig {
  /** `TEMPORAL_ADDRESS`, default `localhost:7233`. */
  address: string;
  /** `TEMPORAL_NAMESPACE`, default `default`. */
  namespace: string;
  /** `TEMPORAL_TASK_QUEUE`, default `ds-reindex`. */
  taskQueue: string;
}

export interface WorkerConfig {
  /** `REINDEX_POLL_INTERVAL_MS`, default 2 000: how often the copy activity reads the task's counters. */
  reindexPollIntervalMs: number;
  /** `PROGRESS_SIGNAL_INTERVAL_MS`, default 10 000: how often copy progress is sent to the data-stream workflow. */
  progressSignalIntervalMs: number;
  /** `SETTINGS_POLL_INTERVAL_MS`, default 5 000: how often a running copy re-reads the throttle setting. */
  settingsPollIntervalMs: number;
  /** `HEALTH_WAIT_TIMEOUT_MS`, default 60 000: the longest one wait for the destination's shards lasts. */
  healthWaitTimeoutMs: number;
  /** `WORKFLOW_BUNDLE_PATH`: a bundle built by `scripts/bundle-workflows.ts` (the image has one). */
  workflowBundlePath?: string;
}

export interface HttpApiConfig {
  /** `HTTP_API_HOST`, default `127.0.0.1`. */
  host: string;
  /** `HTTP_API_PORT`, default 9300; 0 picks a free port. */
  port: number;
  /** `HTTP_API_MAX_BODY_BYTES`, default 1 MiB; larger bodies get 413. */
  maxBodyBytes: number;
}

export interface Config {
  elasticsearch: ElasticsearchConnectionConfig;
  temporal: TemporalConnectionConfig;
  worker: WorkerConfig;
  httpApi: HttpApiConfig;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** Thrown when an environment variable holds something that is not what its name promises. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function readString(env: Environment, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

function readOptional(env: Environment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function readPositiveInteger(env: Environment, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive whole number, got [${raw}]`);
  }
  return value;
}

function readPort(env: Environment, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(`${name} must be a port number from 0 (any free port) to 65535, got [${raw}]`);
  }
  return value;
}

/** Reads the whole configuration from an environment (normally `process.env`), validating as it goes. */
export function loadConfig(env: Environment): Config {
  const username = readOptional(env, 'ES_USERNAME');
  const password = readOptional(env, 'ES_PASSWORD');
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError('ES_USERNAME and ES_PASSWORD must be set together');
  }
  return {
    elasticsearch: {
      url: readString(env, 'ES_URL', 'http://localhost:9200'),
      apiKey: readOptional(env, 'ES_API_KEY'),
      username,
      password,
      caFile: readOptional(env, 'ES_CA_FILE'),
      requestTimeoutMs: readPositiveInteger(env, 'ES_REQUEST_TIMEOUT_MS', 30_000),
    },
    temporal: {
      address: readString(env, 'TEMPORAL_ADDRESS', 'localhost:7233'),
      namespace: readString(env, 'TEMPORAL_NAMESPACE', 'default'),
      taskQueue: readString(env, 'TEMPORAL_TASK_QUEUE', WORKFLOW_TUNABLES.TASK_QUEUE),
    },
    worker: {
      reindexPollIntervalMs: readPositiveInteger(env, 'REINDEX_POLL_INTERVAL_MS', 2_000),
      progressSignalIntervalMs: readPositiveInteger(env, 'PROGRESS_SIGNAL_INTERVAL_MS', 10_000),
      settingsPollIntervalMs: readPositiveInteger(env, 'SETTINGS_POLL_INTERVAL_MS', 5_000),
      healthWaitTimeoutMs: readPositiveInteger(env, 'HEALTH_WAIT_TIMEOUT_MS', 60_000),
      workflowBundlePath: readOptional(env, 'WORKFLOW_BUNDLE_PATH'),
    },
    httpApi: {
      host: readString(env, 'HTTP_API_HOST', '127.0.0.1'),
      port: readPort(env, 'HTTP_API_PORT', 9300),
      maxBodyBytes: readPositiveInteger(env, 'HTTP_API_MAX_BODY_BYTES', 1024 * 1024),
    },
  };
}
