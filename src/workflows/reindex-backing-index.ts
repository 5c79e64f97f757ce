import {
  CancellationScope,
  isCancellation,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { localElasticsearchSteps as local } from './activity-stubs';
import { pausableCopy } from './backing-index-copy';
import { copyTurn, preparationTurn, quickCopyInTurn } from './copy-permits';
import { rollBackOrFinish } from './backing-index-rollback';
import { REINDEX_STATES, type ReindexState } from './data-stream-state';
import type { ReindexBackingIndexInput, ReindexBackingIndexResult } from './definitions';
import type { StepsStarted } from './rollback-report';
import { verifyBeyondCount } from './verify-beyond-count';
import { destinationIndexName } from '../shared/names';
import { REINDEX_STATE_SEARCH_ATTRIBUTE } from '../shared/search-attributes';

/** How the index ended, for the Web UI: `ReindexState = "failed"` finds every failed index. */
function showEnd(state: ReindexState): void {
  upsertSearchAttributes([{ key: REINDEX_STATE_SEARCH_ATTRIBUTE, value: state }]);
}

/**
 * Upgrades one backing index, in Elasticsearch's order (docs/ELASTICSEARCH-BEHAVIOUR.md, section 4), in
 * phases of idempotent steps, each phase a local activity (run by the worker inside the workflow task,
 * with no round trip through the server):
 *
 *   prepare (clear blocks and open if needed, block writes and refresh, delete a stale destination,
 *   create the destination) → [wait for a copy permit] → copy → [verify ids or contents, when asked] →
 *   [give the permit back] → finish (verify counts, restore replicas and refresh interval, keep ILM age,
 *   wait for health, close if it was closed) → atomic swap → retire (lifecycle name, delete source)
 *
 * The permit (`copy-permits.ts`) lets the data stream prepare this index while the one before it copies,
 * and copy the next one while this one finishes, with never more copies at once than the setting.
 *
 * The copy first runs as a local activity that waits up to `QUICK_COPY_WAIT_MS` for its reindex task: a
 * small index is upgraded in two workflow tasks (up to its copy's end, and after it), three when it waited
 * for its permit. A longer copy is handed over, still running, to the heartbeated copy activity, which
 * re-attaches after a crash and stops while the upgrade is paused.
 *
 * Unlike Elasticsearch, the source keeps its write block until it is deleted (no window where a write is
 * lost), counts are verified before the swap, and a failure or cancel before the swap puts the source
 * back exactly as it was and removes the partial copy (see `rollBackOrFinish`).
 *
 * Started by its data stream's upgrade with the search attributes `DataStream`, `BackingIndex` and
 * `ReindexState = "running"`; it sets `ReindexState` to how it ended: `completed`, `failed` (also when
 * its rollback failed) or `cancelled` (rolled back).
 */
export async function reindexBackingIndex(
  input: ReindexBackingIndexInput,
): Promise<ReindexBackingIndexResult> {
  try {
    const result = await upgradeBackingIndex(input);
    showEnd(REINDEX_STATES.COMPLETED);
    return result;
  } catch (err) {
    showEnd(isCancellation(err) ? REINDEX_STATES.CANCELLED : REINDEX_STATES.FAILED);
    throw err;
  }
}

async function upgradeBackingIndex(input: ReindexBackingIndexInput): Promise<ReindexBackingIndexResult> {
  const { dataStream, sourceIndex } = input;
  const destinationIndex = destinationIndexName(sourceIndex);
  const step = (name: string): void =>
    setCurrentDetails(`**${sourceIndex}** → **${destinationIndex}**: ${name}`);
  const copy = pausableCopy({ pausedAtStart: input.copyPaused === true, step });
  const turn = copyTurn(input);
  // The source as it was, read by the data-stream workflow in the task that started this one (or, for an
  // index started before its turn to prepare and told it later, in the task that told it): it is in
  // history before anything changes it, so a step re-run after a crash never reads the write block this
  // upgrade added as the source's own. Nothing is changed before it, so a cancel here rolls back nothing.
  const facts = await preparationTurn(input, () => copy.paused, step);
  const phase = { dataStream, sourceIndex, destinationIndex, facts };
  let documents = 0;
  // Set before the phase that may change each; the rollback report says what may need putting back.
  const started: StepsStarted = {
    sourceOpened: false,
    writesBlocked: false,
    destinationTouched: false,
    swapAttempted: false,
  };
  try {
    step('blocking writes and creating the destination');
    started.sourceOpened = true;
    started.writesBlocked = true;
    started.destinationTouched = true;
    const prepared = await local.prepareCopy(phase);
    if (prepared.alreadySwapped) {
      // A crash after the swap made every phase run again: only the last one is left to do.
      documents = prepared.documents;
    } else {
      const target = { dataStream, sourceIndex, destinationIndex };
      const quick = await quickCopyInTurn(turn, () => copy.paused, target, step);
      if (!quick.finished) {
        await copy.copy({
          ...target,
          ...(quick.runningTask !== undefined ? { runningTask: quick.runningTask } : {}),
        });
      }
      await verifyBeyondCount(input.verify, { sourceIndex, destinationIndex }, step);
      // Reading both indices whole is as heavy as a copy: the permit is held until it is done.
      await turn.ended(sourceIndex);
      step('verifying counts, restoring settings, waiting for health');
      documents = await local.finishCopy(phase);
      step('swapping into the data stream');
      started.swapAttempted = true;
      await local.swapBackingIndex({ dataStream, sourceIndex, destinationIndex });
    }
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
    await local.retireSource(phase);
  });
  step('done');
  return { sourceIndex, destinationIndex, documents };
}
