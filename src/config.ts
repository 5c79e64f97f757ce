/**
 * Everything the worker, the HTTP API and the CLI read from environment variables, typed, validated, with
 * units in the names. `loadConfig(env)` takes the environment as an argument, so importing this module
 * never touches `process`; it reads the files the Temporal settings name (profile, certificates), so a
 * wrong path fails at start, not at the first connection. The constants that workflow code reads live with the workflows
 * (`src/workflows/tunables.ts`): workflows cannot read the environment, they must replay identically.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import { WORKFLOW_TUNABLES } from './workflows/tunables';

/** Where and how to reach Elasticsearch. Credentials live only here, in the process environment. */
export interface ElasticsearchConnectionConfig {
  /** `ES_URL`, default `http://localhost:9200`: the node named in messages, and the first one asked. */
  url: string;
  /**
   * `ES_URLS`: every node to send requests to, comma-separated (`ES_URL` first when both are set). A
   * request goes to one of them; a node that fails is skipped until it answers again.
   * @default [url]
   */
  urls?: readonly string[];
  /**
   * `ES_SNIFF_INTERVAL_MS`: learn the cluster's nodes from `GET _nodes/http` at start, on a connection
   * fault and this often, as the official client does. 0 (the default) keeps to the nodes given.
   */
  sniffIntervalMs?: number;
  /** `ES_API_KEY` (or the file `ES_API_KEY_FILE` names): an encoded API key; takes precedence over basic auth. */
  apiKey?: string;
  /** `ES_USERNAME` and `ES_PASSWORD` (or the file `ES_PASSWORD_FILE` names): basic auth. */
  username?: string;
  password?: string;
  /** `ES_CA_FILE`: PEM file of the CA that signed the cluster's certificate. */
  caFile?: string;
  /** `ES_REQUEST_TIMEOUT_MS`, default 30 000. */
  requestTimeoutMs: number;
}

/**
 * Where and how to reach Temporal, read the way every Temporal tool reads it (`@temporalio/envconfig`): a
 * profile of the TOML file at `TEMPORAL_CONFIG_FILE` (or `~/.config/temporalio/temporal.toml`), named by
 * `TEMPORAL_PROFILE` (default `default`), with the `TEMPORAL_*` variables on top. Only the task queue is ours.
 */
export interface TemporalConnectionConfig {
  /** `TEMPORAL_ADDRESS` or the profile's `address`, default `localhost:7233`. */
  address: string;
  /** `TEMPORAL_NAMESPACE` or the profile's `namespace`, default `default`. */
  namespace: string;
  /** `TEMPORAL_TASK_QUEUE`, default `ds-reindex`. */
  taskQueue: string;
  /**
   * `false`: plain gRPC. Otherwise TLS, with the CA, client certificate and server name from
   * `TEMPORAL_TLS_*` or the profile's `[tls]`; on by default when there is an API key.
   */
  tls: TLSConfig | boolean;
  /** `TEMPORAL_API_KEY` or the profile's `api_key`, sent as a bearer token. */
  apiKey?: string;
  /** `TEMPORAL_GRPC_META_<NAME>` or the profile's `[grpc_meta]`: headers sent with every call. */
  grpcMetadata: Record<string, string>;
  /** What the connection is made of, without secrets, for logs and error messages. */
  description: string;
}

/** Where copies start: on the node running the fewest copies, or wherever the client's pool sends them. */
export type CopyPlacement = 'least-loaded' | 'any';

