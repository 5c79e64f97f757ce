import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { ActivityDependencies } from './dependencies';
import { FAILURE_TYPES } from './failures';
import { requestTimeoutForServerWait } from '../elasticsearch/client';
import { clientForNewCopy } from '../elasticsearch/copy-placement';
import { isNotFound, isTaskWaitTimeout } from '../elasticsearch/errors';
import { primaryShardUnavailable } from '../elasticsearch/index-health';
import { reindexTaskState, type ReindexTaskState } from '../elasticsearch/reindex-task';
import { dataStreamWorkflowId, MISSING_TIMESTAMP_PIPELINE, standaloneIndexWorkflowId } from '../shared/names';
import { indexProgressSignal, type IndexProgress } from '../workflows/definitions';

/** Which copy: the source, its destination, and the data stream whose upgrade is told its progress. */
export interface CopyTarget {
  /** `''` for a standalone index. */
  dataStream: string;
  sourceIndex: string;
  destinationIndex: string;
  /**
   * An index outside every data stream (the cluster run's `--indices`): its own workflow is told the
   * progress, and its documents need no `@timestamp`. Absent for a backing index, so a data stream's
   * inputs are as they always were.
   */
  standalone?: true;
}

/** The workflow that hears a copy's progress: the data stream's upgrade, or the standalone index's own. */
export function progressWorkflowId(target: CopyTarget): string {
  return target.standalone === true
    ? standaloneIndexWorkflowId(target.sourceIndex)
    : dataStreamWorkflowId(target.dataStream);
}

// A failed copy looks this many times, this far apart, for a primary of its indices that left with a
// node: the cluster may learn of the node's exit a moment after the copy did.
const SHARD_LOSS_LOOKS = 3;
const SHARD_LOSS_LOOK_INTERVAL_MS = 1_000;

/** A task that failed, or was cancelled by someone else, fails the copy for good. */
export function throwIfFailed(state: ReindexTaskState, taskId: string, target: CopyTarget): void {
  if (state.kind === 'failed') {
    throw ApplicationFailure.nonRetryable(state.message, FAILURE_TYPES.COPY_FAILED);
  }
  if (state.kind === 'cancelled') {
    throw ApplicationFailure.nonRetryable(
      `reindex task [${taskId}] copying [${target.sourceIndex}] was cancelled outside ds-reindex: ${state.reason}`,
      FAILURE_TYPES.COPY_FAILED,
    );
  }
}

/** What starting a copy task needs: whether it runs through the timestamp pipeline, and the client to send it by. */
export interface PreparedStart {
  pipeline: boolean;
  client: ActivityDependencies['es'];
}

/** The requests a copy makes about its Elasticsearch reindex task, and its progress signal. */
export class CopyTaskRequests {
  constructor(private readonly deps: Pick<ActivityDependencies, 'es' | 'temporal' | 'worker'>) {}

  /**
   * Starts the reindex task of `target` at this throttle, on the node that runs the fewest copies (the
   * task runs where it was received); returns its id. `prepared` is `prepareStart`'s answer when the
   * caller began it early.
   */
  async start(
    target: CopyTarget,
    requestsPerSecond: number,
    prepared: Promise<PreparedStart> = this.prepareStart(target),
  ): Promise<string> {
    const { pipeline, client } = await prepared;
    const response = await client.reindex({
      wait_for_completion: false,
      slices: 'auto',
      requests_per_second: requestsPerSecond,
      // How long each batch waits for an unavailable shard before the task fails and shard recovery begins.
      timeout: `${this.deps.worker.copyShardTimeoutMs}ms`,
      // `create` + `proceed`: a resumed copy skips what an earlier task already wrote.
      conflicts: 'proceed',
      source: { index: target.sourceIndex },
      dest: {
        index: target.destinationIndex,
        op_type: 'create',
        ...(pipeline ? { pipeline: MISSING_TIMESTAMP_PIPELINE } : {}),
      },
    });
    if (response.task === undefined)
      throw new Error(`_reindex of [${target.sourceIndex}] returned no task id`);
    return String(response.task);
  }

  /**
   * What a start needs to know first, both read at once: whether the copy needs the timestamp pipeline,
   * and which node receives it. A caller can begin this before its other reads (the node idles meanwhile).
   */
  async prepareStart(target: CopyTarget): Promise<PreparedStart> {
    const [pipeline, { client }] = await Promise.all([
      this.needsTimestampPipeline(target),
      this.deps.worker.copyPlacement === 'least-loaded'
        ? clientForNewCopy(this.deps.es)
        : Promise.resolve({ client: this.deps.es }),
    ]);
    return { pipeline, client };
  }

