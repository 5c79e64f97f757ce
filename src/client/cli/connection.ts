import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { authenticateCaller, type Caller } from '../service/access';
import { ReindexService } from '../service/reindex-service';
import { loadConfig, temporalConnectionOptions, type Config, type Environment } from '../../config';
import { createElasticsearchClient } from '../../elasticsearch/client';
import { logElasticsearchRequests, workflowCallLogging } from '../../observability/client-logging';
import type { JsonLogger } from '../../observability/json-logger';
import { explainTlsFailure } from '../../observability/tls-diagnosis';

/** Thrown when Temporal cannot be reached; main turns it into CONNECTION_FAILURE. */
export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachableError';
}

/** What commands work with, connected lazily: `plan` needs only Elasticsearch, `status` only Temporal. */
export interface Connections {
  config: Config;
  es(): ElasticsearchClient;
  /**
   * The CLI's caller as Elasticsearch authenticates its credentials, asked once: anyone when security
   * is off; Elasticsearch's 401 when a secured cluster gets none, or wrong ones.
   */
  caller(): Promise<Caller>;
  service(): Promise<ReindexService>;
  close(): Promise<void>;
}

/**
 * Reads configuration from the environment with flag overrides applied on top. With a `logger`
 * (`--verbose`), every Temporal and Elasticsearch call is logged.
 */
export function openConnections(
  env: Environment,
  overrides: Record<string, string>,
  logger?: JsonLogger,
): Connections {
  const config = loadConfig({ ...env, ...overrides });
  let es: ElasticsearchClient | undefined;
  let caller: Promise<Caller> | undefined;
  let temporal: Promise<{ connection: Connection; service: ReindexService }> | undefined;
  return {
    config,
    es() {
      if (!es) {
        es = createElasticsearchClient(config.elasticsearch, { retryOnOtherNodes: true });
        if (logger) logElasticsearchRequests(es, logger);
      }
      return es;
    },
    caller() {
      caller ??= authenticateCaller(this.es(), '/_security/user/_has_privileges');
      return caller;
    },
    service() {
      if (!temporal) {
        logger?.debug(`connecting to Temporal at ${config.temporal.description}`, {
          address: config.temporal.address,
          namespace: config.temporal.namespace,
        });
        temporal = Connection.connect({ ...temporalConnectionOptions(config.temporal), connectTimeout: '5s' })
          .catch(async (err: unknown) => {
            const reason =
              (await explainTlsFailure(config.temporal)) ??
              (err instanceof Error ? err.message : String(err));
            throw new TemporalUnreachableError(
              `cannot reach Temporal at ${config.temporal.description}: ${reason}`,
            );
          })
          .then((connection) => ({
            connection,
            service: new ReindexService({
              temporal: new TemporalClient({
                connection,
                namespace: config.temporal.namespace,
                ...(logger ? { interceptors: { workflow: [workflowCallLogging(logger)] } } : {}),
              }),
              taskQueue: config.temporal.taskQueue,
            }),
          }));
      }
      return temporal.then((opened) => opened.service);
    },
    async close() {
      await es?.close();
      if (temporal) await (await temporal.catch(() => undefined))?.connection.close();
    },
  };
}
