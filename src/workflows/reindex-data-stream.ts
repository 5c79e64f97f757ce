import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { elasticsearchSteps as es, localElasticsearchSteps as local } from './activity-stubs';
import { DataStreamUpgradeState, REINDEX_STATES, type ReindexState } from './data-stream-state';
import {
  indexProgressSignal,
  maxConcurrentIndicesChangedSignal,
  STATUS_RETENTION_MEMO,
  statusQuery,
  type FinishedRunMemo,
  type ReindexDataStreamInput,
} from './definitions';
import { indexCopyEndedSignal } from './copy-permits';
import { rootCauseMessage } from './failure-message';
import { IndexWorkflows } from './index-workflows';
import {
  pauseAnswerOf,
  pauseCopySignal,
  pauseUpgradeSignal,
  pauseUpgradeUpdate,
  resumeCopySignal,
  resumeUpgradeSignal,
  resumeUpgradeUpdate,
  upgradePauseQuery,
  type PauseAnswer,
  type PauseRequest,
} from './pause-definitions';
import { WORKFLOW_TUNABLES as T } from './tunables';
import { DATA_STREAM_SEARCH_ATTRIBUTE, REINDEX_STATE_SEARCH_ATTRIBUTE } from '../shared/search-attributes';
import type { ReindexDataStreamStatus } from '../shared/status';

/** Failure type of a run whose whole task failed (a failed plan or rollover); the status is its detail. */
const REINDEX_FAILED_FAILURE_TYPE = 'ReindexDataStreamFailed';

/** What the Web UI shows of an upgrade: its current details, and its state as a search attribute. */
interface UpgradeView {
  readonly show: () => void;
  setState(state: ReindexState): void;
}

function upgradeView(dataStream: string, state: DataStreamUpgradeState): UpgradeView {
  const show = (): void => setCurrentDetails(state.details(dataStream));
  return {
    show,
    setState(next) {
      upsertSearchAttributes([
        { key: DATA_STREAM_SEARCH_ATTRIBUTE, value: dataStream },
        { key: REINDEX_STATE_SEARCH_ATTRIBUTE, value: next },
      ]);
      show();
    },
  };
}

/**
 * One upgrade of one data stream (Elasticsearch's persistent task `reindex-data-stream-<name>`):
 * plan, roll over if the write index is old, then one child workflow per old backing index, oldest
 * first, at most `migrate.max_concurrent_indices_reindexed_per_data_stream` at once. The status is
 * answered by the `status` query while it runs. When done it closes: Completed, with the final status as
 * its result, or Failed when the whole task failed, with the status in the failure's details.
 */
export async function reindexDataStream(input: ReindexDataStreamInput): Promise<ReindexDataStreamStatus> {
  const state = new DataStreamUpgradeState(input, Date.now());
  const view = upgradeView(input.dataStream, state);
  const indices = new IndexWorkflows(input.dataStream, state, view.show);
  answerQueriesAndSignals(state, indices, view);
  if (input.continued === undefined) await planRun(input, state, view);
  await upgradeIndices(input, state, indices, view);
  if (state.handsOver) {
    // History stays small however many backing indices there are: hand over to a fresh run.
    await condition(allHandlersFinished);
    return await continueAsNew<typeof reindexDataStream>({ ...input, continued: state.continuedRun() });
  }
  return closeRun(input, state, view);
}

/** The status and pause queries, copy progress, the concurrency setting, pause and resume. */
function answerQueriesAndSignals(
  state: DataStreamUpgradeState,
  indices: IndexWorkflows,
  view: UpgradeView,
): void {
  setHandler(statusQuery, () => state.status());
  setHandler(indexProgressSignal, (progress) => {
    if (state.progress(progress)) view.show();
  });
  setHandler(indexCopyEndedSignal, (index) => {
    if (state.copyEnded(index)) view.show();
  });
  setHandler(maxConcurrentIndicesChangedSignal, (value) => state.setMaxConcurrentIndices(value));
  setHandler(upgradePauseQuery, () => (state.paused === undefined ? null : { ...state.paused }));
  answerPauseAndResume(state, indices, view);
}

/**
 * Pause and resume: as updates for the API and the CLI (validated here, answered with the pause as it
 * then is), and as signals for the cluster run that holds this upgrade (and for an older service).
 */
function answerPauseAndResume(
  state: DataStreamUpgradeState,
  indices: IndexWorkflows,
  view: UpgradeView,
): void {
  const pause = async ({ now }: PauseRequest): Promise<PauseAnswer> => {
    const stopCopies = state.pause(now, Date.now());
    view.show();
    if (stopCopies) await indices.signalAll(pauseCopySignal);
    return pauseAnswerOf(state.paused);
  };
  const resume = async (): Promise<PauseAnswer> => {
    if (state.paused !== undefined) {
      const continueCopies = state.resume();
      view.show();
      if (continueCopies) await indices.signalAll(resumeCopySignal);
    }
    return pauseAnswerOf(state.paused);
  };
  setHandler(pauseUpgradeUpdate, pause, {
    validator: (_request: PauseRequest) => {
      if (state.exception !== undefined) {
        throw new Error(`the upgrade has failed (${state.exception}); there is nothing to pause`);
      }
      if (state.complete) throw new Error('the upgrade is complete; there is nothing to pause');
    },
  });
  setHandler(resumeUpgradeUpdate, resume, {
    validator: () => {
      if (state.paused === undefined)
        throw new Error('the upgrade is not paused; there is nothing to resume');
    },
  });
  setHandler(pauseUpgradeSignal, async (request) => {
    await pause(request);
  });
  setHandler(resumeUpgradeSignal, async () => {
    await resume();
  });
}

