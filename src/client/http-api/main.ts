/**
 * Entry point: `npm run api`. Reads the same environment variables as the worker and the CLI, logs JSON
 * lines, serves `/livez` and `/readyz` beside Elasticsearch's endpoints, and on SIGTERM or SIGINT finishes
 * the requests in flight (for up to `HTTP_API_SHUTDOWN_DRAIN_MS`) before it exits 0.
 */
import { Client, Connection } from '@temporalio/client';
import { createHttpApi, type RequestLogFields } from './server';
import { apiHealthEndpoints } from './health';
import { ReindexService } from '../service/reindex-service';
import { ConfigError, loadConfig, temporalConnectionOptions, type Config } from '../../config';
import { createElasticsearchClient } from '../../elasticsearch/client';
import { statusCodeOf } from '../../elasticsearch/errors';
import { authenticate } from '../../elasticsearch/security';
import { dataStreamWorkflowId } from '../../shared/names';
import { JsonLogger } from '../../observability/json-logger';
import { describeElasticsearchFailure } from '../../observability/elasticsearch-diagnosis';
import { explainTlsFailure } from '../../observability/tls-diagnosis';
import { temporalClientInterceptors } from '../../observability/temporal-client-tracing';
import { withoutCredentials } from '../../observability/span-redaction';
import { startTracing, type Tracing } from '../../observability/tracing';

const SERVICE = 'ds-reindex-api';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The data stream a request path names, so request lines can be found by data stream. */
function requestFields(request: RequestLogFields): Record<string, unknown> {
  const match = /^\/_migration\/reindex\/([^/_][^/]*)\/_(status|cancel|plan)$/.exec(request.path);
  if (!match) return { ...request };
  const dataStream = decodeURIComponent(match[1]);
  return { ...request, dataStream, workflowId: dataStreamWorkflowId(dataStream) };
}

/**
 * One line at start on who may act through this API: with security on, each caller as themselves; with
 * it off, anyone who can reach the port, as with Elasticsearch itself.
 */
async function logSecurity(config: Config, apiUrl: string, logger: JsonLogger): Promise<void> {
  const anonymous = createElasticsearchClient({
    ...config.elasticsearch,
    apiKey: undefined,
    username: undefined,
    password: undefined,
  });
  const es = config.elasticsearch.url;
  try {
    const { securityEnabled } = await authenticate(anonymous);
    if (securityEnabled) {
      logger.info(
        `Elasticsearch at ${es} allows anonymous access: callers without credentials act as its anonymous user`,
      );
    } else {
      logger.warn(
        `Elasticsearch at ${es} has security off, so this API, like Elasticsearch, serves callers without ` +
          `credentials: anyone who can reach ${apiUrl} can start and cancel upgrades. Turn security on, or keep it on a trusted network.`,
        { securityEnabled: false },
      );
    }
  } catch (err) {
    if (statusCodeOf(err) === 401) {
      logger.info(
        `Elasticsearch at ${es} has security on: every caller authenticates with their own credentials, and this API lends none`,
        { securityEnabled: true },
      );
    } else {
      logger.warn(
        `${describeElasticsearchFailure(config.elasticsearch, err)}; whether security is on is asked again with every request`,
      );
    }
  } finally {
    await anonymous.close();
  }
  if (config.elasticsearch.apiKey || config.elasticsearch.username) {
    logger.info(
      "the API's own Elasticsearch credentials serve only its health check (GET /, cluster privilege monitor), never a caller",
    );
  }
}

async function run(config: Config, logger: JsonLogger, tracing: Tracing): Promise<void> {
  const where = config.temporal.description;
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal)).catch(
    async (err: unknown) => {
      const reason = (await explainTlsFailure(config.temporal)) ?? message(err);
      throw new Error(`cannot connect to Temporal at ${where}: ${reason}`);
    },
  );
  const temporal = new Client({
    connection,
    namespace: config.temporal.namespace,
    interceptors: temporalClientInterceptors(tracing),
  });
  const service = new ReindexService({ temporal, taskQueue: config.temporal.taskQueue });
  const healthEs = createElasticsearchClient(config.elasticsearch, { retryOnOtherNodes: true });
  let stopping = false;
  const api = await createHttpApi({
    service,
    esConfig: config.elasticsearch,
    host: config.httpApi.host,
    port: config.httpApi.port,
    maxBodyBytes: config.httpApi.maxBodyBytes,
    log: (line, request) => (request ? logger.info(line, requestFields(request)) : logger.error(line)),
    beforeRoutes: apiHealthEndpoints({
      temporal: connection,
      es: healthEs,
      esConfig: config.elasticsearch,
      isStopping: () => stopping,
    }),
  });
  logger.info(`ds-reindex HTTP API listening on ${api.url}`, { url: api.url });
  logger.info(
    `Elasticsearch: ${config.elasticsearch.url}  Temporal: ${where} (${config.temporal.namespace})`,
  );
  await logSecurity(config, api.url, logger);
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down: finishing the requests in flight', {
      signal,
      drainMs: config.httpApi.shutdownDrainMs,
    });
    api
      .drain(config.httpApi.shutdownDrainMs)
      .then(() => Promise.all([connection.close(), healthEs.close(), tracing.shutdown()]))
      .then(() => {
        logger.info('HTTP API stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error(`shutdown failed: ${message(err)}`, { error: err });
        process.exit(1);
      });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  new JsonLogger({ level: 'INFO', fields: { service: SERVICE } }).error(
    err instanceof ConfigError ? `configuration: ${err.message}` : message(err),
  );
  process.exit(1);
}
const logger = new JsonLogger({ level: config.logLevel, fields: { service: SERVICE } });
const tracing = startTracing(config.tracing, SERVICE);
if (tracing.enabled) logger.info(`tracing: spans to ${withoutCredentials(config.tracing.otlpTracesUrl)}`);
run(config, logger, tracing).catch((err: unknown) => {
  logger.error(message(err), { error: err });
  process.exit(1);
});