export interface WorkerConfig {
  /**
   * `REINDEX_POLL_INTERVAL_MS`, default 2 000: how often the copy activity reads the task's counters; it
   * waits for the task's end that long at a time, so the end itself is noticed at once.
   */
  reindexPollIntervalMs: number;
  /** `PROGRESS_SIGNAL_INTERVAL_MS`, default 10 000: how often copy progress is sent to the data-stream workflow. */
  progressSignalIntervalMs: number;
  /** `SETTINGS_POLL_INTERVAL_MS`, default 5 000: how often a running copy re-reads the throttle setting. */
  settingsPollIntervalMs: number;
  /** `HEALTH_WAIT_TIMEOUT_MS`, default 60 000: the longest one wait for the destination's shards lasts. */
  healthWaitTimeoutMs: number;
  /**
   * `SOURCE_SHARD_WAIT_MS`, default 3 600 000 (an hour): how long a copy that lost a shard of its source
   * with a node waits for it to be active again before the index fails (and rolls back).
   */
  sourceShardWaitMs: number;
  /**
   * `DESTINATION_SHARD_WAIT_MS`, default 600 000 (10 minutes): how long a copy that lost a shard of the
   * new index (which has no replicas during the copy) waits for its node to come back before the new index
   * is made again and copied into from the start.
   */
  destinationShardWaitMs: number;
  /**
   * `COPY_SHARD_TIMEOUT_MS`, default 60 000 (Elasticsearch's own): how long each batch of a copy waits for
   * an unavailable shard of the new index before the reindex task fails and the shard wait above begins.
   */
  copyShardTimeoutMs: number;
  /**
   * `COPY_PLACEMENT`: `least-loaded` (the default) starts each copy on the node of `ES_URLS` (or of the
   * sniffed nodes) running the fewest copies, so copies spread over the cluster; `any` sends it wherever
   * the client's pool sends the next request.
   */
  copyPlacement: CopyPlacement;
  /** `VERIFY_BATCH_DOCUMENTS`, default 5 000: documents per search request of `ids` and `content` verification. */
  verifyBatchDocuments: number;
  /**
   * `VERIFY_KEEP_ALIVE_MS`, default 300 000: how long the verification's point in time lives between two
   * requests (a worker that dies mid-scan leaves it to expire).
   */
  verifyKeepAliveMs: number;
  /** `WORKFLOW_BUNDLE_PATH`: a bundle built by `scripts/bundle-workflows.ts` (the image has one). */
  workflowBundlePath?: string;
}

/** How the worker process runs: its health and metrics endpoint, and how it stops. */
export interface WorkerProcessConfig {
  /** `WORKER_HTTP_HOST`, default `127.0.0.1` (the image sets `0.0.0.0`). */
  httpHost: string;
  /**
   * `WORKER_HTTP_PORT`: where the worker serves `/livez`, `/readyz` and `/metrics`; 0 picks a free port.
   * Unset: not served (the image sets 9464), so several workers can run on one machine.
   */
  httpPort?: number;
  /**
   * `WORKER_SDK_METRICS_PORT`, default 9465: the loopback port of the Temporal SDK's own Prometheus exporter,
   * whose metrics `/metrics` serves along with the application's. Used only with `WORKER_HTTP_PORT`.
   */
  sdkMetricsPort: number;
  /**
   * `WORKER_SHUTDOWN_GRACE_MS`, default 10 000: after SIGTERM, how long running activities may finish before
   * they are cancelled; a copy then leaves its Elasticsearch task running for the next worker.
   */
  shutdownGraceMs: number;
  /** `WORKER_SHUTDOWN_FORCE_MS`, default 30 000: the worker exits after this even if something still runs. */
  shutdownForceMs: number;
  /** `STATUS_METRICS_INTERVAL_MS`, default 15 000: how often the per-data-stream index counts are read. */
  statusMetricsIntervalMs: number;
}

export interface HttpApiConfig {
  /** `HTTP_API_HOST`, default `127.0.0.1`. */
  host: string;
  /** `HTTP_API_PORT`, default 9300; 0 picks a free port. */
  port: number;
  /** `HTTP_API_MAX_BODY_BYTES`, default 1 MiB; larger bodies get 413. */
  maxBodyBytes: number;
  /** `HTTP_API_SHUTDOWN_DRAIN_MS`, default 10 000: after SIGTERM, how long requests in flight may take. */
  shutdownDrainMs: number;
}

/**
 * OpenTelemetry tracing, read from the standard `OTEL_*` variables. Off by default: on only when the
 * environment asks for an OTLP exporter, so an unconfigured process records and sends nothing.
 */
