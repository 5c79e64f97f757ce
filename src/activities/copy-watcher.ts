import { ApplicationFailure, log, type Context } from '@temporalio/activity';
import type { CopyCheckpoint, CopyDocumentsResult } from './copy-documents-activity';
import { throwIfFailed, type CopyTarget, type CopyTaskRequests } from './copy-task-requests';
import type { ActivityDependencies, CopyTracker } from './dependencies';
import { FAILURE_TYPES } from './failures';
import { recoverFromShardLoss } from './shard-recovery';
import type { WorkerConfig } from '../config';
import { isTransientElasticsearchError } from '../elasticsearch/errors';
import { readMigrateSettings } from '../elasticsearch/migrate-settings-store';
import {
  isMissingTimestampPipelineGone,
  putMissingTimestampPipeline,
} from '../elasticsearch/missing-timestamp-pipeline';
import {
  processedDocuments,
  type ReindexCounters,
  type ReindexTaskState,
} from '../elasticsearch/reindex-task';
import { floodStageBlockedIndices } from '../elasticsearch/flood-stage-block';
import { waitForFloodStageRelease } from './flood-stage-wait';
import type { MigrateSettings } from '../shared/migrate-settings';
import type { CopyWait } from '../shared/status';

// A lost connection while watching the task is not a reason to give up on it: keep heartbeating and
// polling for this long before letting the activity's retry take over.
const ES_UNREACHABLE_GRACE_MS = 120_000;
// After a failed read of the task: the first retry comes soon, then backs off to the poll interval.
const FIRST_RETRY_DELAY_MS = 25;

/** A round's read when Elasticsearch did not answer (within the grace period). */
const UNREACHABLE = 'unreachable';

export interface CopyWatcherOptions {
  es: ActivityDependencies['es'];
  tasks: CopyTaskRequests;
  worker: WorkerConfig;
  context: Context;
  target: CopyTarget;
  /** The task being watched: the one this attempt started, or the one it re-attached to. */
  checkpoint: CopyCheckpoint;
  reattached: boolean;
  /** The migrate settings as the attempt read them when it started. */
  settings: MigrateSettings;
  tracker: CopyTracker | undefined;
}

/**
 * Watches one copy's reindex task to its end, one poll interval at a time, so the end is noticed the
 * moment it comes while heartbeats, progress and the throttle are still looked at every interval. What
 * it watches is in `checkpoint`, which the activity heartbeats so a retry re-attaches.
 */
export class CopyWatcher {
  checkpoint: CopyCheckpoint;
  private settings: MigrateSettings;
  private retryDelayMs: number;
  private lastProgressAt = 0;
  private reportedConcurrency: number | undefined;
  private lastSettingsAt = Date.now();
  private unreachableSince: number | undefined;
  private pipelineRestored = false;
  private lastBlockCheckAt = 0;
  /** The task's counters as last read, for a status kept while the copy waits. */
  private lastCounters: ReindexCounters = { total: 0, created: 0, updated: 0, versionConflicts: 0, noops: 0 };
  // A re-attached copy reads the task's counters at once, so that the status moves again as soon as the
  // copy is watched again; every other round waits for the task's end.
  private readAtOnce: boolean;

  constructor(private readonly options: CopyWatcherOptions) {
    this.checkpoint = options.checkpoint;
    this.settings = options.settings;
    this.readAtOnce = options.reattached;
    this.retryDelayMs = this.firstRetryDelayMs();
  }

  /** Resolves when the task has succeeded; throws when it failed, was cancelled elsewhere, or vanished. */
  async watch(): Promise<CopyDocumentsResult> {
    for (;;) {
      const roundStartedAt = Date.now();
      const waitedForEnd = !this.readAtOnce;
      const state = await this.readRound();
      if (state === UNREACHABLE) {
        await this.backOff();
        continue;
      }
      if (await this.restartIfPipelineGone(state)) continue;
      if (state.kind === 'interrupted') {
        await this.resumeAfterShardLoss(state);
        continue;
      }
      if (state.kind === 'disk-blocked') {
        await this.resumeAfterFloodStage(state.counters);
        continue;
      }
      await this.report(state);
      if (state.kind === 'succeeded') return this.resultOf(state);
      throwIfFailed(state, this.checkpoint.taskId, this.options.target);
      if (await this.blockedWhileRunning()) {
        // Its bulks answer 429 and are retried with backoff for minutes: stop it, wait, copy on.
        await this.options.tasks.cancel(this.checkpoint.taskId);
        await this.resumeAfterFloodStage(state.counters);
        continue;
      }
      await this.followThrottle();
      await this.waitOutRound(roundStartedAt, waitedForEnd);
    }
  }

