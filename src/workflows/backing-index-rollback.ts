import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  setCurrentDetails,
} from '@temporalio/workflow';
import { elasticsearchSteps } from './activity-stubs';
import type { ReindexBackingIndexResult } from './definitions';
import { rootCauseMessage } from './failure-message';
import { rollbackFailureMessage, type StepsStarted } from './rollback-report';
import type { SourceFacts } from '../activities/source-facts';
import type { RollbackOutcome } from '../activities/swap-activities';

/** Failure type of an index whose rollback failed: its message says what is left and how to fix it. */
const ROLLBACK_FAILED_FAILURE_TYPE = 'RollbackFailed';

/**
 * After a failure or a cancel before the swap: puts the source back exactly as it was and removes the
 * partial copy (a regular activity, not local: a rare path that should not share a workflow task with the
 * failure it undoes). Returns the index's result when the swap had taken effect although its answer was
 * lost (the index is upgraded after all, cancelled or not); otherwise throws `err`. If the rollback fails
 * too, the index fails, cancelled or not, with a message that says what may be left and the requests that
 * put it back: the data stream's status shows it (a cancelled upgrade's status is read by the cluster run).
 */
export async function rollBackOrFinish(options: {
  err: unknown;
  dataStream: string;
  sourceIndex: string;
  destinationIndex: string;
  facts: SourceFacts;
  started: StepsStarted;
  documents: number;
  step: (name: string) => void;
  /** The rollback activity; default: a backing index's (`rollBackIndexUpgrade`). */
  rollBack?: () => Promise<RollbackOutcome>;
}): Promise<ReindexBackingIndexResult> {
  const { err, dataStream, sourceIndex, destinationIndex, facts } = options;
  options.step(isCancellation(err) ? 'cancelled: rolling back' : 'failed: rolling back');
  const rollBack =
    options.rollBack ??
    (() => elasticsearchSteps.rollBackIndexUpgrade({ dataStream, sourceIndex, destinationIndex, facts }));
  let rollbackError: unknown;
  const outcome = await CancellationScope.nonCancellable(() =>
    rollBack().catch((error: unknown) => {
      rollbackError = error;
      return 'rollback-failed' as const;
    }),
  );
  if (outcome === 'rollback-failed') {
    const message = rollbackFailureMessage({
      dataStream,
      sourceIndex,
      destinationIndex,
      facts,
      steps: options.started,
      failure: rootCauseMessage(err),
      rollbackFailure: rootCauseMessage(rollbackError),
    });
    log.error('rollback failed', { sourceIndex, message });
    setCurrentDetails(`**${sourceIndex}**: ${message}`);
    throw ApplicationFailure.create({ type: ROLLBACK_FAILED_FAILURE_TYPE, message, nonRetryable: true });
  }
  if (outcome !== 'completed-after-swap') throw err;
  return { sourceIndex, destinationIndex, documents: options.documents };
}
