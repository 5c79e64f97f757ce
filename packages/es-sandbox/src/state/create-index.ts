import { EsError, resourceAlreadyExists } from '../http/errors';
import { isObject, type JsonObject } from '../http/request';
import { SANDBOX_IDENTITY } from '../version';
import { aliasExists } from './aliases';
import { randomUuid, type ClusterState, type IndexTemplate } from './cluster-state';
import { IndexStore } from './index-store';
import { applyPatch, normalizeIndexSettings, type FlatSettings, type SettingsPatch } from './settings';
import { wildcardToRegExp } from './resolve';

export interface CreateIndexOptions {
  settings?: SettingsPatch;
  mappings?: JsonObject;
  /** Only seeding sets these: through the API they are private settings. */
  versionCreated?: number;
  creationDateMs?: number;
  /** Skip template settings (the request or the data stream already applied them). */
  skipTemplates?: boolean;
}

const INVALID_CHARS = ['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',', '#', ':'];

export function validateIndexName(name: string): void {
  const invalid = (why: string): EsError =>
    new EsError(400, 'invalid_index_name_exception', `Invalid index name [${name}], ${why}`, {
      index_uuid: '_na_',
      index: name,
    });
  if (name !== name.toLowerCase()) throw invalid('must be lowercase');
  if (/^[_\-+]/.test(name)) throw invalid("must not start with '_', '-', or '+'");
  const bad = INVALID_CHARS.find((c) => name.includes(c));
  if (bad !== undefined)
    throw invalid(`must not contain the following characters [${INVALID_CHARS.join(', ')}]`);
  if (name === '.' || name === '..') throw invalid("must not be '.' or '..'");
}

/** The composable template ES would pick for a name: highest priority among those matching. */
export function findTemplate(state: ClusterState, name: string): IndexTemplate | undefined {
  let best: IndexTemplate | undefined;
  for (const t of state.templates.values()) {
    if (!t.indexPatterns.some((p) => wildcardToRegExp(p).test(name))) continue;
    if (!best || t.priority > best.priority) best = t;
  }
  return best;
}

export function templateSettings(t: IndexTemplate): SettingsPatch {
  const settings = t.template.settings;
  return isObject(settings) ? normalizeIndexSettings(settings) : {};
}

export function templateMappings(t: IndexTemplate): JsonObject {
  const mappings = t.template.mappings;
  return isObject(mappings) ? structuredClone<JsonObject>(mappings) : {};
}

/** Creates a concrete index with ES's generated settings; throws ES's error if the name is taken. */
export function createIndex(state: ClusterState, name: string, opts: CreateIndexOptions = {}): IndexStore {
  validateIndexName(name);
  const existing = state.indices.get(name);
  if (existing) {
    throw resourceAlreadyExists(`index [${name}/${existing.uuid}] already exists`, {
      index_uuid: existing.uuid,
      index: name,
    });
  }
  if (state.dataStreams.has(name)) {
    throw resourceAlreadyExists(`data stream [${name}] already exists`);
  }
  if (aliasExists(state, name)) {
    throw new EsError(
      400,
      'invalid_index_name_exception',
      `Invalid index name [${name}], already exists as alias`,
      {
        index_uuid: '_na_',
        index: name,
      },
    );
  }
  const uuid = randomUuid();
  const settings: FlatSettings = {
    'index.number_of_shards': '1',
    'index.number_of_replicas': '1',
  };
  let mappings: JsonObject = opts.mappings ? structuredClone<JsonObject>(opts.mappings) : {};
  if (!opts.skipTemplates) {
    const template = findTemplate(state, name);
    if (template && !template.dataStream) {
      applyPatch(settings, templateSettings(template));
      if (!opts.mappings) mappings = templateMappings(template);
    }
  }
  applyPatch(settings, opts.settings ?? {});
  settings['index.uuid'] = uuid;
  settings['index.provided_name'] = name;
  settings['index.creation_date'] = String(opts.creationDateMs ?? Date.now());
  settings['index.version.created'] = String(opts.versionCreated ?? SANDBOX_IDENTITY.INDEX_VERSION_CURRENT);
  if (settings['index.routing.allocation.include._tier_preference'] === undefined) {
    settings['index.routing.allocation.include._tier_preference'] = 'data_content';
  }
  const index = new IndexStore(name, uuid, settings, mappings);
  state.indices.set(name, index);
  state.changed();
  return index;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `.ds-<name>-<yyyy.MM.dd>-<6-digit generation>`, dated in UTC like ES. */
export function backingIndexName(dataStream: string, generation: number, epochMs: number): string {
  const d = new Date(epochMs);
  const date = `${d.getUTCFullYear()}.${pad(d.getUTCMonth() + 1, 2)}.${pad(d.getUTCDate(), 2)}`;
  return `.ds-${dataStream}-${date}-${pad(generation, 6)}`;
}

/** Mappings every backing index gets: the template's plus ES's timestamp meta-field. */
export function backingIndexMappings(template: IndexTemplate): JsonObject {
  const mappings = templateMappings(template);
  const properties = isObject(mappings.properties) ? mappings.properties : {};
  if (!isObject(properties['@timestamp'])) properties['@timestamp'] = { type: 'date' };
  return { _data_stream_timestamp: { enabled: true }, ...mappings, properties };
}

/** Creates the next backing index of a data stream (used by create, rollover and seeding). */
export function createBackingIndex(
  state: ClusterState,
  dataStream: string,
  generation: number,
  template: IndexTemplate,
  opts: CreateIndexOptions = {},
): IndexStore {
  const now = opts.creationDateMs ?? Date.now();
  let name = backingIndexName(dataStream, generation, now);
  while (state.indices.has(name)) name = backingIndexName(dataStream, ++generation, now);
  const settings: SettingsPatch = {
    ...templateSettings(template),
    'index.hidden': 'true',
    ...(opts.settings ?? {}),
  };
  return createIndex(state, name, {
    ...opts,
    settings,
    mappings: opts.mappings ?? backingIndexMappings(template),
    skipTemplates: true,
  });
}
