import { errors, type Client } from '@elastic/elasticsearch';
import { ElasticsearchApiError, REINDEX_ACTIONS } from './api-error';
import { elasticsearchErrorBody, type ElasticsearchErrorBody } from '../../elasticsearch/errors';
import { authenticate, hasPrivileges, identify, type Authentication } from '../../elasticsearch/security';

/** The cluster privileges ds-reindex's operations need, weakest first. */
export type ClusterPrivilege = 'monitor' | 'manage';

/**
 * What one operation needs of its caller, in Elasticsearch's terms. Every HTTP route and CLI command
 * names one of these, so what each needs is written once and a test can read it.
 */
export interface Access {
  /** The action a 403 names, Elasticsearch's own where the operation is Elasticsearch's. */
  action: string;
  /** A cluster privilege the caller must hold. */
  cluster?: ClusterPrivilege;
  /** The index privilege the caller must hold on every data stream the operation acts on. */
  index?: 'manage';
}

/** Elasticsearch's message lists every privilege that grants an action, weakest first. */
const GRANTED_BY: Record<ClusterPrivilege | 'manage-index', string> = {
  monitor: 'monitor,manage,all',
  manage: 'manage,all',
  'manage-index': 'manage,all',
};

/** Every operation of the HTTP API and the CLI, and what it needs. */
export const ACCESS = {
  // Start and plan also read the cluster's version (`GET /`) as the caller, which takes `monitor`;
  // Elasticsearch's own start needs only `manage` on the data stream.
  start: { action: REINDEX_ACTIONS.start, cluster: 'monitor', index: 'manage' },
  status: { action: REINDEX_ACTIONS.status, index: 'manage' },
  cancel: { action: REINDEX_ACTIONS.cancel, index: 'manage' },
  pause: { action: 'indices:admin/data_stream/reindex_pause', index: 'manage' },
  resume: { action: 'indices:admin/data_stream/reindex_resume', index: 'manage' },
  plan: { action: 'indices:admin/data_stream/reindex_plan', cluster: 'monitor', index: 'manage' },
  /** Lists only the upgrades of data streams the caller manages. */
  list: { action: 'indices:admin/data_stream/reindex_list', index: 'manage' },
  clusterInfo: { action: 'cluster:monitor/main', cluster: 'monitor' },
  capabilities: { action: 'cluster:monitor/nodes/capabilities', cluster: 'monitor' },
  getSettings: { action: 'cluster:monitor/settings', cluster: 'monitor' },
  putSettings: { action: 'cluster:admin/settings/update', cluster: 'manage' },
  clusterPlan: { action: 'cluster:monitor/ds_reindex/cluster/plan', cluster: 'monitor' },
  clusterStart: { action: 'cluster:admin/ds_reindex/cluster/start', cluster: 'manage', index: 'manage' },
  clusterStatus: { action: 'cluster:monitor/ds_reindex/cluster/status', cluster: 'monitor', index: 'manage' },
  clusterReport: { action: 'cluster:monitor/ds_reindex/cluster/report', cluster: 'monitor', index: 'manage' },
  clusterCancel: { action: 'cluster:admin/ds_reindex/cluster/cancel', cluster: 'manage', index: 'manage' },
  clusterPause: { action: 'cluster:admin/ds_reindex/cluster/pause', cluster: 'manage', index: 'manage' },
  clusterResume: { action: 'cluster:admin/ds_reindex/cluster/resume', cluster: 'manage', index: 'manage' },
  // The report reads the cluster state's metadata, which `monitor` grants for every index, system and
  // hidden ones included; it needs no index privilege.
  readiness: { action: 'cluster:monitor/ds_reindex/cluster/readiness', cluster: 'monitor' },
} as const satisfies Record<string, Access>;

/** A caller Elasticsearch has authenticated, or any caller when security is off. */
export type Caller = Authentication;

/** Elasticsearch's 401, answered with its own body and `WWW-Authenticate` challenges. */
export class AuthenticationError extends ElasticsearchApiError {
  constructor(
    private readonly body: ElasticsearchErrorBody,
    readonly challenges: readonly string[],
  ) {
    super(401, body.error.type, body.error.reason);
  }

  override toBody(): ElasticsearchErrorBody {
    return this.body;
  }
}

