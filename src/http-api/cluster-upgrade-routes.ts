import type { Client } from '@elastic/elasticsearch';
import { ElasticsearchApiError } from '../service/api-error';
import {
  InvalidClusterOptionError,
  parseClusterOptions,
  type ClusterOptions,
  type RawClusterOptions,
} from '../service/cluster-plan';
import type { ClusterUpgradeService } from '../service/cluster-upgrade-service';
import { namesWithManagePrivilege, type SecurityMode } from './index-privileges';
import { plainValue } from './located-json';
import { parseRequiredJsonBody } from './request-body';
import { strictBooleanParam } from './request-params';
import type { Route } from './routes';

/**
 * ds-reindex's own endpoints live under `/_ds_reindex/`: Elasticsearch reserves names starting with `_`
 * for its APIs and has no `_ds_reindex`, and no index or data stream may be named with a leading `_`, so
 * no Elasticsearch path, present or future `/{index}/...`, can be one of these.
 */
export const CLUSTER_UPGRADE_PATH = '/_ds_reindex/cluster';

/** Action names for 403s, in Elasticsearch's style. */
const CLUSTER_ACTIONS = {
  start: 'cluster:admin/ds_reindex/cluster/start',
  status: 'cluster:monitor/ds_reindex/cluster/status',
  cancel: 'cluster:admin/ds_reindex/cluster/cancel',
  pause: 'cluster:admin/ds_reindex/cluster/pause',
} as const;

/** How the HTTP parameters name the options, for error messages. */
const PARAM_NAMES: Record<keyof RawClusterOptions, string> = {
  pattern: 'pattern',
  includeSystem: 'include_system',
  readOnly: 'read_only',
  readOnlyOlderThan: 'read_only_older_than',
  ilmHorizon: 'ilm_horizon',
  maxDataStreams: 'max_data_streams',
  window: 'window',
};

/** The plan's query parameters (a window changes nothing in a plan). */
const PLAN_PARAMS = [
  'pattern',
  'include_system',
  'read_only',
  'read_only_older_than',
  'ilm_horizon',
  'max_data_streams',
];

function illegalArgument(reason: string): ElasticsearchApiError {
  return new ElasticsearchApiError(400, 'illegal_argument_exception', reason);
}

function checked(raw: RawClusterOptions): ClusterOptions {
  try {
    return parseClusterOptions(raw, PARAM_NAMES);
  } catch (err) {
    if (err instanceof InvalidClusterOptionError) throw illegalArgument(err.message);
    throw err;
  }
}

function optionsFromQuery(query: URLSearchParams): ClusterOptions {
  return checked({
    pattern: query.get('pattern') ?? undefined,
    includeSystem: strictBooleanParam(query, 'include_system', false),
    readOnly: strictBooleanParam(query, 'read_only', false),
    readOnlyOlderThan: query.get('read_only_older_than') ?? undefined,
    ilmHorizon: query.get('ilm_horizon') ?? undefined,
    maxDataStreams: query.get('max_data_streams') ?? undefined,
  });
}

const BODY_FIELDS: Record<string, keyof RawClusterOptions> = {
  pattern: 'pattern',
  include_system: 'includeSystem',
  read_only: 'readOnly',
  read_only_older_than: 'readOnlyOlderThan',
  max_data_streams: 'maxDataStreams',
  window: 'window',
};
const BOOLEAN_FIELDS = new Set(['include_system', 'read_only']);
const NUMBER_FIELDS = new Set(['max_data_streams']);

/** `POST .../_start`'s body: optional; every field optional; unknown fields and wrong types refused. */
function optionsFromBody(body: Buffer): ClusterOptions {
  if (body.length === 0) return checked({});
  const value = plainValue(parseRequiredJsonBody(body));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ElasticsearchApiError(400, 'x_content_parse_exception', 'the body must be a JSON object');
  }
  const raw: RawClusterOptions = {};
  for (const [field, fieldValue] of Object.entries(value as Record<string, unknown>)) {
    const key = BODY_FIELDS[field];
    if (key === undefined) {
      throw new ElasticsearchApiError(
        400,
        'x_content_parse_exception',
        `[cluster_upgrade] unknown field [${field}]`,
      );
    }
    const wanted = BOOLEAN_FIELDS.has(field) ? 'boolean' : NUMBER_FIELDS.has(field) ? 'number' : 'string';
    if (typeof fieldValue !== wanted) {
      throw new ElasticsearchApiError(
        400,
        'x_content_parse_exception',
        `[cluster_upgrade] ${field} must be a ${wanted}, got [${JSON.stringify(fieldValue)}]`,
      );
    }
    Object.assign(raw, { [key]: fieldValue });
  }
  return checked(raw);
}

