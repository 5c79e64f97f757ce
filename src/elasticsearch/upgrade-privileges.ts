import type { Client } from '@elastic/elasticsearch';
import { reasonOf } from './errors';
import { authenticate, hasPrivileges, identify } from './security';
import { destinationIndexName } from '../shared/names';

/** Where a privilege applies: the cluster, the data streams (and so their backing indices), the new indices. */
export type PrivilegeScope = 'cluster' | 'data_stream' | 'destination';

/** One privilege the worker needs, an action Elasticsearch refuses without it, and why ds-reindex needs it. */
export interface RequiredPrivilege {
  scope: PrivilegeScope;
  privilege: string;
  /** The first action of an upgrade that Elasticsearch refuses without it, as a 403 names it. */
  action: string;
  why: string;
}

/**
 * The worker's role, exactly: every privilege here is needed (a test removes each in turn and sees the
 * upgrade refused), and nothing else is. Shown in docs/SECURITY.md.
 */
export const WORKER_PRIVILEGES: readonly RequiredPrivilege[] = [
  {
    scope: 'cluster',
    privilege: 'manage',
    action: 'cluster:admin/ingest/pipeline/put',
    why: 'put the pipeline that gives documents without @timestamp one, change the throttle of a running copy (_rethrottle), and stop a copy (_tasks/_cancel) on cancel or pause',
  },
  {
    scope: 'data_stream',
    privilege: 'manage',
    action: 'indices:admin/rollover',
    why: 'roll the data stream over, block writes on an old backing index, swap the new index in (_data_stream/_modify) and delete the old one; mark old indices read-only',
  },
  {
    scope: 'data_stream',
    privilege: 'read',
    action: 'indices:data/read/search',
    why: 'the copy reads the old backing index, and its documents are counted',
  },
  {
    scope: 'destination',
    privilege: 'manage',
    action: 'indices:admin/create',
    why: 'create the new index (.migrated-<old name>), restore its settings, and delete a half-made one',
  },
  {
    scope: 'destination',
    privilege: 'read',
    action: 'indices:data/read/search',
    why: 'count the copied documents before the swap',
  },
  {
    scope: 'destination',
    privilege: 'write',
    action: 'indices:data/write/reindex',
    why: 'the copy writes into the new index',
  },
];

/** One privilege the credentials lack, on what. */
export interface MissingPrivilege extends RequiredPrivilege {
  /** The names it is missing on; empty for a cluster privilege. */
  names: string[];
}

/** What an upgrade will act on: the data streams, and the backing indices it will rebuild. */
export interface PrivilegeTargets {
  dataStreams: readonly string[];
  backingIndices: readonly string[];
}

const privilegesOf = (scope: PrivilegeScope) =>
  WORKER_PRIVILEGES.filter((required) => required.scope === scope).map((required) => required.privilege);

/**
 * Which of `WORKER_PRIVILEGES` the credentials `es` carries lack for `targets`, asked of Elasticsearch
 * (`_has_privileges`, which changes nothing). Empty when security is off.
 */
export async function missingWorkerPrivileges(
  es: Client,
  targets: PrivilegeTargets,
): Promise<MissingPrivilege[]> {
  const { securityEnabled } = await authenticate(es);
  if (!securityEnabled) return [];
  const destinations = targets.backingIndices.map(destinationIndexName);
  const answer = await hasPrivileges(es, {
    cluster: privilegesOf('cluster'),
    index: [
      ...(targets.dataStreams.length > 0
        ? [{ names: targets.dataStreams, privileges: privilegesOf('data_stream') }]
        : []),
      ...(destinations.length > 0 ? [{ names: destinations, privileges: privilegesOf('destination') }] : []),
    ],
  });
  const namesOf = (scope: PrivilegeScope) => (scope === 'data_stream' ? targets.dataStreams : destinations);
  const missing: MissingPrivilege[] = [];
  for (const required of WORKER_PRIVILEGES) {
    if (required.scope === 'cluster') {
      if (answer.cluster[required.privilege] !== true) missing.push({ ...required, names: [] });
      continue;
    }
    const names = namesOf(required.scope).filter((name) => answer.index[name]?.[required.privilege] !== true);
    if (names.length > 0) missing.push({ ...required, names });
  }
  return missing;
}

const MAX_NAMES_SHOWN = 3;

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

/** One sentence per missing privilege, naming the privilege, where, the action refused and why it is needed. */
export function describeMissingPrivileges(whose: string, missing: readonly MissingPrivilege[]): string {
  const lines = missing.map((entry) => {
    const where =
      entry.scope === 'cluster'
        ? `the cluster privilege [${entry.privilege}]`
        : `the index privilege [${entry.privilege}] on [${entry.names.slice(0, MAX_NAMES_SHOWN).join(',')}${
            entry.names.length > MAX_NAMES_SHOWN ? `, and ${entry.names.length - MAX_NAMES_SHOWN} more` : ''
          }]`;
    return `${where}, without which Elasticsearch refuses [${entry.action}]: needed to ${entry.why}`;
  });
  return `the worker's ${whose} lack ${lines.join('; and ')}`;
}
