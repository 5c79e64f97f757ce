import { createHash } from 'node:crypto';
import type { VerifyMode } from '../shared/verify-mode';

/**
 * An order-independent digest of an index's documents, so two indices can be compared without sorting
 * them: documents are spread over `DIGEST_BUCKETS` buckets by a hash of their `_id`, and each bucket keeps
 * a count and `DIGEST_LANES` sums, mod 2^32, of 32-bit words of each document's hash (128 bits per
 * bucket in all). Sums commute, so the order the scan meets documents in does not matter; a dropped, an
 * extra or a changed document changes its bucket's sums except with probability about 2^-128.
 */
export const DIGEST_BUCKETS = 1024;
export const DIGEST_LANES = 4;
const SLOTS = 1 + DIGEST_LANES;

/** A document as the scan reads it: `_source` only in `content` mode. */
export interface ScannedDocument {
  id: string;
  source?: unknown;
}

/** Which side of the copy a document was read from: the source gets the pipeline's change applied. */
export type CopySide = 'source' | 'destination';

/** Object keys sorted at every depth, arrays in their order: one text for one JSON value. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A source document as the copy is meant to write it: the missing-timestamp pipeline sets `@timestamp`
 * to 0 where a document has none or null (a `set` with `override: false`), and changes nothing else. So
 * the one intended difference is predicted exactly, and a destination document that differs in any other
 * way (a timestamp included) still counts as different.
 */
export function sourceAsCopied(source: unknown): unknown {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) return source;
  const fields = source as Record<string, unknown>;
  const timestamp = fields['@timestamp'];
  return timestamp === undefined || timestamp === null ? { ...fields, '@timestamp': 0 } : source;
}

/** The bucket of an `_id`: the first bits of its SHA-256. */
export function bucketOf(id: string): number {
  return createHash('sha256').update(id, 'utf8').digest().readUInt16BE(0) % DIGEST_BUCKETS;
}

/** A document's hash: of its `_id`, and in `content` mode of its canonical `_source` too. */
export function documentHash(mode: VerifyMode, side: CopySide, doc: ScannedDocument): Buffer {
  const hash = createHash('sha256').update(doc.id, 'utf8');
  if (mode === 'content') {
    const source = side === 'source' ? sourceAsCopied(doc.source) : doc.source;
    hash.update('\u0000', 'utf8').update(canonicalJson(source), 'utf8');
  }
  return hash.digest();
}

/** The digest of one index; `toJSON`/`fromJSON` carry it in a heartbeat. */
export class DocumentDigest {
  private readonly slots: Uint32Array;

  constructor(slots?: Uint32Array) {
    this.slots = slots ?? new Uint32Array(DIGEST_BUCKETS * SLOTS);
  }

  add(mode: VerifyMode, side: CopySide, doc: ScannedDocument): void {
    const hash = documentHash(mode, side, doc);
    const base = bucketOf(doc.id) * SLOTS;
    // Uint32Array stores wrap mod 2^32 by themselves.
    this.slots[base] = (this.slots[base] ?? 0) + 1;
    for (let lane = 0; lane < DIGEST_LANES; lane += 1) {
      const slot = base + 1 + lane;
      this.slots[slot] = (this.slots[slot] ?? 0) + hash.readUInt32BE(lane * 4);
    }
  }

  /** Documents counted in one bucket. */
  countIn(bucket: number): number {
    return this.slots[bucket * SLOTS] ?? 0;
  }

  /** The buckets whose count or sums differ, in order. */
  differingBuckets(other: DocumentDigest): number[] {
    const differing: number[] = [];
    for (let bucket = 0; bucket < DIGEST_BUCKETS; bucket += 1) {
      const base = bucket * SLOTS;
      for (let slot = base; slot < base + SLOTS; slot += 1) {
        if (this.slots[slot] !== other.slots[slot]) {
          differing.push(bucket);
          break;
        }
      }
    }
    return differing;
  }

  toJSON(): string {
    return Buffer.from(this.slots.buffer, this.slots.byteOffset, this.slots.byteLength).toString('base64');
  }

  static fromJSON(text: string): DocumentDigest {
    const bytes = Buffer.from(text, 'base64');
    const slots = new Uint32Array(DIGEST_BUCKETS * SLOTS);
    new Uint8Array(slots.buffer).set(bytes.subarray(0, slots.byteLength));
    return new DocumentDigest(slots);
  }
}
