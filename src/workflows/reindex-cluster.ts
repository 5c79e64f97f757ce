import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  CLUSTER_STATES,
  clusterStatusQuery,
  type ClusterState,
  type ClusterUpgradeStatus,
  type ReindexClusterInput,
} from './cluster-definitions';
import { ClusterRunState } from './cluster-run-state';
import { DataStreamUpgrades, type ClusterRunEvents } from './data-stream-upgrades';
import { rootCauseMessage } from './failure-message';
import { releaseFinishedPages, writeFinishedPages } from './finished-page-writes';
import { StandaloneIndexUpgrades } from './standalone-index-upgrades';
import {
  pauseAnswerOf,
  pauseClusterSignal,
  pauseClusterUpdate,
  pauseUpgradeSignal,
  resumeClusterSignal,
  resumeClusterUpdate,
  resumeUpgradeSignal,
  type PauseAnswer,
  type PauseRequest,
} from './pause-definitions';
import { CLUSTER_TUNABLES as C, WORKFLOW_TUNABLES as T } from './tunables';
import { formatMaintenanceWindow, type MaintenanceWindow } from '../shared/maintenance-window';
import { dataStreamWorkflowId } from '../shared/names';
import { REINDEX_STATE_SEARCH_ATTRIBUTE } from '../shared/search-attributes';

/** Failure type of a run that could not read its maintenance window. */
const WINDOW_UNREADABLE_FAILURE_TYPE = 'MaintenanceWindowUnreadable';

/**
 * Reading the maintenance window: a computation in the worker, so a read that fails again and again (a
 * time zone this worker does not know) will not succeed later. A few attempts, then the run fails, rather
 * than waiting for a window it cannot see.
 */
const windowSteps = proxyActivities<Activities>({
  startToCloseTimeout: C.WINDOW_READ_START_TO_CLOSE_MS,
  retry: {
    initialInterval: T.RETRY_INITIAL_INTERVAL_MS,
    maximumInterval: T.RETRY_MAXIMUM_INTERVAL_MS,
    backoffCoefficient: 2,
    maximumAttempts: C.WINDOW_READ_MAXIMUM_ATTEMPTS,
  },
});

/** What the Web UI shows of the run, and the holds it sends, each once per change. */
function clusterView(
  run: ClusterRunState,
  standalone: () => StandaloneIndexUpgrades | undefined,
): ClusterRunEvents & { setState(state: ClusterState): void } {
  const changed = (): void => setCurrentDetails(run.details());
  return {
    changed,
    setState(next) {
      run.state = next;
      upsertSearchAttributes([{ key: REINDEX_STATE_SEARCH_ATTRIBUTE, value: next }]);
      changed();
    },
    /** Tells each upgrade this run started (not ones it only watches) the run's hold, once per change. */
    async holdsChanged() {
      const changes = run.holdsToSend();
      changed();
      await Promise.all([
        standalone()?.sendHolds(),
        ...changes.map(({ dataStream, hold }) => {
          const upgrade = getExternalWorkflowHandle(dataStreamWorkflowId(dataStream));
          const sent =
            hold === undefined
              ? upgrade.signal(resumeUpgradeSignal)
              : upgrade.signal(pauseUpgradeSignal, { now: hold === 'paused_now' });
          // One that has just finished cannot be signalled, and needs no pause.
          return sent.catch(() => undefined);
        }),
      ]);
    },
  };
}

