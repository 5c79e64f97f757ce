/**
 * The ds-reindex worker: runs the upgrade workflows and their activities. Credentials for Elasticsearch
 * and Temporal come from this process's environment only (see README, Configuration).
 *
 *   npm run worker
 *
 * With `WORKER_HTTP_PORT` it serves `/livez`, `/readyz` and `/metrics`. On SIGTERM or SIGINT it stops
 * polling, gives running activities `WORKER_SHUTDOWN_GRACE_MS` to finish (a copy then leaves its
 * Elasticsearch task running for the next worker to re-attach to) and exits 0.
 */
import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { ConfigError, loadConfig, temporalConnectionOptions, type Config } from '../config';
import { createElasticsearchClient } from '../elasticsearch/client';
import { JsonLogger } from '../observability/json-logger';
import { withoutCredentials } from '../observability/span-redaction';
import { startTracing, type Tracing } from '../observability/tracing';
import { observingActivityInterceptors } from './activity-interceptors';
import { createReindexWorker } from './create-worker';
import { checkElasticsearch } from './elasticsearch-check';
import { WorkerMetrics } from './metrics';
import { startStatusMetrics } from './status-metrics';
import { ClusterUpgradeService } from '../client/service/cluster-upgrade-service';
import { ReindexService } from '../client/service/reindex-service';
import { ensureSearchAttributes } from './search-attributes';
import { startWorkerEndpoints, type WorkerEndpoints } from './worker-endpoints';

const SERVICE = 'ds-reindex-worker';
// The SDK's own metrics are exported by its native runtime on this loopback port and served again, with
// the application's, on the worker's `/metrics`: one port to scrape.
const sdkMetricsAddress = (config: Config) => `127.0.0.1:${config.workerProcess.sdkMetricsPort}`;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The SDK's runtime: its logs through ours, and its metrics on a loopback port when the worker serves them. */
function installRuntime(config: Config, logger: JsonLogger): void {
  const serving = config.workerProcess.httpPort !== undefined;
  Runtime.install({
    logger,
    // Signals are handled by `stopOnSignals`, so the shutdown is logged and readiness fails at once.
    shutdownSignals: [],
    telemetryOptions: {
      logging: { filter: { core: config.logLevel, other: 'WARN' }, forward: {} },
      ...(serving ? { metrics: { prometheus: { bindAddress: sdkMetricsAddress(config) } } } : {}),
    },
  });
}

async function registerSearchAttributes(
  connection: Connection,
  config: Config,
  logger: JsonLogger,
): Promise<void> {
  const added = await ensureSearchAttributes(connection, config.temporal.namespace).catch((err: unknown) => {
    logger.warn(
      'could not check search attributes (register DataStream, ReindexState and BackingIndex by hand)',
      {
        error: message(err),
      },
    );
    return [];
  });
  if (added.length > 0) logger.info('registered search attributes', { added });
}

/** On SIGTERM or SIGINT: no new tasks, the grace time for running activities. Returns whether it is stopping. */
function stopOnSignals(worker: Worker, config: Config, logger: JsonLogger): () => boolean {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down: no new tasks; running activities get the grace time', {
      signal,
      graceMs: config.workerProcess.shutdownGraceMs,
    });
    if (worker.getState() === 'RUNNING') worker.shutdown();
    // The SDK gives up at WORKER_SHUTDOWN_FORCE_MS; should closing what is left hang, exit regardless.
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.workerProcess.shutdownForceMs + 5_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return () => stopping;
}

