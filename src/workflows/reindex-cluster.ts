import {
  ActivityCancellationType,
  CancellationScope,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import type { PreparedDataStream, WatchedUpgrade } from '../activities/cluster-activities';
import { elasticsearchSteps as es } from './activity-stubs';
import {
  CLUSTER_STATES,
  DATA_STREAM_OUTCOMES,
  clusterStatusQuery,
  type ClusterState,
  type ClusterUpgradeStatus,
  type ContinuedClusterRun,
  type DataStreamOutcome,
  type DataStreamRunReport,
  type ReindexClusterInput,
  type RunningDataStream,
  type WindowStatus,
} from './cluster-definitions';
import {
  pauseClusterSignal,
  pauseUpgradeSignal,
  resumeClusterSignal,
  resumeUpgradeSignal,
  type PauseState,
} from './pause-definitions';
import type { AcceptedStart } from './definitions';
import { rootCauseMessage } from './failure-message';
import { reindexDataStream } from './reindex-data-stream';
import { CLUSTER_TUNABLES as C, WORKFLOW_TUNABLES as T } from './tunables';
import type { MaintenanceWindow } from '../shared/maintenance-window';
import { dataStreamWorkflowId } from '../shared/names';
import { REINDEX_STATE_SEARCH_ATTRIBUTE } from '../shared/search-attributes';
import type { IndexError } from '../shared/status';

/** Watching a data stream's upgrade: stateless, so retried without limit; heartbeats each poll. */
const watchSteps = proxyActivities<Activities>({
  startToCloseTimeout: C.WATCH_START_TO_CLOSE_MS,
  heartbeatTimeout: C.WATCH_HEARTBEAT_TIMEOUT_MS,
  retry: {
    initialInterval: T.RETRY_INITIAL_INTERVAL_MS,
    maximumInterval: T.RETRY_MAXIMUM_INTERVAL_MS,
    backoffCoefficient: 2,
  },
  cancellationType: ActivityCancellationType.TRY_CANCEL,
});

function cappedErrors(errors: readonly IndexError[]): { errors: IndexError[]; errors_omitted: number } {
  const kept = errors.slice(0, C.MAX_ERRORS_PER_DATA_STREAM).map((error) => ({
    index: error.index,
    message:
      error.message.length > C.MAX_ERROR_MESSAGE_CHARS
        ? `${error.message.slice(0, C.MAX_ERROR_MESSAGE_CHARS)}…`
        : error.message,
  }));
  return { errors: kept, errors_omitted: errors.length - kept.length };
}

/**
 * Elasticsearch's first totals for a data stream's upgrade, so that its very first `_status` has them, as
 * when the API starts it. The start time is the workflow clock's now.
 */
function acceptedStartOf(prepared: PreparedDataStream): AcceptedStart {
  const { totalIndicesInDataStream, totalIndicesRequiringUpgrade } = prepared;
  return { startTimeMillis: Date.now(), totalIndicesInDataStream, totalIndicesRequiringUpgrade };
}

function outcomeOf(watched: WatchedUpgrade, indicesMarkedReadOnly: number): DataStreamOutcome {
  const status = watched.status;
  if (watched.end === 'cancelled') return DATA_STREAM_OUTCOMES.CANCELLED;
  if (watched.end !== 'complete' || status === undefined) return DATA_STREAM_OUTCOMES.FAILED;
  if (status.errors.length > 0) return DATA_STREAM_OUTCOMES.UPGRADED_WITH_ERRORS;
  if (status.total_indices_requiring_upgrade === 0) {
    return indicesMarkedReadOnly > 0 ? DATA_STREAM_OUTCOMES.READ_ONLY : DATA_STREAM_OUTCOMES.UP_TO_DATE;
  }
  return DATA_STREAM_OUTCOMES.UPGRADED;
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
 * Data streams' workflows are children that outlive a continue-as-new (`ParentClosePolicy.ABANDON`),
 * tracked by their business-key ids, so a run with hundreds of data streams hands over to a fresh run
 * every `maxDataStreamsPerRun` without waiting for the ones in flight.
 */
export async function reindexCluster(input: ReindexClusterInput): Promise<ClusterUpgradeStatus> {
  const continued = input.continued;
  const pollIntervalMs = input.watchPollIntervalMs ?? C.DEFAULT_WATCH_POLL_INTERVAL_MS;
  const maxPerRun = input.maxDataStreamsPerRun ?? C.DEFAULT_MAX_DATA_STREAMS_PER_RUN;
  const startTimeMillis = continued?.startTimeMillis ?? Date.now();
  const pending: string[] = [...(continued?.pending ?? input.dataStreams)];
  const running = new Map<string, RunningDataStream>(
    (continued?.running ?? []).map((entry) => [entry.data_stream, { ...entry }]),
  );
  const finished: DataStreamRunReport[] = [...(continued?.finished ?? [])];
  let state: ClusterState = CLUSTER_STATES.RUNNING;
  let endTimeMillis: number | undefined;
  let paused: PauseState | undefined = continued?.paused;
  /** Unknown until first read; absent without a window. */
  let window: WindowStatus | undefined;

  const status = (): ClusterUpgradeStatus => {
    const current: ClusterUpgradeStatus = {
      state,
      complete: endTimeMillis !== undefined,
      start_time_millis: startTimeMillis,
      pending: [...pending],
      pattern: input.pattern,
      max_data_streams: input.maxDataStreams,
      read_only: input.readOnly,
      total_data_streams: input.dataStreams.length,
      running: [...running.values()].map((entry) => ({ ...entry })),
      finished: finished.map((entry) => ({ ...entry })),
      paused: paused === undefined ? null : { ...paused },
      window: window === undefined ? null : { ...window },
    };
    if (endTimeMillis !== undefined) current.end_time_millis = endTimeMillis;
    return current;
  };
  const showDetails = (): void => {
    const failed = finished.filter((entry) => entry.outcome !== 'upgraded' && entry.outcome !== 'read_only');
    setCurrentDetails(
      [
        `**cluster upgrade** (${input.pattern}): ${state}, ${finished.length} of ${input.dataStreams.length} data streams done, ` +
          `${running.size} running, ${pending.length} pending`,
        ...[...running.values()].map((entry) => `- ${entry.step} \`${entry.data_stream}\``),
        ...failed.map((entry) => `- ${entry.outcome} \`${entry.data_stream}\``),
      ].join('\n'),
    );
  };
  const setState = (next: ClusterState): void => {
    state = next;
    upsertSearchAttributes([{ key: REINDEX_STATE_SEARCH_ATTRIBUTE, value: next }]);
    showDetails();
  };
  setHandler(clusterStatusQuery, status);
  setState(CLUSTER_STATES.RUNNING);

  const windowClosed = (): boolean => window !== undefined && !window.open;
  /** Whether no data stream may start now: paused by the operator, or outside the window. */
  const held = (): boolean => paused !== undefined || windowClosed();
  /** What the upgrades this run started should be told: nothing, pause, or pause and stop the copies. */
  const wantedHold = (): RunningDataStream['hold'] => {
    if (!held()) return undefined;
    return paused?.now === true || windowClosed() ? 'paused_now' : 'paused';
  };
  /** Tells each upgrade this run started (not ones it only watches) the run's hold, once per change. */
  const syncHolds = async (): Promise<void> => {
    const wanted = wantedHold();
    const changed = [...running.values()].filter(
      (entry) => entry.step === 'upgrading' && !entry.adopted && entry.hold !== wanted,
    );
    for (const entry of changed) entry.hold = wanted;
    showDetails();
    await Promise.all(
      changed.map((entry) => {
        const upgrade = getExternalWorkflowHandle(dataStreamWorkflowId(entry.data_stream));
        const sent =
          wanted === undefined
            ? upgrade.signal(resumeUpgradeSignal)
            : upgrade.signal(pauseUpgradeSignal, { now: wanted === 'paused_now' });
        // One that has just finished cannot be signalled, and needs no pause.
        return sent.catch(() => undefined);
      }),
    );
  };
  setHandler(pauseClusterSignal, async ({ now }) => {
    paused = { since_millis: paused?.since_millis ?? Date.now(), now };
    await syncHolds();
  });
  setHandler(resumeClusterSignal, async () => {
    paused = undefined;
    await syncHolds();
  });

  /** Reads the window's state (an activity: time zones are not workflow code), applies it, sleeps to its next change. */
  const followWindow = async (maintenanceWindow: MaintenanceWindow): Promise<void> => {
    for (;;) {
      const next = await es.maintenanceWindowState(maintenanceWindow);
      window = { ...maintenanceWindow, open: next.open, next_change_millis: next.nextChangeMillis };
      await syncHolds();
      await sleep(
        Math.min(
          C.WINDOW_RECHECK_MAX_MS,
          Math.max(C.WINDOW_RECHECK_MIN_MS, next.nextChangeMillis - Date.now()),
        ),
      );
    }
  };

  let settledCount = 0;
  const tasks = new Map<string, Promise<void>>();

  const finish = (
    entry: RunningDataStream,
    watched: WatchedUpgrade | undefined,
    fallback?: DataStreamOutcome,
    exception?: string,
  ): void => {
    const prepared = entry.prepared;
    const marked = prepared?.indicesMarkedReadOnly ?? 0;
    const report: DataStreamRunReport = {
      data_stream: entry.data_stream,
      outcome: fallback ?? (watched ? outcomeOf(watched, marked) : DATA_STREAM_OUTCOMES.FAILED),
      adopted: entry.adopted,
      started_at_millis: entry.started_at_millis,
      finished_at_millis: Date.now(),
      indices_requiring_upgrade: watched?.status?.total_indices_requiring_upgrade ?? 0,
      indices_reindexed: watched?.status?.successes ?? 0,
      indices_failed: watched?.status?.errors.length ?? 0,
      indices_marked_read_only: marked,
      indices_already_read_only: prepared?.indicesAlreadyReadOnly ?? 0,
      documents: entry.adopted || prepared === undefined ? null : prepared.documentsToReindex,
      bytes: entry.adopted || prepared === undefined ? null : prepared.bytesToReindex,
      ...cappedErrors(watched?.status?.errors ?? []),
    };
    const failure = exception ?? watched?.status?.exception;
    if (failure !== undefined) report.exception = failure;
    else if (watched?.end === 'gone')
      report.exception = 'its upgrade ended without a status (terminated or replaced)';
    finished.push(report);
    running.delete(entry.data_stream);
    showDetails();
  };

  const watch = (dataStream: string): Promise<WatchedUpgrade> =>
    watchSteps.awaitDataStreamUpgrade({ dataStream, pollIntervalMs });

  /** One data stream, from preparation (unless resumed after continue-as-new) to the end of its upgrade. */
  const upgrade = async (entry: RunningDataStream): Promise<void> => {
    const dataStream = entry.data_stream;
    try {
      if (entry.step === 'preparing') {
        const prepared = await es.prepareDataStreamUpgrade({ dataStream, readOnly: input.readOnly });
        entry.prepared = prepared;
        if (prepared.next === 'done') {
          finish(
            entry,
            undefined,
            prepared.indicesMarkedReadOnly > 0
              ? DATA_STREAM_OUTCOMES.READ_ONLY
              : DATA_STREAM_OUTCOMES.UP_TO_DATE,
          );
          return;
        }
        if (prepared.next === 'adopt') {
          entry.adopted = true;
        } else {
          entry.step = 'starting';
          try {
            await startChild(reindexDataStream, {
              workflowId: dataStreamWorkflowId(dataStream),
              args: [{ dataStream, ...input.dataStreamRun, accepted: acceptedStartOf(prepared) }],
              // It must outlive this run's continue-as-new; a cluster cancel cancels it explicitly.
              parentClosePolicy: ParentClosePolicy.ABANDON,
              cancellationType: ChildWorkflowCancellationType.ABANDON,
            });
          } catch (err) {
            // Someone started it between the preparation and now: watch theirs.
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
            entry.adopted = true;
          }
        }
        entry.step = 'upgrading';
        // Paused, or the window closed, while it was being prepared: it starts held.
        await syncHolds();
      }
      finish(entry, await watch(dataStream));
    } catch (err) {
      if (isCancellation(err)) throw err;
      finish(entry, undefined, DATA_STREAM_OUTCOMES.FAILED, rootCauseMessage(err));
    }
  };

  const launch = (entry: RunningDataStream): void => {
    running.set(entry.data_stream, entry);
    const task = upgrade(entry).finally(() => {
      tasks.delete(entry.data_stream);
      settledCount += 1;
    });
    // Rejections are cancellations, handled below once every task has settled.
    task.catch(() => undefined);
    tasks.set(entry.data_stream, task);
    showDetails();
  };

  /**
   * Cancels every upgrade this run started and waits for each to finish rolling back. Upgrades it only
   * watched are left running; data streams not started yet stay pending in the final status.
   */
  const cancelRunning = async (): Promise<void> => {
    await Promise.allSettled(tasks.values());
    await Promise.all(
      [...running.values()].map(async (entry) => {
        if (entry.adopted || entry.step === 'preparing') {
          finish(
            entry,
            undefined,
            entry.adopted ? DATA_STREAM_OUTCOMES.LEFT_RUNNING : DATA_STREAM_OUTCOMES.CANCELLED,
          );
          return;
        }
        entry.step = 'cancelling';
        showDetails();
        await getExternalWorkflowHandle(dataStreamWorkflowId(entry.data_stream))
          .cancel()
          .catch(() => undefined);
        const watched = await watch(entry.data_stream).catch(() => undefined);
        // One that finished just before the cancel reached it keeps its own outcome.
        finish(entry, watched, watched?.end === 'complete' ? undefined : DATA_STREAM_OUTCOMES.CANCELLED);
      }),
    );
  };

  let startedThisRun = 0;
  const wantsNewRun = (): boolean =>
    pending.length > 0 && (startedThisRun >= maxPerRun || workflowInfo().continueAsNewSuggested);
  const mayStartAnother = (): boolean =>
    pending.length > 0 && running.size < input.maxDataStreams && !held() && !wantsNewRun();
  // Only data streams being watched can be handed over; preparing or starting ones finish that here first.
  const readyForNewRun = (): boolean =>
    wantsNewRun() && [...running.values()].every((entry) => entry.step === 'upgrading');

  try {
    if (input.window !== undefined) {
      // Runs for the whole run; cancelled with it.
      followWindow(input.window).catch(() => undefined);
      await condition(() => window !== undefined);
    }
    for (const entry of running.values()) launch(entry);
    for (;;) {
      while (mayStartAnother()) {
        startedThisRun += 1;
        launch({
          data_stream: pending.shift() as string,
          started_at_millis: Date.now(),
          step: 'preparing',
          adopted: false,
        });
      }
      if (running.size === 0 && pending.length === 0) break;
      if (readyForNewRun()) break;
      const settledBefore = settledCount;
      await condition(() => settledCount !== settledBefore || mayStartAnother() || readyForNewRun());
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    setState(CLUSTER_STATES.CANCELLING);
    await CancellationScope.nonCancellable(() => cancelRunning());
    endTimeMillis = Date.now();
    setState(CLUSTER_STATES.CANCELLED);
    throw err;
  }

  if (pending.length > 0) {
    // History stays small however many data streams there are: hand over to a fresh run.
    await condition(allHandlersFinished);
    const next: ContinuedClusterRun = {
      startTimeMillis,
      pending,
      running: [...running.values()],
      finished,
      ...(paused !== undefined ? { paused } : {}),
      runNumber: (continued?.runNumber ?? 0) + 1,
    };
    return await continueAsNew<typeof reindexCluster>({ ...input, continued: next });
  }

  endTimeMillis = Date.now();
  setState(
    finished.every(
      (entry) =>
        entry.outcome === 'upgraded' || entry.outcome === 'read_only' || entry.outcome === 'up_to_date',
    )
      ? CLUSTER_STATES.COMPLETED
      : CLUSTER_STATES.COMPLETED_WITH_ERRORS,
  );
  await condition(allHandlersFinished);
  return status();
}
