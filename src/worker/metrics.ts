import { Counter, Gauge, Registry } from 'prom-client';
import type { CopyObserver, CopyProgress, CopyTracker } from '../activities/dependencies';
import type { ReindexDataStreamStatus } from '../shared/status';
import {
  STANDALONE_OUTCOMES,
  type StandaloneIndicesStatus,
  type StandaloneOutcome,
} from '../workflows/standalone-definitions';

/**
 * The application's own metrics, all named `ds_reindex_*`, labelled by data stream (and backing index where
 * one copy is meant). Series of a running copy disappear when the copy ends on this worker, so a gauge
 * never shows a copy that is no longer running here. README "Operating it" lists them.
 */
export const METRIC_NAMES = {
  documentsCopied: 'ds_reindex_documents_copied_total',
  copyRate: 'ds_reindex_copy_rate_docs_per_second',
  copyProgress: 'ds_reindex_copy_progress_ratio',
  throttle: 'ds_reindex_throttle_requests_per_second',
  secondsSinceProgress: 'ds_reindex_copy_seconds_since_progress',
  indices: 'ds_reindex_indices',
  waitingForDisk: 'ds_reindex_indices_waiting_for_disk',
  standaloneIndices: 'ds_reindex_standalone_indices',
  retries: 'ds_reindex_activity_retries_total',
} as const;

/** `state` values of `ds_reindex_indices`, from the upgrade's status. */
export type IndexState = 'upgraded' | 'failed' | 'in_progress' | 'pending';

/** `state` values of `ds_reindex_standalone_indices`: not started, running, or how each ended. */
export type StandaloneIndexState = 'pending' | 'in_progress' | StandaloneOutcome;

// Copy rate over this window: long enough to smooth a poll's jitter, short enough to show a slowdown.
const RATE_WINDOW_MS = 30_000;

interface RunningCopy {
  labels: { data_stream: string; index: string };
  /** `undefined` until the first read, or while a re-attached copy has no baseline yet. */
  lastCopied: number | undefined;
  lastProgressAt: number;
  samples: { at: number; copied: number }[];
}

export class WorkerMetrics implements CopyObserver {
  readonly registry = new Registry();
  private readonly running = new Map<string, RunningCopy>();
  private readonly documentsCopied: Counter<'data_stream'>;
  private readonly copyRate: Gauge<'data_stream' | 'index'>;
  private readonly copyProgress: Gauge<'data_stream' | 'index'>;
  private readonly throttle: Gauge<'data_stream' | 'index'>;
  private readonly sinceProgress: Gauge<'data_stream' | 'index'>;
  private readonly indices: Gauge<'data_stream' | 'state'>;
  private readonly waitingForDisk: Gauge<'data_stream'>;
  private readonly standaloneIndices: Gauge<'state'>;
  private readonly retries: Counter<'data_stream' | 'activity' | 'cause'>;

  constructor(private readonly now: () => number = Date.now) {
    const registers = [this.registry];
    this.documentsCopied = new Counter({
      name: METRIC_NAMES.documentsCopied,
      help: 'Documents copied into upgraded indices by this worker.',
      labelNames: ['data_stream'],
      registers,
    });
    this.copyRate = new Gauge({
      name: METRIC_NAMES.copyRate,
      help: `Documents per second of each running copy, over the last ${RATE_WINDOW_MS / 1000} s.`,
      labelNames: ['data_stream', 'index'],
      registers,
    });
    this.copyProgress = new Gauge({
      name: METRIC_NAMES.copyProgress,
      help: 'Share of the documents of each running copy copied so far (0 to 1).',
      labelNames: ['data_stream', 'index'],
      registers,
    });
    this.throttle = new Gauge({
      name: METRIC_NAMES.throttle,
      help: 'requests_per_second each running copy runs at (-1: unlimited).',
      labelNames: ['data_stream', 'index'],
      registers,
    });
    // Set when scraped (`exposition`), so a copy whose task stopped moving keeps growing here even if
    // nothing else happens in the worker.
    this.sinceProgress = new Gauge({
      name: METRIC_NAMES.secondsSinceProgress,
      help: 'Seconds since the document count of each running copy last grew (or it started).',
      labelNames: ['data_stream', 'index'],
      registers,
    });
    this.indices = new Gauge({
      name: METRIC_NAMES.indices,
      help: 'Backing indices of each upgrade by state (upgraded, failed, in_progress, pending), from its status.',
      labelNames: ['data_stream', 'state'],
      registers,
    });
    this.waitingForDisk = new Gauge({
      name: METRIC_NAMES.waitingForDisk,
      help: 'Backing indices of each upgrade waiting for disk: held before their copy starts (it would cross the high watermark), or a copy stopped by the flood-stage block; from its status.',
      labelNames: ['data_stream'],
      registers,
    });
    this.standaloneIndices = new Gauge({
      name: METRIC_NAMES.standaloneIndices,
      help: 'Standalone indices of the latest cluster run by state (pending, in_progress, or each outcome: upgraded, read_only, up_to_date, failed, cancelled), from its status.',
      labelNames: ['state'],
      registers,
    });
    this.retries = new Counter({
      name: METRIC_NAMES.retries,
      help: 'Activity attempts that were retries, by activity and by why the attempt before ended.',
      labelNames: ['data_stream', 'activity', 'cause'],
      registers,
    });
  }

