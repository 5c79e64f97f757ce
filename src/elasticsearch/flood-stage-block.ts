import type { Client } from '@elastic/elasticsearch';

/** The block Elasticsearch puts on every index with a shard on a node past the flood-stage watermark. */
export const FLOOD_STAGE_BLOCK_SETTING = 'index.blocks.read_only_allow_delete';

/**
 * Whether a failure is a write refused by that block: a `cluster_block_exception` whose reason names it,
 * "index [x] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has
 * read-only-allow-delete block]". A plain write block (`FORBIDDEN/8/index write`) is not: it would not
 * go away on its own.
 */
export function isFloodStageBlock(failure: unknown): boolean {
  const text = JSON.stringify(failure ?? null);
  return text.includes('cluster_block_exception') && /read-only-allow-delete|flood-stage/.test(text);
}

/** Of `indices`, those that carry the flood-stage block now (missing indices are left out). */
export async function floodStageBlockedIndices(es: Client, indices: readonly string[]): Promise<string[]> {
  const response = await es.indices.getSettings({
    index: [...indices],
    name: FLOOD_STAGE_BLOCK_SETTING,
    flat_settings: true,
    ignore_unavailable: true,
    expand_wildcards: ['open', 'hidden'],
  });
  return Object.entries(response)
    .filter(([, entry]) => {
      const settings = (entry.settings ?? {}) as Record<string, unknown>;
      return String(settings[FLOOD_STAGE_BLOCK_SETTING]) === 'true';
    })
    .map(([index]) => index);
}
