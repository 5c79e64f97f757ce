import { ApplicationFailure, CancelledFailure, Context, log } from '@temporalio/activity';
import type { ActivityDependencies, CopyTracker } from './dependencies';
import { elasticsearchStep, FAILURE_TYPES, toActivityFailure } from './failures';
import { isNotFound, isTaskWaitTimeout, isTransientElasticsearchError } from '../elasticsearch/errors';
import { readMigrateSettings } from '../elasticsearch/migrate-settings-store';
import {
  isMissingTimestampPipelineGone,
  putMissingTimestampPipeline,
} from '../elasticsearch/missing-timestamp-pipeline';
import {
  processedDocuments,
  reindexTaskState,
  runningCopyTasksInto,
  stopCopiesInto,
  type ReindexTaskState,
} from '../elasticsearch/reindex-task';
import { dataStreamWorkflowId, MISSING_TIMESTAMP_PIPELINE } from '../shared/names';
import { indexProgressSignal, type IndexProgress } from '../workflows/definitions';

export interface CopyDocumentsInput {
  dataStream: string;
  sourceIndex: string;
  destinationIndex: string;
  /** A task the quick copy started and handed over because it runs longer: watched, not started again. */
  runningTask?: CopyCheckpoint;
}

/** What the quick copy of a small index says: done, or the copy goes on in the heartbeated activity. */
export type QuickCopyResult =
  /** `taskId`: the reindex task that made the copy, for whoever reads the history. */
  | { finished: true; taskId: string }
  /** `runningTask` is set when its task still runs; without it, the heartbeated copy starts over. */
  | { finished: false; runningTask?: CopyCheckpoint };

export interface CopyDocumentsResult {
  taskId: string;
  /** Tasks this activity started across all its attempts: 1 unless a task was lost and the copy resumed. */
  tasksStarted: number;
  totalDocCount: number;
  reindexedDocCount: number;
}

/** Kept in heartbeat details, so that a retried attempt (e.g. after a worker crash) re-attaches. */
export interface CopyCheckpoint {
  taskId: string;
  tasksStarted: number;
  requestsPerSecond: number;
}

// A lost connection while watching the task is not a reason to give up on it: keep heartbeating and
// polling for this long before letting the activity's retry take over.
const ES_UNREACHABLE_GRACE_MS = 120_000;
// After a failed read of the task: the first retry comes soon, then backs off to the poll interval.
const FIRST_RETRY_DELAY_MS = 25;
// How long past its own timeout a wait for the task may take to answer before the client gives up on
// it; whatever ES_REQUEST_TIMEOUT_MS says, and well inside the copy's heartbeat timeout.
const TASK_WAIT_ANSWER_MARGIN_MS = 5_000;
// A third of REINDEX_HEARTBEAT_TIMEOUT_MS: the copy heartbeats on a timer of its own, so a slow answer
// from Elasticsearch never looks like a dead worker, and a dead worker is noticed in seconds.
const COPY_HEARTBEAT_INTERVAL_MS = 1_000;

