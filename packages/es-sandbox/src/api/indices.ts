import { dataStreamExcluded, EsError, illegalArgument, indexClosed } from '../http/errors';
import {
  isObject,
  jsonBody,
  ok,
  queryBool,
  type JsonObject,
  type SandboxRequest,
  type SandboxResponse,
} from '../http/request';
import type { Router } from '../http/router';
import { aliasExists, aliasMetaOf, aliasView, validateAliasName } from '../state/aliases';
import { API_BLOCKS, checkBlock } from '../state/blocks';
import type { ClusterState } from '../state/cluster-state';
import { createIndex } from '../state/create-index';
import type { IndexStore } from '../state/index-store';
import { requireExplicitNames, resolveIndices, resolveOptions } from '../state/resolve';
import {
  INDEX_SETTING_DEFAULTS,
  applyPatch,
  nestSettings,
  normalizeIndexSettings,
  settingKind,
  unknownSettingError,
  validateCreateSettings,
  type FlatSettings,
} from '../state/settings';

const shards = (indices: IndexStore[]): JsonObject => {
  const total = indices.reduce((n, i) => n + i.shards() * (1 + i.replicas()), 0);
  const primaries = indices.reduce((n, i) => n + i.shards(), 0);
  return { total, successful: primaries, failed: 0 };
};

/** The indices a `/{index}/...` read names, closed ones included, with the request's index options. */
function requestedIndices(state: ClusterState, req: SandboxRequest): IndexStore[] {
  return resolveIndices(state, req.params.index ?? '', resolveOptions(req, { expandClosed: true }));
}

function renderSettings(settings: FlatSettings, flat: boolean): JsonObject {
  return flat ? { ...settings } : nestSettings(settings);
}

function defaultsFor(index: IndexStore): FlatSettings {
  const out: FlatSettings = {};
  for (const [k, v] of Object.entries(INDEX_SETTING_DEFAULTS))
    if (index.settings[k] === undefined) out[k] = v;
  return out;
}

function settingsBody(req: SandboxRequest, index: IndexStore): JsonObject {
  const flat = queryBool(req, 'flat_settings', false);
  const body: JsonObject = { settings: renderSettings(index.settings, flat) };
  if (queryBool(req, 'include_defaults', false)) body.defaults = renderSettings(defaultsFor(index), flat);
  return body;
}

function createIndexHandler(state: ClusterState, req: SandboxRequest): SandboxResponse {
  const name = req.params.index ?? '';
  const body = jsonBody(req) ?? {};
  const settings = isObject(body.settings) ? normalizeIndexSettings(body.settings) : {};
  validateCreateSettings(settings);
  const mappings = isObject(body.mappings) ? body.mappings : undefined;
  const aliases = isObject(body.aliases) ? Object.entries(body.aliases) : [];
  for (const [alias] of aliases) validateAliasName(state, alias, name);
  const index = createIndex(state, name, {
    settings: Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== null)),
    mappings,
  });
  for (const [alias, options] of aliases) {
    index.aliases.set(alias, aliasMetaOf(isObject(options) ? options : {}));
  }
  if (aliases.length > 0) state.changed();
  return ok({ acknowledged: true, shards_acknowledged: true, index: name });
}

