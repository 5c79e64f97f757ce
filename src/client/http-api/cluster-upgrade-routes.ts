import { ACCESS } from '../service/access';
import { ElasticsearchApiError } from '../service/api-error';
import {
  InvalidClusterOptionError,
  parseClusterOptions,
  type ClusterOptions,
  type RawClusterOptions,
} from '../service/cluster-plan';
import type { ClusterUpgradeService } from '../service/cluster-upgrade-service';
import { plainValue } from './located-json';
import { parseRequiredJsonBody } from './request-body';
import { strictBooleanParam } from './request-params';
import type { RequestContext, Route } from './routes';

/**
 * ds-reindex's own endpoints live under `/_ds_reindex/`: Elasticsearch reserves names starting with `_`
 * for its APIs and has no `_ds_reindex`, and no index or data stream may be named with a leading `_`, so
 * no Elasticsearch path, present or future `/{index}/...`, can be one of these.
 */
export const CLUSTER_UPGRADE_PATH = '/_ds_reindex/cluster';

/** How the HTTP parameters name the options, for error messages. */
const PARAM_NAMES: Record<keyof RawClusterOptions, string> = {
  pattern: 'pattern',
  includeSystem: 'include_system',
  readOnly: 'read_only',
  readOnlyOlderThan: 'read_only_older_than',
  ilmHorizon: 'ilm_horizon',
  maxDataStreams: 'max_data_streams',
  window: 'window',
  verify: 'verify',
  indices: 'indices',
  reindexReadOnly: 'reindex_read_only',
};

/** The plan's query parameters (a window changes nothing in a plan). */
const PLAN_PARAMS = [
  'pattern',
  'include_system',
  'read_only',
  'read_only_older_than',
  'ilm_horizon',
  'max_data_streams',
  'indices',
  'reindex_read_only',
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
    indices: query.get('indices') ?? undefined,
    reindexReadOnly: strictBooleanParam(query, 'reindex_read_only', false),
  });
}

const BODY_FIELDS: Record<string, keyof RawClusterOptions> = {
  pattern: 'pattern',
  include_system: 'includeSystem',
  read_only: 'readOnly',
  read_only_older_than: 'readOnlyOlderThan',
  max_data_streams: 'maxDataStreams',
  window: 'window',
  verify: 'verify',
  indices: 'indices',
  reindex_read_only: 'reindexReadOnly',
};
const BOOLEAN_FIELDS = new Set(['include_system', 'read_only', 'reindex_read_only']);
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
 * A cluster run acts, with the worker's credentials, on many data streams; so besides its cluster
 * privilege, its caller must hold `manage` on every one of them, checked with the caller's own
 * credentials as each data stream's own endpoints require.
 */
async function requireManageOfRun(service: ClusterUpgradeService, context: RequestContext): Promise<void> {
  await context.requireIndices(await service.dataStreams());
}

/** The whole-cluster upgrade: plan, start, status, cancel, pause, resume and report. */
export function clusterUpgradeRoutes(service: ClusterUpgradeService): Route[] {
  /** A route that acts on the current run: checked against its data streams, then `act`. */
  const onRun = (
    method: Route['method'],
    name: string,
    access: Route['access'],
    act: (query: URLSearchParams) => () => Promise<unknown>,
    queryParams?: readonly string[],
  ): Route => ({
    method,
    path: `${CLUSTER_UPGRADE_PATH}/${name}`,
    readsBody: false,
    access,
    ...(queryParams ? { queryParams } : {}),
    prepare(context) {
      const run = act(context.query);
      return async () => {
        await requireManageOfRun(service, context);
        return { status: 200, body: await run() };
      };
    },
  });
  return [
    {
      method: 'GET',
      path: `${CLUSTER_UPGRADE_PATH}/_plan`,
      queryParams: PLAN_PARAMS,
      readsBody: false,
      access: ACCESS.clusterPlan,
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
      queryParams: ['allow_disk_risk'],
      access: ACCESS.clusterStart,
      prepare({ body, es, query, requireIndices }) {
        const options = optionsFromBody(body);
        const allowDiskRisk = strictBooleanParam(query, 'allow_disk_risk', false);
        return async () => {
          const prepared = await service.prepareStart(es, { ...options, allowDiskRisk });
          await requireIndices([...prepared.dataStreams, ...prepared.standaloneIndices]);
          return { status: 200, body: await service.start(prepared) };
        };
      },
    },
    onRun('GET', '_status', ACCESS.clusterStatus, () => () => service.status()),
    onRun('POST', '_cancel', ACCESS.clusterCancel, () => () => service.cancel()),
    onRun(
      'POST',
      '_pause',
      ACCESS.clusterPause,
      (query) => {
        const now = strictBooleanParam(query, 'now', false);
        return () => service.pause(now);
      },
      ['now'],
    ),
    onRun('POST', '_resume', ACCESS.clusterResume, () => () => service.resume()),
    onRun('GET', '_report', ACCESS.clusterReport, () => () => service.report()),
  ];
}
