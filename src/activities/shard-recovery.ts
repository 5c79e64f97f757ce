import { ApplicationFailure, log } from '@temporalio/activity';
import type { CopyTarget } from './copy-task-requests';
import type { ActivityDependencies } from './dependencies';
import { createDestinationLike } from './destination-index-activities';
import { FAILURE_TYPES } from './failures';
import type { WorkerConfig } from '../config';
import { deleteIndexIfExists } from '../elasticsearch/index-deletion';
import { awaitIndexHealth } from '../elasticsearch/index-health';
import { stopCopiesInto } from '../elasticsearch/reindex-task';
import type { CopyWait } from '../shared/status';

export interface ShardRecoveryOptions {
  es: ActivityDependencies['es'];
  worker: WorkerConfig;
  target: CopyTarget;
  /** Tells the upgrade's status that the copy waits, and why (heartbeats too). */
  reportWaiting: (waiting: CopyWait) => Promise<void>;
}

/** How the copy resumes after a lost shard: into the same index, or into a new one made again. */
export type Recovery = 'resumed' | 'recreated';

/**
 * Waits, reporting why, until every primary of `index` is active again or `limitMs` has passed; returns
 * whether they are. Heartbeats all along, so the wait is never taken for a dead worker.
 */
async function waitForPrimaries(
  options: ShardRecoveryOptions,
  index: string,
  limitMs: number,
  reason: string,
): Promise<boolean> {
  const { es, worker } = options;
  const since = Date.now();
  for (;;) {
    if ((await awaitIndexHealth(es, index, 'yellow', worker.reindexPollIntervalMs)).reached) return true;
    if (Date.now() - since >= limitMs) return false;
    await options.reportWaiting({ reason, since_millis: since });
  }
}

/**
 * After a copy ended short because a node left with a shard (`interrupted`): waits for the source's
 * primaries to be active again (its replicas take over at once; without replicas, until the node comes
 * back, for at most `SOURCE_SHARD_WAIT_MS`), then for the new index's. The new index has no replicas
 * during the copy, so a node that held one of its primaries takes that part of the copy with it: if it is
 * not back within `DESTINATION_SHARD_WAIT_MS`, the new index is made again, empty. Either way the next
 * task copies what is missing (`op_type: create` skips what is there), and the counts are verified
 * before the swap, so a short copy is never swapped in.
 */
export async function recoverFromShardLoss(options: ShardRecoveryOptions, why: string): Promise<Recovery> {
  const { es, worker, target } = options;
  log.warn('a node left with a shard of the copy: waiting for the shards before resuming', {
    index: target.sourceIndex,
    reason: why,
  });
  const sourceBack = await waitForPrimaries(
    options,
    target.sourceIndex,
    worker.sourceShardWaitMs,
    `a shard of [${target.sourceIndex}] is not available (${why}); the copy resumes once it is`,
  );
  if (!sourceBack) {
    throw ApplicationFailure.nonRetryable(
      `a shard of [${target.sourceIndex}] has not been available for ${Math.round(worker.sourceShardWaitMs / 1000)} s ` +
        `since a node left (${why}); the copy cannot go on without it`,
      FAILURE_TYPES.COPY_FAILED,
    );
  }
  const destinationBack = await waitForPrimaries(
    options,
    target.destinationIndex,
    worker.destinationShardWaitMs,
    `a shard of the new index [${target.destinationIndex}] went with a node that left (${why}); ` +
      `waiting up to ${Math.round(worker.destinationShardWaitMs / 1000)} s for it, then the new index is made again`,
  );
  if (destinationBack) return 'resumed';
  log.warn('the new index lost a shard for good: making it again', { index: target.destinationIndex });
  await stopCopiesInto(es, target.destinationIndex);
  await deleteIndexIfExists(es, target.destinationIndex);
  await createDestinationLike(es, target);
  await waitForPrimaries(
    options,
    target.destinationIndex,
    worker.destinationShardWaitMs,
    `making [${target.destinationIndex}] again`,
  );
  return 'recreated';
}