function deleteIndexHandler(state: ClusterState, req: SandboxRequest): SandboxResponse {
  const expression = req.params.index ?? '';
  requireExplicitNames(expression);
  // The delete-index API resolves names without data streams: a data stream's name is "no such index"
  // (marked `excluded_ds`), or skipped with ignore_unavailable. It never deletes the data stream.
  const options = resolveOptions(req, { expandClosed: true, includeDataStreams: false });
  const parts = expression.split(',').filter((part) => {
    // An index is deleted by its own name only, never through an alias (ES 8 refuses, whatever the options).
    if (!state.indices.has(part) && aliasExists(state, part)) {
      if (options.ignoreUnavailable) return false;
      throw illegalArgument(
        `The provided expression [${part}] matches an alias, specify the corresponding concrete indices instead.`,
      );
    }
    if (!state.dataStreams.has(part)) return true;
    if (options.ignoreUnavailable) return false;
    throw dataStreamExcluded(part);
  });
  const targets = parts.length === 0 ? [] : resolveIndices(state, parts.join(','), options);
  for (const index of targets) {
    const ds = state.dataStreamOf(index.name);
    if (ds && ds.indices[ds.indices.length - 1] === index.name) {
      throw illegalArgument(
        `index [${index.name}] is the write index for data stream [${ds.name}] and cannot be deleted`,
      );
    }
    // read_only_allow_delete exists precisely to let deletes through; the other metadata blocks do not.
    const settings = { ...index.settings, 'index.blocks.read_only_allow_delete': 'false' };
    checkBlock(index.name, settings, 'metadata_write');
  }
  for (const index of targets) {
    const ds = state.dataStreamOf(index.name);
    if (ds) {
      ds.indices = ds.indices.filter((n) => n !== index.name);
      state.dataStreams.indexRemoved(ds, index.name);
    }
    state.indices.delete(index.name);
  }
  state.changed();
  return ok({ acknowledged: true });
}

/** Settings ES lets through even when a metadata/read-only block is in place: the blocks themselves. */
const onlyBlockSettings = (keys: string[]): boolean => keys.every((k) => k.startsWith('index.blocks.'));

/**
 * Lifting a write-blocking block through the settings API (`index.blocks.write` or `index.blocks.read_only`
 * set to false or null) also drops `index.verified_read_only`, as a real 8.19.21 does; other updates keep it.
 */
function liftsWriteBlock(patch: Record<string, unknown>): boolean {
  return ['index.blocks.write', 'index.blocks.read_only'].some(
    (key) => key in patch && patch[key] !== 'true' && patch[key] !== true,
  );
}

function putSettingsHandler(state: ClusterState, req: SandboxRequest): SandboxResponse {
  const body = jsonBody(req, true) as JsonObject;
  const raw = isObject(body.settings) ? body.settings : body;
  const patch = normalizeIndexSettings(raw);
  const keys = Object.keys(patch);
  if (keys.length === 0)
    throw new EsError(
      400,
      'action_request_validation_exception',
      'Validation Failed: 1: no settings to update;',
    );
  const targets = resolveIndices(
    state,
    req.params.index ?? '_all',
    resolveOptions(req, { expandClosed: true }),
  );
  const preserveExisting = queryBool(req, 'preserve_existing', false);
  for (const key of keys) {
    const kind = settingKind(key);
    if (kind === 'private')
      throw illegalArgument(
        `can not update private setting [${key}]; this setting is managed by Elasticsearch`,
      );
    if (kind === 'unknown') throw unknownSettingError(key);
  }
  // Static and final settings are both "non dynamic": open indices refuse them unless `reopen=true`
  // (ES then closes, updates and reopens them); only then is a final one refused, per index.
  const nonDynamicKeys = keys.filter((k) => ['static', 'final'].includes(settingKind(k)));
  const openTargets = targets.filter((i) => i.state === 'open');
  if (nonDynamicKeys.length > 0 && openTargets.length > 0 && !queryBool(req, 'reopen', false)) {
    throw illegalArgument(
      `Can't update non dynamic settings [[${nonDynamicKeys.join(', ')}]] for open indices [${openTargets.map((i) => `[${i.name}/${i.uuid}]`).join(', ')}] unless the \`reopen\` query parameter is set to true. Alternatively, close the indices, apply the settings changes, and reopen the indices`,
    );
  }
  const finalKey = keys.find((k) => settingKind(k) === 'final');
  if (finalKey !== undefined && targets[0] !== undefined)
    throw illegalArgument(`final ${targets[0].name} setting [${finalKey}], not updateable`);
  if (!onlyBlockSettings(keys)) {
    for (const index of targets) checkBlock(index.name, index.settings, 'metadata_write');
  }
  for (const index of targets) {
    if (preserveExisting) {
      const filtered = Object.fromEntries(
        Object.entries(patch).filter(([k]) => index.settings[k] === undefined),
      );
      applyPatch(index.settings, filtered);
    } else {
      applyPatch(index.settings, patch);
    }
    if (liftsWriteBlock(patch)) delete index.settings['index.verified_read_only'];
  }
  state.changed();
  return ok({ acknowledged: true });
}

