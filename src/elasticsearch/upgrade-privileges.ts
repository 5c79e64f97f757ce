import type { Client } from '@elastic/elasticsearch';
import { reasonOf } from './errors';
import { hasPrivileges, identify, meansSecurityDisabled } from './security';
import { destinationIndexName } from '../shared/names';
import {
  STANDALONE_ALIAS_PRIVILEGE,
  WORKER_PRIVILEGES,
  type MissingPrivilege,
  type PrivilegeScope,
  type PrivilegeTargets,
} from '../shared/privileges';

/** Everything an upgrade may need; the alias privilege is asked about only when there are aliases. */
const REQUIRED = [...WORKER_PRIVILEGES, STANDALONE_ALIAS_PRIVILEGE];

const privilegesOf = (scope: PrivilegeScope) =>
  REQUIRED.filter((required) => required.scope === scope).map((required) => required.privilege);

/** The names each index scope is asked about for `targets`. */
function namesByScope(
  targets: PrivilegeTargets,
): Record<Exclude<PrivilegeScope, 'cluster'>, readonly string[]> {
  return {
    data_stream: targets.dataStreams,
    backing_index: targets.backingIndices,
    destination: targets.backingIndices.map(destinationIndexName),
    alias: targets.aliases ?? [],
  };
}

/**
 * Which of `WORKER_PRIVILEGES` the credentials `es` carries lack for `targets`, asked of Elasticsearch
 * (`_has_privileges`, which changes nothing). Empty when security is off.
 */
export async function missingWorkerPrivileges(
  es: Client,
  targets: PrivilegeTargets,
): Promise<MissingPrivilege[]> {
  const names = namesByScope(targets);
  const scopes = (['data_stream', 'backing_index', 'destination', 'alias'] as const).filter(
    (scope) => names[scope].length > 0,
  );
  let answer;
  try {
    answer = await hasPrivileges(es, {
      cluster: privilegesOf('cluster'),
      index: scopes.map((scope) => ({ names: names[scope], privileges: privilegesOf(scope) })),
    });
  } catch (err) {
    if (meansSecurityDisabled(err)) return [];
    throw err;
  }
  const missing: MissingPrivilege[] = [];
  for (const required of REQUIRED) {
    if (required.scope === 'cluster') {
      if (answer.cluster[required.privilege] !== true) missing.push({ ...required, names: [] });
      continue;
    }
    const lacking = names[required.scope].filter((name) => answer.index[name]?.[required.privilege] !== true);
    if (lacking.length > 0) missing.push({ ...required, names: lacking });
  }
  return missing;
}

/** `API key id [x] of user [y]`, or `user [y] with roles [r]`: who lacks the privileges. */
export async function describeCredentials(es: Client): Promise<string> {
  try {
    const identity = await identify(es);
    if (identity.apiKeyId) return `API key id [${identity.apiKeyId}] of user [${identity.username}]`;
    return `user [${identity.username}] with roles [${[...identity.roles].sort().join(',')}]`;
  } catch (err) {
    return `credentials Elasticsearch could not describe (${reasonOf(err)})`;
  }
}
