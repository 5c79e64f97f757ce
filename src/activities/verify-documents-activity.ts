import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { ActivityDependencies } from './dependencies';
import { bucketOf, documentHash, DIGEST_BUCKETS, DocumentDigest, type CopySide } from './document-digest';
import { elasticsearchStep, FAILURE_TYPES, toActivityFailure } from './failures';
import { scanDocuments, type ScannedHit } from '../elasticsearch/document-scan';
import type { VerifyMode } from '../shared/verify-mode';

export interface VerifyDocumentsInput {
  sourceIndex: string;
  destinationIndex: string;
  mode: Exclude<VerifyMode, 'count'>;
}

/** The ids that differ, by kind, as the second pass found them. */
export interface Differences {
  missingInNew: string[];
  extraInNew: string[];
  contentDiffers: string[];
}

/** Ids named in the error, at most: enough to look at, short enough for the status. */
export const DIFFERING_IDS_NAMED = 10;
/**
 * The second pass keeps in memory the destination documents of differing buckets, whole buckets, until
 * this many: on a billion documents a bucket holds about a million, so the bound is one bucket then.
 */
export const SECOND_PASS_MAX_DOCUMENTS = 200_000;

/** Differing buckets to look into: in order, until their documents reach the bound (at least one). */
export function bucketsToExamine(differing: number[], digests: DocumentDigest[]): Set<number> {
  const chosen = new Set<number>();
  let documents = 0;
  for (const bucket of differing) {
    const inBucket = Math.max(...digests.map((digest) => digest.countIn(bucket)));
    if (chosen.size > 0 && documents + inBucket > SECOND_PASS_MAX_DOCUMENTS) break;
    chosen.add(bucket);
    documents += inBucket;
  }
  return chosen;
}

/**
 * Compares the source's documents with the destination's as the second pass reads them: destination
 * hashes first (`destination`), then each source document in turn; whatever is left of the destination
 * is extra.
 */
export class DifferenceCollector {
  readonly differences: Differences = { missingInNew: [], extraInNew: [], contentDiffers: [] };

  constructor(private readonly destination: Map<string, string>) {}

  sourceDocument(id: string, hash: string): void {
    const found = this.destination.get(id);
    if (found === undefined) this.note(this.differences.missingInNew, id);
    else if (found !== hash) this.note(this.differences.contentDiffers, id);
    this.destination.delete(id);
  }

  finish(): Differences {
    for (const id of this.destination.keys()) this.note(this.differences.extraInNew, id);
    return this.differences;
  }

  private note(list: string[], id: string): void {
    if (list.length < DIFFERING_IDS_NAMED) list.push(id);
  }
}

/** Up to `DIFFERING_IDS_NAMED` ids in all, taken from each kind in turn, so every kind found is named. */
export function differenceSummary(differences: Differences): string {
  const kinds: [string, string[]][] = [
    ['missing in new', differences.missingInNew],
    ['extra in new', differences.extraInNew],
    ['content differs', differences.contentDiffers],
  ];
  const named = kinds.map((): string[] => []);
  for (let taken = 0, round = 0; taken < DIFFERING_IDS_NAMED && round < DIFFERING_IDS_NAMED; round += 1) {
    kinds.forEach(([, ids], kind) => {
      const id = ids[round];
      if (id !== undefined && taken < DIFFERING_IDS_NAMED) {
        named[kind]?.push(id);
        taken += 1;
      }
    });
  }
  return kinds
    .map(([label], kind) => ({ label, ids: named[kind] ?? [] }))
    .filter(({ ids }) => ids.length > 0)
    .map(({ label, ids }) => `${label} [${ids.join(', ')}]`)
    .join('; ');
}

export function createVerifyDocumentsActivity({ es, worker }: ActivityDependencies) {
  /** Reads every document of one side, heartbeating each batch; stops at once when cancelled. */
  async function scan(index: string, withSource: boolean, visit: (hit: ScannedHit) => void): Promise<void> {
    const context = Context.current();
    let scanned = 0;
    const batches = scanDocuments(es, {
      index,
      withSource,
      batchSize: worker.verifyBatchDocuments,
      keepAliveMs: worker.verifyKeepAliveMs,
    });
    try {
      for await (const batch of batches) {
        for (const hit of batch) visit(hit);
        scanned += batch.length;
        context.heartbeat({ index, scanned });
        if (context.cancellationSignal.aborted) throw new CancelledFailure('verification cancelled');
      }
    } catch (err) {
      if (err instanceof CancelledFailure) throw err;
      throw toActivityFailure(err, index);
    }
  }

  async function digestOf(input: VerifyDocumentsInput, side: CopySide): Promise<DocumentDigest> {
    const digest = new DocumentDigest();
    const index = side === 'source' ? input.sourceIndex : input.destinationIndex;
    await scan(index, input.mode === 'content', (hit) => digest.add(input.mode, side, hit));
    return digest;
  }

  /** The second pass: both sides again, keeping only documents of the buckets examined. */
  async function differencesIn(input: VerifyDocumentsInput, buckets: Set<number>): Promise<Differences> {
    const withSource = input.mode === 'content';
    const hashOf = (side: CopySide, hit: ScannedHit): string | undefined =>
      buckets.has(bucketOf(hit.id)) ? documentHash(input.mode, side, hit).toString('hex') : undefined;
    const destination = new Map<string, string>();
    await scan(input.destinationIndex, withSource, (hit) => {
      const hash = hashOf('destination', hit);
      if (hash !== undefined) destination.set(hit.id, hash);
    });
    const collector = new DifferenceCollector(destination);
    await scan(input.sourceIndex, withSource, (hit) => {
      const hash = hashOf('source', hit);
      if (hash !== undefined) collector.sourceDocument(hit.id, hash);
    });
    return collector.finish();
  }

  return {
    /**
     * Proves the copy beyond its count, before the swap: the same `_id`s (`ids`) or the same `_id` →
     * `_source` (`content`) on both sides, through one order-independent digest of each index. When the
     * digests differ, a second pass over the differing buckets names the documents, and the index fails
     * (non-retryable): the source stays in the data stream, as after a count mismatch. Its own activity,
     * heartbeating every batch: a billion documents take hours.
     */
    async verifyDocuments(input: VerifyDocumentsInput): Promise<{ documents: number }> {
      await elasticsearchStep(
        () => es.indices.refresh({ index: `${input.sourceIndex},${input.destinationIndex}` }),
        input.sourceIndex,
      );
      const source = await digestOf(input, 'source');
      const destination = await digestOf(input, 'destination');
      const differing = source.differingBuckets(destination);
      let documents = 0;
      for (let bucket = 0; bucket < DIGEST_BUCKETS; bucket += 1) documents += source.countIn(bucket);
      if (differing.length === 0) return { documents };
      const differences = await differencesIn(input, bucketsToExamine(differing, [source, destination]));
      throw ApplicationFailure.nonRetryable(
        `documents differ (${input.mode} verification): source index [${input.sourceIndex}] and ` +
          `destination index [${input.destinationIndex}] differ in ${differing.length} of ${DIGEST_BUCKETS} ` +
          `id buckets: ${differenceSummary(differences) || 'no difference found on a second read'}`,
        FAILURE_TYPES.DOCUMENTS_DIFFER,
      );
    },
  };
}
