import type { Client } from '@elastic/elasticsearch';
import { ElasticsearchApiError } from '../service/api-error';
import { reasonOf, statusCodeOf } from '../elasticsearch/errors';

/** Whether to check the caller's index privileges: `auto` asks the cluster whether security is on. */
export type SecurityMode = 'auto' | 'enabled' | 'disabled';

/** Elasticsearch's action names for the three endpoints, as they appear in its 403s. */
export const REINDEX_ACTIONS = {
  start: 'indices:admin/data_stream/reindex',
  status: 'indices:admin/migration/reindex_status',
  cancel: 'indices:admin/data_stream/reindex_cancel',
} as const;

/** The index privileges that grant an `indices:admin/*` action, in Elasticsearch's message order. */
const GRANTING_PRIVILEGES = 'manage,all';

/**
 * A cluster without security answers the security APIs with an error instead of a result; a stand-in
 * without the route (the sandbox) answers "no handler found". Either way there is nothing to check.
 */
function meansSecurityDisabled(err: unknown): boolean {
  const status = statusCodeOf(err);
  if (status === undefined) return false;
  const reason = reasonOf(err);
  return (
    status === 404 ||
    /no handler found for uri/i.test(reason) ||
    /security must be explicitly enabled|security is (not enabled|disabled)/i.test(reason)
  );
}

/** `user [bob] with effective roles [a,b]`, or `API key id [x] of user [bob]`, as Elasticsearch names callers. */
async function callerDescription(es: Client, username: string): Promise<string> {
  try {
    const who = await es.security.authenticate();
    if (who.api_key?.id) return `API key id [${who.api_key.id}] of user [${who.username}]`;
    return `user [${who.username}] with effective roles [${[...who.roles].sort().join(',')}]`;
  } catch {
    return `user [${username}]`;
  }
}

/**
 * Answers which of `names` the caller (whose credentials `es` carries) holds `manage` on, or `undefined`
 * when security is off and everything is allowed.
 */
export async function namesWithManagePrivilege(
  es: Client,
  names: readonly string[],
  mode: SecurityMode,
): Promise<{ allowed: Set<string>; username: string } | undefined> {
  if (mode === 'disabled' || names.length === 0) return undefined;
  let response;
  try {
    response = await es.security.hasPrivileges({ index: [{ names: [...names], privileges: ['manage'] }] });
  } catch (err) {
    if (mode === 'auto' && meansSecurityDisabled(err)) return undefined;
    throw err;
  }
  const allowed = new Set(names.filter((name) => response.index?.[name]?.manage === true));
  return { allowed, username: response.username };
}

/**
 * Elasticsearch's precondition for the reindex APIs: the `manage` index privilege on the data stream,
 * checked with the caller's own credentials. Throws Elasticsearch's 403 `security_exception` when not held.
 */
export async function requireManagePrivilege(
  es: Client,
  action: string,
  dataStream: string,
  mode: SecurityMode,
): Promise<void> {
  const result = await namesWithManagePrivilege(es, [dataStream], mode);
  if (result === undefined || result.allowed.has(dataStream)) return;
  const caller = await callerDescription(es, result.username);
  throw new ElasticsearchApiError(
    403,
    'security_exception',
    `action [${action}] is unauthorized for ${caller} on indices [${dataStream}], ` +
      `this action is granted by the index privileges [${GRANTING_PRIVILEGES}]`,
  );
}
