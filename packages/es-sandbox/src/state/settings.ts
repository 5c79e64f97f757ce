import { illegalArgument, validationFailed } from '../http/errors';
import { isObject, text, type Json, type JsonObject } from '../http/json';

/** Settings as ES keeps them: flat keys, string values. `null` means "reset to default". */
export type FlatSettings = Record<string, string>;
export type SettingsPatch = Record<string, string | null>;

function stringify(value: Json): string | null {
  if (value === null) return null;
  if (Array.isArray(value)) return value.map((v) => text(v)).join(',');
  return text(value);
}

/** Flattens `{index:{blocks:{write:true}}}` and `{"index.blocks.write":"true"}` alike. */
export function flattenSettings(input: JsonObject, prefix = ''): SettingsPatch {
  const out: SettingsPatch = {};
  for (const [key, value] of Object.entries(input)) {
    const full = prefix === '' ? key : `${prefix}.${key}`;
    if (isObject(value)) Object.assign(out, flattenSettings(value, full));
    else out[full] = stringify(value);
  }
  return out;
}

/** Index settings given without the `index.` prefix get it, as ES normalises them. */
export function normalizeIndexSettings(input: JsonObject): SettingsPatch {
  const out: SettingsPatch = {};
  for (const [key, value] of Object.entries(flattenSettings(input))) {
    out[key.startsWith('index.') ? key : `index.${key}`] = value;
  }
  return out;
}

/** Flat keys back to ES's default nested rendering. */
export function nestSettings(flat: Record<string, string>): JsonObject {
  const root: JsonObject = {};
  for (const key of Object.keys(flat).sort()) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (!isObject(next)) node[part] = {};
      node = node[part] as JsonObject;
    }
    node[parts[parts.length - 1]] = flat[key];
  }
  return root;
}

/**
 * Managed by ES itself and registered as private: the API refuses them ("can not update private
 * setting", or a validation error on create). ES's other generated settings (`index.uuid`,
 * `index.creation_date`, `index.provided_name`, `index.history.uuid`) are not registered for the API
 * at all, so they fall through to "unknown setting", as on a real 8.19 node.
 */
const PRIVATE_SETTINGS = new Set(['index.version.created', 'index.version.compatibility']);

/** Fixed at creation. */
const FINAL_SETTINGS = new Set(['index.number_of_shards']);

const STATIC_PREFIXES = [
  'index.codec',
  // Final in ES, yet a closed index takes an update of it (seen on 8.19.21).
  'index.number_of_routing_shards',
  'index.mode',
  'index.sort.',
  'index.routing_partition_size',
  'index.soft_deletes.',
  'index.store.',
  'index.analysis.',
  'index.time_series.',
  'index.shard.check_on_startup',
  'index.load_fixed_bitset_filters_eagerly',
  'index.verified_before_close',
  'index.resize.',
  'index.format',
  'index.hidden_creation',
];

const DYNAMIC_PREFIXES = [
  'index.number_of_replicas',
  'index.auto_expand_replicas',
  'index.refresh_interval',
  'index.blocks.',
  'index.lifecycle.',
  'index.hidden',
  'index.max_',
  'index.routing.',
  'index.priority',
  'index.default_pipeline',
  'index.final_pipeline',
  'index.translog.',
  'index.merge.',
  'index.search.',
  'index.indexing.',
  'index.query.',
  'index.mapping.',
  'index.unassigned.',
  'index.write.',
  'index.requests.',
  'index.gc_deletes',
  'index.verified_read_only',
  'index.frozen',
  'index.time_series.end_time',
  'index.similarity.',
  'index.highlight.',
  'index.look_ahead_time',
  'index.dense_vector.',
  'index.downsample.',
  'index.fast_refresh',
];

export type SettingKind = 'private' | 'final' | 'static' | 'dynamic' | 'unknown';

export function settingKind(key: string): SettingKind {
  if (PRIVATE_SETTINGS.has(key)) return 'private';
  if (FINAL_SETTINGS.has(key)) return 'final';
  if (STATIC_PREFIXES.some((p) => key === p || key.startsWith(p))) return 'static';
  if (DYNAMIC_PREFIXES.some((p) => key === p || key.startsWith(p))) return 'dynamic';
  return 'unknown';
}

export function unknownSettingError(key: string): Error {
  return illegalArgument(
    `unknown setting [${key}] please check that any required plugins are installed, or check the breaking changes documentation for removed settings`,
  );
}

/**
 * Validates settings given at index creation, in ES's order: an unknown setting is an
 * `illegal_argument_exception`; then the private ones, together, are a `validation_exception`.
 */
export function validateCreateSettings(patch: SettingsPatch): void {
  const keys = Object.keys(patch);
  for (const key of keys) if (settingKind(key) === 'unknown') throw unknownSettingError(key);
  const privateKeys = keys.filter((key) => settingKind(key) === 'private');
  if (privateKeys.length > 0)
    throw validationFailed(
      privateKeys.map((key) => `private index setting [${key}] can not be set explicitly`),
    );
  const shards = patch['index.number_of_shards'];
  if (shards !== undefined && shards !== null && !(Number(shards) >= 1)) {
    throw illegalArgument(
      `Failed to parse value [${shards}] for setting [index.number_of_shards] must be >= 1`,
    );
  }
  const replicas = patch['index.number_of_replicas'];
  if (replicas !== undefined && replicas !== null && !(Number(replicas) >= 0)) {
    throw illegalArgument(
      `Failed to parse value [${replicas}] for setting [index.number_of_replicas] must be >= 0`,
    );
  }
}

export function applyPatch(target: FlatSettings, patch: SettingsPatch): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else target[key] = value;
  }
}

/** The defaults `include_defaults` shows for the settings this project reads. */
export const INDEX_SETTING_DEFAULTS: FlatSettings = {
  'index.refresh_interval': '1s',
  'index.number_of_replicas': '1',
  'index.number_of_shards': '1',
  'index.hidden': 'false',
  'index.blocks.write': 'false',
  'index.blocks.read_only': 'false',
  'index.blocks.read_only_allow_delete': 'false',
  'index.blocks.read': 'false',
  'index.blocks.metadata': 'false',
  'index.lifecycle.name': '',
  'index.lifecycle.origination_date': '-1',
  'index.max_result_window': '10000',
  'index.verified_read_only': 'false',
  'index.default_pipeline': '_none',
  'index.final_pipeline': '_none',
  'index.auto_expand_replicas': 'false',
};
