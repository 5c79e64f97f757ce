import {
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  ChildWorkflowCancellationType,
  allHandlersFinished,
  condition,
  continueAsNew,
  startChild as startChildWorkflow,
  getExternalWorkflowHandle,
  isCancellation,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type SignalDefinition,
} from '@temporalio/workflow';
import { elasticsearchSteps as es, localElasticsearchSteps } from './activity-stubs';
import {
  indexProgressSignal,
  maxConcurrentIndicesChangedSignal,
  STATUS_RETENTION_MEMO,
  statusBeforeFirstTask,
  statusQuery,
  type ContinuedRun,
  type FinishedRunMemo,
  type ReindexBackingIndexInput,
  type ReindexDataStreamInput,
} from './definitions';
import { rootCauseMessage } from './failure-message';
import {
  pauseCopySignal,
  pauseUpgradeSignal,
  resumeCopySignal,
  resumeUpgradeSignal,
  upgradePauseQuery,
} from './pause-definitions';
import { reindexBackingIndex } from './reindex-backing-index';
import { WORKFLOW_TUNABLES as T } from './tunables';
import { DEFAULT_MIGRATE_SETTINGS } from '../shared/migrate-settings';
import { backingIndexWorkflowId } from '../shared/names';
import { DATA_STREAM_SEARCH_ATTRIBUTE, REINDEX_STATE_SEARCH_ATTRIBUTE } from '../shared/search-attributes';
import {
  deriveStatus,
  progressPercent,
  type InProgressIndex,
  type IndexError,
  type ReindexDataStreamStatus,
  type UpgradePause,
} from '../shared/status';

/** Values of the `ReindexState` search attribute, to filter in the Web UI. */
export const REINDEX_STATES = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  COMPLETED_WITH_ERRORS: 'completed_with_errors',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
} as const;

type ReindexState = (typeof REINDEX_STATES)[keyof typeof REINDEX_STATES];

/** Failure type of a run whose whole task failed (a failed plan or rollover); the status is its detail. */
const REINDEX_FAILED_FAILURE_TYPE = 'ReindexDataStreamFailed';

/**
 * One upgrade of one data stream (Elasticsearch's persistent task `reindex-data-stream-<name>`):
 * plan, roll over if the write index is old, then one child workflow per old backing index, oldest
 * first, at most `migrate.max_concurrent_indices_reindexed_per_data_stream` at once. The status is
 * answered by the `status` query while it runs. When done it closes: Completed, with the final status as
 * its result, or Failed when the whole task failed, with the status in the failure's details.
 */
