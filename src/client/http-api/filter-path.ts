/**
 * Elasticsearch's `filter_path`, with its semantics (`FilterPath`, `FilterPathBasedFilter` and Jackson's
 * filtering generator, as 8.19 combines them):
 * - comma-separated dotted paths; `\.` is a literal dot; an entry starting with `-` excludes;
 * - a segment with `*` is a glob on one key; a `**` segment matches one key or more;
 * - a path that is a prefix of another wins (`a,a.b` is `a`);
 * - arrays are looked through: each element is filtered like the array itself;
 * - includes: a scalar is kept only when its whole path matched; an object or array left empty is dropped;
 * - excludes: what matches is dropped; an object or array emptied by it is dropped, one empty already stays;
 * - both: the includes apply first, then the excludes;
 * - the root object always remains (`{}` when nothing is left).
 * Elasticsearch filters success bodies only: its error bodies are built without the filter.
 */

/** One node of the compiled paths: the keys that continue a path from here. */
interface PathNode {
  /** The segment that led here (`**` marks a double wildcard). */
  readonly segment: string;
  /** A path ends here: whatever matched it is included (or excluded) whole. */
  readonly final: boolean;
  readonly terms: ReadonlyMap<string, PathNode>;
  readonly globs: readonly PathNode[];
}

interface BuildNode {
  final: boolean;
  children: Map<string, BuildNode>;
}

/** Splits at the first unescaped `.` (not at position 0, as Elasticsearch does); `\.` becomes `.`. */
function firstSegment(path: string): { head: string; rest?: string } {
  let escaped = false;
  for (let i = 0; i < path.length; i += 1) {
    const char = path[i];
    if (char === '.') {
      if (i === 0) break;
      const head = path.slice(0, i);
      return { head: escaped ? head.replaceAll('\\.', '.') : head, rest: path.slice(i + 1) };
    }
    if (char === '\\' && path[i + 1] === '.') {
      escaped = true;
      i += 1;
    }
  }
  return { head: escaped ? path.replaceAll('\\.', '.') : path };
}

function insert(node: BuildNode, path: string): void {
  const { head, rest } = firstSegment(path);
  if (rest === undefined) {
    node.children.set(head, { final: true, children: new Map() });
    return;
  }
  let child = node.children.get(head);
  if (child === undefined) {
    child = { final: false, children: new Map() };
    node.children.set(head, child);
  }
  if (!child.final) insert(child, rest);
}

function freeze(segment: string, node: BuildNode): PathNode {
  const terms = new Map<string, PathNode>();
  const globs: PathNode[] = [];
  for (const [name, child] of node.children) {
    const frozen = freeze(name, child);
    if (name.includes('*')) globs.push(frozen);
    else terms.set(name, frozen);
  }
  return { segment, final: node.final, terms, globs };
}

function compile(paths: readonly string[]): PathNode | undefined {
  const root: BuildNode = { final: false, children: new Map() };
  const trimmed = paths.map((path) => path.trim()).filter((path) => path !== '');
  if (trimmed.length === 0) return undefined;
  for (const path of trimmed) insert(root, path);
  return freeze('', root);
}

const globCache = new Map<string, RegExp>();

function globMatches(pattern: string, key: string): boolean {
  let regex = globCache.get(pattern);
  if (regex === undefined) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    regex = new RegExp(`^${body}$`, 's');
    globCache.set(pattern, regex);
  }
  return regex.test(key);
}

/** Whether `key` completes a path from `node`; the nodes that continue below it go into `next`. */
function matchKey(node: PathNode, key: string, next: PathNode[]): boolean {
  const term = node.terms.get(key);
  if (term !== undefined) {
    if (term.final) return true;
    next.push(term);
  }
  for (const glob of node.globs) {
    if (!globMatches(glob.segment, key)) continue;
    if (glob.final) return true;
    next.push(glob);
  }
  if (node.segment === '**') next.push(node);
  return false;
}

/** What the paths say about one key: it matched, it may match below, or it does not. */
type KeyVerdict = { kind: 'matched' } | { kind: 'partial'; nodes: PathNode[] } | { kind: 'none' };

function judgeKey(nodes: readonly PathNode[], key: string): KeyVerdict {
  const next: PathNode[] = [];
  for (const node of nodes) {
    if (matchKey(node, key, next)) return { kind: 'matched' };
  }
  return next.length > 0 ? { kind: 'partial', nodes: next } : { kind: 'none' };
}

/** Marks a value the filter drops. */
const DROPPED = Symbol('dropped');
type Filtered = unknown;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An emptied container: includes drop it; excludes keep it only if it was empty to begin with. */
function emptyResult(hadContent: boolean, inclusive: boolean, empty: unknown): Filtered {
  return !inclusive && !hadContent ? empty : DROPPED;
}

function filterArray(items: readonly unknown[], nodes: PathNode[], inclusive: boolean): Filtered {
  const kept = items.map((item) => filterBelow(item, nodes, inclusive)).filter((item) => item !== DROPPED);
  return kept.length > 0 ? kept : emptyResult(items.length > 0, inclusive, []);
}

function filterObject(
  object: Record<string, unknown>,
  nodes: PathNode[],
  inclusive: boolean,
): Record<string, unknown> | typeof DROPPED {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const verdict = judgeKey(nodes, key);
    if (verdict.kind === 'partial') {
      const filtered = filterBelow(value, verdict.nodes, inclusive);
      if (filtered !== DROPPED) kept[key] = filtered;
    } else if ((verdict.kind === 'matched') === inclusive) {
      kept[key] = value;
    }
  }
  if (Object.keys(kept).length > 0) return kept;
  return emptyResult(Object.keys(object).length > 0, inclusive, {}) as Record<string, unknown>;
}

/** A value under a path that has not ended yet: scalars stay only for excludes. */
function filterBelow(value: unknown, nodes: PathNode[], inclusive: boolean): Filtered {
  if (Array.isArray(value)) return filterArray(value, nodes, inclusive);
  if (isObject(value)) return filterObject(value, nodes, inclusive);
  return inclusive ? DROPPED : value;
}

/** The root keeps its object whatever is left of it. */
function filterRoot(body: unknown, root: PathNode, inclusive: boolean): unknown {
  if (isObject(body)) {
    const filtered = filterObject(body, [root], inclusive);
    return filtered === DROPPED ? {} : filtered;
  }
  if (Array.isArray(body)) {
    const filtered = filterArray(body, [root], inclusive);
    return filtered === DROPPED ? [] : filtered;
  }
  return body;
}

/** The paths of a `filter_path` value, split into includes and excludes (the `-` removed). */
export interface FilterPaths {
  includes: string[];
  excludes: string[];
}

/** Reads a `filter_path` value: comma-separated, entries trimmed, empty ones dropped. */
export function parseFilterPath(value: string): FilterPaths {
  const entries = [...new Set(value.split(',').map((entry) => entry.trim()))].filter((entry) => entry !== '');
  return {
    includes: entries.filter((entry) => !entry.startsWith('-')),
    excludes: entries.filter((entry) => entry.startsWith('-')).map((entry) => entry.slice(1)),
  };
}

/** `body` filtered by a `filter_path` value, as Elasticsearch filters a success body. */
export function applyFilterPath(body: unknown, filterPath: string | null): unknown {
  if (filterPath === null) return body;
  const { includes, excludes } = parseFilterPath(filterPath);
  let result = body;
  const included = compile(includes);
  if (included !== undefined) result = filterRoot(result, included, true);
  const excluded = compile(excludes);
  if (excluded !== undefined) result = filterRoot(result, excluded, false);
  return result;
}