function openClose(state: ClusterState, req: SandboxRequest, open: boolean): SandboxResponse {
  const expression = req.params.index ?? '';
  const targets = resolveIndices(
    state,
    expression,
    resolveOptions(req, open ? { expandClosed: true, expandOpen: true } : { expandClosed: false }),
  );
  // A data stream's write index may be closed (ES allows it since 7.12.1); writes to it then fail.
  for (const index of targets) checkBlock(index.name, index.settings, 'metadata_write');
  const result: JsonObject = {};
  for (const index of targets) {
    if (!open) index.refresh();
    index.state = open ? 'open' : 'close';
    if (open) index.refresh();
    result[index.name] = { closed: true };
  }
  state.changed();
  return open
    ? ok({ acknowledged: true, shards_acknowledged: true })
    : ok({ acknowledged: true, shards_acknowledged: true, indices: result });
}

/** ES refuses to block the write index of a data stream (closing it is allowed). */
function dataStreamWriteIndices(state: ClusterState, targets: IndexStore[]): string[] {
  return targets
    .filter((index) => {
      const ds = state.dataStreamOf(index.name);
      return ds !== undefined && ds.indices[ds.indices.length - 1] === index.name;
    })
    .map((index) => index.name);
}

function readable(index: IndexStore): IndexStore {
  if (index.state === 'close') throw indexClosed(index.name, index.uuid);
  checkBlock(index.name, index.settings, 'read');
  return index;
}

/** Indices a search-like read sees: closed ones named explicitly fail, like ES. */
export function readTargets(state: ClusterState, req: SandboxRequest, expression: string): IndexStore[] {
  const now = Date.now();
  const targets = resolveIndices(state, expression, resolveOptions(req));
  for (const index of targets) {
    readable(index);
    index.maybeScheduledRefresh(now);
  }
  return targets;
}

/** The index stats sections the sandbox keeps, by the metric name `/_stats/<metric>` asks for. */
const STATS_METRICS = ['docs', 'store', 'indexing'] as const;

/** `/_stats/<metric>`: the sections asked for (a comma-separated list, or `_all`); every one without it. */
function statsMetrics(metric: string | undefined): ReadonlySet<string> {
  const asked = (metric ?? '_all').split(',');
  return new Set(asked.includes('_all') ? STATS_METRICS : asked);
}

function stats(state: ClusterState, req: SandboxRequest): SandboxResponse {
  const targets = readTargets(state, req, req.params.index ?? '_all');
  const metrics = statsMetrics(req.params.metric);
  const sum = (indices: IndexStore[]): JsonObject => {
    const docs = indices.reduce((n, i) => n + i.searchable.size, 0);
    const bytes = indices.reduce((n, i) => n + i.searchableBytes, 0);
    const sections: JsonObject = {
      docs: { count: docs, deleted: 0 },
      store: { size_in_bytes: bytes, total_data_set_size_in_bytes: bytes, reserved_in_bytes: 0 },
      indexing: {
        index_total: indices.reduce((n, i) => n + i.indexing.total, 0),
        index_failed: indices.reduce((n, i) => n + i.indexing.failed, 0),
      },
    };
    return Object.fromEntries(Object.entries(sections).filter(([name]) => metrics.has(name)));
  };
  const perIndex: JsonObject = {};
  for (const index of targets) {
    perIndex[index.name] = {
      uuid: index.uuid,
      health: index.replicas() > 0 ? 'yellow' : 'green',
      status: 'open',
      primaries: sum([index]),
      total: sum([index]),
    };
  }
  return ok({
    _shards: shards(targets),
    _all: { primaries: sum(targets), total: sum(targets) },
    indices: perIndex,
  });
}