/** `/livez`, `/readyz` and `/metrics` (with the upgrades' statuses as metrics), when `WORKER_HTTP_PORT` is set. */
async function serveHealthAndMetrics(
  parts: {
    worker: Worker;
    connection: NativeConnection;
    client: Client;
    metrics: WorkerMetrics;
    es: ElasticsearchClient;
  },
  config: Config,
  logger: JsonLogger,
  isStopping: () => boolean,
): Promise<{ close(): Promise<void> }> {
  const { worker, connection, client, metrics, es } = parts;
  const service = new ReindexService({ temporal: client, taskQueue: config.temporal.taskQueue });
  const statusMetrics = startStatusMetrics({
    service,
    cluster: new ClusterUpgradeService(service, {}),
    metrics,
    logger,
    intervalMs: config.workerProcess.statusMetricsIntervalMs,
  });
  let endpoints: WorkerEndpoints;
  try {
    endpoints = await startWorkerEndpoints({
      host: config.workerProcess.httpHost,
      port: config.workerProcess.httpPort ?? 0,
      worker,
      connection,
      metrics,
      sdkMetricsUrl: `http://${sdkMetricsAddress(config)}/metrics`,
      isStopping,
      elasticsearch: () => checkElasticsearch(es, config.elasticsearch),
    });
  } catch (err) {
    statusMetrics.stop();
    throw err;
  }
  logger.info(`health and metrics on ${endpoints.url}`, { url: endpoints.url });
  return {
    async close() {
      statusMetrics.stop();
      await endpoints.close();
    },
  };
}

async function run(config: Config, logger: JsonLogger, tracing: Tracing): Promise<number> {
  installRuntime(config, logger);
  const temporalOptions = temporalConnectionOptions(config.temporal);
  const where = config.temporal.description;
  const connection = await NativeConnection.connect(temporalOptions).catch((err: unknown) => {
    throw new Error(`cannot connect to Temporal at ${where}: ${message(err)}`);
  });
  const clientConnection = await Connection.connect(temporalOptions).catch(async (err: unknown) => {
    await connection.close();
    throw new Error(`cannot connect to Temporal at ${where}: ${message(err)}`);
  });
  const es = createElasticsearchClient(config.elasticsearch);
  const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
  const metrics = new WorkerMetrics();
  let served: { close(): Promise<void> } | undefined;
  try {
    await registerSearchAttributes(clientConnection, config, logger);
    const bundlePath = config.worker.workflowBundlePath;
    const worker: Worker = await createReindexWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      es,
      temporal: client,
      worker: config.worker,
      workflowBundle: bundlePath ? { codePath: bundlePath } : undefined,
      copyObserver: metrics,
      activityInterceptors: [observingActivityInterceptors({ metrics, client, logger })],
      tracing,
      shutdownGraceMs: config.workerProcess.shutdownGraceMs,
      shutdownForceMs: config.workerProcess.shutdownForceMs,
    });
    const isStopping = stopOnSignals(worker, config, logger);
    if (config.workerProcess.httpPort !== undefined) {
      served = await serveHealthAndMetrics(
        { worker, connection, client, metrics, es },
        config,
        logger,
        isStopping,
      );
    }
    logger.info(
      `ds-reindex worker: Temporal ${where} (namespace ${config.temporal.namespace}, ` +
        `task queue ${config.temporal.taskQueue}), Elasticsearch ${config.elasticsearch.url}`,
      { namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue },
    );
    // One line on whether Elasticsearch takes this worker; a wrong CA or name is said, not a stack trace.
    const elasticsearch = await checkElasticsearch(es, config.elasticsearch);
    if (elasticsearch.ok) logger.info(elasticsearch.line);
    else logger.error(elasticsearch.line, { elasticsearch: 'unreachable' });
    await worker.run();
    logger.info('worker stopped');
    return 0;
  } finally {
    await served?.close();
    await clientConnection.close();
    await connection.close();
    await es.close();
    // Last: the spans of the activities that just finished are still in the batch.
    await tracing.shutdown();
  }
}

let config: Config;
const bootLogger = new JsonLogger({ level: 'INFO', fields: { service: SERVICE } });
try {
  config = loadConfig(process.env);
} catch (err) {
  bootLogger.error(err instanceof ConfigError ? `configuration: ${err.message}` : message(err));
  process.exit(1);
}
const logger = new JsonLogger({ level: config.logLevel, fields: { service: SERVICE } });
const tracing = startTracing(config.tracing, SERVICE);
if (tracing.enabled) logger.info(`tracing: spans to ${withoutCredentials(config.tracing.otlpTracesUrl)}`);
run(config, logger, tracing).then(
  (code) => process.exit(code),
  (err: unknown) => {
    logger.error(message(err), { error: err });
    process.exit(1);
  },
);
