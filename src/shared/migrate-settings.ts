/** Elasticsearch's names for the two dynamic cluster settings of the migrate plugin. */
export const MAX_CONCURRENT_INDICES_SETTING = 'migrate.max_concurrent_indices_reindexed_per_data_stream';
export const MAX_REQUESTS_PER_SECOND_SETTING = 'migrate.data_stream_reindex_max_request_per_second';

export const MIGRATE_SETTING_NAMES = [
  MAX_CONCURRENT_INDICES_SETTING,
  MAX_REQUESTS_PER_SECOND_SETTING,
] as const;
export type MigrateSettingName = (typeof MIGRATE_SETTING_NAMES)[number];

/** The effective values, after transient over persistent over default. */
export interface MigrateSettings {
  /** Backing indices copied at once per data stream, at least 1. */
  maxConcurrentIndices: number;
  /** Documents per second for each copy; `-1` means unthrottled. */
  maxRequestsPerSecond: number;
}

/** Elasticsearch's defaults: one index at a time per data stream, 1,000 documents per second. */
export const DEFAULT_MIGRATE_SETTINGS: MigrateSettings = {
  maxConcurrentIndices: 1,
  maxRequestsPerSecond: 1000,
};

/** A refused setting value, with Elasticsearch's exact reason (an `illegal_argument_exception`). */
export class InvalidSettingError extends Error {
  override readonly name = 'InvalidSettingError';
}

function rawText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Parses and validates one setting value as Elasticsearch does; throws `InvalidSettingError`. */
export function parseMigrateSetting(name: MigrateSettingName, value: unknown): number {
  const text = rawText(value);
  const parsed =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(parsed) || (typeof value === 'string' && value.trim() === '')) {
    throw new InvalidSettingError(`Failed to parse value [${text}] for setting [${name}]`);
  }
  if (name === MAX_CONCURRENT_INDICES_SETTING) {
    if (!Number.isInteger(parsed))
      throw new InvalidSettingError(`Failed to parse value [${text}] for setting [${name}]`);
    if (parsed < 1)
      throw new InvalidSettingError(`Failed to parse value [${text}] for setting [${name}] must be >= 1`);
    return parsed;
  }
  if (parsed !== -1 && parsed <= 0) {
    throw new InvalidSettingError(
      `Failed to parse value [${text}] for setting [${name}] must be greater than 0 or -1 for infinite`,
    );
  }
  return parsed;
}

export function isMigrateSettingName(name: string): name is MigrateSettingName {
  return (MIGRATE_SETTING_NAMES as readonly string[]).includes(name);
}

/** Flat setting values as Elasticsearch returns them (`flat_settings=true`); strings or absent. */
export type FlatSettings = Readonly<Record<string, unknown>>;

/** Effective settings from a cluster's persistent and transient flat settings (transient wins). */
export function effectiveMigrateSettings(persistent: FlatSettings, transient: FlatSettings): MigrateSettings {
  const pick = (name: MigrateSettingName, fallback: number): number => {
    const value = transient[name] ?? persistent[name];
    return value === undefined || value === null ? fallback : parseMigrateSetting(name, value);
  };
  return {
    maxConcurrentIndices: pick(MAX_CONCURRENT_INDICES_SETTING, DEFAULT_MIGRATE_SETTINGS.maxConcurrentIndices),
    maxRequestsPerSecond: pick(
      MAX_REQUESTS_PER_SECOND_SETTING,
      DEFAULT_MIGRATE_SETTINGS.maxRequestsPerSecond,
    ),
  };
}
