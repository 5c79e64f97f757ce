/**
 * Disk arithmetic, pure: Elasticsearch's disk watermarks as free bytes on a node, and whether the extra
 * space an upgrade needs at once fits below them. The reading of the settings and the node figures is in
 * src/elasticsearch/disk-facts.ts.
 */

/** A watermark as Elasticsearch reads it: a share of the disk used, or an amount of free space left. */
export type Watermark = { kind: 'used-percent'; percent: number } | { kind: 'free-bytes'; bytes: number };

/** The three watermarks of `cluster.routing.allocation.disk.watermark.*` that act on hot data nodes. */
export const WATERMARK_LEVELS = ['low', 'high', 'flood_stage'] as const;
export type WatermarkLevel = (typeof WATERMARK_LEVELS)[number];

/** One watermark in force, as the cluster settings give it (set, or the default). */
export interface WatermarkSetting {
  /** As written: `85%`, `0.85` or `500mb`. */
  value: string;
  /** `.max_headroom` as in force (`200GB`, or `-1` for none); only percentages use it. */
  max_headroom: string;
  /** Whether the watermark was set (persistent or transient) or is Elasticsearch's default. */
  source: 'set' | 'default';
}

export type WatermarkSettings = Record<WatermarkLevel, WatermarkSetting>;

/** Free bytes each watermark requires on one node. */
export type FreeBytesRequired = Record<WatermarkLevel, number>;

/**
 * Where a node's free disk ends up, best first: below the low watermark (no allocation limit hit),
 * below high (no new replica lands there, nothing moves away), below flood stage (shards are moved
 * away), or past flood stage (every index with a shard there gets `index.blocks.read_only_allow_delete`).
 */
export const DISK_VERDICTS = ['below_low', 'below_high', 'below_flood_stage', 'past_flood_stage'] as const;
export type DiskVerdict = (typeof DISK_VERDICTS)[number];

export class InvalidWatermarkError extends Error {
  override readonly name = 'InvalidWatermarkError';
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  k: 1024,
  mb: 1024 ** 2,
  m: 1024 ** 2,
  gb: 1024 ** 3,
  g: 1024 ** 3,
  tb: 1024 ** 4,
  t: 1024 ** 4,
  pb: 1024 ** 5,
  p: 1024 ** 5,
};

/** A byte size as Elasticsearch's `ByteSizeValue` reads it (`500mb`, `1.5gb`, `1024b`; binary units); `-1` stays -1. */
export function parseByteSize(value: string): number {
  const text = value.trim().toLowerCase();
  if (text === '-1') return -1;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(text);
  const unit = match ? BYTE_UNITS[match[2]] : undefined;
  if (!match || unit === undefined) {
    throw new InvalidWatermarkError(`failed to parse [${value}] as a byte size`);
  }
  return Math.floor(Number(match[1]) * unit);
}

/**
 * A watermark value: a percentage (`85%`) or a ratio (`0.85`) of the disk used, else an absolute amount
 * of free space (`500mb`), the order in which Elasticsearch tries them.
 */
export function parseWatermark(value: string): Watermark {
  const text = value.trim();
  if (text.endsWith('%')) {
    const percent = Number(text.slice(0, -1));
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
      throw new InvalidWatermarkError(`failed to parse [${value}] as a percentage`);
    }
    return { kind: 'used-percent', percent };
  }
  if (/^\d+(\.\d+)?$/.test(text)) {
    const ratio = Number(text);
    if (ratio > 1) throw new InvalidWatermarkError(`failed to parse [${value}] as a ratio: it is above 1.0`);
    return { kind: 'used-percent', percent: ratio * 100 };
  }
  return { kind: 'free-bytes', bytes: parseByteSize(text) };
}

/**
 * The free bytes a watermark requires on a disk of `totalBytes`: an absolute value as it is; a
 * percentage leaves `(100 - percent)%` of the disk free, but never more than its max headroom (when not -1).
 */
export function freeBytesRequired(setting: WatermarkSetting, totalBytes: number): number {
  const watermark = parseWatermark(setting.value);
  if (watermark.kind === 'free-bytes') return watermark.bytes;
  const byShare = Math.floor((totalBytes * (100 - watermark.percent)) / 100);
  const headroom = parseByteSize(setting.max_headroom);
  return headroom < 0 ? byShare : Math.min(byShare, headroom);
}

export function freeBytesRequiredByLevel(settings: WatermarkSettings, totalBytes: number): FreeBytesRequired {
  return {
    low: freeBytesRequired(settings.low, totalBytes),
    high: freeBytesRequired(settings.high, totalBytes),
    flood_stage: freeBytesRequired(settings.flood_stage, totalBytes),
  };
}

/** Where a node's free disk ends up once `extraBytes` more are written to it. */
export function diskVerdict(
  availableBytes: number,
  extraBytes: number,
  required: FreeBytesRequired,
): DiskVerdict {
  const after = availableBytes - extraBytes;
  if (after >= required.low) return 'below_low';
  if (after >= required.high) return 'below_high';
  if (after >= required.flood_stage) return 'below_flood_stage';
  return 'past_flood_stage';
}

/**
 * The most extra space copies take on one node at once when `concurrency` run together: the sum of the
 * `concurrency` largest. (Which copies run together depends on the order and their speed; the largest
 * together is the worst case.)
 */
export function largestAtOnce(extraBytesPerCopy: readonly number[], concurrency: number): number {
  return [...extraBytesPerCopy]
    .sort((a, b) => b - a)
    .slice(0, Math.max(1, concurrency))
    .reduce((sum, bytes) => sum + bytes, 0);
}

/**
 * Whether a copy needing `extraBytes` on a node may start now: the node's free disk, less what the copies
 * already running there may still write (`reservedBytes`), must stay at or above the high watermark.
 */
export function fitsBelowHigh(
  availableBytes: number,
  reservedBytes: number,
  extraBytes: number,
  required: FreeBytesRequired,
): boolean {
  return availableBytes - reservedBytes - extraBytes >= required.high;
}
