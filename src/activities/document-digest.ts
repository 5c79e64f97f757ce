import * as crypto from 'node:crypto';
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

/**
 * SHA-256 in one call: `crypto.hash` (Node.js 20.12 and later) costs a fifth of `createHash` per small
 * input, and verification hashes every document; older Node.js falls back to `createHash`.
 */
const sha256: (data: string) => Buffer =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'buffer')
    : (data) => crypto.createHash('sha256').update(data, 'utf8').digest();

/**
 * The bucket of an `_id`: the top 10 bits of its 32-bit FNV-1a hash. It only spreads documents over
 * buckets (the same bucket on both sides, whatever the content); what proves them is the SHA-256 below.
 */
export function bucketOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) >>> (32 - Math.log2(DIGEST_BUCKETS));
}

/** A document's hash: of its `_id`, and in `content` mode of its canonical `_source` too. */
export function documentHash(mode: VerifyMode, side: CopySide, doc: ScannedDocument): Buffer {
  if (mode !== 'content') return sha256(doc.id);
  const source = side === 'source' ? sourceAsCopied(doc.source) : doc.source;
  // `_id` first, then a separator no `_id` holds in JSON: one text per (id, source).
  return sha256(`${JSON.stringify(doc.id)}\u0000${canonicalJson(source)}`);
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
