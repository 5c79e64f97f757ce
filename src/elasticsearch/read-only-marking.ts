import type { Client } from '@elastic/elasticsearch';
import { chunked } from './cluster-inspection';

const INDICES_PER_REQUEST = 40;

/**
 * Marks indices read-only the way Kibana's Upgrade Assistant does, with `PUT <index>/_block/write`.
 * On 8.18+ that API also records `index.verified_read_only: true` (checked on a real 8.19.21, open and
 * closed indices alike), which the next major reads as "read-only compatible" and which the upgrade
 * predicate reads as "leave it alone". Setting `index.blocks.write` through the settings API records no
 * such flag; that is why the upgrade's own source block uses settings, and this uses the block API.
 * Idempotent: an index already blocked stays blocked. A data stream's write index is refused by
 * Elasticsearch, so callers roll it over first.
 */
export async function markIndicesReadOnly(es: Client, indices: readonly string[]): Promise<void> {
  for (const chunk of chunked(indices, INDICES_PER_REQUEST)) {
    await es.indices.addBlock({ index: chunk.join(','), block: 'write' });
  }
}
