import { EsError } from '../http/errors';
import { isObject, text, type Json } from '../http/json';
import type { StoredDoc } from '../state/index-store';

export type DocPredicate = (doc: StoredDoc) => boolean;

function field(doc: StoredDoc, path: string): Json | undefined {
  if (path === '_id') return doc.id;
  if (path in doc.source) return doc.source[path];
  let node: Json | undefined = doc.source;
  for (const part of path.split('.')) node = isObject(node) ? node[part] : undefined;
  return node;
}

function unsupported(name: string): EsError {
  return new EsError(400, 'parsing_exception', `unknown query [${name}]`, { line: 1, col: 1 });
}

function comparable(v: Json | undefined): number | string | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const asDate = Date.parse(v);
    return Number.isNaN(asDate) ? v : asDate;
  }
  return undefined;
}

/**
 * The queries tests and the migration code use: match_all, match_none, ids, term(s), exists, range and
 * bool (must/filter/should/must_not). Anything else is ES's "unknown query" parse error.
 */
export function compileQuery(query: Json | undefined): DocPredicate {
  if (query === undefined || query === null) return () => true;
  if (!isObject(query))
    throw new EsError(400, 'parsing_exception', '[_na] query malformed, must start with start_object');
  const [name] = Object.keys(query);
  const body = name === undefined ? undefined : query[name];
  switch (name) {
    case undefined:
    case 'match_all':
      return () => true;
    case 'match_none':
      return () => false;
    case 'ids': {
      const values = new Set(isObject(body) && Array.isArray(body.values) ? body.values.map(String) : []);
      return (doc) => values.has(doc.id);
    }
    case 'term':
    case 'match': {
      const [f] = isObject(body) ? Object.keys(body) : [];
      const raw = f === undefined || !isObject(body) ? undefined : body[f];
      const value = isObject(raw) ? (raw.value ?? raw.query) : raw;
      return (doc) => f !== undefined && field(doc, f) === value;
    }
    case 'terms': {
      const [f] = isObject(body) ? Object.keys(body) : [];
      const raw = f === undefined || !isObject(body) ? [] : body[f];
      const values = Array.isArray(raw) ? raw : [];
      return (doc) => f !== undefined && values.includes(field(doc, f) ?? null);
    }
    case 'exists': {
      const f = isObject(body) ? text(body.field) : '';
      return (doc) => {
        const v = field(doc, f);
        return v !== undefined && v !== null;
      };
    }
    case 'range': {
      const [f] = isObject(body) ? Object.keys(body) : [];
      const bounds = f === undefined || !isObject(body) ? {} : body[f];
      if (!isObject(bounds) || f === undefined) return () => true;
      return (doc) => {
        const v = comparable(field(doc, f));
        if (v === undefined) return false;
        const check = (op: string, test: (a: number | string, b: number | string) => boolean): boolean => {
          const b = comparable(bounds[op]);
          return b === undefined || test(v, b);
        };
        return (
          check('gte', (a, b) => a >= b) &&
          check('gt', (a, b) => a > b) &&
          check('lte', (a, b) => a <= b) &&
          check('lt', (a, b) => a < b)
        );
      };
    }
    case 'bool': {
      const list = (key: string): DocPredicate[] => {
        const v = isObject(body) ? body[key] : undefined;
        if (v === undefined) return [];
        return (Array.isArray(v) ? v : [v]).map(compileQuery);
      };
      const must = [...list('must'), ...list('filter')];
      const should = list('should');
      const mustNot = list('must_not');
      return (doc) =>
        must.every((p) => p(doc)) &&
        mustNot.every((p) => !p(doc)) &&
        (should.length === 0 || should.some((p) => p(doc)));
    }
    default:
      throw unsupported(name);
  }
}

export interface SortKey {
  field: string;
  desc: boolean;
}

export function parseSort(sort: Json | undefined): SortKey[] {
  if (sort === undefined || sort === null) return [];
  const items = Array.isArray(sort) ? sort : [sort];
  const keys: SortKey[] = [];
  for (const item of items) {
    if (typeof item === 'string') {
      keys.push({ field: item, desc: item === '_score' });
    } else if (isObject(item)) {
      for (const [f, spec] of Object.entries(item)) {
        const order = isObject(spec) ? spec.order : spec;
        keys.push({ field: f, desc: order === 'desc' });
      }
    }
  }
  return keys;
}

/** Sort values as ES returns them in each hit's `sort` array. */
export function sortValues(doc: StoredDoc, position: number, keys: SortKey[]): Json[] {
  return keys.map((k) => {
    if (k.field === '_doc') return position;
    if (k.field === '_score') return 1;
    const v = field(doc, k.field);
    const c = comparable(v);
    return c === undefined ? null : c;
  });
}

export function compareSortValues(a: Json[], b: Json[], keys: SortKey[]): number {
  for (let i = 0; i < keys.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    // ES puts missing values last whatever the order.
    if (x === null) return 1;
    if (y === null) return -1;
    const cmp = x < y ? -1 : 1;
    return keys[i]?.desc ? -cmp : cmp;
  }
  return 0;
}