/** The first run plans: which indices to upgrade, the rollover of an old write index, the concurrency. */
async function planRun(
  input: ReindexDataStreamInput,
  state: DataStreamUpgradeState,
  view: UpgradeView,
): Promise<void> {
  const { dataStream } = input;
  view.setState(REINDEX_STATES.RUNNING);
  try {
    // Asked for only when set, so a default run's plan request is as it always was.
    const plan =
      input.reindexReadOnly === true
        ? await es.planUpgrade(dataStream, { reindexReadOnly: true })
        : await es.planUpgrade(dataStream);
    state.planned(plan);
    if (plan.writeIndexNeedsUpgrade) {
      const rollover = await es.rolloverDataStream({ dataStream, expectedWriteIndex: plan.writeIndex });
      state.totalIndicesInDataStream = rollover.totalIndicesInDataStream;
    }
    state.maxConcurrentIndices = (await es.readMigrateSettings()).maxConcurrentIndices;
  } catch (err) {
    if (isCancellation(err)) {
      view.setState(REINDEX_STATES.CANCELLED);
      throw err;
    }
    state.exception = rootCauseMessage(err);
  }
}

/**
 * The scheduling loop: hands free copy permits to the indices that wait for one (oldest first), starts
 * pending indices while the state allows one more and this run has room, and waits for an end, a copy's
 * end, a resume or a concurrency change. Before each start the disk is checked: an
 * index whose copy would take a node past the high watermark waits (the status says why and since when)
 * and is checked again every `DISK_RECHECK_INTERVAL_MS`. Returns when nothing runs and nothing may start
 * (done, failed, or this run's share taken). A cancel waits for every child to roll back.
 */
async function upgradeIndices(
  input: ReindexDataStreamInput,
  state: DataStreamUpgradeState,
  indices: IndexWorkflows,
  view: UpgradeView,
): Promise<void> {
  const maxIndicesPerRun = input.maxIndicesPerRun ?? T.DEFAULT_MAX_INDICES_PER_RUN;
  let startedThisRun = 0;
  const mayStartAnother = (): boolean =>
    state.mayStartIndex() && startedThisRun < maxIndicesPerRun && !workflowInfo().continueAsNewSuggested;
  const startWhatMay = async (): Promise<void> => {
    while (mayStartAnother()) {
      const next = state.nextPending;
      if (next === undefined) return;
      // Local: it shares the workflow task (and its marker batch) with the child's start that follows.
      const headroom = await local.checkDiskHeadroom({ index: next, inFlight: state.indicesInFlight });
      // Paused, cancelled or otherwise changed while the disk was read: decide again.
      if (!mayStartAnother() || state.nextPending !== next) continue;
      if (!headroom.fits) {
        state.holdForDisk(next, headroom.reason, Date.now());
        view.show();
        return;
      }
      const index = state.startNext();
      if (index === undefined) return;
      startedThisRun += 1;
      indices.start(index);
    }
    if (state.waitingForDisk !== undefined) {
      // Nothing may start anyway (paused, at the cap, failed): it is not disk that holds it now.
      state.releaseDiskHold();
      view.show();
    }
  };
  const grantWhatMay = async (): Promise<void> => {
    const granted = state.grantCopyPermits();
    // Awaited, so this workflow task ends with the permits: the next start's steps (local activities,
    // which would keep the task open) must not delay a copy the node is idle for.
    if (granted.length > 0) await Promise.all(granted.map((index) => indices.permitCopy(index)));
    // As the permits: an index started before its turn to prepare learns it has come.
    const due = state.preparationsDue();
    if (due.length > 0) await Promise.all(due.map((index) => indices.allowPreparation(index)));
  };
  const heldForDisk = (): boolean => state.waitingForDisk !== undefined;
  const finished = (): boolean => indices.size === 0 && !state.heldByPause() && !heldForDisk();
  try {
    for (;;) {
      await grantWhatMay();
      await startWhatMay();
      if (finished()) return;
      const endedBefore = state.endedCount;
      if (heldForDisk()) {
        // Checked again on an end (it frees disk), a pause, or the timer.
        const pausedBefore = state.paused;
        await condition(
          () =>
            state.endedCount !== endedBefore ||
            state.paused !== pausedBefore ||
            state.mayGrantCopyPermit() ||
            state.mayAllowPreparation(),
          T.DISK_RECHECK_INTERVAL_MS,
        );
      } else {
        await condition(
          () =>
            state.endedCount !== endedBefore ||
            mayStartAnother() ||
            finished() ||
            state.mayGrantCopyPermit() ||
            state.mayAllowPreparation(),
        );
      }
    }
  } catch (err) {
    if (isCancellation(err)) {
      // Wait for every child to finish rolling back before the status disappears.
      await CancellationScope.nonCancellable(() => indices.allEnded());
      view.setState(REINDEX_STATES.CANCELLED);
    }
    throw err;
  }
}

/**
 * Closed at once, so the Web UI shows Completed or Failed. The service serves the final status from the
 * closed execution until `statusRetentionMs` after the close (docs/ELASTICSEARCH-BEHAVIOUR.md, section 3,
 * step 5), as the memo says.
 */
function closeRun(
  input: ReindexDataStreamInput,
  state: DataStreamUpgradeState,
  view: UpgradeView,
): ReindexDataStreamStatus {
  view.setState(state.finish());
  const retentionMs = input.statusRetentionMs ?? T.DEFAULT_STATUS_RETENTION_MS;
  upsertMemo({ [STATUS_RETENTION_MEMO]: retentionMs } satisfies FinishedRunMemo);
  if (state.exception !== undefined) {
    throw ApplicationFailure.create({
      type: REINDEX_FAILED_FAILURE_TYPE,
      message: state.exception,
      nonRetryable: true,
      details: [state.status()],
    });
  }
  return state.status();
}