  /** Reads the task's state; `UNREACHABLE` while Elasticsearch does not answer, within the grace period. */
  private async readRound(): Promise<ReindexTaskState | typeof UNREACHABLE> {
    const { tasks, target, worker } = this.options;
    const { taskId } = this.checkpoint;
    let state: ReindexTaskState | undefined;
    try {
      state = this.readAtOnce
        ? await tasks.read(target, taskId)
        : await tasks.awaitEnd(target, taskId, worker.reindexPollIntervalMs);
    } catch (err) {
      if (!isTransientElasticsearchError(err)) throw err;
      this.unreachableSince ??= Date.now();
      if (Date.now() - this.unreachableSince > ES_UNREACHABLE_GRACE_MS) throw err;
      return UNREACHABLE;
    }
    this.readAtOnce = false;
    this.unreachableSince = undefined;
    this.retryDelayMs = this.firstRetryDelayMs();
    if (state === undefined && (await this.floodStageBlocked())) {
      // Past the flood stage, even `.tasks` may be blocked, and the task's result is lost with it.
      return {
        kind: 'disk-blocked',
        message: 'the task ended unrecorded under a flood-stage block',
        counters: this.lastCounters,
      };
    }
    if (state === undefined) {
      // Elasticsearch forgot the task (e.g. a node restart): the retry resumes with a new one.
      throw ApplicationFailure.retryable(
        `reindex task [${taskId}] for [${target.sourceIndex}] disappeared`,
        FAILURE_TYPES.ELASTICSEARCH_UNAVAILABLE,
      );
    }
    return state;
  }