/**
 * Upgrades every data stream of a cluster run, at most `maxDataStreams` at once. For each, in order:
 * an activity marks the old indices the read-only rule picks (`_block/write`), then the data stream's
 * own upgrade starts, the very workflow `POST /_migration/reindex` starts (`reindex-data-stream-<name>`),
 * so its `_status` and the official client behave as always; an activity watches it to the end.
 * An upgrade already running for a data stream is watched, not restarted. One cancel cancels every
 * upgrade this run started, waits for their rollback, and ends the run. The status query answers
 * throughout, and from the closed workflow afterwards; it is the report.
 *
 * With `standalone` (`--indices`), once no data stream is pending, the old standalone indices follow in
 * the same bound: each marked read-only by the rule, or upgraded by its own child workflow
 * (`reindex-index-<name>`, see `StandaloneIndexUpgrades`), which a cancel of the run rolls back.
 *
 * Data streams' workflows are children that outlive a continue-as-new (`ParentClosePolicy.ABANDON`),
 * tracked by their business-key ids, so a run with hundreds of data streams hands over to a fresh run
 * every `maxDataStreamsPerRun` without waiting for the ones in flight.
 */
export async function reindexCluster(input: ReindexClusterInput): Promise<ClusterUpgradeStatus> {
  const run = new ClusterRunState(input, Date.now());
  let standalone: StandaloneIndexUpgrades | undefined;
  const view = clusterView(run, () => standalone);
  setHandler(clusterStatusQuery, () => run.status());
  view.setState(CLUSTER_STATES.RUNNING);
  answerPauseAndResume(run, view);
  const upgrades = new DataStreamUpgrades(input, run, view);
  if (run.standalone !== undefined) {
    standalone = new StandaloneIndexUpgrades(input, run, run.standalone, view);
  }
  let handOver: boolean;
  try {
    if (input.window !== undefined) await followWindow(input.window, run, view);
    handOver = await scheduleDataStreams(input, run, { upgrades, standalone });
  } catch (err) {
    await endStopped(err, run, view, { upgrades, standalone });
    await CancellationScope.nonCancellable(() => releaseFinishedPages(run));
    throw err;
  }
  if (handOver) {
    // History stays small however many data streams there are: hand over to a fresh run.
    await condition(allHandlersFinished);
    return await continueAsNew<typeof reindexCluster>(await writeFinishedPages(run));
  }
  view.setState(run.complete(Date.now()));
  await releaseFinishedPages(run);
  await condition(allHandlersFinished);
  return run.status();
}

/**
 * Pause and resume: as updates for the API and the CLI (validated here, answered with the pause as it
 * then is), and as signals for an older service.
 */
function answerPauseAndResume(run: ClusterRunState, view: ClusterRunEvents): void {
  const pause = async ({ now }: PauseRequest): Promise<PauseAnswer> => {
    run.paused = { since_millis: run.paused?.since_millis ?? Date.now(), now };
    await view.holdsChanged();
    return pauseAnswerOf(run.paused);
  };
  const resume = async (): Promise<PauseAnswer> => {
    run.paused = undefined;
    await view.holdsChanged();
    return pauseAnswerOf(run.paused);
  };
  setHandler(pauseClusterUpdate, pause, {
    validator: (_request: PauseRequest) => {
      if (run.state !== CLUSTER_STATES.RUNNING) {
        throw new Error(`the cluster upgrade is ${run.state}; there is nothing to pause`);
      }
    },
  });
  setHandler(resumeClusterUpdate, resume, {
    validator: () => {
      if (run.paused === undefined) {
        throw new Error('the cluster upgrade is not paused; there is nothing to resume');
      }
    },
  });
  setHandler(pauseClusterSignal, async (request) => {
    await pause(request);
  });
  setHandler(resumeClusterSignal, async () => {
    await resume();
  });
}

/**
 * Starts following the maintenance window for the whole run (cancelled with it), and waits for its
 * first read. Each read is an activity (time zones are not workflow code), applied at once, then a timer
 * to its next change. A read that fails for good records why in `run.exception`, which fails the run.
 */
