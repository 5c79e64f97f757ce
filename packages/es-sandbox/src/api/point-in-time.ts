import { randomBytes } from 'node:crypto';
import { EsError } from '../http/errors';
import {
  isObject,
  jsonBody,
  ok,
  parseTimeValue,
  type JsonObject,
  type SandboxRequest,
  type SandboxResponse,
} from '../http/request';
import type { Router } from '../http/router';
import type { ClusterState } from '../state/cluster-state';
import type { StoredDoc } from '../state/index-store';
import { compileQuery } from '../engine/query';
import { readTargets } from './indices';

/** A point in time: the searchable documents of its indices as they were when it was opened. */
interface PointInTime {
  docs: { index: string; doc: StoredDoc }[];
  shards: number;
  expiresAt: number;
}

/**
 * Points in time (`POST /{index}/_pit`, `DELETE /_pit`) and searches on them: `sort` by `_shard_doc`
 * (a document's position in the snapshot, its shard being index order here) with `search_after`, the
 * full scan Elasticsearch recommends. Enough for ds-reindex's verification; no other sort on a PIT.
 */
export class PitStore {
  private readonly pits = new Map<string, PointInTime>();

  open(state: ClusterState, req: SandboxRequest): SandboxResponse {
    const keepAlive = req.query.get('keep_alive');
    if (keepAlive === null) {
      throw new EsError(
        400,
        'action_request_validation_exception',
        'Validation Failed: 1: [keep_alive] is not specified;',
      );
    }
    const targets = readTargets(state, req, req.params.index ?? '_all');
    const docs = targets.flatMap((index) =>
      [...index.searchable.values()].map((doc) => ({ index: index.name, doc })),
    );
    const id = randomBytes(24).toString('base64url');
    this.pits.set(id, {
      docs,
      shards: targets.length,
      expiresAt: Date.now() + parseTimeValue(keepAlive, 'keep_alive'),
    });
    return ok({ id, _shards: { total: targets.length, successful: targets.length, skipped: 0, failed: 0 } });
  }

  close(req: SandboxRequest): SandboxResponse {
    const body = jsonBody(req) ?? {};
    const freed = typeof body.id === 'string' && this.pits.delete(body.id);
    return ok({ succeeded: true, num_freed: freed ? 1 : 0 }, freed ? 200 : 404);
  }

  /** `POST /_search` with `pit`: the next page after `search_after`, in `_shard_doc` order. */
  search(body: JsonObject, pit: JsonObject): SandboxResponse {
    const started = Date.now();
    const context = this.get(typeof pit.id === 'string' ? pit.id : '');
    if (typeof pit.keep_alive === 'string')
      context.expiresAt = Date.now() + parseTimeValue(pit.keep_alive, 'keep_alive');
    const size = typeof body.size === 'number' ? body.size : 10;
    const after = Array.isArray(body.search_after) ? Number(body.search_after[0]) : -1;
    const predicate = compileQuery(body.query);
    const hits: JsonObject[] = [];
    for (let position = after + 1; position < context.docs.length && hits.length < size; position += 1) {
      const entry = context.docs[position];
      if (entry === undefined || !predicate(entry.doc)) continue;
      const hit: JsonObject = { _index: entry.index, _id: entry.doc.id, _score: null };
      if (body._source !== false) hit._source = entry.doc.source;
      hit.sort = [position];
      hits.push(hit);
    }
    return ok({
      pit_id: pit.id,
      took: Date.now() - started,
      timed_out: false,
      _shards: { total: context.shards, successful: context.shards, skipped: 0, failed: 0 },
      hits: { max_score: null, hits },
    });
  }

  private get(id: string): PointInTime {
    const now = Date.now();
    for (const [key, pit] of this.pits) if (pit.expiresAt < now) this.pits.delete(key);
    const pit = this.pits.get(id);
    if (pit === undefined) {
      throw new EsError(404, 'search_context_missing_exception', `No search context found for id [${id}]`);
    }
    return pit;
  }
}

export function registerPointInTime(router: Router, state: ClusterState, pits: PitStore): void {
  router
    .add('POST', '/{index}/_pit', (req) => pits.open(state, req))
    .add('DELETE', '/_pit', (req) => pits.close(req));
}

/** The search body's `pit`, when it has one. */
export function pitOf(body: JsonObject): JsonObject | undefined {
  return isObject(body.pit) ? body.pit : undefined;
}
