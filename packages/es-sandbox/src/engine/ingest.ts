import { EsError, illegalArgument, parseError } from '../http/errors';
import { isObject, text, type Json, type JsonObject } from '../http/json';
import type { ClusterState } from '../state/cluster-state';

const SUPPORTED = new Set(['set', 'remove']);

/** Rejects pipelines ES would reject at PUT time, for the processors the sandbox supports. */
export function validatePipeline(body: JsonObject): void {
  const processors = body.processors;
  if (!Array.isArray(processors)) throw parseError('[processors] required property is missing');
  for (const p of processors) {
    if (!isObject(p)) throw parseError('processor must be an object');
    for (const [type, config] of Object.entries(p)) {
      if (!SUPPORTED.has(type)) {
        throw new EsError(400, 'parse_exception', `No processor type exists with name [${type}]`, {
          processor_type: type,
        });
      }
      if (!isObject(config) || config.field === undefined) {
        throw new EsError(400, 'parse_exception', '[field] required property is missing', {
          property_name: 'field',
          processor_type: type,
        });
      }
      if (type === 'set' && config.value === undefined && config.copy_from === undefined) {
        throw new EsError(400, 'parse_exception', '[value] required property is missing', {
          property_name: 'value',
          processor_type: type,
        });
      }
    }
  }
}

function getPath(doc: JsonObject, path: string): Json | undefined {
  if (path in doc) return doc[path];
  let node: Json | undefined = doc;
  for (const part of path.split('.')) {
    if (!isObject(node)) return undefined;
    node = node[part];
  }
  return node;
}

function setPath(doc: JsonObject, path: string, value: Json): void {
  if (path.startsWith('@') || !path.includes('.')) {
    doc[path] = value;
    return;
  }
  const parts = path.split('.');
  let node = doc;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(node[part])) node[part] = {};
    node = node[part];
  }
  node[parts[parts.length - 1]] = value;
}

function removePath(doc: JsonObject, path: string): void {
  if (path in doc) {
    delete doc[path];
    return;
  }
  const parts = path.split('.');
  let node: Json | undefined = doc;
  for (const part of parts.slice(0, -1)) node = isObject(node) ? node[part] : undefined;
  if (isObject(node)) delete node[parts[parts.length - 1]];
}

/** Mustache in values: only `{{field}}` / `{{{field}}}` and `_ingest.timestamp`, enough for our pipelines. */
function renderValue(value: Json, doc: JsonObject): Json {
  if (typeof value !== 'string' || !value.includes('{{')) return value;
  return value.replace(/\{\{\{?\s*([^}\s]+)\s*\}?\}\}/g, (_m, name: string) => {
    if (name === '_ingest.timestamp') return new Date().toISOString();
    const found = getPath(doc, name);
    return found === undefined || found === null
      ? ''
      : typeof found === 'object'
        ? JSON.stringify(found)
        : String(found);
  });
}

/**
 * A Painless `if` is not interpreted; the common null checks (`ctx['f'] == null`, `ctx.f != null`) are,
 * and anything else counts as true.
 */
function condition(script: Json | undefined, doc: JsonObject): boolean {
  const source = isObject(script) ? script.source : script;
  if (typeof source !== 'string') return true;
  const m = /^\s*ctx(?:\?\.|\.)?(?:\[['"]([^'"]+)['"]\]|([\w@.?]+))\s*(==|!=)\s*null\s*$/.exec(source);
  if (!m) return true;
  const field = (m[1] ?? m[2] ?? '').replace(/\?/g, '');
  const missing = getPath(doc, field) === undefined || getPath(doc, field) === null;
  return m[3] === '==' ? missing : !missing;
}

/** Runs a pipeline over a copy of the source; ES's error when the pipeline does not exist. */
export function runPipeline(state: ClusterState, id: string, source: JsonObject): JsonObject {
  const pipeline = state.pipelines.get(id);
  if (!pipeline) throw illegalArgument(`pipeline with id [${id}] does not exist`);
  const doc = structuredClone(source);
  const processors = Array.isArray(pipeline.processors) ? pipeline.processors : [];
  for (const p of processors) {
    if (!isObject(p)) continue;
    for (const [type, raw] of Object.entries(p)) {
      if (!isObject(raw) || typeof raw.field !== 'string') continue;
      if (!condition(raw.if, doc)) continue;
      if (type === 'set') {
        const override = raw.override !== false;
        const current = getPath(doc, raw.field);
        if (!override && current !== undefined && current !== null) continue;
        const value =
          raw.copy_from !== undefined
            ? (getPath(doc, text(raw.copy_from)) ?? null)
            : renderValue(raw.value ?? null, doc);
        setPath(doc, raw.field, value);
      } else if (type === 'remove') {
        removePath(doc, raw.field);
      }
    }
  }
  return doc;
}
