import type { Client } from '@elastic/elasticsearch';
import { reasonOf, statusCodeOf } from './errors';

/** Who Elasticsearch says a set of credentials belongs to (`GET /_security/_authenticate`). */
export interface Identity {
  username: string;
  roles: readonly string[];
  /** Set when the credentials are an API key. */
  apiKeyId?: string;
}

/** What Elasticsearch answers about a caller: security is off (everyone may act), or who they are. */
export type Authentication = { securityEnabled: false } | { securityEnabled: true; username: string };

/**
 * What a cluster without security answers `POST /_security/user/_has_privileges` with, word for word:
 * - 8.x with `xpack.security.enabled: false` registers no security REST handlers: 400
 *   `no handler found for uri [/_security/user/_has_privileges] and method [POST]` (seen on a real
 *   8.19.21; its `GET /_security/_authenticate` is a 405 instead, claimed by another route's pattern);
 * - 8.x when a security handler is registered anyway: 500 `illegal_state_exception`
 *   `Security is not enabled but a security rest handler is registered`;
 * - 7.x (and 6.8) with a basic or trial license and security not enabled: 500
 *   `Security must be explicitly enabled when using a [basic] license. ...`.
 * Nothing else counts: a 401, 403, 404 or any other failure is passed on, never taken as "no security",
 * because this answer is what lets a caller without credentials through.
 */
const SECURITY_OFF_ANSWERS: readonly RegExp[] = [
  /^no handler found for uri \[\/_security\/user\/_has_privileges[^\]]*\] and method \[POST\]$/,
  /^Security is not enabled but a security rest handler is registered/,
  /^Security must be explicitly enabled when using a \[?[a-z]+\]? license/,
];

export function meansSecurityDisabled(err: unknown): boolean {
  const status = statusCodeOf(err);
  if (status !== 400 && status !== 500) return false;
  const reason = reasonOf(err);
  return SECURITY_OFF_ANSWERS.some((answer) => answer.test(reason));
}

/**
 * Asks Elasticsearch whether `es`'s credentials (or their absence) are good, with the one security call
 * every authenticated user may make and whose answer without security is known. Throws Elasticsearch's
 * own error when it refuses them: 401 `security_exception` with its `WWW-Authenticate` challenges.
 */
export async function authenticate(es: Client): Promise<Authentication> {
  try {
    const answer = await es.security.hasPrivileges({ cluster: ['monitor'] });
    return { securityEnabled: true, username: answer.username };
  } catch (err) {
    if (meansSecurityDisabled(err)) return { securityEnabled: false };
    throw err;
  }
}

/** Who the credentials belong to, with their roles or API key (`GET /_security/_authenticate`). */
export async function identify(es: Client): Promise<Identity> {
  const who = await es.security.authenticate();
  return {
    username: who.username,
    roles: [...who.roles],
    ...(who.api_key?.id ? { apiKeyId: who.api_key.id } : {}),
  };
}

/** Index privileges to ask about, on some names. */
export interface IndexPrivilegeQuestion {
  names: readonly string[];
  privileges: readonly string[];
}

/** The privileges to ask `_has_privileges` about. */
export interface PrivilegeQuestion {
  cluster?: readonly string[];
  index?: IndexPrivilegeQuestion | readonly IndexPrivilegeQuestion[];
}

/** Which of the asked privileges the caller holds: cluster privilege → held; index → privilege → held. */
export interface PrivilegeAnswer {
  cluster: Readonly<Record<string, boolean>>;
  index: Readonly<Record<string, Readonly<Record<string, boolean>>>>;
}

/** `POST /_security/user/_has_privileges` with the caller's credentials (security must be on). */
export async function hasPrivileges(es: Client, question: PrivilegeQuestion): Promise<PrivilegeAnswer> {
  const index =
    question.index === undefined ? [] : 'names' in question.index ? [question.index] : question.index;
  const response = await es.security.hasPrivileges({
    ...(question.cluster ? { cluster: [...question.cluster] } : {}),
    ...(index.length > 0
      ? { index: index.map((entry) => ({ names: [...entry.names], privileges: [...entry.privileges] })) }
      : {}),
  });
  return { cluster: response.cluster ?? {}, index: response.index ?? {} };
}
