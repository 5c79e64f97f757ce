import type { Client } from '@elastic/elasticsearch';
import {
  MAX_CONCURRENT_INDICES_SETTING,
  MAX_REQUESTS_PER_SECOND_SETTING,
} from '../../src/shared/migrate-settings';

/** Sets the two migrate settings on the cluster, as an operator would with `PUT /_cluster/settings`. */
export async function setMigrateSettings(
  es: Client,
  settings: { maxRequestsPerSecond?: number | null; maxConcurrentIndices?: number | null },
): Promise<void> {
  const persistent: Record<string, number | null> = {};
  if (settings.maxRequestsPerSecond !== undefined)
    persistent[MAX_REQUESTS_PER_SECOND_SETTING] = settings.maxRequestsPerSecond;
  if (settings.maxConcurrentIndices !== undefined)
    persistent[MAX_CONCURRENT_INDICES_SETTING] = settings.maxConcurrentIndices;
  await es.cluster.putSettings({ persistent });
}

export async function resetMigrateSettings(es: Client): Promise<void> {
  await setMigrateSettings(es, { maxRequestsPerSecond: null, maxConcurrentIndices: null });
}
