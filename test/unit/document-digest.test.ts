import {
  canonicalJson,
  DIGEST_BUCKETS,
  DocumentDigest,
  sourceAsCopied,
  type CopySide,
  type ScannedDocument,
} from '../../src/activities/document-digest';
import {
  bucketsToExamine,
  DifferenceCollector,
  differenceSummary,
} from '../../src/activities/document-differences';
import { deriveStatus } from '../../src/shared/status';
import { parseVerifyMode } from '../../src/shared/verify-mode';
import { verifyModeParam } from '../../src/client/http-api/request-params';
import type { VerifyMode } from '../../src/shared/verify-mode';

const docs: ScannedDocument[] = Array.from({ length: 500 }, (_, i) => ({
  id: `doc-${i}`,
  source: { '@timestamp': 1_700_000_000_000 + i, message: `m${i}`, nested: { b: i, a: [1, 2] } },
}));

function digestOf(mode: VerifyMode, side: CopySide, documents: ScannedDocument[]): DocumentDigest {
  const digest = new DocumentDigest();
  for (const doc of documents) digest.add(mode, side, doc);
  return digest;
}

/** Both modes' verdict on a destination, and the ids the second pass names. */
function compare(mode: VerifyMode, source: ScannedDocument[], destination: ScannedDocument[]) {
  const a = digestOf(mode, 'source', source);
  const b = digestOf(mode, 'destination', destination);
  const differing = a.differingBuckets(b);
  const buckets = bucketsToExamine(differing, [a, b]);
  const kept = new Map<string, string>();
  const hashOf = (side: CopySide, doc: ScannedDocument): string => {
    const single = new DocumentDigest();
    single.add(mode, side, doc);
    return single.toJSON();
  };
  for (const doc of destination) kept.set(doc.id, hashOf('destination', doc));
  const collector = new DifferenceCollector(kept);
  for (const doc of source) collector.sourceDocument(doc.id, hashOf('source', doc));
  return { differing, buckets, differences: collector.finish() };
}

describe('document digest', () => {
  it('is the same whatever order the documents come in', () => {
    const shuffled = [...docs].reverse();
    for (const mode of ['ids', 'content'] as const) {
      expect(
        digestOf(mode, 'source', docs).differingBuckets(digestOf(mode, 'destination', shuffled)),
      ).toEqual([]);
    }
  });

  it('sees key order in _source as no change: the canonical JSON sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { y: 1, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"x":2,"y":1}]},"b":1}',
    );
    const reordered = docs.map((doc) => ({
      id: doc.id,
      source: JSON.parse(canonicalJson(doc.source)) as unknown,
    }));
    expect(
      digestOf('content', 'source', docs).differingBuckets(digestOf('content', 'destination', reordered)),
    ).toEqual([]);
  });

  it('finds a changed field with content, not with ids, and names it', () => {
    const changed = docs.map((doc) =>
      doc.id === 'doc-7' ? { id: doc.id, source: { ...(doc.source as object), message: 'tampered' } } : doc,
    );
    expect(compare('ids', docs, changed).differing).toEqual([]);
    const { differing, differences } = compare('content', docs, changed);
    expect(differing).toHaveLength(1);
    expect(differences).toEqual({ missingInNew: [], extraInNew: [], contentDiffers: ['doc-7'] });
  });

  it('finds a dropped and an extra document in both modes', () => {
    const tampered = [...docs.filter((doc) => doc.id !== 'doc-3'), { id: 'intruder', source: { x: 1 } }];
    for (const mode of ['ids', 'content'] as const) {
      const { differing, differences } = compare(mode, docs, tampered);
      expect(differing.length).toBeGreaterThanOrEqual(1);
      expect(differing.length).toBeLessThanOrEqual(2);
      expect(differences).toEqual({ missingInNew: ['doc-3'], extraInNew: ['intruder'], contentDiffers: [] });
    }
  });

  it('expects @timestamp 0 where the source had none or null, and only there', () => {
    const source = [
      { id: 'no-ts', source: { message: 'a' } },
      { id: 'null-ts', source: { message: 'b', '@timestamp': null } },
    ];
    const copied = [
      { id: 'no-ts', source: { message: 'a', '@timestamp': 0 } },
      { id: 'null-ts', source: { '@timestamp': 0, message: 'b' } },
    ];
    expect(sourceAsCopied({ message: 'a' })).toEqual({ message: 'a', '@timestamp': 0 });
    expect(sourceAsCopied({ '@timestamp': 5 })).toEqual({ '@timestamp': 5 });
    expect(compare('content', source, copied).differing).toEqual([]);
    // Left without it, or given another value, the destination differs.
    expect(
      compare('content', source, [{ id: 'no-ts', source: { message: 'a' } }, copied[1]]).differences,
    ).toEqual({
      missingInNew: [],
      extraInNew: [],
      contentDiffers: ['no-ts'],
    });
    // A timestamp the source had is never replaced by 0.
    const withTs = [{ id: 'ts', source: { '@timestamp': 5 } }];
    expect(compare('content', withTs, [{ id: 'ts', source: { '@timestamp': 0 } }]).differing).toHaveLength(1);
  });

  it('survives a heartbeat: toJSON and fromJSON keep every bucket', () => {
    const digest = digestOf('content', 'source', docs);
    const again = DocumentDigest.fromJSON(digest.toJSON());
    expect(again.differingBuckets(digest)).toEqual([]);
    let total = 0;
    for (let bucket = 0; bucket < DIGEST_BUCKETS; bucket += 1) total += again.countIn(bucket);
    expect(total).toBe(docs.length);
  });

  it('names at most ten ids in all, every kind found among them', () => {
    const ids = (prefix: string) => Array.from({ length: 12 }, (_, i) => `${prefix}${i}`);
    const summary = differenceSummary({
      missingInNew: ids('m'),
      extraInNew: ['e0'],
      contentDiffers: ids('c'),
    });
    expect(summary).toBe(
      'missing in new [m0, m1, m2, m3, m4]; extra in new [e0]; content differs [c0, c1, c2, c3]',
    );
  });
});

describe('verify mode', () => {
  it('parses case-insensitively and refuses anything else', () => {
    expect(parseVerifyMode('CONTENT')).toBe('content');
    expect(parseVerifyMode('ids')).toBe('ids');
    expect(parseVerifyMode('all')).toBeUndefined();
    expect(parseVerifyMode(3)).toBeUndefined();
  });

  it('reads ?verify= on the HTTP API, refusing anything else with illegal_argument_exception', () => {
    expect(verifyModeParam(new URLSearchParams('verify=ids'))).toBe('ids');
    expect(verifyModeParam(new URLSearchParams(''))).toBeUndefined();
    let refused: unknown;
    try {
      verifyModeParam(new URLSearchParams('verify=nope'));
    } catch (err) {
      refused = err;
    }
    expect(refused).toMatchObject({
      status: 400,
      type: 'illegal_argument_exception',
      reason: '[verify] must be one of [count, ids, content], got [nope]',
    });
  });

  it('shows in the status only when not count, so a default status is exactly Elasticsearch’s', () => {
    const state = {
      startTimeMillis: 1,
      complete: false,
      totalIndicesInDataStream: 1,
      totalIndicesRequiringUpgrade: 0,
      inProgress: [],
      pendingCount: 0,
      errors: [],
    };
    expect(deriveStatus({ ...state, verify: 'count' })).not.toHaveProperty('verify');
    expect(deriveStatus({ ...state, verify: 'content' }).verify).toBe('content');
  });
});
