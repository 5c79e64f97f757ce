import {
  CancellationScope,
  isCancellation,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { elasticsearchSteps, localElasticsearchSteps as local } from './activity-stubs';
import { pausableCopy } from './backing-index-copy';
import { rollBackOrFinish } from './backing-index-rollback';
import { REINDEX_STATES, type ReindexState } from './data-stream-state';
import { indexProgressSignal } from './definitions';
import type { StepsStarted } from './rollback-report';
import type { SourceFacts } from '../activities/source-facts';
import type { ReindexStandaloneIndexInput, ReindexStandaloneIndexResult } from './standalone-definitions';
import { WORKFLOW_TUNABLES as T } from './tunables';
import { verifyBeyondCount } from './verify-beyond-count';
import { destinationIndexName } from '../shared/names';
import { REINDEX_STATE_SEARCH_ATTRIBUTE } from '../shared/search-attributes';

function showEnd(state: ReindexState): void {
  upsertSearchAttributes([{ key: REINDEX_STATE_SEARCH_ATTRIBUTE, value: state }]);
}

/**
 * Upgrades one standalone index (one outside every data stream) for the whole-cluster run, with a backing
 * index's idempotent phases and guarantees (`reindexBackingIndex`): read the source, then prepare (open,
 * lift the blocks that stop a copy, block writes, create the destination from its settings and mappings)
 * → copy (quick, then heartbeated, pausable, resumed after a crash) → [verify ids or contents] → finish
 * (verify counts, restore replicas, refresh interval and ILM's origination date, wait for health, close
 * again if it was closed) → the switch → the lifecycle policy on the new index.
 *
 * The switch is one `_aliases` request: the old index removed, its name an alias of the new one, and
 * every alias it had moved over with `is_write_index`, filter and routing. A failure or cancel before it
 * puts the source back exactly as it was (its verified write block too) and removes the partial copy.
 *
 * Started by the cluster run as `reindex-index-<name>` with the search attributes `StandaloneIndex` and
 * `ReindexState = "running"`; it sets `ReindexState` to `completed`, `failed` or `cancelled`.
 */
export async function reindexStandaloneIndex(
  input: ReindexStandaloneIndexInput,
): Promise<ReindexStandaloneIndexResult> {
  try {
    const result = await upgradeStandaloneIndex(input);
    showEnd(REINDEX_STATES.COMPLETED);
    return result;
  } catch (err) {
    showEnd(isCancellation(err) ? REINDEX_STATES.CANCELLED : REINDEX_STATES.FAILED);
    throw err;
  }
}

/** The steps' names in the Web UI, with the copy's progress as the copy activity reports it. */
function detailsOf(sourceIndex: string, destinationIndex: string): (name: string) => void {
  let current = 'reading the index';
  const show = (progress = ''): void =>
    setCurrentDetails(`**${sourceIndex}** → **${destinationIndex}**: ${current}${progress}`);
  setHandler(indexProgressSignal, (progress) => {
    show(` (${progress.reindexedDocCount} of ${progress.totalDocCount} documents)`);
  });
  return (name) => {
    current = name;
    show();
  };
}

/** How far one index got: the steps started (for the rollback) and the documents counted before the switch. */
interface Progress {
  started: StepsStarted;
  documents: number;
}

/** Copy, verify, finish and switch; returns the documents of the new index. */
async function copyAndSwitch(
  input: ReindexStandaloneIndexInput,
  phase: { sourceIndex: string; destinationIndex: string; facts: SourceFacts },
  progress: Progress,
  copy: ReturnType<typeof pausableCopy>,
  step: (name: string) => void,
): Promise<number> {
  const { started } = progress;
  const { sourceIndex, destinationIndex } = phase;
  step('blocking writes and creating the destination');
  started.sourceOpened = true;
  started.writesBlocked = true;
  started.destinationTouched = true;
  const prepared = await local.prepareStandaloneCopy(phase);
  // A crash after the switch made every phase run again: nothing is left but the lifecycle policy.
  if (prepared.alreadySwapped) return prepared.documents;
  step('copying documents');
  const target = { dataStream: '', sourceIndex, destinationIndex, standalone: true as const };
  const quick = copy.paused
    ? { finished: false as const }
    : await local.copyDocumentsQuickly({ ...target, waitMs: T.QUICK_COPY_WAIT_MS });
  if (!quick.finished) {
    await copy.copy({
      ...target,
      ...(quick.runningTask !== undefined ? { runningTask: quick.runningTask } : {}),
    });
  }
  await verifyBeyondCount(input.verify, { sourceIndex, destinationIndex }, step);
  step('verifying counts, restoring settings, waiting for health');
  const documents = await local.finishCopy({ ...phase, dataStream: '', standalone: true });
  // Kept for the rollback: a switch whose answer was lost has still upgraded the index.
  progress.documents = documents;
  step('switching the name and the aliases to the new index');
  started.swapAttempted = true;
  await local.switchStandaloneIndex({ sourceIndex, destinationIndex });
  return documents;
}

async function upgradeStandaloneIndex(
  input: ReindexStandaloneIndexInput,
): Promise<ReindexStandaloneIndexResult> {
  const sourceIndex = input.index;
  const destinationIndex = destinationIndexName(sourceIndex);
  const step = detailsOf(sourceIndex, destinationIndex);
  const copy = pausableCopy({ pausedAtStart: input.copyPaused === true, step });
  step('reading the index');
  // A regular activity: its answer is in history before any later step changes the source.
  const source = await elasticsearchSteps.readStandaloneSource(sourceIndex);
  const { facts } = source;
  const aliases = source.aliases.map((entry) => entry.alias);
  const progress: Progress = {
    started: { sourceOpened: false, writesBlocked: false, destinationTouched: false, swapAttempted: false },
    documents: 0,
  };
  let documents: number;
  try {
    documents = await copyAndSwitch(input, { sourceIndex, destinationIndex, facts }, progress, copy, step);
  } catch (err) {
    const finished = await rollBackOrFinish({
      err,
      dataStream: '',
      sourceIndex,
      destinationIndex,
      facts,
      started: progress.started,
      documents: progress.documents,
      step,
      rollBack: () => elasticsearchSteps.rollBackStandaloneUpgrade({ sourceIndex, destinationIndex, facts }),
    });
    return { ...finished, aliases };
  }
  // Past the switch the new index serves the old name: finish even if cancelled now.
  await CancellationScope.nonCancellable(async () => {
    if (facts.lifecycleName === null) return;
    step('putting the lifecycle policy on the new index');
    await local.setLifecycleName({ destinationIndex, lifecycleName: facts.lifecycleName });
  });
  step('done');
  return { sourceIndex, destinationIndex, documents, aliases };
}