export interface TracingConfig {
  /**
   * On when `OTEL_TRACES_EXPORTER=otlp`, or when `OTEL_EXPORTER_OTLP_ENDPOINT` or
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set and `OTEL_TRACES_EXPORTER` is not `none`;
   * `OTEL_SDK_DISABLED=true` turns it off whatever else is set.
   * @default false
   */
  enabled: boolean;
  /**
   * Where spans are sent (OTLP over HTTP, JSON): `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, else
   * `OTEL_EXPORTER_OTLP_ENDPOINT` followed by `/v1/traces`.
   * @default http://localhost:4318/v1/traces
   */
  otlpTracesUrl: string;
  /** `OTEL_SERVICE_NAME`: the spans' `service.name`. @default the process's own (`ds-reindex-worker`, ...) */
  serviceName?: string;
}

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  elasticsearch: ElasticsearchConnectionConfig;
  temporal: TemporalConnectionConfig;
  worker: WorkerConfig;
  workerProcess: WorkerProcessConfig;
  httpApi: HttpApiConfig;
  tracing: TracingConfig;
  /** `LOG_LEVEL`: `TRACE`, `DEBUG`, `INFO` (default), `WARN` or `ERROR`; logs are JSON lines. */
  logLevel: LogLevel;
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

/**
 * A secret from `name`, or from the file `<name>_FILE` names (trailing newline dropped), so it need not
 * be in the environment of every process or on a command line. Both set is a mistake, refused.
 */
function readSecret(env: Environment, name: string): string | undefined {
  const direct = readOptional(env, name);
  const file = readOptional(env, `${name}_FILE`);
  if (file === undefined) return direct;
  if (direct !== undefined) throw new ConfigError(`${name} and ${name}_FILE are both set; set one`);
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
    const reason = typeof code === 'string' ? code : 'unreadable';
    throw new ConfigError(`${name}_FILE names ${file}, which cannot be read (${reason})`);
  }
  const secret = content.replace(/\r?\n$/, '');
  if (secret === '') throw new ConfigError(`${name}_FILE names ${file}, which is empty`);
  return secret;
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

