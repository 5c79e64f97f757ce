import {
  ActivityCancellationType,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  startChild,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import type { PreparedDataStream, WatchedUpgrade } from '../activities/cluster-activities';
import { elasticsearchSteps as es } from './activity-stubs';
import {
  DATA_STREAM_OUTCOMES,
  type ReindexClusterInput,
  type RunningDataStream,
} from './cluster-definitions';
import type { ClusterRunState } from './cluster-run-state';
import { dataStreamReport, type DataStreamEnd } from './data-stream-report';
import type { AcceptedStart } from './definitions';
import { rootCauseMessage } from './failure-message';
import { reindexDataStream } from './reindex-data-stream';
import { CLUSTER_TUNABLES as C, WORKFLOW_TUNABLES as T } from './tunables';
import { dataStreamWorkflowId } from '../shared/names';

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

/**
 * Elasticsearch's first totals for a data stream's upgrade, so that its very first `_status` has them, as
 * when the API starts it. The start time is the workflow clock's now.
 */
function acceptedStartOf(prepared: PreparedDataStream): AcceptedStart {
  const { totalIndicesInDataStream, totalIndicesRequiringUpgrade } = prepared;
  return { startTimeMillis: Date.now(), totalIndicesInDataStream, totalIndicesRequiringUpgrade };
}

/** What the data-stream upgrades report back to the cluster run as they change. */
export interface ClusterRunEvents {
  /** A data stream started, changed step or finished. */
  changed(): void;
  /** An upgrade has just been started: tell it the run's hold (paused, or the window closed). */
  holdsChanged(): Promise<void>;
}

/**
 * The data streams of one cluster run, each from its preparation to the end of its own upgrade, the
 * very workflow `POST /_migration/reindex` starts. Each end is recorded in the run's state as it comes.
 */
export class DataStreamUpgrades {
  private readonly tasks = new Map<string, Promise<void>>();

  constructor(
    private readonly input: ReindexClusterInput,
    private readonly run: ClusterRunState,
    private readonly events: ClusterRunEvents,
  ) {}

  /** Works on `entry` (already in the run's running list) until its part of the run has ended. */
  launch(entry: RunningDataStream): void {
    const task = this.upgrade(entry).finally(() => {
      this.tasks.delete(entry.data_stream);
      this.run.settledCount += 1;
    });
    // Rejections are cancellations, handled by `cancelAll` once every task has settled.
    task.catch(() => undefined);
    this.tasks.set(entry.data_stream, task);
    this.events.changed();
  }

  /**
   * Cancels every upgrade this run started and waits for each to finish rolling back. Upgrades it only
   * watched are left running; data streams not started yet stay pending in the final status.
   */
  async cancelAll(): Promise<void> {
    await Promise.allSettled(this.tasks.values());
    await Promise.all([...this.run.running.values()].map((entry) => this.cancel(entry)));
  }

  /** One data stream, from preparation (unless resumed after continue-as-new) to the end of its upgrade. */
  private async upgrade(entry: RunningDataStream): Promise<void> {
    try {
      if (entry.step === 'preparing') {
        const prepared = await es.prepareDataStreamUpgrade({
          dataStream: entry.data_stream,
          readOnly: this.input.readOnly,
          ...(this.input.reindexReadOnly === true ? { reindexReadOnly: true } : {}),
        });
        entry.prepared = prepared;
        if (prepared.next === 'done') {
          const nothingToReindex =
            prepared.indicesMarkedReadOnly > 0
              ? DATA_STREAM_OUTCOMES.READ_ONLY
              : DATA_STREAM_OUTCOMES.UP_TO_DATE;
          this.finish(entry, { outcome: nothingToReindex });
          return;
        }
        await this.startOrAdopt(entry, prepared);
        entry.step = 'upgrading';
        // Paused, or the window closed, while it was being prepared: it starts held.
        await this.events.holdsChanged();
      }
      this.finish(entry, { watched: await this.watch(entry.data_stream) });
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.finish(entry, { outcome: DATA_STREAM_OUTCOMES.FAILED, exception: rootCauseMessage(err) });
    }
  }

  /** Starts the data stream's own upgrade, or watches one already running. */
  private async startOrAdopt(entry: RunningDataStream, prepared: PreparedDataStream): Promise<void> {
    if (prepared.next === 'adopt') {
      entry.adopted = true;
      return;
    }
    entry.step = 'starting';
    const dataStream = entry.data_stream;
    try {
      await startChild(reindexDataStream, {
        workflowId: dataStreamWorkflowId(dataStream),
        args: [
          {
            dataStream,
            ...this.input.dataStreamRun,
            ...(this.input.reindexReadOnly === true ? { reindexReadOnly: true } : {}),
            accepted: acceptedStartOf(prepared),
          },
        ],
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

  private async cancel(entry: RunningDataStream): Promise<void> {
    if (entry.adopted || entry.step === 'preparing') {
      const outcome = entry.adopted ? DATA_STREAM_OUTCOMES.LEFT_RUNNING : DATA_STREAM_OUTCOMES.CANCELLED;
      this.finish(entry, { outcome });
      return;
    }
    entry.step = 'cancelling';
    this.events.changed();
    await getExternalWorkflowHandle(dataStreamWorkflowId(entry.data_stream))
      .cancel()
      .catch(() => undefined);
    const watched = await this.watch(entry.data_stream).catch(() => undefined);
    // One that finished just before the cancel reached it keeps its own outcome.
    const cancelled = watched?.end === 'complete' ? {} : { outcome: DATA_STREAM_OUTCOMES.CANCELLED };
    this.finish(entry, { watched, stoppedByRun: true, ...cancelled });
  }

  private watch(dataStream: string): Promise<WatchedUpgrade> {
    return watchSteps.awaitDataStreamUpgrade({
      dataStream,
      pollIntervalMs: this.input.watchPollIntervalMs ?? C.DEFAULT_WATCH_POLL_INTERVAL_MS,
    });
  }

  private finish(entry: RunningDataStream, end: DataStreamEnd): void {
    this.run.finish(dataStreamReport(entry, end, Date.now()));
    this.events.changed();
  }
}
