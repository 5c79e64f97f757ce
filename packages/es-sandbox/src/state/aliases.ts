import { EsError, illegalArgument, indexNotFound } from '../http/errors';
import { isObject, type JsonObject } from '../http/request';
import type { ClusterState } from './cluster-state';
import type { IndexStore } from './index-store';

/** One alias on one index, as Elasticsearch keeps it in the index's metadata. */
export interface AliasMeta {
  filter?: JsonObject;
  index_routing?: string;
  search_routing?: string;
  /** Absent: not set (the alias's only index is then its write index). */
  is_write_index?: boolean;
  is_hidden?: boolean;
}

/** The indices holding alias `name`, in index-name order. */
export function indicesOfAlias(state: ClusterState, name: string): IndexStore[] {
  return [...state.indices.values()]
    .filter((index) => index.aliases.has(name))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function aliasExists(state: ClusterState, name: string): boolean {
  return state.aliasNames.has(name);
}

/** Every alias name in the cluster, sorted. */
export function allAliasNames(state: ClusterState): string[] {
  const names = new Set<string>();
  for (const index of state.indices.values()) for (const name of index.aliases.keys()) names.add(name);
  return [...names].sort();
}

/** An alias is hidden when its indices say so (Elasticsearch requires them to agree). */
export function aliasIsHidden(state: ClusterState, name: string): boolean {
  return indicesOfAlias(state, name).some((index) => index.aliases.get(name)?.is_hidden === true);
}

/**
 * Where a write through alias `name` goes, as Elasticsearch decides: the index marked
 * `is_write_index: true`, else its only index unless that one says `false`.
 */
export function writeIndexOfAlias(state: ClusterState, name: string): IndexStore {
  const indices = indicesOfAlias(state, name);
  const marked = indices.find((index) => index.aliases.get(name)?.is_write_index === true);
  if (marked !== undefined) return marked;
  const [only] = indices;
  if (indices.length === 1 && only !== undefined && only.aliases.get(name)?.is_write_index !== false) {
    return only;
  }
  throw illegalArgument(
    `no write index is defined for alias [${name}]. The write index may be explicitly disabled using ` +
      'is_write_index=false or the alias points to multiple indices without one being designated as a write index',
  );
}

export function invalidAliasName(alias: string, why: string): EsError {
  return new EsError(400, 'invalid_alias_name_exception', `Invalid alias name [${alias}]: ${why}`, {
    'resource.type': 'index_or_alias',
    'resource.id': alias,
  });
}

/** The checks Elasticsearch makes on an alias name before it adds it. */
export function validateAliasName(state: ClusterState, alias: string, index: string): void {
  if (alias === index) throw invalidAliasName(alias, 'an alias cannot have the same name as an index');
  if (state.indices.has(alias) || state.dataStreams.has(alias)) {
    throw invalidAliasName(alias, 'an index or data stream exists with the same name as the alias');
  }
  if (alias.startsWith('_')) throw invalidAliasName(alias, "must not start with '_', '-', or '+'");
}

/** Reads the options of an `add` action (or a create-index body's alias), with ES's `routing` shorthand. */
export function aliasMetaOf(body: JsonObject): AliasMeta {
  const meta: AliasMeta = {};
  if (isObject(body.filter)) meta.filter = structuredClone<JsonObject>(body.filter);
  const routing = typeof body.routing === 'string' ? body.routing : undefined;
  const indexRouting = typeof body.index_routing === 'string' ? body.index_routing : routing;
  const searchRouting = typeof body.search_routing === 'string' ? body.search_routing : routing;
  if (indexRouting !== undefined) meta.index_routing = indexRouting;
  if (searchRouting !== undefined) meta.search_routing = searchRouting;
  if (typeof body.is_write_index === 'boolean') meta.is_write_index = body.is_write_index;
  if (typeof body.is_hidden === 'boolean') meta.is_hidden = body.is_hidden;
  return meta;
}

/** An alias as `GET _alias` and the index metadata show it: only the options that are set. */
export function aliasView(meta: AliasMeta): JsonObject {
  const view: JsonObject = {};
  if (meta.filter !== undefined) view.filter = meta.filter;
  if (meta.index_routing !== undefined) view.index_routing = meta.index_routing;
  if (meta.search_routing !== undefined) view.search_routing = meta.search_routing;
  if (meta.is_write_index !== undefined) view.is_write_index = meta.is_write_index;
  if (meta.is_hidden !== undefined) view.is_hidden = meta.is_hidden;
  return view;
}

/**
 * The checks Elasticsearch makes once every action of a request is applied: one write index per alias,
 * and the same `is_hidden` on every index of an alias.
 */
export function validateAliasesAfterChange(state: ClusterState, names: Iterable<string>): void {
  for (const name of names) {
    const indices = indicesOfAlias(state, name);
    const writers = indices.filter((index) => index.aliases.get(name)?.is_write_index === true);
    if (writers.length > 1) {
      // An IllegalStateException: Elasticsearch answers it with 500.
      throw new EsError(
        500,
        'illegal_state_exception',
        `alias [${name}] has more than one write index [${writers.map((index) => index.name).join(',')}]`,
      );
    }
    const hidden = indices.filter((index) => index.aliases.get(name)?.is_hidden === true);
    if (hidden.length > 0 && hidden.length < indices.length) {
      const visible = indices.filter((index) => index.aliases.get(name)?.is_hidden !== true);
      throw new EsError(
        500,
        'illegal_state_exception',
        `alias [${name}] has is_hidden set to true on indices [${hidden.map((i) => i.name).join(', ')}] but does ` +
          `not have is_hidden set to true on indices [${visible.map((i) => i.name).join(', ')}]; alias must ` +
          'have the same is_hidden setting on all indices',
      );
    }
  }
}

/** A missing index named by an alias action, with ES's error. */
export function requireIndex(state: ClusterState, name: string): IndexStore {
  const index = state.indices.get(name);
  if (index === undefined) throw indexNotFound(name);
  return index;
}
