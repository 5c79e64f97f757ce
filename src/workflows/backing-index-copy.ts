import { CancellationScope, condition, isCancellation, setHandler } from '@temporalio/workflow';
import { copySteps, localElasticsearchSteps } from './activity-stubs';
import { pauseCopySignal, resumeCopySignal } from './pause-definitions';
import type { CopyDocumentsInput } from '../activities/copy-documents-activity';

/**
 * The copy of one backing index, stopped while the data stream's upgrade is paused with `now`: the copy
 * activity is cancelled, which cancels its reindex task and keeps what it wrote; after the resume a new
 * task skips those documents (`op_type: create`). A cancel of the upgrade itself still fails the copy,
 * and the index rolls back. A pause with `now` also stops every copy still writing into the destination
 * (a task handed over by the quick copy, or one a copy attempt left).
 *
 * `pausedAtStart` is a pause the data stream knew of before this run existed.
 */
export function pausableCopy(options: { pausedAtStart: boolean; step: (name: string) => void }): {
  copy(input: CopyDocumentsInput): Promise<void>;
  readonly paused: boolean;
} {
  const { step } = options;
  let copyPaused = options.pausedAtStart;
  setHandler(pauseCopySignal, () => {
    copyPaused = true;
  });
  setHandler(resumeCopySignal, () => {
    copyPaused = false;
  });

  const copy = async (input: CopyDocumentsInput): Promise<void> => {
    let copyInput = input;
    // After a stop, the next task starts afresh: the handed-over one is stopped or finished.
    const withoutRunningTask = (): CopyDocumentsInput => {
      const { runningTask: _stopped, ...rest } = copyInput;
      return rest;
    };
    for (;;) {
      if (copyPaused) {
        if (copyInput.runningTask !== undefined) {
          // A task the quick copy handed over, still running: a pause with `now` stops it too.
          await localElasticsearchSteps.stopCopies(copyInput.destinationIndex);
          copyInput = withoutRunningTask();
        }
        step('paused: the copy continues when the upgrade resumes');
        await condition(() => !copyPaused);
        step('copying documents');
      }
      let copied = false;
      let stoppedByPause = false;
      const scope = new CancellationScope();
      const copying = scope.run(() => copySteps.copyDocuments(copyInput));
      void condition(() => copied || copyPaused)
        .then(() => {
          if (copied) return;
          stoppedByPause = true;
          scope.cancel();
        })
        // A cancel of the upgrade ends this wait too; the copy's own failure says what happened.
        .catch(() => undefined);
      try {
        await copying;
        copied = true;
        return;
      } catch (err) {
        copied = true;
        const upgradeCancelled = CancellationScope.current().consideredCancelled;
        if (stoppedByPause && isCancellation(err) && !upgradeCancelled) {
          // Cancelled before it ran (waiting for a retry, or before it picked the handed-over task up), the
          // activity could not stop its task.
          await localElasticsearchSteps.stopCopies(copyInput.destinationIndex);
          copyInput = withoutRunningTask();
          continue;
        }
        throw err;
      }
    }
  };

  return {
    copy,
    get paused() {
      return copyPaused;
    },
  };
}