async function followWindow(
  window: MaintenanceWindow,
  run: ClusterRunState,
  view: ClusterRunEvents,
): Promise<void> {
  const follow = async (): Promise<void> => {
    for (;;) {
      const next = await windowSteps.maintenanceWindowState(window);
      run.window = { ...window, open: next.open, next_change_millis: next.nextChangeMillis };
      await view.holdsChanged();
      const untilChange = next.nextChangeMillis - Date.now();
      await sleep(Math.min(C.WINDOW_RECHECK_MAX_MS, Math.max(C.WINDOW_RECHECK_MIN_MS, untilChange)));
    }
  };
  follow().catch((err: unknown) => {
    if (isCancellation(err)) return;
    run.exception =
      `the maintenance window (${formatMaintenanceWindow(window)}) could not be read after ` +
      `${C.WINDOW_READ_MAXIMUM_ATTEMPTS} attempts: ${rootCauseMessage(err)}. No data stream starts without ` +
      'it; upgrades this run started are left as they are (see their status, and resume one it paused ' +
      'with `ds-reindex resume <data stream>`)';
  });
  await condition(() => run.window !== undefined || run.exception !== undefined);
  throwIfFailed(run);
}

function throwIfFailed(run: ClusterRunState): void {
  if (run.exception === undefined) return;
  throw ApplicationFailure.create({
    type: WINDOW_UNREADABLE_FAILURE_TYPE,
    message: run.exception,
    nonRetryable: true,
  });
}

/** What a run starts: data streams' upgrades, and its standalone indices' workflows when it has any. */
interface RunUpgrades {
  upgrades: DataStreamUpgrades;
  standalone: StandaloneIndexUpgrades | undefined;
}

/**
 * The scheduling loop: watches the data streams a previous run handed over, then starts pending ones
 * while the run may. Resolves `true` when this run's share is started and it should hand over to a
 * fresh run, `false` when every data stream has finished; rejects when the run fails or is cancelled.
 */
async function scheduleDataStreams(
  input: ReindexClusterInput,
  run: ClusterRunState,
  { upgrades, standalone }: RunUpgrades,
): Promise<boolean> {
  const maxPerRun = input.maxDataStreamsPerRun ?? C.DEFAULT_MAX_DATA_STREAMS_PER_RUN;
  let startedThisRun = 0;
  const wantsNewRun = (): boolean =>
    run.anyPending && (startedThisRun >= maxPerRun || workflowInfo().continueAsNewSuggested);
  const mayStartAnother = (): boolean =>
    (run.mayStartAnother() || run.mayStartStandalone()) && !wantsNewRun();
  const readyForNewRun = (): boolean => wantsNewRun() && run.readyToHandOver();
  const startWhatMay = (): void => {
    while (mayStartAnother()) {
      startedThisRun += 1;
      if (run.mayStartAnother()) {
        const entry = run.startNext(Date.now());
        if (entry !== undefined) upgrades.launch(entry);
      } else {
        const entry = run.standalone?.startNext(Date.now());
        if (entry !== undefined) standalone?.launch(entry);
      }
    }
  };
  for (const entry of run.running.values()) upgrades.launch(entry);
  for (;;) {
    throwIfFailed(run);
    startWhatMay();
    if (run.done) return false;
    if (readyForNewRun()) return true;
    const settledBefore = run.settledCount;
    await condition(
      () =>
        run.settledCount !== settledBefore ||
        mayStartAnother() ||
        readyForNewRun() ||
        run.exception !== undefined,
    );
  }
}

/**
 * A run that stops early: a cancel cancels every upgrade it started and waits for their rollback; a
 * failure (its window could not be read) leaves them as they are. Either way the status says it ended.
 */
async function endStopped(
  err: unknown,
  run: ClusterRunState,
  view: ReturnType<typeof clusterView>,
  { upgrades, standalone }: RunUpgrades,
): Promise<void> {
  if (isCancellation(err)) {
    view.setState(CLUSTER_STATES.CANCELLING);
    // Standalone indices are this run's children: the cancel reached them, and they roll back.
    await CancellationScope.nonCancellable(() => Promise.all([upgrades.cancelAll(), standalone?.allEnded()]));
    run.endTimeMillis = Date.now();
    view.setState(CLUSTER_STATES.CANCELLED);
  } else if (run.exception !== undefined) {
    run.endTimeMillis = Date.now();
    view.setState(CLUSTER_STATES.FAILED);
  }
}