function readNonNegativeInteger(env: Environment, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigError(`${name} must be a whole number, 0 or more, got [${raw}]`);
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

function readLogLevel(env: Environment): LogLevel {
  const raw = readString(env, 'LOG_LEVEL', 'INFO').toUpperCase();
  const level = LOG_LEVELS.find((candidate) => candidate === raw);
  if (level === undefined) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got [${env.LOG_LEVEL}]`);
  }
  return level;
}

/** Where a PEM or key comes from, for messages: a path, or that it was given inline. */
function describeSource(source: { path: string } | { data: string | Uint8Array } | undefined): string {
  return source === undefined ? '' : 'path' in source ? source.path : 'inline data';
}

function describeProfile(profile: ClientConfigProfile, address: string, tls: boolean): string {
  const parts = [tls ? 'TLS' : 'plaintext'];
  if (tls) {
    const ca = describeSource(profile.tls?.serverCACert);
    parts.push(ca ? `server CA ${ca}` : 'system CAs');
    const cert = describeSource(profile.tls?.clientCert);
    if (cert) parts.push(`client certificate ${cert}`);
    if (profile.tls?.serverName) parts.push(`server name ${profile.tls.serverName}`);
  }
  if (profile.apiKey !== undefined) parts.push('API key');
  return `${address} (${parts.join(', ')})`;
}

/**
 * Temporal's own configuration: the TOML profile, then the `TEMPORAL_*` variables over it, exactly as the
 * `temporal` CLI and every SDK read them. Files named there are read now, so a wrong path fails at start.
 */
function readTemporalConnection(env: Environment): Omit<TemporalConnectionConfig, 'taskQueue'> {
  // Empty means unset here as everywhere in this file; envconfig would take '' as a value.
  const temporalEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') temporalEnv[name] = value;
  }
  const configFile = temporalEnv.TEMPORAL_CONFIG_FILE;
  // envconfig treats a missing file as "no file", which would silently drop a whole profile.
  if (configFile !== undefined && !existsSync(configFile)) {
    throw new ConfigError(`TEMPORAL_CONFIG_FILE [${configFile}] does not exist`);
  }
  if (temporalEnv.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION !== undefined) {
    // The TypeScript SDK has no such switch; ignoring it would make a connection fail without saying why.
    throw new ConfigError(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported; set TEMPORAL_TLS_SERVER_NAME to the name in the server certificate',
    );
  }
  let profile: ClientConfigProfile;
  let tls: TLSConfig | boolean | undefined;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: temporalEnv, configFileStrict: true });
    tls = toClientOptions(profile).connectionOptions.tls ?? undefined;
  } catch (err) {
    const where = configFile ? ` (TEMPORAL_CONFIG_FILE ${configFile})` : '';
    throw new ConfigError(
      `Temporal connection settings${where}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const address = profile.address ?? 'localhost:7233';
  const tlsOn = tls !== undefined && tls !== false;
  return {
    address,
    namespace: profile.namespace ?? 'default',
    tls: tls ?? false,
    apiKey: profile.apiKey,
    grpcMetadata: profile.grpcMeta ?? {},
    description: describeProfile(profile, address, tlsOn),
  };
}

/** The options both `Connection.connect` (client) and `NativeConnection.connect` (worker) take. */
export function temporalConnectionOptions(temporal: TemporalConnectionConfig): {
  address: string;
  tls: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
} {
  return {
    address: temporal.address,
    tls: temporal.tls,
    ...(temporal.apiKey !== undefined ? { apiKey: temporal.apiKey } : {}),
    ...(Object.keys(temporal.grpcMetadata).length > 0 ? { metadata: temporal.grpcMetadata } : {}),
  };
}

function readFixedPort(env: Environment, name: string, fallback: number): number {
  const value = readPort(env, name, fallback);
  if (value === 0) throw new ConfigError(`${name} must be a port number from 1 to 65535, got [0]`);
  return value;
}

function readWorkerProcess(env: Environment): WorkerProcessConfig {
  const shutdownGraceMs = readPositiveInteger(env, 'WORKER_SHUTDOWN_GRACE_MS', 10_000);
  const shutdownForceMs = readPositiveInteger(
    env,
    'WORKER_SHUTDOWN_FORCE_MS',
    Math.max(30_000, shutdownGraceMs * 2),
  );
  if (shutdownForceMs <= shutdownGraceMs) {
    throw new ConfigError(
      `WORKER_SHUTDOWN_FORCE_MS (${shutdownForceMs}) must be longer than WORKER_SHUTDOWN_GRACE_MS (${shutdownGraceMs})`,
    );
  }
  return {
    httpHost: readString(env, 'WORKER_HTTP_HOST', '127.0.0.1'),
    httpPort:
      readOptional(env, 'WORKER_HTTP_PORT') === undefined ? undefined : readPort(env, 'WORKER_HTTP_PORT', 0),
    sdkMetricsPort: readFixedPort(env, 'WORKER_SDK_METRICS_PORT', 9465),
    shutdownGraceMs,
    shutdownForceMs,
    statusMetricsIntervalMs: readPositiveInteger(env, 'STATUS_METRICS_INTERVAL_MS', 15_000),
  };
}

function readCopyPlacement(env: Environment): CopyPlacement {
  const value = readString(env, 'COPY_PLACEMENT', 'least-loaded');
  if (value !== 'least-loaded' && value !== 'any') {
    throw new ConfigError(`COPY_PLACEMENT must be least-loaded or any, got [${value}]`);
  }
  return value;
}

/** `ES_URL` and `ES_URLS`, each a valid http(s) URL, `ES_URL` first, none twice. */
function readElasticsearchUrls(env: Environment): string[] {
  const first = readOptional(env, 'ES_URL');
  const listed = (readOptional(env, 'ES_URLS') ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  const urls = [...new Set([...(first !== undefined ? [first] : []), ...listed])];
  if (urls.length === 0) urls.push('http://localhost:9200');
  for (const url of urls) {
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      throw new ConfigError(`Elasticsearch URL [${url}] (ES_URL, ES_URLS) is not a URL`);
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new ConfigError(`Elasticsearch URL [${url}] (ES_URL, ES_URLS) must be http:// or https://`);
    }
  }
  return urls;
}

function readUrl(env: Environment, name: string): string | undefined {
  const value = readOptional(env, name);
  if (value === undefined) return undefined;
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    throw new ConfigError(`${name} [${value}] is not a URL`);
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new ConfigError(`${name} [${value}] must be http:// or https://`);
  }
  return value;
}

