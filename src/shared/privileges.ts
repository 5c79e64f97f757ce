/**
 * The privileges the worker needs for an upgrade, in Elasticsearch's terms, and how a lack of them is
 * said. Pure: the worker checks them (`src/elasticsearch/upgrade-privileges.ts`), the clients report them.
 */

/**
 * Where a privilege applies: the cluster; the data streams (and so their backing indices while they are
 * in them); the old backing indices by their own names (once swapped out, the data stream's privileges no
 * longer cover them); the new indices; the aliases of standalone indices.
 */
export type PrivilegeScope = 'cluster' | 'data_stream' | 'backing_index' | 'destination' | 'alias';

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
    why: 'read the old backing index in the copy, and count its documents',
  },
  {
    scope: 'backing_index',
    privilege: 'manage',
    action: 'indices:admin/delete',
    why: 'delete the old index once the new one has taken its place: it is then out of the data stream, whose privileges no longer cover it',
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
    why: 'write the copy into the new index',
  },
];

/**
 * Needed beyond the worker's role only when a standalone index has aliases: its switch moves them to the
 * new index in one `_aliases` call, which Elasticsearch refuses without `manage` on each alias name.
 * Apart from `WORKER_PRIVILEGES`, whose every entry an upgrade of a data stream needs.
 */
export const STANDALONE_ALIAS_PRIVILEGE: RequiredPrivilege = {
  scope: 'alias',
  privilege: 'manage',
  action: 'indices:admin/aliases',
  why: "move a standalone index's aliases to the new index, in the one _aliases call that gives it the old name",
};

/** One privilege the credentials lack, on what. */
export interface MissingPrivilege extends RequiredPrivilege {
  /** The names it is missing on; empty for a cluster privilege. */
  names: string[];
}

/** What an upgrade will act on: the data streams, and (some of) the backing indices it will rebuild. */
export interface PrivilegeTargets {
  dataStreams: readonly string[];
  backingIndices: readonly string[];
  /** The aliases of the standalone indices it will reindex (each moves to the new index); absent: none. */
  aliases?: readonly string[];
}

/** What the worker's own credentials lack for an upgrade; `missing` empty when they hold everything. */
export interface PrivilegeCheck {
  missing: MissingPrivilege[];
  /** One sentence naming the credentials, each missing privilege, the action refused and why; '' if none. */
  message: string;
}

/**
 * Up to `max` of `names`, evenly spread, first and last included. Privileges are granted by name
 * patterns, so a few of a data stream's backing indices speak for all of them, and a check of thousands
 * stays one small request.
 */
export function sampleNames(names: readonly string[], max: number): string[] {
  if (names.length <= max) return [...names];
  if (max <= 1) return names.slice(0, max);
  const step = (names.length - 1) / (max - 1);
  return [...new Set(Array.from({ length: max }, (_, i) => names[Math.round(i * step)]))];
}

/** Backing indices whose new names a privilege check asks about, per data stream (`sampleNames`). */
export const PRIVILEGE_SAMPLE_PER_DATA_STREAM = 20;

const MAX_NAMES_SHOWN = 3;

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