function humanBytes(bytes: number): string {
  const units = ['b', 'kb', 'mb', 'gb', 'tb'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value}b` : `${Number(value.toFixed(1))}${units[unit]}`;
}

/** The short column names `_cat/indices?h=` accepts besides the full ones. */
const CAT_ALIASES: Record<string, string> = {
  h: 'health',
  s: 'status',
  i: 'index',
  idx: 'index',
  id: 'uuid',
  p: 'pri',
  r: 'rep',
  dc: 'docs.count',
  dd: 'docs.deleted',
  ss: 'store.size',
};

function catIndices(state: ClusterState, req: SandboxRequest): SandboxResponse {
  const expression = req.params.index ?? '*';
  const targets = resolveIndices(
    state,
    expression,
    resolveOptions(req, { expandClosed: true, expandHidden: true }),
  );
  const now = Date.now();
  const inBytes = req.query.get('bytes') === 'b';
  const rows = targets.map((index) => {
    index.maybeScheduledRefresh(now);
    const closed = index.state === 'close';
    const size = inBytes ? String(index.searchableBytes) : humanBytes(index.searchableBytes);
    return {
      health: index.replicas() > 0 ? 'yellow' : 'green',
      status: closed ? 'close' : 'open',
      index: index.name,
      uuid: index.uuid,
      pri: String(index.shards()),
      rep: String(index.replicas()),
      'docs.count': closed ? null : String(index.searchable.size),
      'docs.deleted': closed ? null : '0',
      'store.size': closed ? null : size,
      'pri.store.size': closed ? null : size,
      'dataset.size': closed ? null : size,
    };
  });
  const columns = req.query.get('h');
  const picked: JsonObject[] = columns
    ? rows.map((row) => {
        const out: JsonObject = {};
        for (const raw of columns.split(',')) {
          const name = CAT_ALIASES[raw.trim()] ?? raw.trim();
          if (name in row) out[name] = row[name as keyof typeof row];
        }
        return out;
      })
    : rows;
  if (req.query.get('format') === 'json') return ok(picked);
  const text =
    rows
      .map((r) =>
        Object.values(r)
          .map((v) => v ?? '')
          .join(' '),
      )
      .join('\n') + (rows.length ? '\n' : '');
  return { status: 200, text };
}

export function registerIndices(router: Router, state: ClusterState): void {
  router
    .add('PUT', '/{index}', (req) => createIndexHandler(state, req))
    .add('DELETE', '/{index}', (req) => deleteIndexHandler(state, req))
    .add('HEAD', '/{index}', (req) => {
      const found = resolveIndices(
        state,
        req.params.index ?? '',
        resolveOptions(req, { expandClosed: true, ignoreUnavailable: true, allowNoIndices: false }),
      );
      return { status: found.length > 0 ? 200 : 404 };
    })
    .add('GET', '/{index}', (req) => {
      const targets = requestedIndices(state, req);
      const flat = queryBool(req, 'flat_settings', false);
      const out: JsonObject = {};
      for (const index of targets) {
        checkBlock(index.name, index.settings, 'metadata_read');
        const entry: JsonObject = {
          aliases: Object.fromEntries([...index.aliases].map(([alias, meta]) => [alias, aliasView(meta)])),
          mappings: index.mappings,
          settings: renderSettings(index.settings, flat),
        };
        const ds = state.dataStreamOf(index.name);
        if (ds) entry.data_stream = ds.name;
        out[index.name] = entry;
      }
      return ok(out);
    })
    .add('GET', '/{index}/_settings', (req) => {
      const targets = requestedIndices(state, req);
      const out: JsonObject = {};
      for (const index of targets) {
        checkBlock(index.name, index.settings, 'metadata_read');
        out[index.name] = settingsBody(req, index);
      }
      return ok(out);
    })
    .add('GET', '/{index}/_settings/{name}', (req) => {
      const targets = requestedIndices(state, req);
      const filter = (req.params.name ?? '').split(',');
      const out: JsonObject = {};
      for (const index of targets) {
        const picked = Object.fromEntries(
          Object.entries(index.settings).filter(([k]) =>
            filter.some((f) => f === k || (f.endsWith('*') && k.startsWith(f.slice(0, -1)))),
          ),
        );
        out[index.name] = { settings: renderSettings(picked, queryBool(req, 'flat_settings', false)) };
      }
      return ok(out);
    })
    .add('PUT', '/{index}/_settings', (req) => putSettingsHandler(state, req))
    .add('PUT', '/_settings', (req) => putSettingsHandler(state, req))
    .add('GET', '/{index}/_mapping', (req) => {
      const targets = requestedIndices(state, req);
      const out: JsonObject = {};
      for (const index of targets) {
        checkBlock(index.name, index.settings, 'metadata_read');
        out[index.name] = { mappings: index.mappings };
      }
      return ok(out);
    })
    .add('POST', '/{index}/_open', (req) => openClose(state, req, true))
    .add('POST', '/{index}/_close', (req) => openClose(state, req, false))
    .add(['POST', 'GET'], '/{index}/_refresh', (req) => {
      const targets = resolveIndices(state, req.params.index ?? '', resolveOptions(req));
      for (const index of targets) {
        if (index.state === 'close') throw indexClosed(index.name, index.uuid);
        index.refresh();
      }
      return ok({ _shards: shards(targets) });
    })
    .add(['POST', 'GET'], '/_refresh', (req) => {
      const targets = resolveIndices(state, '_all', resolveOptions(req));
      for (const index of targets) index.refresh();
      return ok({ _shards: shards(targets) });
    })
    .add('PUT', '/{index}/_block/{block}', (req) => {
      const setting = API_BLOCKS[req.params.block ?? ''];
      if (!setting)
        throw illegalArgument(
          `No enum constant org.elasticsearch.cluster.metadata.IndexMetadata.APIBlock.${(req.params.block ?? '').toUpperCase()}`,
        );
      const targets = requestedIndices(state, req);
      const writeIndices = dataStreamWriteIndices(state, targets);
      if (writeIndices.length > 0) {
        throw illegalArgument(
          `cannot add a block to the following data stream write indices [${writeIndices.join(', ')}]`,
        );
      }
      // 8.18+ records that a write-blocking block was added through this API (checked on a real 8.19.21
      // for write and read_only, open and closed indices); the settings API records no such flag.
      const verifies = setting === 'index.blocks.write' || setting === 'index.blocks.read_only';
      for (const index of targets) {
        index.settings[setting] = 'true';
        if (verifies) index.settings['index.verified_read_only'] = 'true';
      }
      state.changed();
      return ok({
        acknowledged: true,
        shards_acknowledged: true,
        indices: targets.map((i) => ({ name: i.name, blocked: true })),
      });
    })
    .add(['POST', 'GET'], '/{index}/_flush', (req) => {
      // Nothing to flush in memory; answer like ES so callers that flush before a copy work unchanged.
      const targets = resolveIndices(state, req.params.index ?? '', resolveOptions(req));
      return ok({ _shards: shards(targets) });
    })
    .add('PUT', '/{index}/_mapping', (req) => {
      const body = jsonBody(req, true) as JsonObject;
      const targets = resolveIndices(state, req.params.index ?? '', resolveOptions(req));
      for (const index of targets) checkBlock(index.name, index.settings, 'metadata_write');
      for (const index of targets) {
        const current = isObject(index.mappings.properties) ? index.mappings.properties : {};
        const added = isObject(body.properties) ? body.properties : {};
        index.mappings = { ...index.mappings, ...body, properties: { ...current, ...added } };
      }
      state.changed();
      return ok({ acknowledged: true });
    })
    .add(['GET', 'POST'], '/{index}/_stats', (req) => stats(state, req))
    .add(['GET', 'POST'], '/{index}/_stats/{metric}', (req) => stats(state, req))
    .add(['GET', 'POST'], '/_stats', (req) => stats(state, req))
    .add(['GET', 'POST'], '/_stats/{metric}', (req) => stats(state, req))
    .add('GET', '/_cat/indices', (req) => catIndices(state, req))
    .add('GET', '/_cat/indices/{index}', (req) => catIndices(state, req));
}
