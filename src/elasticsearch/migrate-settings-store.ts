import type { Client } from '@elastic/elasticsearch';
import {
  effectiveMigrateSettings,
  type FlatSettings,
  type MigrateSettings,
} from '../shared/migrate-settings';

/**
 * The two `migrate.*` settings live where Elasticsearch keeps them: in the cluster's persistent and
 * transient settings. Elasticsearch 8.18+ registers them, so `PUT /_cluster/settings` on the cluster and
 * on ds-reindex's HTTP API are one and the same, and they survive anything the cluster survives.
 */
export async function readMigrateSettings(es: Client): Promise<MigrateSettings> {
  const response = await es.cluster.getSettings({ flat_settings: true });
  return effectiveMigrateSettings(
    (response.persistent ?? {}) as FlatSettings,
    (response.transient ?? {}) as FlatSettings,
  );
}
