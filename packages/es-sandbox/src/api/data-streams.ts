import { text } from '../http/json';
import { illegalArgument, indexNotFound } from '../http/errors';
import {
  isObject,
  jsonBody,
  ok,
  queryBool,
  type Json,
  type JsonObject,
  type SandboxRequest,
  type SandboxResponse,
} from '../http/request';
import type { Router } from '../http/router';
import type { ClusterState, DataStreamMeta } from '../state/cluster-state';
import { createDataStream, rolloverDataStream } from '../state/data-stream-ops';
import { requireExplicitNames, wildcardToRegExp } from '../state/resolve';
import { parseTimeValue } from '../http/request';

function managedBy(state: ClusterState, indexName: string): { managedBy: string; policy?: string } {
  const policy = state.indices.get(indexName)?.settings['index.lifecycle.name'];
  return policy ? { managedBy: 'Index Lifecycle Management', policy } : { managedBy: 'Unmanaged' };
}

/** One entry of `GET /_data_stream`, in ES 8.19's field order. */
function renderDataStream(state: ClusterState, ds: DataStreamMeta): JsonObject {
  const yellow = ds.indices.some((n) => (state.indices.get(n)?.replicas() ?? 0) > 0);
  const indices: Json[] = ds.indices.map((name) => {
    const index = state.indices.get(name);
    const m = managedBy(state, name);
    const entry: JsonObject = { index_name: name, index_uuid: index?.uuid ?? '_na_', prefer_ilm: true };
    if (m.policy) entry.ilm_policy = m.policy;
    entry.managed_by = m.managedBy;
    return entry;
  });
  const templatePolicy = state.templates.get(ds.template)?.template;
  const settings = isObject(templatePolicy?.settings) ? templatePolicy.settings : {};
  const ilmPolicy =
    isObject(settings.index) && isObject(settings.index.lifecycle)
      ? settings.index.lifecycle.name
      : undefined;
  const body: JsonObject = {
    name: ds.name,
    timestamp_field: { name: '@timestamp' },
    indices,
    generation: ds.generation,
    status: yellow ? 'YELLOW' : 'GREEN',
    template: ds.template,
  };
  if (typeof ilmPolicy === 'string') body.ilm_policy = ilmPolicy;
  Object.assign(body, {
    next_generation_managed_by: typeof ilmPolicy === 'string' ? 'Index Lifecycle Management' : 'Unmanaged',
    prefer_ilm: true,
    hidden: ds.hidden,
    system: false,
    allow_custom_routing: ds.allowCustomRouting,
    replicated: false,
    rollover_on_write: false,
    index_mode: 'standard',
    failure_store: { enabled: false, rollover_on_write: true, indices: [] },
  });
  return body;
}

function matching(state: ClusterState, expression: string, req: SandboxRequest): DataStreamMeta[] {
  const expand = req.query.get('expand_wildcards') ?? 'open';
  const includeHidden = expand.includes('hidden') || expand.includes('all');
  const out: DataStreamMeta[] = [];
  for (const part of expression === '' || expression === '_all' ? ['*'] : expression.split(',')) {
    if (part.includes('*')) {
      const re = wildcardToRegExp(part);
      for (const ds of state.dataStreams.values())
        if (re.test(ds.name) && (includeHidden || !ds.hidden)) out.push(ds);
    } else {
      const ds = state.dataStreams.get(part);
      if (!ds) throw indexNotFound(part);
      out.push(ds);
    }
  }
  return [...new Set(out)].sort((a, b) => a.name.localeCompare(b.name));
}