  /** The task's state, or `undefined` when Elasticsearch no longer knows it (node restarted). */
  async read(target: CopyTarget, taskId: string): Promise<ReindexTaskState | undefined> {
    try {
      return await this.seeingShardLoss(
        reindexTaskState(
          await this.deps.es.tasks.get({ task_id: taskId }),
          target.sourceIndex,
          target.destinationIndex,
        ),
        target,
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * A copy that failed while a primary of its source or new index was not active failed for want of that
   * shard, whatever its error says: a search on a source whose only shard left with a node can fail as
   * "all shards failed" with no shard named (seen on the real three-node 8.19.21 cluster). It ended short
   * (`interrupted`): the copy waits for the shard and copies on. Any other failure stays one.
   */
  private async seeingShardLoss(state: ReindexTaskState, target: CopyTarget): Promise<ReindexTaskState> {
    if (state.kind !== 'failed') return state;
    const indices = [target.sourceIndex, target.destinationIndex];
    for (let look = 1; ; look += 1) {
      if (await primaryShardUnavailable(this.deps.es, indices)) {
        return { kind: 'interrupted', message: state.message, counters: state.counters };
      }
      if (look >= SHARD_LOSS_LOOKS) return state;
      await Context.current().sleep(SHARD_LOSS_LOOK_INTERVAL_MS);
    }
  }

  /**
   * Waits up to `waitMs` for the task to end, and says what it is then: its final state as soon as it
   * ends (no poll interval to wait out), or its running counters when the wait times out. A cancel of
   * the activity ends the wait at once, with the `CancelledFailure` a cancelled sleep would throw.
   */
  async awaitEnd(target: CopyTarget, taskId: string, waitMs: number): Promise<ReindexTaskState | undefined> {
    const context = Context.current();
    const waited = this.deps.es.tasks
      .get(
        { task_id: taskId, wait_for_completion: true, timeout: `${waitMs}ms` },
        { signal: context.cancellationSignal, requestTimeout: requestTimeoutForServerWait(waitMs) },
      )
      .then(
        (response) =>
          this.seeingShardLoss(
            reindexTaskState(response, target.sourceIndex, target.destinationIndex),
            target,
          ),
        (err: unknown) => {
          // Aborted by the cancel: the cancel is the answer, not the aborted request.
          if (context.cancellationSignal.aborted) return context.cancelled;
          // Still running: read the counters it has so far, for the heartbeat and the status.
          if (isTaskWaitTimeout(err)) return this.read(target, taskId);
          if (isNotFound(err)) return undefined;
          throw err;
        },
      );
    return Promise.race([waited, context.cancelled]);
  }

  /** Stops the Elasticsearch task so nothing keeps writing after a cancel; best effort. */
  async cancel(taskId: string): Promise<void> {
    try {
      await this.deps.es.tasks.cancel({ task_id: taskId, wait_for_completion: true });
    } catch (err) {
      if (!isNotFound(err)) log.warn('could not cancel reindex task', { taskId, error: String(err) });
    }
  }

  /** Tells the data stream's upgrade how far the copy is; advisory, so a failure is only logged. */
  async reportProgress(target: CopyTarget, progress: Omit<IndexProgress, 'index'>): Promise<void> {
    try {
      await this.deps.temporal.workflow
        .getHandle(progressWorkflowId(target))
        .signal(indexProgressSignal, { index: target.sourceIndex, ...progress });
    } catch (err) {
      log.warn('could not report copy progress', { index: target.sourceIndex, error: String(err) });
    }
  }

  /**
   * Whether the copy needs the pipeline that gives a document without `@timestamp` the value 0. A data
   * stream refuses documents without one, so a backing index rarely holds any; the pipeline then only
   * costs time (10 to 16 % of a copy on a real node, BENCHMARKS.md). The source's writes are blocked and
   * it was refreshed before the copy, so the count cannot change under it.
   */
  private async needsTimestampPipeline(target: CopyTarget): Promise<boolean> {
    // A standalone index's documents stay as they are: nothing requires a timestamp there.
    if (target.standalone === true) return false;
    const missing = await this.deps.es.count({
      index: target.sourceIndex,
      query: { bool: { must_not: { exists: { field: '@timestamp' } } } },
    });
    return missing.count > 0;
  }
}
