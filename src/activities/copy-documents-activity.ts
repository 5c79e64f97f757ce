import { ApplicationFailure, CancelledFailure, Context, log } from '@temporalio/activity';
import type { ActivityDependencies, CopyTracker } from './dependencies';
import { FAILURE_TYPES, toActivityFailure } from './failures';
import { isNotFound, isTransientElasticsearchError } from '../elasticsearch/errors';
import { readMigrateSettings } from '../elasticsearch/migrate-settings-store';
import { processedDocuments, reindexTaskState, type ReindexTaskState } from '../elasticsearch/reindex-task';
import { dataStreamWorkflowId, MISSING_TIMESTAMP_PIPELINE } from '../shared/names';
import { indexProgressSignal, type IndexProgress } from '../workflows/definitions';

export interface CopyDocumentsInput {
  dataStream: string;
  sourceIndex: string;
  destinationIndex: string;
}

export interface CopyDocumentsResult {
  taskId: string;
  /** Tasks this activity started across all its attempts: 1 unless a task was lost and the copy resumed. */
  tasksStarted: number;
  totalDocCount: number;
  reindexedDocCount: number;
}

/** Kept in heartbeat details, so that a retried attempt (e.g. after a worker crash) re-attaches. */
interface CopyCheckpoint {
  taskId: string;
  tasksStarted: number;
  requestsPerSecond: number;
}

// A lost connection while watching the task is not a reason to give up on it: keep heartbeating and
// polling for this long before letting the activity's retry take over.
const ES_UNREACHABLE_GRACE_MS = 120_000;
const FIRST_POLL_DELAY_MS = 25;

export function createCopyDocumentsActivity({ es, temporal, worker, copyObserver }: ActivityDependencies) {
  async function startTask(input: CopyDocumentsInput, requestsPerSecond: number): Promise<string> {
    const response = await es.reindex({
      wait_for_completion: false,
      slices: 'auto',
      requests_per_second: requestsPerSecond,
      // `create` + `proceed`: a resumed copy skips what an earlier task already wrote.
      conflicts: 'proceed',
      source: { index: input.sourceIndex },
      dest: { index: input.destinationIndex, op_type: 'create', pipeline: MISSING_TIMESTAMP_PIPELINE },
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

  return {
    /**
     * Copies the source into the destination with an Elasticsearch reindex task and watches it to the end.
     *
     * - Starts the task with `wait_for_completion=false` and the throttle read now (docs/ELASTICSEARCH-BEHAVIOUR.md, section 4, step 7).
     * - Heartbeats the task id: a retried attempt re-attaches to the running task instead of starting
     *   over; if the task was lost, a new one resumes, skipping documents already copied.
     * - Re-reads the throttle every few seconds and rethrottles the running task when it changed.
     * - On cancel, cancels the task; on worker shutdown or a heartbeat timeout, leaves it running
     *   for the next attempt to pick up.
     */
    async copyDocuments(input: CopyDocumentsInput): Promise<CopyDocumentsResult> {
      const context = Context.current();
      const previous = context.info.heartbeatDetails as CopyCheckpoint | undefined;
      let checkpoint: CopyCheckpoint | undefined;
      let taskId: string | undefined;
      let tracker: CopyTracker | undefined;
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

        // Poll soon after the start and back off to the configured interval: a small index finishes in
        // milliseconds and should not wait a full interval, a large one needs no faster polling.
        let pollDelayMs = Math.min(FIRST_POLL_DELAY_MS, worker.reindexPollIntervalMs);
        let lastProgressAt = 0;
        let reportedConcurrency: number | undefined;
        let lastSettingsAt = Date.now();
        let unreachableSince: number | undefined;
        for (;;) {
          let state: ReindexTaskState | undefined;
          try {
            state = await readTask(input, checkpoint.taskId);
            unreachableSince = undefined;
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
            if (state.kind === 'failed') {
              throw ApplicationFailure.nonRetryable(state.message, FAILURE_TYPES.COPY_FAILED);
            }
            if (state.kind === 'cancelled') {
              throw ApplicationFailure.nonRetryable(
                `reindex task [${checkpoint.taskId}] copying [${input.sourceIndex}] was cancelled outside ds-reindex: ${state.reason}`,
                FAILURE_TYPES.COPY_FAILED,
              );
            }
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
          } else {
            context.heartbeat(checkpoint);
          }
          await context.sleep(pollDelayMs);
          pollDelayMs = Math.min(pollDelayMs * 2, worker.reindexPollIntervalMs);
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
        tracker?.ended();
      }
    },
  };
}
