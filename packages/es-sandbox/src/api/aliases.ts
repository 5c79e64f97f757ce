import { EsError, illegalArgument, indexNotFound } from '../http/errors';
import {
  isObject,
  jsonBody,
  ok,
  type JsonObject,
  type SandboxRequest,
  type SandboxResponse,
} from '../http/request';
import type { Router } from '../http/router';
import {
  aliasMetaOf,
  aliasView,
  indicesOfAlias,
  validateAliasesAfterChange,
  validateAliasName,
  type AliasMeta,
} from '../state/aliases';
import type { ClusterState } from '../state/cluster-state';
import type { IndexStore } from '../state/index-store';
import { resolveIndices, resolveOptions, wildcardToRegExp } from '../state/resolve';

const ACTION_TYPES = ['add', 'remove', 'remove_index'] as const;
type ActionType = (typeof ACTION_TYPES)[number];

interface AliasAction {
  type: ActionType;
  indices: string[];
  aliases: string[];
  meta: AliasMeta;
}

function namesOf(body: JsonObject, single: string, plural: string): string[] {
  const one = body[single];
  const many = body[plural];
  const names: string[] = [];
  if (typeof one === 'string') names.push(one);
  if (Array.isArray(many)) for (const name of many) if (typeof name === 'string') names.push(name);
  if (typeof many === 'string') names.push(many);
  return names;
}

function parseAction(raw: unknown): AliasAction {
  if (!isObject(raw)) throw illegalArgument('[aliases] failed to parse field [actions]');
  const keys = Object.keys(raw);
  const type = ACTION_TYPES.find((name) => keys.includes(name));
  const body = type === undefined ? undefined : raw[type];
  if (keys.length !== 1 || type === undefined || !isObject(body)) {
    throw illegalArgument(`[aliases] unknown field [${keys[0] ?? ''}]`);
  }
  return {
    type,
    indices: namesOf(body, 'index', 'indices'),
    aliases: namesOf(body, 'alias', 'aliases'),
    meta: aliasMetaOf(body),
  };
}

/** The checks Elasticsearch makes as it parses the request, before it touches anything. */
function validateActions(actions: AliasAction[]): void {
  if (actions.length === 0) throw illegalArgument('No action specified');
  for (const action of actions) {
    const missing =
      action.indices.length === 0
        ? 'One of [index] or [indices] is required'
        : action.type !== 'remove_index' && action.aliases.length === 0
          ? 'One of [alias] or [aliases] is required'
          : undefined;
    if (missing !== undefined) {
      throw new EsError(
        400,
        'x_content_parse_exception',
        '[aliases] failed to parse field [actions]',
        {},
        {
          type: 'illegal_argument_exception',
          reason: missing,
        },
      );
    }
  }
}

/** An index is named by its own name in an alias action, never through an alias (as the delete API). */
function refuseAliasNames(state: ClusterState, action: AliasAction): void {
  for (const name of action.indices) {
    if (!state.indices.has(name) && indicesOfAlias(state, name).length > 0) {
      throw illegalArgument(
        `The provided expression [${name}] matches an alias, specify the corresponding concrete indices instead.`,
      );
    }
  }
}

function targetsOf(state: ClusterState, action: AliasAction): IndexStore[] {
  const found = resolveIndices(state, action.indices.join(','), {
    expandOpen: true,
    expandClosed: true,
    expandHidden: false,
    ignoreUnavailable: false,
    allowNoIndices: false,
    includeDataStreams: false,
  });
  if (found.length === 0) throw indexNotFound(action.indices.join(','));
  return found;
}

function removeAliases(index: IndexStore, action: AliasAction): number {
  let removed = 0;
  for (const pattern of action.aliases) {
    const re = wildcardToRegExp(pattern);
    for (const name of [...index.aliases.keys()]) {
      if (re.test(name)) {
        index.aliases.delete(name);
        removed += 1;
      }
    }
  }
  return removed;
}

/**
 * `POST /_aliases`: every action applied at once or none (the sandbox works on the state and puts it
 * back on an error). As in Elasticsearch, `remove_index` actions run first, so that an alias may take
 * the name of an index the same request removes; the alias checks run after every action.
 */
function applyAliasActions(state: ClusterState, req: SandboxRequest): SandboxResponse {
  const body = jsonBody(req, true) ?? {};
  const rawActions = Array.isArray(body.actions) ? body.actions : [];
  const actions = rawActions.map(parseAction);
  validateActions(actions);
  const removedIndices = new Map<string, IndexStore>();
  const before = new Map([...state.indices.values()].map((index) => [index, new Map(index.aliases)]));
  const touched = new Set<string>();
  try {
    for (const action of actions.filter((entry) => entry.type === 'remove_index')) {
      refuseAliasNames(state, action);
      for (const index of targetsOf(state, action)) {
        removedIndices.set(index.name, index);
        state.indices.delete(index.name);
      }
    }
    for (const action of actions.filter((entry) => entry.type !== 'remove_index')) {
      for (const index of targetsOf(state, action)) {
        if (action.type === 'add') {
          for (const alias of action.aliases) {
            validateAliasName(state, alias, index.name);
            index.aliases.set(alias, { ...action.meta });
            touched.add(alias);
          }
        } else if (removeAliases(index, action) === 0) {
          throw new EsError(
            404,
            'aliases_not_found_exception',
            `aliases [${action.aliases.join(',')}] missing`,
            {
              'resource.type': 'aliases',
              'resource.id': action.aliases.join(','),
            },
          );
        }
      }
    }
    validateAliasesAfterChange(state, touched);
  } catch (err) {
    for (const [name, index] of removedIndices) state.indices.set(name, index);
    for (const [index, aliases] of before) {
      index.aliases.clear();
      for (const [name, meta] of aliases) index.aliases.set(name, meta);
    }
    throw err;
  }
  state.changed();
  return ok({ acknowledged: true, errors: false });
}

/** `GET [/{index}]/_alias[/{name}]`: the matching aliases by index; indices without any are left out when a name is given. */
function getAliases(state: ClusterState, req: SandboxRequest): SandboxResponse {
  const expression = req.params.index ?? '_all';
  const names = req.params.name?.split(',');
  const indices = resolveIndices(
    state,
    expression,
    resolveOptions(req, { expandClosed: true, expandHidden: req.params.index === undefined }),
  );
  const patterns = (names ?? ['*']).map(wildcardToRegExp);
  const out: JsonObject = {};
  const found = new Set<string>();
  for (const index of indices) {
    const aliases: JsonObject = {};
    for (const [name, meta] of [...index.aliases].sort(([a], [b]) => a.localeCompare(b))) {
      if (!patterns.some((re) => re.test(name))) continue;
      aliases[name] = aliasView(meta);
      found.add(name);
    }
    if (names === undefined || Object.keys(aliases).length > 0) out[index.name] = { aliases };
  }
  const missing = (names ?? []).filter((name) => !name.includes('*') && !found.has(name));
  if (missing.length > 0) {
    return ok({ error: `alias [${missing.join(',')}] missing`, status: 404, ...out }, 404);
  }
  return ok(out);
}

export function registerAliases(router: Router, state: ClusterState): void {
  router
    .add('POST', '/_aliases', (req) => applyAliasActions(state, req))
    .add('GET', '/_alias', (req) => getAliases(state, req))
    .add('GET', '/_alias/{name}', (req) => getAliases(state, req))
    .add('GET', '/{index}/_alias', (req) => getAliases(state, req))
    .add('GET', '/{index}/_alias/{name}', (req) => getAliases(state, req));
}
