import { ACCESS } from '../service/access';
import { ElasticsearchApiError } from '../service/api-error';
import { updateClusterSettings, type ClusterSettingsUpdate } from '../service/cluster-settings-update';
import type { ReindexService } from '../service/reindex-service';
import { plainValue, type LocatedValue } from './located-json';
import { parseRequiredJsonBody } from './request-body';
import { booleanParam, type Route } from './routes';

const UPDATE_PARSER_NAME = 'cluster_update_settings_request';

/** Reads `PUT /_cluster/settings`'s body as Elasticsearch's parser does: two optional object fields. */
function parseSettingsUpdate(body: LocatedValue): ClusterSettingsUpdate {
  if (body.kind !== 'object') {
    throw new ElasticsearchApiError(
      400,
      'x_content_parse_exception',
      `[${body.start.line}:${body.start.column}] [${UPDATE_PARSER_NAME}] Expected START_OBJECT but was: START_ARRAY`,
    );
  }
  const update: ClusterSettingsUpdate = {};
  for (const entry of body.entries) {
    const where = `[${entry.keyLocation.line}:${entry.keyLocation.column}] [${UPDATE_PARSER_NAME}]`;
    if (entry.key !== 'persistent' && entry.key !== 'transient') {
      throw new ElasticsearchApiError(
        400,
        'x_content_parse_exception',
        `${where} unknown field [${entry.key}]`,
      );
    }
    if (entry.value.kind !== 'object') {
      throw new ElasticsearchApiError(
        400,
        'x_content_parse_exception',
        `${where} ${entry.key} doesn't support values of type: ${entry.value.kind === 'array' ? 'START_ARRAY' : 'VALUE'}`,
      );
    }
    update[entry.key] = plainValue(entry.value) as Record<string, unknown>;
  }
  return update;
}

/**
 * `GET` and `PUT /_cluster/settings`, answered by the cluster itself (where the `migrate.*` settings
 * live), with the two settings validated here first and running upgrades told about concurrency changes.
 * `GET /` answers the cluster's own root, so tools that probe it see Elasticsearch.
 */
export function clusterRoutes(service: ReindexService): Route[] {
  return [
    {
      method: 'GET',
      path: '/_cluster/settings',
      queryParams: ['flat_settings', 'include_defaults', 'master_timeout', 'timeout', 'local'],
      readsBody: false,
      access: ACCESS.getSettings,
      prepare({ es, query }) {
        return async () => ({
          status: 200,
          body: await es.cluster.getSettings({
            flat_settings: booleanParam(query, 'flat_settings'),
            include_defaults: booleanParam(query, 'include_defaults'),
          }),
        });
      },
    },
    {
      method: 'PUT',
      path: '/_cluster/settings',
      queryParams: ['flat_settings', 'master_timeout', 'timeout'],
      readsBody: true,
      access: ACCESS.putSettings,
      prepare({ es, body, query }) {
        const update = parseSettingsUpdate(parseRequiredJsonBody(body));
        return async () => ({
          status: 200,
          body: await updateClusterSettings(es, service, update, booleanParam(query, 'flat_settings')),
        });
      },
    },
    {
      method: 'GET',
      path: '/',
      readsBody: false,
      access: ACCESS.clusterInfo,
      prepare({ es }) {
        return async () => ({ status: 200, body: await es.info() });
      },
    },
  ];
}
