import { randomBytes } from 'node:crypto';
import { EsError } from '../http/errors';
import {
  isObject,
  jsonBody,
  parseTimeValue,
  ok,
  type Json,
  type JsonObject,
  type SandboxRequest,
  type SandboxResponse,
} from '../http/request';
import type { Router } from '../http/router';
import type { ClusterState } from '../state/cluster-state';
import type { StoredDoc } from '../state/index-store';
import { compareSortValues, compileQuery, parseSort, sortValues, type SortKey } from '../engine/query';
import { readTargets } from './indices';
import { PitStore, pitOf, registerPointInTime } from './point-in-time';

interface Hit {
  index: string;
  doc: StoredDoc;
  sort: Json[];
}

interface ScrollContext {
  hits: Hit[];
  position: number;
  size: number;
  sorted: boolean;
  sourceFilter: Json | undefined;
  total: number;
  expiresAt: number;
}

function filterSource(source: JsonObject, filter: Json | undefined): JsonObject | undefined {
  if (filter === undefined || filter === true) return source;
  if (filter === false) return undefined;
  const includes =
    typeof filter === 'string'
      ? [filter]
      : Array.isArray(filter)
        ? filter.map(String)
        : isObject(filter) && Array.isArray(filter.includes)
          ? filter.includes.map(String)
          : undefined;
  if (!includes) return source;
  return Object.fromEntries(
    Object.entries(source).filter(([k]) =>
      includes.some((p) => p === k || (p.endsWith('*') && k.startsWith(p.slice(0, -1)))),
    ),
  );
}

function renderHit(hit: Hit, sorted: boolean, filter: Json | undefined): JsonObject {
  const out: JsonObject = { _index: hit.index, _id: hit.doc.id, _score: sorted ? null : 1 };
  const source = filterSource(hit.doc.source, filter);
  if (source !== undefined) out._source = source;
  if (sorted) out.sort = hit.sort;
  return out;
}

function totalHits(total: number, track: Json | undefined): JsonObject | undefined {
  if (track === false) return undefined;
  const limit = track === true ? Infinity : typeof track === 'number' ? track : 10_000;
  return total > limit ? { value: limit, relation: 'gte' } : { value: total, relation: 'eq' };
}

function collect(
  state: ClusterState,
  req: SandboxRequest,
  expression: string,
  query: Json | undefined,
  keys: SortKey[],
): { hits: Hit[]; shards: number } {
  const targets = readTargets(state, req, expression);
  const predicate = compileQuery(query);
  const hits: Hit[] = [];
  let position = 0;
  for (const index of targets) {
    for (const doc of index.searchable.values()) {
      if (predicate(doc)) hits.push({ index: index.name, doc, sort: sortValues(doc, position, keys) });
      position++;
    }
  }
  const hasRealSort = keys.some((k) => k.field !== '_doc');
  if (hasRealSort) hits.sort((a, b) => compareSortValues(a.sort, b.sort, keys));
  return { hits, shards: targets.length };
}

export class ScrollStore {
  private readonly contexts = new Map<string, ScrollContext>();

  add(ctx: ScrollContext): string {
    this.expire();
    const id = randomBytes(24).toString('base64url');
    this.contexts.set(id, ctx);
    return id;
  }

  get(id: string): ScrollContext {
    this.expire();
    const ctx = this.contexts.get(id);
    if (!ctx) {
      throw new EsError(
        404,
        'search_phase_execution_exception',
        'all shards failed',
        { phase: 'query', grouped: true, failed_shards: [] },
        {
          type: 'search_context_missing_exception',
          reason: `No search context found for id [${id}]`,
        },
      );
    }
    return ctx;
  }

  delete(ids: string[]): number {
    let freed = 0;
    for (const id of ids) if (this.contexts.delete(id)) freed++;
    return freed;
  }

  clear(): number {
    const n = this.contexts.size;
    this.contexts.clear();
    return n;
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, ctx] of this.contexts) if (ctx.expiresAt < now) this.contexts.delete(id);
  }
}

function page(
  ctx: ScrollContext,
  scrollId: string | undefined,
  took: number,
  shards: number,
  trackTotal: Json | undefined,
): JsonObject {
  const slice = ctx.hits.slice(ctx.position, ctx.position + ctx.size);
  ctx.position += slice.length;
  const body: JsonObject = {};
  if (scrollId !== undefined) body._scroll_id = scrollId;
  body.took = took;
  body.timed_out = false;
  body._shards = { total: shards, successful: shards, skipped: 0, failed: 0 };
  const hits: JsonObject = {};
  const total = totalHits(ctx.total, trackTotal);
  if (total) hits.total = total;
  hits.max_score = ctx.sorted || slice.length === 0 ? null : 1;
  hits.hits = slice.map((h) => renderHit(h, ctx.sorted, ctx.sourceFilter));
  body.hits = hits;
  return body;
}