  /** Elasticsearch unreachable: the wait did not wait, so pause before the next try. */
  private async backOff(): Promise<void> {
    this.options.context.heartbeat(this.checkpoint);
    await this.options.context.sleep(this.retryDelayMs);
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.options.worker.reindexPollIntervalMs);
  }

  /** Copies on with a new task at the checkpoint's throttle, and heartbeats its id. */
  private async startNextTask(): Promise<void> {
    const { tasks, target, context } = this.options;
    const { requestsPerSecond, tasksStarted } = this.checkpoint;
    this.checkpoint = {
      taskId: await tasks.start(target, requestsPerSecond),
      tasksStarted: tasksStarted + 1,
      requestsPerSecond,
    };
    context.heartbeat(this.checkpoint);
  }

  /**
   * While the copy waits (for shards, for disk): heartbeats on every call, and tells the workflow what it
   * waits for at most once per progress interval, with the counts it had reached.
   */
  private waitingReporter(counters: ReindexCounters): (waiting: CopyWait) => Promise<void> {
    const { worker, tasks, target, context } = this.options;
    let lastSignalAt = 0;
    return async (waiting) => {
      context.heartbeat(this.checkpoint);
      if (Date.now() - lastSignalAt < worker.progressSignalIntervalMs) return;
      lastSignalAt = Date.now();
      await tasks.reportProgress(target, {
        totalDocCount: counters.total,
        reindexedDocCount: processedDocuments(counters),
        waiting,
      });
    };
  }

  /**
   * The pipeline is put once per worker process; deleted since, it fails the task (which wrote nothing;
   * `create` + `proceed` would skip it if it had): put it back and copy again, once.
   */
  private async restartIfPipelineGone(state: ReindexTaskState): Promise<boolean> {
    if (state.kind !== 'failed' || this.pipelineRestored || !isMissingTimestampPipelineGone(state.message)) {
      return false;
    }
    const { es, target } = this.options;
    this.pipelineRestored = true;
    await putMissingTimestampPipeline(es);
    await this.startNextTask();
    log.warn('missing-timestamp pipeline was deleted: put it back and restarted the copy', {
      index: target.sourceIndex,
      taskId: this.checkpoint.taskId,
    });
    return true;
  }

  /**
   * The task ended short because a node left with a shard: wait for the shards (the status says so), make
   * the new index again if its shard is gone for good, and copy on with a new task that skips what is
   * already there.
   */
  private async resumeAfterShardLoss(state: ReindexTaskState & { kind: 'interrupted' }): Promise<void> {
    const { es, worker, target } = this.options;
    const recovery = await recoverFromShardLoss(
      {
        es,
        worker,
        target,
        reportWaiting: this.waitingReporter(state.counters),
      },
      state.message,
    );
    await this.startNextTask();
    // The next round's progress goes out at once, and clears the wait from the status.
    this.lastProgressAt = 0;
    log.warn('copy resumed after a lost shard', {
      index: target.sourceIndex,
      recovery,
      taskId: this.checkpoint.taskId,
    });
  }

  /**
   * Whether the new index carries the flood-stage block while the task still runs, looked at every
   * settings poll: the task's bulks fail with 429, which the reindex retries with backoff for minutes
   * before the task ends.
   */
  private async blockedWhileRunning(): Promise<boolean> {
    const now = Date.now();
    if (now - this.lastBlockCheckAt < this.options.worker.settingsPollIntervalMs) return false;
    this.lastBlockCheckAt = now;
    return this.floodStageBlocked();
  }

  /** Whether the new index carries the flood-stage block now. */
  private async floodStageBlocked(): Promise<boolean> {
    const { es, target } = this.options;
    return (await floodStageBlockedIndices(es, [target.destinationIndex])).length > 0;
  }

  /**
   * The task ended short on the flood-stage block: wait (the status says so) until Elasticsearch releases
   * it, then copy on with a new task that skips what is already there (`op_type: create`).
   */
  private async resumeAfterFloodStage(counters: ReindexCounters): Promise<void> {
    const { es, worker, target, context } = this.options;
    await waitForFloodStageRelease({
      es,
      worker,
      context,
      target,
      reportWaiting: this.waitingReporter(counters),
    });
    await this.startNextTask();
    this.lastProgressAt = 0;
    log.warn('copy resumed after the flood-stage block was released', {
      index: target.sourceIndex,
      taskId: this.checkpoint.taskId,
    });
  }

  /** Heartbeats, tells the observer, and signals the progress to the upgrade when it is due (always at the end). */
  private async report(state: ReindexTaskState): Promise<void> {
    const { context, tracker, tasks, target, worker } = this.options;
    this.lastCounters = state.counters;
    const reindexed = processedDocuments(state.counters);
    const total = state.counters.total;
    context.heartbeat(this.checkpoint);
    tracker?.progress({
      totalDocCount: total,
      reindexedDocCount: reindexed,
      requestsPerSecond: this.checkpoint.requestsPerSecond,
    });
    const now = Date.now();
    if (state.kind === 'running' && now - this.lastProgressAt < worker.progressSignalIntervalMs) return;
    this.lastProgressAt = now;
    // The concurrency rides along only when this copy saw it change, so a value read a few seconds ago
    // never overrides a newer one the workflow got from the API.
    const { maxConcurrentIndices } = this.settings;
    const concurrencyChanged = maxConcurrentIndices !== this.reportedConcurrency;
    this.reportedConcurrency = maxConcurrentIndices;
    await tasks.reportProgress(target, {
      totalDocCount: total,
      reindexedDocCount: reindexed,
      ...(concurrencyChanged ? { maxConcurrentIndices } : {}),
    });
  }

  /** Re-reads the settings every few seconds and rethrottles the running task when its throttle changed. */
  private async followThrottle(): Promise<void> {
    const { es, context, worker } = this.options;
    const now = Date.now();
    if (now - this.lastSettingsAt < worker.settingsPollIntervalMs) return;
    this.lastSettingsAt = now;
    this.settings = await readMigrateSettings(es);
    const wanted = this.settings.maxRequestsPerSecond;
    const { taskId, requestsPerSecond } = this.checkpoint;
    if (wanted === requestsPerSecond) return;
    await es.reindexRethrottle({ task_id: taskId, requests_per_second: wanted });
    log.info('rethrottled reindex task', { taskId, from: requestsPerSecond, to: wanted });
    this.checkpoint = { ...this.checkpoint, requestsPerSecond: wanted };
    context.heartbeat(this.checkpoint);
  }

  /** A server that answers a running task without waiting must not turn this into a busy loop. */
  private async waitOutRound(roundStartedAt: number, waitedForEnd: boolean): Promise<void> {
    const pollMs = this.options.worker.reindexPollIntervalMs;
    const waitedMs = Date.now() - roundStartedAt;
    if (waitedForEnd && waitedMs < pollMs) await this.options.context.sleep(pollMs - waitedMs);
  }

  private resultOf(state: ReindexTaskState): CopyDocumentsResult {
    return {
      taskId: this.checkpoint.taskId,
      tasksStarted: this.checkpoint.tasksStarted,
      totalDocCount: state.counters.total,
      reindexedDocCount: processedDocuments(state.counters),
    };
  }

  private firstRetryDelayMs(): number {
    return Math.min(FIRST_RETRY_DELAY_MS, this.options.worker.reindexPollIntervalMs);
  }
}
