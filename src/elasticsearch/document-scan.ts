import type { Client } from '@elastic/elasticsearch';
import type { SortResults } from '@elastic/elasticsearch/lib/api/types';
import { isNotFound } from './errors';

/** One document as a scan reads it: `_source` only when asked for. */
export interface ScannedHit {
  id: string;
  source?: unknown;
}

/** Where a scan is: its point in time and the sort values of the last document read. */
export interface ScanPosition {
  pitId: string;
  after: SortResults;
}

/** One batch, and the position after it (to resume from, after a crash). */
export interface ScanBatch {
  hits: ScannedHit[];
  position: ScanPosition;
}

export interface ScanOptions {
  index: string;
  /** `_source` too (content verification); otherwise `_id` only, which reads no stored fields. */
  withSource: boolean;
  /** Documents per search request. */
  batchSize: number;
  /** How long the point in time lives between two requests. */
  keepAliveMs: number;
  /** Go on after this position of an earlier scan, in its point in time, instead of starting one. */
  resume?: ScanPosition;
}

/** The point in time a resumed scan named has expired or was closed: the scan must start again. */
export class PointInTimeGoneError extends Error {
  override readonly name = 'PointInTimeGoneError';
}

/**
 * Every document of one index, one batch at a time: a point in time (a fixed view, whatever is written
 * meanwhile) read in `_shard_doc` order with `search_after`, the cheapest full scan Elasticsearch offers,
 * with no sort on any field. Each batch carries its position, so a scan can resume in the same point in
 * time while it lives. The point in time is closed at the end, also when the caller stops or fails.
 */
export async function* scanDocuments(es: Client, options: ScanOptions): AsyncGenerator<ScanBatch> {
  const keepAlive = `${options.keepAliveMs}ms`;
  let pitId =
    options.resume?.pitId ?? (await es.openPointInTime({ index: options.index, keep_alive: keepAlive })).id;
  let after = options.resume?.after;
  try {
    for (;;) {
      const page = await es
        .search({
          pit: { id: pitId, keep_alive: keepAlive },
          size: options.batchSize,
          sort: [{ _shard_doc: 'asc' }],
          track_total_hits: false,
          _source: options.withSource,
          ...(after !== undefined ? { search_after: after } : {}),
        })
        .catch((err: unknown) => {
          throw isNotFound(err)
            ? new PointInTimeGoneError(`point in time of [${options.index}] is gone`)
            : err;
        });
      if (page.pit_id !== undefined) pitId = page.pit_id;
      const hits = page.hits.hits;
      // Until an empty page: a short page does not prove the end on every version.
      if (hits.length === 0) return;
      after = hits[hits.length - 1]?.sort ?? [];
      yield {
        hits: hits.map((hit) =>
          options.withSource ? { id: hit._id ?? '', source: hit._source } : { id: hit._id ?? '' },
        ),
        position: { pitId, after },
      };
    }
  } finally {
    await es.closePointInTime({ id: pitId }).catch(() => undefined);
  }
}