/** The `OTEL_*` variables this project honours; the exporter itself reads `OTEL_EXPORTER_OTLP_HEADERS` and timeouts. */
function readTracing(env: Environment): TracingConfig {
  const exporter = readOptional(env, 'OTEL_TRACES_EXPORTER');
  if (exporter !== undefined && exporter !== 'otlp' && exporter !== 'none') {
    throw new ConfigError(`OTEL_TRACES_EXPORTER must be otlp or none, got [${exporter}]`);
  }
  // Spans go out as OTLP/HTTP with JSON bodies; a collector's gRPC port would refuse them silently.
  const protocol =
    readOptional(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ??
    readOptional(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol === 'grpc') {
    throw new ConfigError(
      "OTEL_EXPORTER_OTLP_PROTOCOL grpc is not supported; use the collector's OTLP/HTTP endpoint (port 4318)",
    );
  }
  const tracesEndpoint = readUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = readUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const disabled = readOptional(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true';
  const asked = exporter === 'otlp' || (exporter === undefined && (tracesEndpoint ?? endpoint) !== undefined);
  return {
    enabled: asked && !disabled,
    otlpTracesUrl: tracesEndpoint ?? `${(endpoint ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`,
    serviceName: readOptional(env, 'OTEL_SERVICE_NAME'),
  };
}

/** Reads the whole configuration from an environment (normally `process.env`), validating as it goes. */
export function loadConfig(env: Environment): Config {
  const username = readOptional(env, 'ES_USERNAME');
  const password = readSecret(env, 'ES_PASSWORD');
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError('ES_USERNAME and ES_PASSWORD must be set together');
  }
  const caFile = readOptional(env, 'ES_CA_FILE');
  if (caFile !== undefined && !existsSync(caFile)) {
    throw new ConfigError(`ES_CA_FILE names ${caFile}, which does not exist`);
  }
  const urls = readElasticsearchUrls(env);
  return {
    elasticsearch: {
      url: urls[0],
      urls,
      sniffIntervalMs: readNonNegativeInteger(env, 'ES_SNIFF_INTERVAL_MS', 0),
      apiKey: readSecret(env, 'ES_API_KEY'),
      username,
      password,
      caFile,
      requestTimeoutMs: readPositiveInteger(env, 'ES_REQUEST_TIMEOUT_MS', 30_000),
    },
    temporal: {
      ...readTemporalConnection(env),
      taskQueue: readString(env, 'TEMPORAL_TASK_QUEUE', WORKFLOW_TUNABLES.TASK_QUEUE),
    },
    worker: {
      reindexPollIntervalMs: readPositiveInteger(env, 'REINDEX_POLL_INTERVAL_MS', 2_000),
      progressSignalIntervalMs: readPositiveInteger(env, 'PROGRESS_SIGNAL_INTERVAL_MS', 10_000),
      settingsPollIntervalMs: readPositiveInteger(env, 'SETTINGS_POLL_INTERVAL_MS', 5_000),
      healthWaitTimeoutMs: readPositiveInteger(env, 'HEALTH_WAIT_TIMEOUT_MS', 60_000),
      sourceShardWaitMs: readPositiveInteger(env, 'SOURCE_SHARD_WAIT_MS', 60 * 60_000),
      destinationShardWaitMs: readPositiveInteger(env, 'DESTINATION_SHARD_WAIT_MS', 10 * 60_000),
      copyShardTimeoutMs: readPositiveInteger(env, 'COPY_SHARD_TIMEOUT_MS', 60_000),
      verifyBatchDocuments: readPositiveInteger(env, 'VERIFY_BATCH_DOCUMENTS', 5_000),
      verifyKeepAliveMs: readPositiveInteger(env, 'VERIFY_KEEP_ALIVE_MS', 5 * 60_000),
      copyPlacement: readCopyPlacement(env),
      workflowBundlePath: readOptional(env, 'WORKFLOW_BUNDLE_PATH'),
    },
    workerProcess: readWorkerProcess(env),
    httpApi: {
      host: readString(env, 'HTTP_API_HOST', '127.0.0.1'),
      port: readPort(env, 'HTTP_API_PORT', 9300),
      maxBodyBytes: readPositiveInteger(env, 'HTTP_API_MAX_BODY_BYTES', 1024 * 1024),
      shutdownDrainMs: readPositiveInteger(env, 'HTTP_API_SHUTDOWN_DRAIN_MS', 10_000),
    },
    tracing: readTracing(env),
    logLevel: readLogLevel(env),
  };
}
