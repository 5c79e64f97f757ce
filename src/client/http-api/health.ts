import { errors, type Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { Connection } from '@temporalio/client';
import type { ElasticsearchConnectionConfig } from '../../config';
import { describeElasticsearchFailure } from '../../observability/elasticsearch-diagnosis';
import { createHealthEndpoints, type HealthEndpoints } from '../../observability/health';

/**
 * The API's `/livez` and `/readyz`. Ready means both ends answer: Temporal (`GetSystemInfo`) and
 * Elasticsearch (`GET /`). An Elasticsearch that refuses the server's own credentials (401, 403) is still
 * reachable: callers bring their own.
 */
export function apiHealthEndpoints(options: {
  temporal: Connection;
  es: ElasticsearchClient;
  /** For the one-line reason `/readyz` gives when Elasticsearch cannot be reached (a wrong CA, ...). */
  esConfig: ElasticsearchConnectionConfig;
  isStopping: () => boolean;
}): HealthEndpoints {
  return createHealthEndpoints({
    isStopping: options.isStopping,
    readiness: [
      {
        name: 'temporal',
        check: async () => {
          await options.temporal.withDeadline(Date.now() + 2500, () =>
            options.temporal.workflowService.getSystemInfo({}),
          );
        },
      },
      {
        name: 'elasticsearch',
        check: async () => {
          try {
            await options.es.info();
          } catch (err) {
            if (err instanceof errors.ResponseError && err.statusCode !== undefined && err.statusCode < 500) {
              return;
            }
            throw new Error(describeElasticsearchFailure(options.esConfig, err));
          }
        },
      },
    ],
  });
}
