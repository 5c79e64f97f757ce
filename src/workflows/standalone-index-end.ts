import {
  ChildWorkflowFailure,
  TerminatedFailure,
  TimeoutFailure,
  isCancellation,
} from '@temporalio/workflow';
import { rootCauseMessage } from './failure-message';
import { STANDALONE_OUTCOMES, type StandaloneOutcome } from './standalone-definitions';
import { destinationIndexName } from '../shared/names';

/** How a standalone index's part of the cluster run ended when its workflow returned no result. */
export interface StandaloneEnd {
  outcome: StandaloneOutcome;
  /** Said in the status and the report; absent for a cancel of the run itself (nothing to explain). */
  exception?: string;
}

/** What a workflow stopped without its rollback may have left. */
function leftBehind(index: string): string {
  return (
    `[${index}] may still be write-blocked and a partial copy [${destinationIndexName(index)}] may be left ` +
    'behind; check both before starting the run again'
  );
}

/**
 * How a standalone index ended when its workflow (`reindex-index-<name>`) failed or was stopped, in the
 * data streams' words (`data-stream-report.ts`): only the run's own cancel needs no explanation; a
 * cancel, termination or timeout from outside the run says so, and is never a success.
 */
export function standaloneEndOf(err: unknown, index: string, runCancelled: boolean): StandaloneEnd {
  if (isCancellation(err)) {
    if (runCancelled) return { outcome: STANDALONE_OUTCOMES.CANCELLED };
    return {
      outcome: STANDALONE_OUTCOMES.CANCELLED,
      exception:
        `its workflow was cancelled from outside this cluster run; [${index}] was rolled back and keeps ` +
        'its old version',
    };
  }
  const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
  if (cause instanceof TerminatedFailure) {
    return {
      outcome: STANDALONE_OUTCOMES.FAILED,
      exception: `its workflow was terminated from outside this cluster run, so it could not roll back: ${leftBehind(index)}`,
    };
  }
  if (cause instanceof TimeoutFailure) {
    return {
      outcome: STANDALONE_OUTCOMES.FAILED,
      exception: `its workflow timed out, so it could not roll back: ${leftBehind(index)}`,
    };
  }
  return { outcome: STANDALONE_OUTCOMES.FAILED, exception: rootCauseMessage(err) };
}
