import { CancelledFailure, Context, log } from '@temporalio/activity';
import { CopyTaskRequests, throwIfFailed, type CopyTarget } from './copy-task-requests';
import { CopyWatcher } from './copy-watcher';
import type { ActivityDependencies, CopyTracker } from './dependencies';
import { elasticsearchStep, toActivityFailure } from './failures';
import { isNotFound } from '../elasticsearch/errors';
import { readMigrateSettings } from '../elasticsearch/migrate-settings-store';
import { isMissingTimestampPipelineGone } from '../elasticsearch/missing-timestamp-pipeline';
import {
  documentsIndexedInto,
  processedDocuments,
  runningCopyTasksInto,
  runningCopyTasksIntoEach,
  stopCopiesInto,
  type ReindexTaskState,
} from '../elasticsearch/reindex-task';

export interface CopyDocumentsInput extends CopyTarget {
  /** A task the quick copy started and handed over because it runs longer: watched, not started again. */
  runningTask?: CopyCheckpoint;
}

/** What the quick copy of a small index says: done, or the copy goes on in the heartbeated activity. */
export type QuickCopyResult =
  /** `taskId`: the reindex task that made the copy, for whoever reads the history. */
  | { finished: true; taskId: string }
  /**
   * `runningTask` is set when its task still runs; without it, the heartbeated copy starts over.
   * `turnNotYet`: asked to follow the copy before it (`after`), which had not ended in time, it started
   * nothing.
   */
  | { finished: false; runningTask?: CopyCheckpoint; turnNotYet?: true };

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

// A third of REINDEX_HEARTBEAT_TIMEOUT_MS: the copy heartbeats on a timer of its own, so a slow answer
// from Elasticsearch never looks like a dead worker, and a dead worker is noticed in seconds.
const COPY_HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * The task to watch: the one an earlier attempt (or the quick copy) left, when it still runs, has
 * succeeded, or ended short with a lost shard (the watcher waits for the shard, then copies on);
 * otherwise a new one, which skips what earlier tasks copied.
 */
async function attachOrStart(
  tasks: CopyTaskRequests,
  input: CopyDocumentsInput,
  previous: CopyCheckpoint | undefined,
  requestsPerSecond: number,
): Promise<CopyCheckpoint> {
  if (previous !== undefined) {
    const state = await tasks.read(input, previous.taskId);
    const watchable = ['running', 'succeeded', 'interrupted', 'disk-blocked'];
    if (state !== undefined && watchable.includes(state.kind)) return previous;
  }
  return {
    taskId: await tasks.start(input, requestsPerSecond),
    tasksStarted: (previous?.tasksStarted ?? 0) + 1,
    requestsPerSecond,
  };
}

/**
 * Only a cancel the workflow asked for stops the task. A shutting-down or timed-out attempt leaves it for
 * the next attempt to re-attach to, and so does one the server no longer knows (`notFound`): that is most
 * often an attempt that timed out and was replaced (e.g. while the server was down), whose replacement
 * may already watch this task. A workflow that is really gone (terminated) leaves a copy its restart stops
 * before it deletes the stale destination.
 */
function cancelStopsTask(context: Context): boolean {
  const details = context.cancellationDetails;
  return details === undefined || details.cancelRequested;
}

/**
 * A task an earlier attempt of the quick copy left writing into the destination (`running`: those a task
 * list found), rethrottled to today's throttle (it runs at whatever it was started with); not one being
 * cancelled, which would end cancelled and the copy with it.
 */
async function adoptRunningTask(
  es: ActivityDependencies['es'],
  running: readonly string[],
  requestsPerSecond: Promise<number>,
): Promise<string | undefined> {
  const [adopted] = running;
  if (adopted !== undefined) {
    await es.reindexRethrottle({ task_id: adopted, requests_per_second: await requestsPerSecond });
  }
  return adopted;
}

// How often a quick copy that follows the copy ahead looks again for it while it has not started: the
// longest the node may idle when the copy ahead was missed. Each look is a `_tasks` list, and while no copy
// runs into the destination ahead, a count of its source and a stats read of its destination (small
// requests, neither a refresh).
const FOLLOW_LOOK_INTERVAL_MS = 50;

/**
 * Whether the copy of `before` (the index ahead, at concurrency 1, which holds the permit) is over and
 * succeeded within `waitMs`: then this index's copy may start at once, without waiting for its permit to
 * come round through Temporal. The copy ahead may be:
 * - running: waits for its end (a task that ends short is not known to be over);
 * - not started yet (its index still preparing, or its permit on the way): looks again every
 *   `FOLLOW_LOOK_INTERVAL_MS`;
 * - over already (this index took longer to prepare than that copy took): see `copyIsOver`.
 * `firstLook`: the copies running into its destination by the quick copy's first task list.
 */