/**
 * A cluster run acts, with the worker's credentials, on many data streams; so its caller must hold
 * `manage` on every one of them, checked with the caller's own credentials (as each data stream's own
 * endpoints require). Answers a 403 naming the ones missing.
 */
async function requireManageOnAll(
  es: Client,
  action: string,
  dataStreams: readonly string[],
  security: SecurityMode,
): Promise<void> {
  const result = await namesWithManagePrivilege(es, dataStreams, security);
  if (result === undefined) return;
  const missing = dataStreams.filter((name) => !result.allowed.has(name));
  if (missing.length === 0) return;
  throw new ElasticsearchApiError(
    403,
    'security_exception',
    `action [${action}] is unauthorized for user [${result.username}] on indices [${missing.join(',')}], ` +
      'this action is granted by the index privileges [manage,all]',
  );
}

/** The data streams a cluster run covers, for the privilege check of its status, report and cancel. */
async function dataStreamsOfRun(service: ClusterUpgradeService): Promise<string[]> {
  const status = await service.status();
  return [
    ...status.pending,
    ...status.running.map((entry) => entry.data_stream),
    ...status.finished.map((entry) => entry.data_stream),
  ];
}

/** The whole-cluster upgrade: plan, start, status, cancel and report. */
export function clusterUpgradeRoutes(service: ClusterUpgradeService, security: SecurityMode): Route[] {
  const authorizeRun = async (es: Client, action: string) =>
    requireManageOnAll(es, action, await dataStreamsOfRun(service), security);
  return [
    {
      method: 'GET',
      path: `${CLUSTER_UPGRADE_PATH}/_plan`,
      queryParams: PLAN_PARAMS,
      readsBody: false,
      prepare({ query, es }) {
        const options = optionsFromQuery(query);
        // Read with the caller's credentials: the plan shows only what they may see.
        return async () => ({ status: 200, body: await service.plan(es, options) });
      },
    },
    {
      method: 'POST',
      path: `${CLUSTER_UPGRADE_PATH}/_start`,
      readsBody: true,
      prepare({ body, es }) {
        const options = optionsFromBody(body);
        return async () => {
          const prepared = await service.prepareStart(es, options);
          await requireManageOnAll(es, CLUSTER_ACTIONS.start, prepared.dataStreams, security);
          return { status: 200, body: await service.start(prepared) };
        };
      },
    },
    {
      method: 'GET',
      path: `${CLUSTER_UPGRADE_PATH}/_status`,
      readsBody: false,
      prepare({ es }) {
        return async () => {
          await authorizeRun(es, CLUSTER_ACTIONS.status);
          return { status: 200, body: await service.status() };
        };
      },
    },
    {
      method: 'POST',
      path: `${CLUSTER_UPGRADE_PATH}/_cancel`,
      readsBody: false,
      prepare({ es }) {
        return async () => {
          await authorizeRun(es, CLUSTER_ACTIONS.cancel);
          return { status: 200, body: await service.cancel() };
        };
      },
    },
    {
      method: 'POST',
      path: `${CLUSTER_UPGRADE_PATH}/_pause`,
      queryParams: ['now'],
      readsBody: false,
      prepare({ query, es }) {
        const now = strictBooleanParam(query, 'now', false);
        return async () => {
          await authorizeRun(es, CLUSTER_ACTIONS.pause);
          return { status: 200, body: await service.pause(now) };
        };
      },
    },
    {
      method: 'POST',
      path: `${CLUSTER_UPGRADE_PATH}/_resume`,
      readsBody: false,
      prepare({ es }) {
        return async () => {
          await authorizeRun(es, CLUSTER_ACTIONS.pause);
          return { status: 200, body: await service.resume() };
        };
      },
    },
    {
      method: 'GET',
      path: `${CLUSTER_UPGRADE_PATH}/_report`,
      readsBody: false,
      prepare({ es }) {
        return async () => {
          await authorizeRun(es, CLUSTER_ACTIONS.status);
          return { status: 200, body: await service.report() };
        };
      },
    },
  ];
}
