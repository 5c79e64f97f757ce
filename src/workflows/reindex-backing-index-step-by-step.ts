import { CancellationScope, patched, setCurrentDetails } from '@temporalio/workflow';
import { elasticsearchSteps, localElasticsearchSteps } from './activity-stubs';
import { pausableCopy } from './backing-index-copy';
import { rollBackOrFinish } from './backing-index-rollback';
import type { ReindexBackingIndexInput, ReindexBackingIndexResult } from './definitions';
import { PAUSE_RESUME_PATCH } from './pause-definitions';
import type { StepsStarted } from './rollback-report';
import { destinationIndexName } from '../shared/names';

/**
 * Marks the runs whose short steps are local activities. Runs started before it schedule every step as
 * an activity, and must keep doing so on replay.
 */
const LOCAL_STEPS_PATCH = 'local-steps';

/**
 * A backing index's upgrade as runs started before the `few-steps` patch make it, kept so that they
 * replay (docs/REPLAY.md): do not change the commands it sends. Elasticsearch's order
 * (docs/ELASTICSEARCH-BEHAVIOUR.md, section 4), each step an idempotent activity (local since
 * `local-steps`):
 *
 *   read facts → clear blocks, open → block writes, refresh → delete stale destination → create
 *   destination → copy (heartbeated, re-attachable) → verify counts → restore replicas and refresh,
 *   keep ILM age → wait for health → close if it was closed → atomic swap → lifecycle name → delete source
 */
export async function reindexBackingIndexStepByStep(
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

  // Only a data-stream run that knows this patch sends the pause signals; see PAUSE_RESUME_PATCH.
  const copy = pausableCopy({
    listen: patched(PAUSE_RESUME_PATCH),
    pausedAtStart: false,
    stopStrayCopies: false,
    step,
  });

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
    await copy.copy({ dataStream, sourceIndex, destinationIndex });
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
    return rollBackOrFinish({
      err,
      dataStream,
      sourceIndex,
      destinationIndex,
      facts,
      started,
      documents,
      step,
    });
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