async function copyAheadEndedWithin(
  tasks: CopyTaskRequests,
  es: ActivityDependencies['es'],
  before: CopyTarget,
  waitMs: number,
  firstLook: readonly string[],
): Promise<boolean> {
  const context = Context.current();
  const deadline = Date.now() + waitMs;
  let running = firstLook;
  try {
    for (;;) {
      const [taskId] = running;
      if (taskId !== undefined) {
        const state = await tasks.awaitEnd(before, taskId, Math.max(1, deadline - Date.now()));
        return state?.kind === 'succeeded';
      }
      if (await copyIsOver(es, before)) return true;
      if (Date.now() + FOLLOW_LOOK_INTERVAL_MS >= deadline) return false;
      await context.sleep(FOLLOW_LOOK_INTERVAL_MS);
      running = await runningCopyTasksInto(es, before.destinationIndex, { cancelling: false });
    }
  } catch (err) {
    // The index ahead is another index's business (deleted or closed by someone, say): not known to be
    // over, so this one waits for the upgrade's word instead of failing for it.
    if (err instanceof CancelledFailure) throw err;
    log.info('could not see the copy ahead end', { index: before.sourceIndex, error: String(err) });
    return false;
  }
}

/**
 * Whether a copy of `target` has ended with every document, and no copy runs into its destination (checked
 * last, so none was ending meanwhile):
 * - its destination has had as many documents written into it as its source counts (`documentsIndexedInto`:
 *   no refresh, which would cost the node a segment while the index ahead is still finishing); an empty
 *   source is never known to be copied (its copy is instant, and may not have run yet). The source needs
 *   no refresh: its own preparation refreshed it after blocking its writes, before any copy. A counter
 *   reset by a moved primary reads low, and the copy is not taken as over: this index then waits for its
 *   permit;
 * - or its index has finished already: the destination is there and the source is gone (swapped in, the old
 *   index deleted), as when this index took longer to prepare than the whole of the index ahead.
 */
async function copyIsOver(es: ActivityDependencies['es'], target: CopyTarget): Promise<boolean> {
  try {
    const [source, written] = await Promise.all([
      es.count({ index: target.sourceIndex }),
      documentsIndexedInto(es, target.destinationIndex),
    ]);
    if (source.count === 0 || written < source.count) return false;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const [sourceExists, destinationExists] = await Promise.all([
      es.indices.exists({ index: target.sourceIndex }),
      es.indices.exists({ index: target.destinationIndex }),
    ]);
    if (sourceExists || !destinationExists) return false;
  }
  const running = await runningCopyTasksInto(es, target.destinationIndex);
  return running.length === 0;
}

/** What the quick copy says once its wait is over: done, handed over, or failed for good. */
function quickCopyResult(
  input: CopyDocumentsInput,
  task: { taskId: string; requestsPerSecond: number },
  state: ReindexTaskState | undefined,
): QuickCopyResult {
  // Forgotten by Elasticsearch: `copyDocuments` starts over.
  if (state === undefined) return { finished: false };
  if (state.kind === 'succeeded') return { finished: true, taskId: task.taskId };
  // Still running, or ended short with a lost shard or on the flood-stage block: `copyDocuments` watches
  // it, and waits for the shard or the block's release.
  if (state.kind === 'running' || state.kind === 'interrupted' || state.kind === 'disk-blocked') {
    return { finished: false, runningTask: { ...task, tasksStarted: 1 } };
  }
  // The pipeline was deleted since this worker put it: `copyDocuments` puts it back and copies again.
  if (state.kind === 'failed' && isMissingTimestampPipelineGone(state.message)) return { finished: false };
  throwIfFailed(state, task.taskId, input);
  return { finished: false };
}

/** One attempt of `copyDocuments`: attach to the task (or start one), heartbeat it, watch it to the end. */
async function copyAndWatch(
  { es, worker, copyObserver }: Pick<ActivityDependencies, 'es' | 'worker' | 'copyObserver'>,
  tasks: CopyTaskRequests,
  input: CopyDocumentsInput,
): Promise<CopyDocumentsResult> {
  const context = Context.current();
  // An earlier attempt's task (from its heartbeat), or the one the quick copy handed over.
  const previous = (context.info.heartbeatDetails as CopyCheckpoint | undefined) ?? input.runningTask;
  let watcher: CopyWatcher | undefined;
  let tracker: CopyTracker | undefined;
  // Until this attempt has a task, it keeps the one the previous attempt left for the next retry.
  const heartbeats = setInterval(
    () => context.heartbeat(watcher?.checkpoint ?? previous),
    COPY_HEARTBEAT_INTERVAL_MS,
  );
  try {
    const settings = await readMigrateSettings(es);
    const checkpoint = await attachOrStart(tasks, input, previous, settings.maxRequestsPerSecond);
    const reattached = checkpoint === previous;
    if (reattached)
      log.info('re-attached to reindex task', { taskId: checkpoint.taskId, index: input.sourceIndex });
    context.heartbeat(checkpoint);
    tracker = copyObserver?.copyStarted({
      dataStream: input.dataStream,
      index: input.sourceIndex,
      reattached,
    });
    watcher = new CopyWatcher({
      es,
      tasks,
      worker,
      context,
      target: input,
      checkpoint,
      reattached,
      settings,
      tracker,
    });
    return await watcher.watch();
  } catch (err) {
    if (!(err instanceof CancelledFailure)) throw toActivityFailure(err, input.sourceIndex);
    if (watcher !== undefined && cancelStopsTask(context)) await tasks.cancel(watcher.checkpoint.taskId);
    throw err;
  } finally {
    clearInterval(heartbeats);
    tracker?.ended();
  }
}

