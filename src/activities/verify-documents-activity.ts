import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActivityDependencies } from './dependencies';
import { bucketsToExamine, differenceSummary } from './document-differences';
import { DIGEST_BUCKETS, DocumentDigest } from './document-digest';
import { elasticsearchStep, FAILURE_TYPES } from './failures';
import { checkpointOf, VerifyScans, type VerifyDocumentsInput } from './verify-scans';

export type { VerifyDocumentsInput } from './verify-scans';

export function createVerifyDocumentsActivity(deps: ActivityDependencies) {
  const { es } = deps;
  const scans = new VerifyScans(deps);
  return {
    /**
     * Proves the copy beyond its count, before the swap: the same `_id`s (`ids`) or the same `_id` →
     * `_source` (`content`) on both sides, through one order-independent digest of each index. When the
     * digests differ, a second pass over the differing buckets names the documents, and the index fails
     * (non-retryable): the source stays in the data stream, as after a count mismatch. Its own activity,
     * heartbeating every batch: a billion documents take hours, and a retried attempt resumes from the
     * last heartbeat while its point in time lives (`VERIFY_KEEP_ALIVE_MS`).
     */
    async verifyDocuments(input: VerifyDocumentsInput): Promise<{ documents: number }> {
      await elasticsearchStep(
        () => es.indices.refresh({ index: `${input.sourceIndex},${input.destinationIndex}` }),
        input.sourceIndex,
      );
      const checkpoint = checkpointOf(Context.current().info.heartbeatDetails, input.mode);
      const source =
        checkpoint?.side === 'destination' && checkpoint.sourceDigest !== undefined
          ? DocumentDigest.fromJSON(checkpoint.sourceDigest)
          : await scans.digestOf(input, 'source', checkpoint);
      const destination = await scans.digestOf(input, 'destination', checkpoint, source);
      const differing = source.differingBuckets(destination);
      let documents = 0;
      for (let bucket = 0; bucket < DIGEST_BUCKETS; bucket += 1) documents += source.countIn(bucket);
      if (differing.length === 0) return { documents };
      const differences = await scans.differencesIn(
        input,
        bucketsToExamine(differing, [source, destination]),
      );
      throw ApplicationFailure.nonRetryable(
        `documents differ (${input.mode} verification): source index [${input.sourceIndex}] and ` +
          `destination index [${input.destinationIndex}] differ in ${differing.length} of ${DIGEST_BUCKETS} ` +
          `id buckets: ${differenceSummary(differences) || 'no difference found on a second read'}`,
        FAILURE_TYPES.DOCUMENTS_DIFFER,
      );
    },
  };
}
