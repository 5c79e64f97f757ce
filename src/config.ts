/**
 * Everything the worker, the HTTP API and the CLI read from environment variables, typed, validated, with
 * units in the names. `loadConfig(env)` takes the environment as an argument, so importing this module
 * never touches `process`. The constants that workflow code reads live with the workflows
 * (`src/workflows/tunables.ts`): workflows cannot read the environment, they must replay identically.
 */
import { WORKFLOW_TUNABLES } from './workflows/tunables';

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
