import type { Client } from '@elastic/elasticsearch';
import type { FlatSettings } from '../shared/migrate-settings';
import {
  invalidVerifyModeReason,
  parseVerifyMode,
  VERIFY_MODE_SETTING,
  type VerifyMode,
} from '../shared/verify-mode';

/** The cluster's value of `cluster.metadata.ds_reindex.verify` is not a mode. */
export class InvalidVerifyModeSettingError extends Error {
  override readonly name = 'InvalidVerifyModeSettingError';
}

/**
 * The cluster-level default verification, transient over persistent, as for every cluster setting;
 * undefined when the cluster sets none. Kept on the cluster, like the two `migrate.*` settings, so every
 * API, CLI and cluster run that starts an upgrade there agrees on it.
 */
export async function readVerifyModeSetting(es: Client): Promise<VerifyMode | undefined> {
  const response = await es.cluster.getSettings({
    flat_settings: true,
    // Not the setting's own path: a filter splits it at its dots, and flat keys hold them.
    filter_path: ['persistent', 'transient'],
  });
  const persistent = (response.persistent ?? {}) as FlatSettings;
  const transient = (response.transient ?? {}) as FlatSettings;
  const value = transient[VERIFY_MODE_SETTING] ?? persistent[VERIFY_MODE_SETTING];
  if (value === undefined || value === null) return undefined;
  const mode = parseVerifyMode(value);
  if (mode === undefined)
    throw new InvalidVerifyModeSettingError(invalidVerifyModeReason(VERIFY_MODE_SETTING, value));
  return mode;
}
