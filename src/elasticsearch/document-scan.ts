import type { Client } from '@elastic/elasticsearch';
import type { SortResults } from '@elastic/elasticsearch/lib/api/types';

/** One document as a scan reads it: `_source` only when asked for. */
export interface ScannedHit {
  id: string;
  source?: unknown;
}

export interface ScanOptions {
  index: string;
  /** `_source` too (content verification); otherwise `_id` only, which reads no stored fields. */
  withSource: boolean;
  /** Documents per search request. */
  batchSize: number;
  /** How long the point in time lives between two requests. */
  keepAliveMs: number;
}

/**
 * Every document of one index, one batch at a time: a point in time (a fixed view, whatever is written
 * meanwhile) read in `_shard_doc` order with `search_after`, the cheapest full scan Elasticsearch offers,
 * with no sort on any field and no scroll context per shard. The point in time is closed at the end, also
 * when the caller stops early or fails.
 */
export async function* scanDocuments(es: Client, options: ScanOptions): AsyncGenerator<ScannedHit[]> {
  const keepAlive = `${options.keepAliveMs}ms`;
  const opened = await es.openPointInTime({ index: options.index, keep_alive: keepAlive });
  let pitId = opened.id;
  try {
    let after: SortResults | undefined;
    for (;;) {
      const page = await es.search({
        pit: { id: pitId, keep_alive: keepAlive },
        size: options.batchSize,
        sort: [{ _shard_doc: 'asc' }],
        track_total_hits: false,
        _source: options.withSource,
        ...(after !== undefined ? { search_after: after } : {}),
      });
      if (page.pit_id !== undefined) pitId = page.pit_id;
      const hits = page.hits.hits;
      if (hits.length === 0) return;
      yield hits.map((hit) =>
        options.withSource ? { id: hit._id ?? '', source: hit._source } : { id: hit._id ?? '' },
      );
      // Until an empty page: a short page does not prove the end on every version.
      after = hits[hits.length - 1]?.sort;
    }
  } finally {
    await es.closePointInTime({ id: pitId }).catch(() => undefined);
  }
}