export function createCopyDocumentsActivity({ es, temporal, worker, copyObserver }: ActivityDependencies) {
  const tasks = new CopyTaskRequests({ es, temporal, worker });

  return {
    /**
     * Copies the source into the destination with an Elasticsearch reindex task and watches it to the end.
     *
     * - Starts the task with `wait_for_completion=false` and the throttle read now (docs/ELASTICSEARCH-BEHAVIOUR.md, section 4, step 7).
     * - Waits for the task's end with `GET _tasks/<id>?wait_for_completion=true`, one poll interval at a
     *   time, so that it returns as soon as the copy ends (`CopyWatcher`).
     * - Heartbeats the task id: a retried attempt re-attaches to the running task instead of starting
     *   over; if the task was lost, a new one resumes, skipping documents already copied.
     * - Re-reads the throttle every few seconds and rethrottles the running task when it changed.
     * - On cancel, cancels the task; on worker shutdown or a heartbeat timeout, leaves it running
     *   for the next attempt to pick up.
     */
    copyDocuments(input: CopyDocumentsInput): Promise<CopyDocumentsResult> {
      return copyAndWatch({ es, worker, copyObserver }, tasks, input);
    },

    /**
     * The copy of a small index, run as a local activity in the same workflow task as the steps around it:
     * starts the task (or adopts one that an earlier attempt of this step left running), then waits up to
     * `waitMs` for its end. A copy that ends in time costs no activity round trip, heartbeat or progress
     * signal; a longer one is handed over, still running, to the heartbeated `copyDocuments`. A failed
     * task fails the copy as in `copyDocuments`; a task Elasticsearch forgot is started over there.
     * With `after`, it first waits (up to `waitMs`, reading what the start needs meanwhile) for the copy
     * before it to start and end, or finds it over already (`copyAheadEndedWithin`), and starts nothing if
     * it is not over in time (`turnNotYet`).
     */
    async copyDocumentsQuickly(
      input: CopyDocumentsInput & { waitMs: number; after?: CopyTarget },
    ): Promise<QuickCopyResult> {
      let taskId: string | undefined;
      let tracker: CopyTracker | undefined;
      try {
        // Every read at once: the node copies nothing until this task starts.
        const throttle = readMigrateSettings(es).then((settings) => settings.maxRequestsPerSecond);
        const prepared = tasks.prepareStart(input);
        // Awaited below; this only keeps a failure while another read fails first from going unhandled.
        throttle.catch(() => undefined);
        prepared.catch(() => undefined);
        // One task list for this index's own copy (left by an earlier attempt) and the copy ahead.
        const ahead = input.after?.destinationIndex;
        const destinations = [input.destinationIndex, ...(ahead !== undefined ? [ahead] : [])];
        const running = await runningCopyTasksIntoEach(es, destinations, { cancelling: false });
        const adopted = await adoptRunningTask(es, running.get(input.destinationIndex) ?? [], throttle);
        if (adopted === undefined && input.after !== undefined) {
          const aheadRunning = running.get(input.after.destinationIndex) ?? [];
          if (!(await copyAheadEndedWithin(tasks, es, input.after, input.waitMs, aheadRunning))) {
            return { finished: false, turnNotYet: true };
          }
        }
        const requestsPerSecond = await throttle;
        taskId = adopted ?? (await tasks.start(input, requestsPerSecond, prepared));
        tracker = copyObserver?.copyStarted({
          dataStream: input.dataStream,
          index: input.sourceIndex,
          reattached: adopted !== undefined,
        });
        const state = await tasks.awaitEnd(input, taskId, input.waitMs);
        if (state !== undefined) {
          tracker?.progress({
            totalDocCount: state.counters.total,
            reindexedDocCount: processedDocuments(state.counters),
            requestsPerSecond,
          });
        }
        return quickCopyResult(input, { taskId, requestsPerSecond }, state);
      } catch (err) {
        if (err instanceof CancelledFailure) {
          if (taskId !== undefined) await tasks.cancel(taskId);
          throw err;
        }
        throw toActivityFailure(err, input.sourceIndex);
      } finally {
        tracker?.ended();
      }
    },

    /**
     * Whether the copy of `before` ended, with every document, within `waitMs` (`copyAheadEndedWithin`):
     * for an index started before its turn to prepare, which blocks writes only once it has.
     */
    async awaitCopyEnd(input: { before: CopyTarget; waitMs: number }): Promise<boolean> {
      const running = await runningCopyTasksInto(es, input.before.destinationIndex, { cancelling: false })
        // Unreadable: `copyAheadEndedWithin` looks again, and says `false` if it still cannot.
        .catch(() => []);
      return copyAheadEndedWithin(tasks, es, input.before, input.waitMs, running);
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