function nonNegativeInt(name: string, raw: Json): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new EsError(400, 'x_content_parse_exception', `[1:1] [search] failed to parse field [${name}]`);
  }
  return n;
}

function search(
  state: ClusterState,
  scrolls: ScrollStore,
  req: SandboxRequest,
  pits: PitStore,
): SandboxResponse {
  const started = Date.now();
  const body = jsonBody(req) ?? {};
  const pit = pitOf(body);
  if (pit !== undefined) return pits.search(body, pit);
  const size = nonNegativeInt('size', req.query.get('size') ?? body.size ?? 10);
  const from = nonNegativeInt('from', req.query.get('from') ?? body.from ?? 0);
  const keys = parseSort(body.sort ?? req.query.get('sort') ?? undefined);
  const { hits, shards } = collect(state, req, req.params.index ?? '_all', body.query, keys);
  const scroll = req.query.get('scroll');
  const ctx: ScrollContext = {
    hits,
    position: scroll ? 0 : from,
    size,
    sorted: keys.length > 0,
    sourceFilter: body._source,
    total: hits.length,
    expiresAt: scroll ? started + parseTimeValue(scroll, 'scroll') : 0,
  };
  const id = scroll ? scrolls.add(ctx) : undefined;
  return ok(page(ctx, id, Date.now() - started, shards, scroll ? true : body.track_total_hits));
}

function scrollIdsFrom(req: SandboxRequest): string[] {
  const body = jsonBody(req) ?? {};
  const raw = req.params.scroll_id ?? body.scroll_id ?? req.query.get('scroll_id');
  if (Array.isArray(raw)) return raw.map(String);
  return typeof raw === 'string' ? raw.split(',') : [];
}

export function registerSearch(router: Router, state: ClusterState, scrolls: ScrollStore): void {
  const pits = new PitStore();
  registerPointInTime(router, state, pits);
  const scrollNext = (req: SandboxRequest): SandboxResponse => {
    const started = Date.now();
    const body = jsonBody(req) ?? {};
    const [id] = scrollIdsFrom(req);
    if (id === undefined)
      throw new EsError(
        400,
        'action_request_validation_exception',
        'Validation Failed: 1: scrollId is missing;',
      );
    const ctx = scrolls.get(id);
    const keepAlive = typeof body.scroll === 'string' ? body.scroll : req.query.get('scroll');
    if (keepAlive) ctx.expiresAt = Date.now() + parseTimeValue(keepAlive, 'scroll');
    return ok(page(ctx, id, Date.now() - started, 1, true));
  };
  const clear = (req: SandboxRequest): SandboxResponse => {
    const ids = scrollIdsFrom(req);
    const freed = ids.includes('_all') ? scrolls.clear() : scrolls.delete(ids);
    return ok({ succeeded: true, num_freed: freed }, freed > 0 || ids.length === 0 ? 200 : 404);
  };
  router
    .add(['GET', 'POST'], '/_search', (req) => search(state, scrolls, req, pits))
    .add(['GET', 'POST'], '/{index}/_search', (req) => search(state, scrolls, req, pits))
    .add(['GET', 'POST'], '/_search/scroll', scrollNext)
    .add(['GET', 'POST'], '/_search/scroll/{scroll_id}', scrollNext)
    .add('DELETE', '/_search/scroll', clear)
    .add('DELETE', '/_search/scroll/{scroll_id}', clear)
    .add(['GET', 'POST'], '/{index}/_count', (req) => {
      const body = jsonBody(req) ?? {};
      const { hits, shards } = collect(state, req, req.params.index ?? '_all', body.query, []);
      return ok({
        count: hits.length,
        _shards: { total: shards, successful: shards, skipped: 0, failed: 0 },
      });
    })
    .add(['GET', 'POST'], '/_count', (req) => {
      const body = jsonBody(req) ?? {};
      const { hits, shards } = collect(state, req, '_all', body.query, []);
      return ok({
        count: hits.length,
        _shards: { total: shards, successful: shards, skipped: 0, failed: 0 },
      });
    });
}