  /** The exposition text, with the seconds since progress computed now. */
  async exposition(): Promise<string> {
    const now = this.now();
    this.sinceProgress.reset();
    for (const copy of this.running.values()) {
      this.sinceProgress.set(copy.labels, Math.max(0, (now - copy.lastProgressAt) / 1000));
    }
    return this.registry.metrics();
  }

  copyStarted(copy: { dataStream: string; index: string; reattached: boolean }): CopyTracker {
    const key = `${copy.dataStream}\u0000${copy.index}`;
    const state: RunningCopy = {
      labels: { data_stream: copy.dataStream, index: copy.index },
      // A new task starts from nothing; a re-attached one counts from what it shows first, since the
      // documents before that were counted (if at all) by the worker that started it.
      lastCopied: copy.reattached ? undefined : 0,
      lastProgressAt: this.now(),
      samples: [],
    };
    this.running.set(key, state);
    return {
      progress: (progress) => this.copyProgressed(state, progress),
      ended: () => {
        // A later attempt of the same copy on this worker may already have replaced this one.
        if (this.running.get(key) !== state) return;
        this.running.delete(key);
        for (const gauge of [this.copyRate, this.copyProgress, this.throttle]) gauge.remove(state.labels);
      },
    };
  }

  private copyProgressed(state: RunningCopy, progress: CopyProgress): void {
    const now = this.now();
    const copied = progress.reindexedDocCount;
    if (state.lastCopied !== undefined && copied > state.lastCopied) {
      this.documentsCopied.inc({ data_stream: state.labels.data_stream }, copied - state.lastCopied);
    }
    if (state.lastCopied === undefined || copied > state.lastCopied) state.lastProgressAt = now;
    state.lastCopied = Math.max(copied, state.lastCopied ?? 0);
    state.samples.push({ at: now, copied });
    while (state.samples.length > 2 && now - state.samples[1].at >= RATE_WINDOW_MS) state.samples.shift();
    const oldest = state.samples[0];
    const seconds = (now - oldest.at) / 1000;
    this.copyRate.set(state.labels, seconds > 0 ? Math.max(0, copied - oldest.copied) / seconds : 0);
    this.copyProgress.set(
      state.labels,
      progress.totalDocCount > 0 ? Math.min(1, copied / progress.totalDocCount) : 0,
    );
    this.throttle.set(state.labels, progress.requestsPerSecond);
  }

  /** Replaces the per-data-stream index counts with those of the upgrades that have a status now. */
  setStatuses(statuses: ReadonlyMap<string, ReindexDataStreamStatus>): void {
    this.indices.reset();
    this.waitingForDisk.reset();
    for (const [dataStream, status] of statuses) {
      const copiesWaiting = status.in_progress.filter((entry) => entry.waiting?.disk === true).length;
      this.waitingForDisk.set(
        { data_stream: dataStream },
        copiesWaiting + (status.waiting_for_disk !== undefined ? 1 : 0),
      );
      const counts: Record<IndexState, number> = {
        upgraded: status.successes,
        failed: status.errors.length,
        in_progress: status.in_progress.length,
        pending: status.pending,
      };
      for (const [state, value] of Object.entries(counts)) {
        this.indices.set({ data_stream: dataStream, state }, value);
      }
    }
  }

  /**
   * Replaces the standalone index counts with those of the latest cluster run's status; none when there
   * is no run, or it was started without `--indices`.
   */
  setStandaloneIndices(status: StandaloneIndicesStatus | undefined): void {
    this.standaloneIndices.reset();
    if (status === undefined) return;
    const counts = new Map<StandaloneIndexState, number>([
      ['pending', status.pending.length],
      ['in_progress', status.running.length],
      ...Object.values(STANDALONE_OUTCOMES).map((outcome): [StandaloneIndexState, number] => [outcome, 0]),
    ]);
    for (const entry of status.finished) counts.set(entry.outcome, (counts.get(entry.outcome) ?? 0) + 1);
    for (const [state, value] of counts) this.standaloneIndices.set({ state }, value);
  }

  retried(labels: { dataStream: string; activity: string; cause: string }): void {
    this.retries.inc({ data_stream: labels.dataStream, activity: labels.activity, cause: labels.cause });
  }
}
