import {
  ChildWorkflowFailure,
  TerminatedFailure,
  TimeoutFailure,
  isCancellation,
} from '@temporalio/workflow';
import type { IndexEnd } from './data-stream-state';
import { rootCauseMessage } from './failure-message';
import { destinationIndexName } from '../shared/names';

/** What an index's workflow left behind when it was stopped without rolling back. */
function leftBehind(sourceIndex: string): string {
  return (
    `[${sourceIndex}] may still be write-blocked and a partial copy [${destinationIndexName(sourceIndex)}] ` +
    'may be left behind; check both before starting the upgrade again'
  );
}

/**
 * How the workflow of one backing index ended when it did not return a result, as its data stream's
 * status must show it. Only a cancel of this whole upgrade makes an index simply not done (its workflow
 * rolled it back, and it is pending again); a cancel, termination or timeout from anywhere else is an
 * error that says so, so the index is never counted as upgraded.
 */
export function indexEndOf(err: unknown, sourceIndex: string, upgradeCancelled: boolean): IndexEnd {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
  if (isCancellation(err)) {
    if (upgradeCancelled) return { kind: 'rolled-back' };
    return {
      kind: 'failed',
      message:
        `the workflow of [${sourceIndex}] was cancelled from outside this upgrade; the index was rolled ` +
        'back and keeps its old version',
    };
  }
  if (cause instanceof TerminatedFailure) {
    return {
      kind: 'failed',
      message:
        `the workflow of [${sourceIndex}] was terminated from outside this upgrade, so it could not roll ` +
        `back: ${leftBehind(sourceIndex)}`,
    };
  }
  if (cause instanceof TimeoutFailure) {
    return {
      kind: 'failed',
      message: `the workflow of [${sourceIndex}] timed out, so it could not roll back: ${leftBehind(sourceIndex)}`,
    };
  }
  return { kind: 'failed', message: rootCauseMessage(err) };
}
