import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import { copySteps, elasticsearchSteps, localElasticsearchSteps } from './activity-stubs';
import type { ReindexBackingIndexInput, ReindexBackingIndexResult } from './definitions';
import { rootCauseMessage } from './failure-message';
import { PAUSE_RESUME_PATCH, pauseCopySignal, resumeCopySignal } from './pause-definitions';
import { rollbackFailureMessage, type StepsStarted } from './rollback-report';
import { destinationIndexName } from '../shared/names';
import type { CopyDocumentsInput } from '../activities/copy-documents-activity';

/**
 * Marks the runs whose short steps are local activities. Runs started before it schedule every step as
 * an activity, and must keep doing so on replay.
 */
const LOCAL_STEPS_PATCH = 'local-steps';

/** Failure type of an index whose rollback failed: its message says what is left and how to fix it. */
const ROLLBACK_FAILED_FAILURE_TYPE = 'RollbackFailed';

/**
 * Upgrades one backing index, in Elasticsearch's order (docs/ELASTICSEARCH-BEHAVIOUR.md, section 4),
 * each step an idempotent activity (the short ones local):
 *
 *   read facts → clear blocks, open → block writes, refresh → delete stale destination → create
 *   destination → copy (heartbeated, re-attachable) → verify counts → restore replicas and refresh,
 *   keep ILM age → wait for health → close if it was closed → atomic swap → lifecycle name → delete source
 *
 * Unlike Elasticsearch, the source keeps its write block until it is deleted (no window where a write is
 * lost), counts are verified before the swap, and a failure or cancel before the swap puts the source
 * back exactly as it was and removes the partial copy. If that rollback fails too, the index fails with
 * a message that says what may be left and the requests that put it back.
 */
export async function reindexBackingIndex(
  input: ReindexBackingIndexInput,
): Promise<ReindexBackingIndexResult> {
  const { dataStream, sourceIndex } = input;
  const destinationIndex = destinationIndexName(sourceIndex);
  const step = (name: string): void =>
    setCurrentDetails(`**${sourceIndex}** → **${destinationIndex}**: ${name}`);

  // Every step but the copy (which runs for hours and re-attaches by heartbeat) and the rollback (a rare
  // path that should not share a workflow task with the failure it undoes) runs as a local activity. The
  // health wait is one too: each attempt is bounded by HEALTH_WAIT_TIMEOUT_MS and then retried.
  const es = patched(LOCAL_STEPS_PATCH) ? localElasticsearchSteps : elasticsearchSteps;

  let copyPaused = false;
  // Only a data-stream run that knows this patch sends these signals; see PAUSE_RESUME_PATCH.
  if (patched(PAUSE_RESUME_PATCH)) {
    setHandler(pauseCopySignal, () => {
      copyPaused = true;
    });
    setHandler(resumeCopySignal, () => {
      copyPaused = false;
    });
  }

  /**
   * The copy, stopped while the data stream's upgrade is paused with `now`: the activity is cancelled,
   * which cancels its reindex task and keeps what it wrote; after the resume a new task skips those
   * documents (`op_type: create`). A cancel of the upgrade itself still goes to the rollback.
   */
  const copyUnlessPaused = async (copy: CopyDocumentsInput): Promise<void> => {
    for (;;) {
      if (copyPaused) {
        step('paused: the copy continues when the upgrade resumes');
        await condition(() => !copyPaused);
        step('copying documents');
      }
      let copied = false;
      let stoppedByPause = false;
      const scope = new CancellationScope();
      const copying = scope.run(() => copySteps.copyDocuments(copy));
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
        if (stoppedByPause && isCancellation(err) && !upgradeCancelled) continue;
        throw err;
      }
    }
  };

  step('reading the source');
  const facts = await es.readSourceFacts(sourceIndex);
  let documents = 0;
  // Each flag is set before its step, which may take effect although it fails.
  const started: StepsStarted = {
    sourceOpened: false,
    writesBlocked: false,
    destinationTouched: false,
    swapAttempted: false,
  };
  try {
    step('blocking writes');
    started.sourceOpened = true;
    await es.openSourceAndClearBlocks({ index: sourceIndex, closed: facts.closed });
    started.writesBlocked = true;
    await es.blockSourceWrites(sourceIndex);
    step('creating the destination');
    started.destinationTouched = true;
    await es.deleteStaleDestination(destinationIndex);
    await es.ensureMissingTimestampPipeline();
    await es.createDestination({ sourceIndex, destinationIndex });
    step('copying documents');
    await copyUnlessPaused({ dataStream, sourceIndex, destinationIndex });
    step('verifying document counts');
    documents = await es.verifyDocumentCount({ sourceIndex, destinationIndex });
    step('restoring replicas and refresh interval');
    await es.restoreDestinationSettings({
      destinationIndex,
      numberOfReplicas: facts.numberOfReplicas,
      refreshInterval: facts.refreshInterval,
      lifecycleOriginationDate: facts.lifecycleOriginationDate ?? facts.creationDate,
    });
    await es.waitForDestinationHealth({ destinationIndex, sourceHealth: facts.health });
    if (facts.closed) await es.closeDestination(destinationIndex);
    step('swapping into the data stream');
    started.swapAttempted = true;
    await es.swapBackingIndex({ dataStream, sourceIndex, destinationIndex });
  } catch (err) {
    step(isCancellation(err) ? 'cancelled: rolling back' : 'failed: rolling back');
    let rollbackError: unknown;
    const outcome = await CancellationScope.nonCancellable(() =>
      elasticsearchSteps
        .rollBackIndexUpgrade({ dataStream, sourceIndex, destinationIndex, facts })
        .catch((error: unknown) => {
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
        steps: started,
        failure: rootCauseMessage(err),
        rollbackFailure: rootCauseMessage(rollbackError),
      });
      log.error('rollback failed', { sourceIndex, message });
      setCurrentDetails(`**${sourceIndex}**: ${message}`);
      // A cancelled upgrade has no status to show it in (Elasticsearch's cancel leaves none): logged only.
      if (isCancellation(err)) throw err;
      throw ApplicationFailure.create({ type: ROLLBACK_FAILED_FAILURE_TYPE, message, nonRetryable: true });
    }
    // A swap that took effect although its answer was lost: the index is upgraded after all.
    if (outcome !== 'completed-after-swap' || isCancellation(err)) throw err;
    return { sourceIndex, destinationIndex, documents };
  }

  // Past the swap the new index serves the data stream: finish the last steps even if cancelled now.
  await CancellationScope.nonCancellable(async () => {
    step('deleting the old index');
    if (facts.lifecycleName !== null) {
      await es.setLifecycleName({ destinationIndex, lifecycleName: facts.lifecycleName });
    }
    await es.deleteSourceIndex(sourceIndex);
  });
  step('done');
  return { sourceIndex, destinationIndex, documents };
}