export function createCopyDocumentsActivity({ es, temporal, worker, copyObserver }: ActivityDependencies) {
  /**
   * Whether the copy needs the pipeline that gives a document without `@timestamp` the value 0. A data
   * stream refuses documents without one, so a backing index rarely holds any; the pipeline then only
   * costs time (10 to 16 % of a copy on a real node, BENCHMARKS.md). The source's writes are blocked and
   * it was refreshed before the copy, so the count cannot change under it.
   */
  async function needsTimestampPipeline(sourceIndex: string): Promise<boolean> {
    const missing = await es.count({
      index: sourceIndex,
      query: { bool: { must_not: { exists: { field: '@timestamp' } } } },
    });
    return missing.count > 0;
  }

  async function startTask(input: CopyDocumentsInput, requestsPerSecond: number): Promise<string> {
    const pipeline = (await needsTimestampPipeline(input.sourceIndex))
      ? { pipeline: MISSING_TIMESTAMP_PIPELINE }
      : {};
    const response = await es.reindex({
      wait_for_completion: false,
      slices: 'auto',
      requests_per_second: requestsPerSecond,
      // `create` + `proceed`: a resumed copy skips what an earlier task already wrote.
      conflicts: 'proceed',
      source: { index: input.sourceIndex },
      dest: { index: input.destinationIndex, op_type: 'create', ...pipeline },
    });
    if (response.task === undefined)
      throw new Error(`_reindex of [${input.sourceIndex}] returned no task id`);
    return String(response.task);
  }

  /** The task's state, or `undefined` when Elasticsearch no longer knows it (node restarted). */
  async function readTask(input: CopyDocumentsInput, taskId: string): Promise<ReindexTaskState | undefined> {
    try {
      return reindexTaskState(
        await es.tasks.get({ task_id: taskId }),
        input.sourceIndex,
        input.destinationIndex,
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Waits up to `waitMs` for the task to end, and says what it is then: its final state as soon as it
   * ends (no poll interval to wait out), or its running counters when the wait times out. A cancel of
   * the activity ends the wait at once, with the `CancelledFailure` a cancelled sleep would throw.
   */
  async function awaitTask(
    input: CopyDocumentsInput,
    taskId: string,
    waitMs: number,
  ): Promise<ReindexTaskState | undefined> {
    const context = Context.current();
    const waited = es.tasks
      .get(
        { task_id: taskId, wait_for_completion: true, timeout: `${waitMs}ms` },
        { signal: context.cancellationSignal, requestTimeout: waitMs + TASK_WAIT_ANSWER_MARGIN_MS },
      )
      .then(
        (response) => reindexTaskState(response, input.sourceIndex, input.destinationIndex),
        (err: unknown) => {
          // Aborted by the cancel: the cancel is the answer, not the aborted request.
          if (context.cancellationSignal.aborted) return context.cancelled;
          // Still running: read the counters it has so far, for the heartbeat and the status.
          if (isTaskWaitTimeout(err)) return readTask(input, taskId);
          if (isNotFound(err)) return undefined;
          throw err;
        },
      );
    return Promise.race([waited, context.cancelled]);
  }

  async function reportProgress(
    input: CopyDocumentsInput,
    progress: Omit<IndexProgress, 'index'>,
  ): Promise<void> {
    try {
      await temporal.workflow
        .getHandle(dataStreamWorkflowId(input.dataStream))
        .signal(indexProgressSignal, { index: input.sourceIndex, ...progress });
    } catch (err) {
      // Progress is advisory; the copy must not fail because the status could not be updated.
      log.warn('could not report copy progress', { index: input.sourceIndex, error: String(err) });
    }
  }

  /** Stops the Elasticsearch task so nothing keeps writing after a cancel; best effort. */
  async function cancelTask(taskId: string): Promise<void> {
    try {
      await es.tasks.cancel({ task_id: taskId, wait_for_completion: true });
    } catch (err) {
      if (!isNotFound(err)) log.warn('could not cancel reindex task', { taskId, error: String(err) });
    }
  }

  /** A task that failed, or was cancelled by someone else, fails the copy for good. */
  function throwIfFailed(state: ReindexTaskState, taskId: string, input: CopyDocumentsInput): void {
    if (state.kind === 'failed') {
      throw ApplicationFailure.nonRetryable(state.message, FAILURE_TYPES.COPY_FAILED);
    }
    if (state.kind === 'cancelled') {
      throw ApplicationFailure.nonRetryable(
        `reindex task [${taskId}] copying [${input.sourceIndex}] was cancelled outside ds-reindex: ${state.reason}`,
        FAILURE_TYPES.COPY_FAILED,
      );
    }
  }

  return {
    /**
     * Copies the source into the destination with an Elasticsearch reindex task and watches it to the end.
     *
     * - Starts the task with `wait_for_completion=false` and the throttle read now (docs/ELASTICSEARCH-BEHAVIOUR.md, section 4, step 7).
     * - Waits for the task's end with `GET _tasks/<id>?wait_for_completion=true`, one poll interval at a
     *   time, so that it returns as soon as the copy ends.
     * - Heartbeats the task id: a retried attempt re-attaches to the running task instead of starting
     *   over; if the task was lost, a new one resumes, skipping documents already copied.
     * - Re-reads the throttle every few seconds and rethrottles the running task when it changed.
     * - On cancel, cancels the task; on worker shutdown or a heartbeat timeout, leaves it running
     *   for the next attempt to pick up.
     */
    async copyDocuments(input: CopyDocumentsInput): Promise<CopyDocumentsResult> {
      const context = Context.current();
      // An earlier attempt's task (from its heartbeat), or the one the quick copy handed over.
      const previous = (context.info.heartbeatDetails as CopyCheckpoint | undefined) ?? input.runningTask;
      let checkpoint: CopyCheckpoint | undefined;
      let taskId: string | undefined;
      let tracker: CopyTracker | undefined;
      // Until this attempt has a task, it keeps the one the previous attempt left for the next retry.
      const heartbeats = setInterval(
        () => context.heartbeat(checkpoint ?? previous),
        COPY_HEARTBEAT_INTERVAL_MS,
      );
      try {
        let settings = await readMigrateSettings(es);
        const requestsPerSecond = settings.maxRequestsPerSecond;
        if (previous !== undefined) {
          const state = await readTask(input, previous.taskId);
          if (state !== undefined && (state.kind === 'running' || state.kind === 'succeeded')) {
            checkpoint = previous;
            log.info('re-attached to reindex task', { taskId: previous.taskId, index: input.sourceIndex });
          }
        }
        if (checkpoint === undefined) {
          checkpoint = {
            taskId: await startTask(input, requestsPerSecond),
            tasksStarted: (previous?.tasksStarted ?? 0) + 1,
            requestsPerSecond,
          };
        }
        taskId = checkpoint.taskId;
        context.heartbeat(checkpoint);
        tracker = copyObserver?.copyStarted({
          dataStream: input.dataStream,
          index: input.sourceIndex,
          reattached: checkpoint === previous,
        });

        // Each round waits for the task's end for at most one poll interval, so the end is noticed the
        // moment it comes, and heartbeats, progress and the throttle are still looked at every interval.
        let retryDelayMs = Math.min(FIRST_RETRY_DELAY_MS, worker.reindexPollIntervalMs);
        let lastProgressAt = 0;
        let reportedConcurrency: number | undefined;
        let lastSettingsAt = Date.now();
        let unreachableSince: number | undefined;
        let pipelineRestored = false;
        let reattachedRead = checkpoint === previous;
        let waitedForEnd = false;
        for (;;) {
          let state: ReindexTaskState | undefined;
          const roundStartedAt = Date.now();
          try {
            // A re-attached copy reads the task's counters at once, so that the status moves again as
            // soon as the copy is watched again; every other round waits for the task's end.
            waitedForEnd = !reattachedRead;
            state = reattachedRead
              ? await readTask(input, checkpoint.taskId)
              : await awaitTask(input, checkpoint.taskId, worker.reindexPollIntervalMs);
            reattachedRead = false;
            unreachableSince = undefined;
            retryDelayMs = Math.min(FIRST_RETRY_DELAY_MS, worker.reindexPollIntervalMs);
          } catch (err) {
            if (!isTransientElasticsearchError(err)) throw err;
            unreachableSince ??= Date.now();
            if (Date.now() - unreachableSince > ES_UNREACHABLE_GRACE_MS) throw err;
          }
          if (state === undefined && unreachableSince === undefined) {
            // Elasticsearch forgot the task (e.g. a node restart): the retry resumes with a new one.
            throw ApplicationFailure.retryable(
              `reindex task [${checkpoint.taskId}] for [${input.sourceIndex}] disappeared`,
              FAILURE_TYPES.ELASTICSEARCH_UNAVAILABLE,
            );
          }
          if (state !== undefined) {
            if (
              state.kind === 'failed' &&
              !pipelineRestored &&
              isMissingTimestampPipelineGone(state.message)
            ) {
              // The pipeline is put once per worker process and was deleted since: put it back and copy
              // again (the failed task wrote nothing; `create` + `proceed` would skip it if it had).
              pipelineRestored = true;
              await putMissingTimestampPipeline(es);
              checkpoint = {
                taskId: await startTask(input, checkpoint.requestsPerSecond),
                tasksStarted: checkpoint.tasksStarted + 1,
                requestsPerSecond: checkpoint.requestsPerSecond,
              };
              taskId = checkpoint.taskId;
              context.heartbeat(checkpoint);
              log.warn('missing-timestamp pipeline was deleted: put it back and restarted the copy', {
                index: input.sourceIndex,
                taskId,
              });
              continue;
            }
            const reindexed = processedDocuments(state.counters);
            const total = state.counters.total;
            context.heartbeat(checkpoint);
            tracker?.progress({
              totalDocCount: total,
              reindexedDocCount: reindexed,
              requestsPerSecond: checkpoint.requestsPerSecond,
            });
            const now = Date.now();
            if (state.kind !== 'running' || now - lastProgressAt >= worker.progressSignalIntervalMs) {
              lastProgressAt = now;
              // The concurrency rides along only when this copy saw it change, so a value read a few
              // seconds ago never overrides a newer one the workflow got from the API.
              const concurrencyChanged = settings.maxConcurrentIndices !== reportedConcurrency;
              reportedConcurrency = settings.maxConcurrentIndices;
              await reportProgress(input, {
                totalDocCount: total,
                reindexedDocCount: reindexed,
                ...(concurrencyChanged ? { maxConcurrentIndices: settings.maxConcurrentIndices } : {}),
              });
            }
            if (state.kind === 'succeeded') {
              return {
                taskId: checkpoint.taskId,
                tasksStarted: checkpoint.tasksStarted,
                totalDocCount: total,
                reindexedDocCount: reindexed,
              };
            }
            throwIfFailed(state, checkpoint.taskId, input);
            if (now - lastSettingsAt >= worker.settingsPollIntervalMs) {
              lastSettingsAt = now;
              settings = await readMigrateSettings(es);
              const wanted = settings.maxRequestsPerSecond;
              if (wanted !== checkpoint.requestsPerSecond) {
                await es.reindexRethrottle({ task_id: checkpoint.taskId, requests_per_second: wanted });
                log.info('rethrottled reindex task', {
                  taskId: checkpoint.taskId,
                  from: checkpoint.requestsPerSecond,
                  to: wanted,
                });
                checkpoint = { ...checkpoint, requestsPerSecond: wanted };
                context.heartbeat(checkpoint);
              }
            }
            // A server that answers a running task without waiting must not turn this into a busy loop.
            const waitedMs = Date.now() - roundStartedAt;
            if (waitedForEnd && waitedMs < worker.reindexPollIntervalMs) {
              await context.sleep(worker.reindexPollIntervalMs - waitedMs);
            }
          } else {
            // Elasticsearch unreachable: the wait did not wait, so pause before the next try.
            context.heartbeat(checkpoint);
            await context.sleep(retryDelayMs);
            retryDelayMs = Math.min(retryDelayMs * 2, worker.reindexPollIntervalMs);
          }
        }
      } catch (err) {
        if (err instanceof CancelledFailure) {
          const details = context.cancellationDetails;
          // Only a real cancel (or the workflow being gone) stops the task; a shutting-down or
          // timed-out attempt leaves it for the next attempt to re-attach to.
          if (
            taskId !== undefined &&
            (details === undefined || details.cancelRequested || details.notFound)
          ) {
            await cancelTask(taskId);
          }
          throw err;
        }
        throw toActivityFailure(err, input.sourceIndex);
      } finally {
        clearInterval(heartbeats);
        tracker?.ended();
      }
    },

    /**
     * The copy of a small index, run as a local activity in the same workflow task as the steps around it:
     * starts the task (or adopts one that an earlier attempt of this step left running), then waits up to
     * `waitMs` for its end. A copy that ends in time costs no activity round trip, heartbeat or progress
     * signal; a longer one is handed over, still running, to the heartbeated `copyDocuments`. A failed
     * task fails the copy as in `copyDocuments`; a task Elasticsearch forgot is started over there.
     */
    async copyDocumentsQuickly(input: CopyDocumentsInput & { waitMs: number }): Promise<QuickCopyResult> {
      let taskId: string | undefined;
      let tracker: CopyTracker | undefined;
      try {
        const { maxRequestsPerSecond: requestsPerSecond } = await readMigrateSettings(es);
        // Not one being cancelled: it would end cancelled, and the copy with it.
        const [adopted] = await runningCopyTasksInto(es, input.destinationIndex, { cancelling: false });
        if (adopted !== undefined) {
          // Its throttle is whatever it was started with: make it today's.
          await es.reindexRethrottle({ task_id: adopted, requests_per_second: requestsPerSecond });
        }
        taskId = adopted ?? (await startTask(input, requestsPerSecond));
        tracker = copyObserver?.copyStarted({
          dataStream: input.dataStream,
          index: input.sourceIndex,
          reattached: adopted !== undefined,
        });
        const state = await awaitTask(input, taskId, input.waitMs);
        if (state === undefined) return { finished: false };
        tracker?.progress({
          totalDocCount: state.counters.total,
          reindexedDocCount: processedDocuments(state.counters),
          requestsPerSecond,
        });
        if (state.kind === 'succeeded') return { finished: true, taskId };
        if (state.kind === 'running') {
          return { finished: false, runningTask: { taskId, tasksStarted: 1, requestsPerSecond } };
        }
        // The pipeline was deleted since this worker put it: `copyDocuments` puts it back and copies again.
        if (state.kind === 'failed' && isMissingTimestampPipelineGone(state.message))
          return { finished: false };
        throwIfFailed(state, taskId, input);
        return { finished: false };
      } catch (err) {
        if (err instanceof CancelledFailure) {
          if (taskId !== undefined) await cancelTask(taskId);
          throw err;
        }
        throw toActivityFailure(err, input.sourceIndex);
      } finally {
        tracker?.ended();
      }
    },

    /**
     * Stops every copy writing into the destination, when the upgrade is paused with `now`: the task the
     * quick copy handed over, or one a copy attempt started before it was cancelled without running.
     */
    async stopCopies(destinationIndex: string): Promise<void> {
      await elasticsearchStep(() => stopCopiesInto(es, destinationIndex));
    },
  };
}
