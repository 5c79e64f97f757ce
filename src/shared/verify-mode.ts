/**
 * How a backing index's copy is proven before the swap (issue 23). Every mode also compares the counts.
 *
 * - `count`: the document counts of both indices (the default: cheapest, as before).
 * - `ids`: the same set of `_id`s on both sides.
 * - `content`: the same `_id` → `_source` on both sides, `@timestamp: 0` allowed where the source had none
 *   (the missing-timestamp pipeline's one intended change).
 */
export const VERIFY_MODES = ['count', 'ids', 'content'] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];

export const DEFAULT_VERIFY_MODE: VerifyMode = 'count';

/**
 * The cluster-level default, a user-defined cluster metadata setting (`cluster.metadata.*` is accepted by
 * every Elasticsearch cluster, unlike a `migrate.*` name the cluster does not register), read when an
 * upgrade starts without `verify` of its own.
 */
export const VERIFY_MODE_SETTING = 'cluster.metadata.ds_reindex.verify';

export function isVerifyMode(value: unknown): value is VerifyMode {
  return typeof value === 'string' && (VERIFY_MODES as readonly string[]).includes(value);
}

/** Why a value is not a mode, in Elasticsearch's words for an unknown enum value. */
export function invalidVerifyModeReason(field: string, value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `[${field}] must be one of [${VERIFY_MODES.join(', ')}], got [${text}]`;
}

/** A mode compared case-insensitively (as Elasticsearch compares `mode`); undefined if it is none. */
export function parseVerifyMode(value: unknown): VerifyMode | undefined {
  const lower = typeof value === 'string' ? value.trim().toLowerCase() : value;
  return isVerifyMode(lower) ? lower : undefined;
}