export async function reindexDataStream(input: ReindexDataStreamInput): Promise<ReindexDataStreamStatus> {
  const { dataStream } = input;
  const retentionMs = input.statusRetentionMs ?? T.DEFAULT_STATUS_RETENTION_MS;
  const maxIndicesPerRun = input.maxIndicesPerRun ?? T.DEFAULT_MAX_INDICES_PER_RUN;
  const continued = input.continued;
  const initial = statusBeforeFirstTask(input, Date.now());

  const startTimeMillis = initial.start_time_millis;
  let totalIndicesInDataStream = initial.total_indices_in_data_stream;
  let totalIndicesRequiringUpgrade = initial.total_indices_requiring_upgrade;
  const pending: string[] = [...(continued?.pendingIndices ?? [])];
  // Until this run's own plan names them, the indices the service counted at the start are pending.
  let unnamedPendingCount = initial.pending - pending.length;
  const errors: IndexError[] = [...initial.errors];
  const inProgress = new Map<string, InProgressIndex>();
  let maxConcurrentIndices = continued?.maxConcurrentIndices ?? DEFAULT_MIGRATE_SETTINGS.maxConcurrentIndices;
  // The concurrency setting as the last index start read it from the cluster.
  let concurrencyLastRead: number | undefined;
  let complete = false;
  let exception: string | undefined;
  let paused: UpgradePause | undefined = continued?.paused;

  const status = (): ReindexDataStreamStatus =>
    deriveStatus({
      startTimeMillis,
      complete,
      totalIndicesInDataStream,
      totalIndicesRequiringUpgrade,
      inProgress: [...inProgress.values()],
      pendingCount: pending.length + unnamedPendingCount,
      errors,
      exception,
      paused,
    });

  const showDetails = (): void => {
    const current = status();
    const lines = [
      `**${dataStream}**: ${current.complete ? 'complete' : 'upgrading'}, ${progressPercent(current)}% ` +
        `(${current.successes} of ${current.total_indices_requiring_upgrade} indices done, ` +
        `${current.pending} pending, ${current.errors.length} failed)`,
      ...current.in_progress.map(
        (entry) =>
          `- copying \`${entry.index}\`: ${entry.reindexed_doc_count} / ${entry.total_doc_count} documents`,
      ),
      ...current.errors.map((entry) => `- failed \`${entry.index}\`: ${entry.message}`),
    ];
    if (current.exception !== undefined) lines.push(`- exception: ${current.exception}`);
    if (paused !== undefined) {
      lines.push(
        `- paused since ${new Date(paused.since_millis).toISOString()}` +
          (paused.now ? ': the copies in flight are stopped' : ': the copies in flight finish'),
      );
    }
    setCurrentDetails(lines.join('\n'));
  };

  const setState = (state: ReindexState): void => {
    upsertSearchAttributes([
      { key: DATA_STREAM_SEARCH_ATTRIBUTE, value: dataStream },
      { key: REINDEX_STATE_SEARCH_ATTRIBUTE, value: state },
    ]);
    showDetails();
  };

  setHandler(statusQuery, status);
  const setMaxConcurrentIndices = (value: number | undefined): void => {
    if (value !== undefined && Number.isInteger(value) && value >= 1) maxConcurrentIndices = value;
  };
  setHandler(indexProgressSignal, (progress) => {
    setMaxConcurrentIndices(progress.maxConcurrentIndices);
    const entry = inProgress.get(progress.index);
    if (entry === undefined) return;
    entry.total_doc_count = progress.totalDocCount;
    entry.reindexed_doc_count = progress.reindexedDocCount;
    showDetails();
  });
  setHandler(maxConcurrentIndicesChangedSignal, setMaxConcurrentIndices);

  // Children running now, by source index; cancelling this workflow cancels them, and each rolls back.
  const running = new Map<string, Promise<void>>();

  /** Tells every running child to stop or continue its copy; one that has just finished needs neither. */
  const signalRunningChildren = async (signal: SignalDefinition<[]>): Promise<void> => {
    await Promise.all(
      [...running.keys()].map((sourceIndex) =>
        getExternalWorkflowHandle(backingIndexWorkflowId(dataStream, sourceIndex))
          .signal(signal)
          .catch(() => undefined),
      ),
    );
  };

  setHandler(upgradePauseQuery, () => (paused === undefined ? null : { ...paused }));
  setHandler(pauseUpgradeSignal, async ({ now }) => {
    const stopCopies = now && paused?.now !== true;
    paused = { since_millis: paused?.since_millis ?? Date.now(), now: now || paused?.now === true };
    showDetails();
    if (stopCopies) await signalRunningChildren(pauseCopySignal);
  });
  setHandler(resumeUpgradeSignal, async () => {
    if (paused === undefined) return;
    const copiesStopped = paused.now;
    paused = undefined;
    showDetails();
    if (copiesStopped) await signalRunningChildren(resumeCopySignal);
  });

  if (continued === undefined) {
    setState(REINDEX_STATES.RUNNING);
    try {
      const plan = await es.planUpgrade(dataStream);
      // Set together, so no status read during the rollover derives successes from a count alone.
      totalIndicesInDataStream = plan.totalIndicesInDataStream;
      totalIndicesRequiringUpgrade = plan.indicesToUpgrade.length;
      pending.push(...plan.indicesToUpgrade);
      unnamedPendingCount = 0;
      if (plan.writeIndexNeedsUpgrade) {
        const rollover = await es.rolloverDataStream({ dataStream, expectedWriteIndex: plan.writeIndex });
        totalIndicesInDataStream = rollover.totalIndicesInDataStream;
      }
      maxConcurrentIndices = (await es.readMigrateSettings()).maxConcurrentIndices;
    } catch (err) {
      if (isCancellation(err)) {
        setState(REINDEX_STATES.CANCELLED);
        throw err;
      }
      exception = rootCauseMessage(err);
    }
  }

  // Children run in the root scope: cancelling this workflow cancels them, and each rolls its index back.
  let startedThisRun = 0;
  let finishedCount = 0;

  const startChild = (sourceIndex: string): void => {
    inProgress.set(sourceIndex, { index: sourceIndex, total_doc_count: 0, reindexed_doc_count: 0 });
    startedThisRun += 1;
    const child = (async () => {
      // The source's facts, read in the workflow task that starts the child, are in history before the
      // child changes anything; and the child saves the round trip of reading them itself.
      const { facts, maxConcurrentIndices: concurrencyRead } =
        await localElasticsearchSteps.readSourceBeforeStart(sourceIndex);
      // Only a value that changed since the last read: an older read never undoes a newer API change.
      if (concurrencyRead !== concurrencyLastRead) {
        concurrencyLastRead = concurrencyRead;
        setMaxConcurrentIndices(concurrencyRead);
      }
      const startedPaused = paused?.now === true;
      const args: [ReindexBackingIndexInput] = [
        {
          dataStream,
          sourceIndex,
          facts,
          // A pause with `now` that came while the facts were read cannot reach the child by signal.
          ...(startedPaused ? { copyPaused: true } : {}),
        },
      ];
      const options = {
        workflowId: backingIndexWorkflowId(dataStream, sourceIndex),
        args,
        // A terminated parent must still let its children roll back, not kill them mid-step.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        // Its short steps run inside workflow tasks: a worker that dies in one is noticed when the task
        // times out, so the timeout is short (the SDK keeps a longer step's task alive).
        workflowTaskTimeout: T.BACKING_INDEX_WORKFLOW_TASK_TIMEOUT_MS,
      };
      const handle = await startChildWorkflow(reindexBackingIndex, options);
      // A pause or resume with `now` between the start command and the child's start reached no one.
      if ((paused?.now === true) !== startedPaused) {
        await handle.signal(paused?.now === true ? pauseCopySignal : resumeCopySignal).catch(() => undefined);
      }
      await handle.result();
    })()
      .then(
        () => undefined,
        (err: unknown) => {
          if (!isCancellation(err)) errors.push({ index: sourceIndex, message: rootCauseMessage(err) });
        },
      )
      .finally(() => {
        inProgress.delete(sourceIndex);
        running.delete(sourceIndex);
        finishedCount += 1;
        showDetails();
      });
    running.set(sourceIndex, child);
    showDetails();
  };

  const mayStartAnother = (): boolean =>
    paused === undefined &&
    exception === undefined &&
    pending.length > 0 &&
    running.size < maxConcurrentIndices &&
    startedThisRun < maxIndicesPerRun &&
    !workflowInfo().continueAsNewSuggested;

  // Paused with indices left: the run waits for the resume (or a cancel) rather than ending.
  const heldByPause = (): boolean => paused !== undefined && exception === undefined && pending.length > 0;

  try {
    for (;;) {
      while (mayStartAnother()) startChild(pending.shift() as string);
      if (running.size === 0 && !heldByPause()) break;
      const finishedBefore = finishedCount;
      await condition(
        () => finishedCount !== finishedBefore || mayStartAnother() || (running.size === 0 && !heldByPause()),
      );
    }
  } catch (err) {
    if (isCancellation(err)) {
      // Wait for every child to finish rolling back before the status disappears.
      await CancellationScope.nonCancellable(() => Promise.allSettled(running.values()));
      setState(REINDEX_STATES.CANCELLED);
    }
    throw err;
  }

  if (exception === undefined && pending.length > 0) {
    // History stays small however many backing indices there are: hand over to a fresh run.
    await condition(allHandlersFinished);
    const next: ContinuedRun = {
      startTimeMillis,
      totalIndicesInDataStream,
      totalIndicesRequiringUpgrade,
      pendingIndices: pending,
      errors,
      maxConcurrentIndices,
      ...(paused !== undefined ? { paused } : {}),
    };
    return await continueAsNew<typeof reindexDataStream>({ ...input, continued: next });
  }

  // A pause that held nothing back at the end (the last copies finished while it was on) is over.
  paused = undefined;
  complete = true;
  setState(
    exception !== undefined
      ? REINDEX_STATES.FAILED
      : errors.length > 0
        ? REINDEX_STATES.COMPLETED_WITH_ERRORS
        : REINDEX_STATES.COMPLETED,
  );
  // Closed at once, so the Web UI shows Completed or Failed. The service serves this status from the
  // closed execution until `retentionMs` after the close (docs/ELASTICSEARCH-BEHAVIOUR.md, section 3,
  // step 5), as the memo says.
  upsertMemo({ [STATUS_RETENTION_MEMO]: retentionMs } satisfies FinishedRunMemo);
  if (exception !== undefined) {
    throw ApplicationFailure.create({
      type: REINDEX_FAILED_FAILURE_TYPE,
      message: exception,
      nonRetryable: true,
      details: [status()],
    });
  }
  return status();
}