/** All-or-nothing: validate every action on copies, then commit. */
function modify(state: ClusterState, req: SandboxRequest): SandboxResponse {
  const body = jsonBody(req, true) as JsonObject;
  const actions = Array.isArray(body.actions) ? body.actions : [];
  if (actions.length === 0)
    throw illegalArgument('must specify at least one data stream modification action');
  const copies = new Map<string, DataStreamMeta>();
  const hidden = new Map<string, string>();
  // This request's own changes first; the stored owner only if this request left its data stream alone.
  const owner = (indexName: string): DataStreamMeta | undefined => {
    for (const ds of copies.values()) if (ds.indices.includes(indexName)) return ds;
    const stored = state.dataStreamOf(indexName);
    return stored && !copies.has(stored.name) ? stored : undefined;
  };
  for (const raw of actions) {
    if (!isObject(raw)) throw illegalArgument('invalid data stream action');
    const [type] = Object.keys(raw);
    const args = type === undefined ? undefined : raw[type];
    if ((type !== 'add_backing_index' && type !== 'remove_backing_index') || !isObject(args)) {
      throw illegalArgument(`unsupported data stream action type [${String(type)}]`);
    }
    const dsName = text(args.data_stream ?? '');
    const indexName = text(args.index ?? '');
    const current = copies.get(dsName) ?? state.dataStreams.get(dsName);
    if (!current) throw illegalArgument(`data stream [${dsName}] not found`);
    const index = state.indices.get(indexName);
    if (!index) throw illegalArgument(`index [${indexName}] not found`);
    const ds: DataStreamMeta = { ...current, indices: [...current.indices] };
    if (type === 'remove_backing_index') {
      const pos = ds.indices.indexOf(indexName);
      // ES looks the index up among this data stream's own backing indices, so "not found".
      if (pos === -1) throw illegalArgument(`index [${indexName}] not found`);
      if (pos === ds.indices.length - 1) {
        throw illegalArgument(
          `cannot remove backing index [${indexName}] of data stream [${dsName}] because it is the write index`,
        );
      }
      ds.indices.splice(pos, 1);
      ds.generation++;
      hidden.set(indexName, 'false');
    } else {
      const parent = owner(indexName);
      if (parent && parent.name !== dsName) {
        throw illegalArgument(
          `cannot add index [${indexName}] to data stream [${dsName}] because it is already a backing index on data stream [${parent.name}]`,
        );
      }
      if (!parent) {
        const properties = isObject(index.mappings.properties) ? index.mappings.properties : {};
        const ts = properties['@timestamp'];
        if (!isObject(ts)) throw illegalArgument('data stream timestamp field [@timestamp] does not exist');
        if (ts.type !== 'date' && ts.type !== 'date_nanos') {
          throw illegalArgument(
            `data stream timestamp field [@timestamp] is of type [${text(ts.type)}], but [date,date_nanos] is expected`,
          );
        }
        // ES puts an added backing index at the front of the list.
        ds.indices.unshift(indexName);
        ds.generation++;
        hidden.set(indexName, 'true');
      }
    }
    copies.set(dsName, ds);
  }
  for (const [name, ds] of copies) state.dataStreams.set(name, ds);
  for (const [name, value] of hidden) {
    const index = state.indices.get(name);
    if (!index) continue;
    index.settings['index.hidden'] = value;
    if (value === 'true' && !isObject(index.mappings._data_stream_timestamp)) {
      index.mappings = { _data_stream_timestamp: { enabled: true }, ...index.mappings };
    }
  }
  state.changed();
  return ok({ acknowledged: true });
}

function conditionsMet(state: ClusterState, ds: DataStreamMeta, conditions: JsonObject): JsonObject {
  const write = state.writeIndexOf(ds);
  const results: JsonObject = {};
  for (const [name, value] of Object.entries(conditions)) {
    let met = false;
    if (write && name === 'max_docs') met = write.live.size >= Number(value);
    if (write && name === 'max_age') {
      met =
        Date.now() - Number(write.settings['index.creation_date']) >= parseTimeValue(text(value), 'max_age');
    }
    if (write && name === 'min_docs') met = write.live.size >= Number(value);
    results[`[${name}: ${text(value)}]`] = met;
  }
  return results;
}

function rollover(state: ClusterState, req: SandboxRequest): SandboxResponse {
  const target = req.params.index ?? '';
  const ds = state.dataStreams.get(target);
  if (!ds) {
    if (state.indices.has(target)) {
      throw illegalArgument(
        `rollover target is a [concrete index] but one of [alias,data_stream] was expected`,
      );
    }
    throw illegalArgument(`rollover target [${target}] does not exist`);
  }
  const body = jsonBody(req) ?? {};
  const dryRun = queryBool(req, 'dry_run', false);
  const conditions = isObject(body.conditions) ? conditionsMet(state, ds, body.conditions) : {};
  const values = Object.values(conditions);
  const shouldRoll = values.length === 0 || values.some((v) => v === true);
  if (!shouldRoll || dryRun) {
    const { oldIndex, newIndex } = rolloverDataStream(state, ds, true);
    return ok({
      acknowledged: false,
      shards_acknowledged: false,
      old_index: oldIndex,
      new_index: newIndex,
      rolled_over: false,
      dry_run: dryRun,
      lazy: false,
      conditions,
    });
  }
  const { oldIndex, newIndex } = rolloverDataStream(state, ds, false);
  return ok({
    acknowledged: true,
    shards_acknowledged: true,
    old_index: oldIndex,
    new_index: newIndex,
    rolled_over: true,
    dry_run: false,
    lazy: false,
    conditions,
  });
}

export function registerDataStreams(router: Router, state: ClusterState): void {
  router
    .add('PUT', '/_data_stream/{name}', (req) => {
      createDataStream(state, req.params.name ?? '');
      return ok({ acknowledged: true });
    })
    .add('GET', '/_data_stream', (req) =>
      ok({ data_streams: matching(state, '*', req).map((ds) => renderDataStream(state, ds)) }),
    )
    .add('GET', '/_data_stream/{name}', (req) =>
      ok({
        data_streams: matching(state, req.params.name ?? '', req).map((ds) => renderDataStream(state, ds)),
      }),
    )
    .add('DELETE', '/_data_stream/{name}', (req) => {
      const expression = req.params.name ?? '';
      if (queryBool(req, 'destructive_requires_name_check', false)) requireExplicitNames(expression);
      const targets = matching(state, expression, req);
      for (const ds of targets) {
        for (const name of ds.indices) state.indices.delete(name);
        state.dataStreams.delete(ds.name);
      }
      state.changed();
      return ok({ acknowledged: true });
    })
    .add('POST', '/_data_stream/_modify', (req) => modify(state, req))
    .add('POST', '/{index}/_rollover', (req) => rollover(state, req));
}
