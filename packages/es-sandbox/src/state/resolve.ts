import { illegalArgument, indexNotFound } from '../http/errors';
import { queryBool, type SandboxRequest } from '../http/request';
import { aliasIsHidden, allAliasNames, indicesOfAlias } from './aliases';
import type { ClusterState } from './cluster-state';
import type { IndexStore } from './index-store';

export interface ResolveOptions {
  expandOpen: boolean;
  expandClosed: boolean;
  expandHidden: boolean;
  ignoreUnavailable: boolean;
  allowNoIndices: boolean;
  /** Data stream names resolve to their backing indices (true for reads, refresh, settings). */
  includeDataStreams: boolean;
}

/** Each API's defaults differ in ES; callers pass theirs and the query string overrides them. */
export function resolveOptions(req: SandboxRequest, defaults: Partial<ResolveOptions> = {}): ResolveOptions {
  const base: ResolveOptions = {
    expandOpen: true,
    expandClosed: false,
    expandHidden: false,
    ignoreUnavailable: false,
    allowNoIndices: true,
    includeDataStreams: true,
    ...defaults,
  };
  const expand = req.query.get('expand_wildcards');
  if (expand !== null) {
    const parts = expand.split(',').map((p) => p.trim());
    const all = parts.includes('all');
    base.expandOpen = all || parts.includes('open');
    base.expandClosed = all || parts.includes('closed');
    base.expandHidden = all || parts.includes('hidden');
    if (parts.includes('none')) base.expandOpen = base.expandClosed = base.expandHidden = false;
  }
  base.ignoreUnavailable = queryBool(req, 'ignore_unavailable', base.ignoreUnavailable);
  base.allowNoIndices = queryBool(req, 'allow_no_indices', base.allowNoIndices);
  return base;
}

/** Compiled patterns: index templates are matched against every index created. Bounded, as callers' patterns are not. */
const compiledPatterns = new Map<string, RegExp>();
const MAX_COMPILED_PATTERNS = 10_000;

export function wildcardToRegExp(pattern: string): RegExp {
  const known = compiledPatterns.get(pattern);
  if (known !== undefined) return known;
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  const compiled = new RegExp(`^${escaped}$`);
  if (compiledPatterns.size >= MAX_COMPILED_PATTERNS) compiledPatterns.clear();
  compiledPatterns.set(pattern, compiled);
  return compiled;
}

export function isWildcard(expression: string): boolean {
  return expression.includes('*') || expression === '_all';
}

/**
 * Resolves an index expression (comma list, wildcards, data stream names, `_all`) to concrete indices,
 * in first-seen order, the way ES's IndexNameExpressionResolver does for the options given.
 */
export function resolveIndices(state: ClusterState, expression: string, opts: ResolveOptions): IndexStore[] {
  const out = new Map<string, IndexStore>();
  const parts = expression === '' || expression === '_all' ? ['*'] : expression.split(',');
  let sawWildcard = false;
  for (const rawPart of parts) {
    const part = rawPart.trim();
    if (part.startsWith('-') && out.size > 0) {
      const exclude = wildcardToRegExp(part.slice(1));
      for (const name of [...out.keys()]) if (exclude.test(name)) out.delete(name);
      continue;
    }
    if (isWildcard(part)) {
      sawWildcard = true;
      const re = wildcardToRegExp(part === '_all' ? '*' : part);
      // A pattern starting with '.' is explicit about dot-prefixed (usually hidden) names.
      const hiddenOk = opts.expandHidden || part.startsWith('.');
      const candidates: IndexStore[] = [];
      for (const index of state.indices.values()) {
        if (re.test(index.name) && (hiddenOk || !index.isHidden())) candidates.push(index);
      }
      // A wildcard matches alias names too, and takes in every index of the alias it matches.
      for (const alias of allAliasNames(state)) {
        if (re.test(alias) && (hiddenOk || !aliasIsHidden(state, alias))) {
          candidates.push(...indicesOfAlias(state, alias));
        }
      }
      if (opts.includeDataStreams) {
        for (const ds of state.dataStreams.values()) {
          if (!re.test(ds.name) || (ds.hidden && !hiddenOk)) continue;
          for (const name of ds.indices) {
            const index = state.indices.get(name);
            if (index) candidates.push(index);
          }
        }
      }
      for (const index of candidates) {
        if ((index.state === 'open' && opts.expandOpen) || (index.state === 'close' && opts.expandClosed)) {
          out.set(index.name, index);
        }
      }
      continue;
    }
    const ds = state.dataStreams.get(part);
    if (ds && opts.includeDataStreams) {
      for (const name of ds.indices) {
        const index = state.indices.get(name);
        if (index) out.set(index.name, index);
      }
      continue;
    }
    const index = state.indices.get(part);
    if (index) {
      out.set(index.name, index);
      continue;
    }
    const aliased = indicesOfAlias(state, part);
    if (aliased.length > 0) {
      for (const target of aliased) {
        if (target.state === 'open' || opts.expandClosed) out.set(target.name, target);
      }
      continue;
    }
    if (!opts.ignoreUnavailable) throw indexNotFound(part);
  }
  if (out.size === 0 && sawWildcard && !opts.allowNoIndices) throw indexNotFound(expression);
  return [...out.values()];
}

/** ES's `action.destructive_requires_name` (default true since 8.0) refuses wildcards on delete. */
export function requireExplicitNames(expression: string): void {
  if (expression.split(',').some((p) => isWildcard(p.trim()))) {
    throw illegalArgument('Wildcard expressions or all indices are not allowed');
  }
}