/** Replaces every `REST request [<path>]` in Elasticsearch's answer with the caller's own request. */
function forRequest(value: unknown, uri: string): unknown {
  if (typeof value === 'string') return value.replace(/REST request \[[^\]]*\]/g, `REST request [${uri}]`);
  if (Array.isArray(value)) return value.map((item) => forRequest(item, uri));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, forRequest(item, uri)]));
  }
  return value;
}

function isErrorBody(value: unknown): value is ElasticsearchErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { type?: unknown }).type === 'string' &&
    typeof (error as { reason?: unknown }).reason === 'string'
  );
}

/**
 * The challenges of a 401. Elasticsearch lists them in the body too (`error.header`), one per entry;
 * the HTTP client joins repeated headers with commas, which the `Basic` challenge itself contains.
 */
function challengesOf(body: ElasticsearchErrorBody, err: errors.ResponseError): string[] {
  const listed = (body.error.header as Record<string, unknown> | undefined)?.['WWW-Authenticate'];
  if (Array.isArray(listed)) return listed.map(String);
  const header = err.meta.headers?.['www-authenticate'];
  return header === undefined || header === null ? [] : [String(header)];
}

/**
 * Authenticates the caller whose credentials `es` carries (none at all is a caller too). `uri` is the
 * request being answered: Elasticsearch's 401 names it. Security off: everyone may act, as in
 * Elasticsearch. Refused: Elasticsearch's own 401, body and challenges, for `uri`.
 */
export async function authenticateCaller(es: Client, uri: string): Promise<Caller> {
  try {
    return await authenticate(es);
  } catch (err) {
    if (!(err instanceof errors.ResponseError) || err.statusCode !== 401) throw err;
    const body = forRequest(err.body, uri);
    const errorBody = isErrorBody(body)
      ? body
      : elasticsearchErrorBody(401, 'security_exception', `unable to authenticate for REST request [${uri}]`);
    throw new AuthenticationError(errorBody, challengesOf(errorBody, err));
  }
}

/** `user [bob] with effective roles [a,b]`, or `API key id [x] of user [bob]`, as Elasticsearch names callers. */
async function describe(es: Client, caller: Caller & { securityEnabled: true }): Promise<string> {
  try {
    const identity = await identify(es);
    if (identity.apiKeyId) return `API key id [${identity.apiKeyId}] of user [${identity.username}]`;
    return `user [${identity.username}] with effective roles [${[...identity.roles].sort().join(',')}]`;
  } catch {
    return `user [${caller.username}]`;
  }
}

/** Throws Elasticsearch's 403 unless the caller holds `access.cluster` (nothing to check without one). */
export async function requireClusterPrivilege(es: Client, caller: Caller, access: Access): Promise<void> {
  if (!caller.securityEnabled || access.cluster === undefined) return;
  const answer = await hasPrivileges(es, { cluster: [access.cluster] });
  if (answer.cluster[access.cluster] === true) return;
  throw new ElasticsearchApiError(
    403,
    'security_exception',
    `action [${access.action}] is unauthorized for ${await describe(es, caller)}, ` +
      `this action is granted by the cluster privileges [${GRANTED_BY[access.cluster]}]`,
  );
}

/** Which of `names` the caller holds `access.index` on; all of them when security is off. */
export async function namesAllowed(
  es: Client,
  caller: Caller,
  access: Access,
  names: readonly string[],
): Promise<Set<string>> {
  if (!caller.securityEnabled || access.index === undefined || names.length === 0) return new Set(names);
  const privilege = access.index;
  const answer = await hasPrivileges(es, { index: { names, privileges: [privilege] } });
  return new Set(names.filter((name) => answer.index[name]?.[privilege] === true));
}

/** Throws Elasticsearch's 403, naming every one of `names` the caller lacks `access.index` on. */
export async function requireIndexPrivilege(
  es: Client,
  caller: Caller,
  access: Access,
  names: readonly string[],
): Promise<void> {
  if (!caller.securityEnabled) return;
  const allowed = await namesAllowed(es, caller, access, names);
  const missing = names.filter((name) => !allowed.has(name));
  if (missing.length === 0) return;
  throw new ElasticsearchApiError(
    403,
    'security_exception',
    `action [${access.action}] is unauthorized for ${await describe(es, caller)} on indices [${missing.join(',')}], ` +
      `this action is granted by the index privileges [${GRANTED_BY['manage-index']}]`,
  );
}
