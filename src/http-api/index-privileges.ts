import type { Client } from '@elastic/elasticsearch';
import { ElasticsearchApiError } from '../service/api-error';
import { reasonOf, statusCodeOf } from '../elasticsearch/errors';

/** Whether to check the caller's index privileges: `auto` asks the cluster whether security is on. */
export type SecurityMode = 'auto' | 'enabled' | 'disabled';

/** The index privileges that grant an `indices:admin/*` action, in Elasticsearch's message order. */
const GRANTING_PRIVILEGES = 'manage,all';

/**
 * What a cluster without security answers `_has_privileges` with, word for word:
 * - 8.x with `xpack.security.enabled: false` registers no security REST handlers: 400
 *   `no handler found for uri [/_security/user/_has_privileges] and method [POST]` (seen on a real 8.19.21);
 * - 8.x when a security handler is registered anyway: 500 `illegal_state_exception`
 *   `Security is not enabled but a security rest handler is registered`;
 * - 7.x (and 6.8) with a basic or trial license and security not enabled: 500
 *   `Security must be explicitly enabled when using a [basic] license. ...`.
 * Nothing else counts: a 401, 403, 404 or any other failure is passed on, never taken as "no security",
 * because the workflow acts with the worker's credentials and this check is what stands in front of it.
 */
const SECURITY_OFF_ANSWERS: readonly RegExp[] = [
  /^no handler found for uri \[\/_security\/user\/_has_privileges[^\]]*\] and method \[[A-Z]+\]$/,
  /^Security is not enabled but a security rest handler is registered/,
  /^Security must be explicitly enabled when using a \[?[a-z]+\]? license/,
];

function meansSecurityDisabled(err: unknown): boolean {
  const status = statusCodeOf(err);
  if (status !== 400 && status !== 500) return false;
  const reason = reasonOf(err);
  return SECURITY_OFF_ANSWERS.some((answer) => answer.test(reason));
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
