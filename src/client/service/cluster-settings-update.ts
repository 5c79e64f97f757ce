import type { Client } from '@elastic/elasticsearch';
import { ElasticsearchApiError } from './api-error';
import type { ReindexService } from './reindex-service';
import { readMigrateSettings } from '../../elasticsearch/migrate-settings-store';
import {
  InvalidSettingError,
  isMigrateSettingName,
  MAX_CONCURRENT_INDICES_SETTING,
  parseMigrateSetting,
} from '../../shared/migrate-settings';

/** The body of `PUT /_cluster/settings`: both sections optional, nested or flat keys. */
export interface ClusterSettingsUpdate {
  persistent?: Record<string, unknown>;
  transient?: Record<string, unknown>;
}

const SECTIONS = ['persistent', 'transient'] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{"migrate": {"x": 1}}` and `{"migrate.x": 1}` are the same setting to Elasticsearch. */
export function flattenSettings(settings: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (isPlainObject(value)) Object.assign(flat, flattenSettings(value, name));
    else flat[name] = value;
  }
  return flat;
}

/**
 * Validates the two `migrate.*` settings with Elasticsearch's messages before anything reaches the
 * cluster, so a bad value is refused the same way whether or not the cluster registers the setting.
 * `null` resets a setting and is always valid. Other settings are the cluster's to judge.
 */
export function validateMigrateSettings(update: ClusterSettingsUpdate): void {
  for (const section of SECTIONS) {
    const settings = update[section];
    if (settings === undefined) continue;
    for (const [name, value] of Object.entries(flattenSettings(settings))) {
      if (!isMigrateSettingName(name) || value === null) continue;
      try {
        parseMigrateSetting(name, value);
      } catch (err) {
        if (err instanceof InvalidSettingError) {
          throw new ElasticsearchApiError(400, 'illegal_argument_exception', err.message);
        }
        throw err;
      }
    }
  }
}

function touchesConcurrency(update: ClusterSettingsUpdate): boolean {
  return SECTIONS.some(
    (section) =>
      update[section] !== undefined && MAX_CONCURRENT_INDICES_SETTING in flattenSettings(update[section]),
  );
}

/**
 * `PUT /_cluster/settings`: validate, write to the cluster as the caller (the settings live there), then tell running upgrades the effective concurrency so they adapt at once. Answers the
 * cluster's own `{acknowledged, persistent, transient}`.
 */
export async function updateClusterSettings(
  es: Client,
  service: ReindexService,
  update: ClusterSettingsUpdate,
  flatSettings = false,
): Promise<unknown> {
  validateMigrateSettings(update);
  const response = await es.cluster.putSettings({
    persistent: update.persistent ?? {},
    transient: update.transient ?? {},
    flat_settings: flatSettings,
  });
  if (touchesConcurrency(update)) {
    // The effective value (transient over persistent over default) is what a running upgrade must use.
    const effective = await readMigrateSettings(es);
    await service.notifyMaxConcurrentIndices(effective.maxConcurrentIndices);
  }
  return response;
}
