import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { ActivityDependencies } from './dependencies';
import { DifferenceCollector, type Differences } from './document-differences';
import { bucketOf, documentHash, DocumentDigest, type CopySide } from './document-digest';
import { FAILURE_TYPES, STEP_HEARTBEAT_INTERVAL_MS, toActivityFailure } from './failures';
import {
  PointInTimeGoneError,
  scanDocuments,
  type ScannedHit,
  type ScanPosition,
} from '../elasticsearch/document-scan';
import type { VerifyMode } from '../shared/verify-mode';

export interface VerifyDocumentsInput {
  sourceIndex: string;
  destinationIndex: string;
  mode: Exclude<VerifyMode, 'count'>;
}

/**
 * What the first pass heartbeats after every batch, so a retried attempt resumes where the last one was
 * (while its point in time lives): which side it reads, the source's finished digest once it reads the
 * destination, the digest so far and the position it covers.
 */
interface VerifyCheckpoint {
  mode: VerifyDocumentsInput['mode'];
  side: CopySide;
  sourceDigest?: string;
  digest: string;
  position: ScanPosition;
}

export function checkpointOf(
  details: unknown,
  mode: VerifyDocumentsInput['mode'],
): VerifyCheckpoint | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const checkpoint = details as Partial<VerifyCheckpoint>;
  const complete =
    checkpoint.mode === mode &&
    (checkpoint.side === 'source' ||
      (checkpoint.side === 'destination' && typeof checkpoint.sourceDigest === 'string')) &&
    typeof checkpoint.digest === 'string' &&
    typeof checkpoint.position?.pitId === 'string' &&
    Array.isArray(checkpoint.position.after);
  return complete ? (checkpoint as VerifyCheckpoint) : undefined;
}

/** The reads of `ids` and `content` verification: a digest of each side, and the second pass. */
export class VerifyScans {
  private readonly es: ActivityDependencies['es'];
  private readonly worker: ActivityDependencies['worker'];

  constructor({ es, worker }: ActivityDependencies) {
    this.es = es;
    this.worker = worker;
  }

  /**
   * Reads every document of one side, from `resume` on when given, heartbeating each batch with
   * `progress(position)`; stops at once when cancelled.
   */
  async scan(
    index: string,
    options: { withSource: boolean; resume?: ScanPosition },
    visit: (hit: ScannedHit) => void,
    progress: (position: ScanPosition) => unknown,
  ): Promise<void> {
    const context = Context.current();
    const batches = scanDocuments(this.es, {
      index,
      withSource: options.withSource,
      batchSize: this.worker.verifyBatchDocuments,
      keepAliveMs: this.worker.verifyKeepAliveMs,
      ...(options.resume !== undefined ? { resume: options.resume } : {}),
    });
    // Heartbeats go on while a batch is read, so a slow batch is no dead worker and a cancel arrives
    // within seconds; each carries the position of the last batch done.
    let details: unknown = context.info.heartbeatDetails;
    const heartbeats = setInterval(() => context.heartbeat(details), STEP_HEARTBEAT_INTERVAL_MS);
    try {
      for await (const batch of batches) {
        for (const hit of batch.hits) visit(hit);
        details = progress(batch.position);
        context.heartbeat(details);
        if (context.cancellationSignal.aborted) throw new CancelledFailure('verification cancelled');
      }
    } catch (err) {
      if (err instanceof CancelledFailure || err instanceof PointInTimeGoneError) throw err;
      throw toActivityFailure(err, index);
    } finally {
      clearInterval(heartbeats);
    }
  }

  /**
   * The digest of one side, resumed from `checkpoint` when it is of this side. A resumed point in time
   * that expired meanwhile means reading the side again from the start; one that expires mid-read
   * (a worker slower than `VERIFY_KEEP_ALIVE_MS` per batch) fails the attempt, to be retried.
   */
  async digestOf(
    input: VerifyDocumentsInput,
    side: CopySide,
    checkpoint: VerifyCheckpoint | undefined,
    sourceDigest?: DocumentDigest,
  ): Promise<DocumentDigest> {
    const resumed = checkpoint?.side === side ? checkpoint : undefined;
    const digest = resumed !== undefined ? DocumentDigest.fromJSON(resumed.digest) : new DocumentDigest();
    const index = side === 'source' ? input.sourceIndex : input.destinationIndex;
    // Done once: it is the same in every heartbeat of the destination's read.
    const finishedSource = sourceDigest !== undefined ? { sourceDigest: sourceDigest.toJSON() } : {};
    try {
      await this.scan(
        index,
        { withSource: input.mode === 'content', ...(resumed ? { resume: resumed.position } : {}) },
        (hit) => digest.add(input.mode, side, hit),
        (position): VerifyCheckpoint => ({
          mode: input.mode,
          side,
          ...finishedSource,
          digest: digest.toJSON(),
          position,
        }),
      );
    } catch (err) {
      if (!(err instanceof PointInTimeGoneError)) throw err;
      if (resumed === undefined)
        throw ApplicationFailure.retryable(err.message, FAILURE_TYPES.ELASTICSEARCH_UNAVAILABLE);
      return this.digestOf(input, side, undefined, sourceDigest);
    }
    return digest;
  }

  /** The second pass: both sides again, keeping only documents of the buckets examined. */
  async differencesIn(input: VerifyDocumentsInput, buckets: Set<number>): Promise<Differences> {
    const withSource = input.mode === 'content';
    const hashOf = (side: CopySide, hit: ScannedHit): string | undefined =>
      buckets.has(bucketOf(hit.id)) ? documentHash(input.mode, side, hit).toString('hex') : undefined;
    const destination = new Map<string, string>();
    // Not resumable: rare (a failing index), and its maps are not worth a heartbeat.
    const progress = (): undefined => undefined;
    await this.scan(
      input.destinationIndex,
      { withSource },
      (hit) => {
        const hash = hashOf('destination', hit);
        if (hash !== undefined) destination.set(hit.id, hash);
      },
      progress,
    );
    const collector = new DifferenceCollector(destination);
    await this.scan(
      input.sourceIndex,
      { withSource },
      (hit) => {
        const hash = hashOf('source', hit);
        if (hash !== undefined) collector.sourceDocument(hit.id, hash);
      },
      progress,
    );
    return collector.finish();
  }
}
