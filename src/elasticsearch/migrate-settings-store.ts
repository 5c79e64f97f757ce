import type { Client } from '@elastic/elasticsearch';
import {
  DEFAULT_MIGRATE_SETTINGS,
  effectiveMigrateSettings,
  MIGRATE_SETTING_NAMES,
  type FlatSettings,
  type MigrateSettings,
} from '../shared/migrate-settings';

/** Said once per client, on the first read from a cluster without the settings. */
export const UNREGISTERED_MIGRATE_SETTINGS_WARNING =
  'this Elasticsearch cluster does not register the migrate.* cluster settings (it is older than 8.18, ' +
  "or runs without x-pack's migrate plugin): ds-reindex uses Elasticsearch's defaults, " +
  `${DEFAULT_MIGRATE_SETTINGS.maxConcurrentIndices} backing index at a time and ` +
  `${DEFAULT_MIGRATE_SETTINGS.maxRequestsPerSecond} documents per second, and the cluster refuses changes to them`;

const warned = new WeakSet<Client>();

/**
 * The connection pools (a worker's or the service's client, shared by the clients derived from it for
 * each workflow execution) of clusters known to register the settings. Registration never goes away, so
 * later reads leave out `include_defaults`, which renders every default setting of the cluster: about
 * 5 ms of the node's CPU per read on the real node, and a copy reads the settings several times.
 */
const registeredOn = new WeakSet<Client['connectionPool']>();

/** Where the warning goes by default: the process's warnings, which Node prints to stderr once. */
function processWarning(message: string): void {
  process.emitWarning(message, 'DsReindexWarning');
}

/**
 * The two `migrate.*` settings live where Elasticsearch keeps them: in the cluster's persistent and
 * transient settings. Elasticsearch 8.18+ registers them, so `PUT /_cluster/settings` on the cluster and
 * on ds-reindex's HTTP API are one and the same, and they survive anything the cluster survives.
 *
 * A cluster that does not register them (older than 8.18) holds no values for them: the upgrade runs
 * with Elasticsearch's defaults, and the first read warns once, so an operator knows why the throttle
 * cannot be changed there. Registration shows in `include_defaults`, read in the same request until the
 * cluster is known to register them.
 */
export async function readMigrateSettings(
  es: Client,
  warn: (message: string) => void = processWarning,
): Promise<MigrateSettings> {
  const known = registeredOn.has(es.connectionPool);
  const response = await es.cluster.getSettings({
    flat_settings: true,
    ...(known ? {} : { include_defaults: true }),
    filter_path: ['persistent.migrate*', 'transient.migrate*', ...(known ? [] : ['defaults.migrate*'])],
  });
  const persistent = (response.persistent ?? {}) as FlatSettings;
  const transient = (response.transient ?? {}) as FlatSettings;
  const defaults = (response.defaults ?? {}) as FlatSettings;
  const registered =
    known ||
    MIGRATE_SETTING_NAMES.every((name) => name in persistent || name in transient || name in defaults);
  if (registered) registeredOn.add(es.connectionPool);
  if (!registered && !warned.has(es)) {
    warned.add(es);
    warn(UNREGISTERED_MIGRATE_SETTINGS_WARNING);
  }
  return effectiveMigrateSettings(persistent, transient);
}
