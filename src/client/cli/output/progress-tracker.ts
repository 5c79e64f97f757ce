import type { ReindexDataStreamStatus } from '../../../shared/status';

/** What the CLI has seen of one backing index across status polls. */
export interface TrackedIndex {
  index: string;
  totalDocCount: number;
  reindexedDocCount: number;
  firstSeenAt: number;
  lastSeenAt: number;
  /** Documents per second, smoothed over polls; undefined until two samples exist. */
  docsPerSecond?: number;
  /** `copying` while in `in_progress`; then `done` or `failed`. */
  state: 'copying' | 'done' | 'failed';
  message?: string;
}

// Weight of the newest sample in the rate: high enough to follow a throttle change within a few polls.
const RATE_SMOOTHING = 0.5;

/**
 * Turns successive status answers into per-index progress with rates and ETAs, and remembers every
 * index it saw being copied so the summary can name them (the status itself only counts successes).
 */
export class ProgressTracker {
  private readonly indices = new Map<string, TrackedIndex>();

  /** One index seen copying: its counts, and its rate smoothed over the polls. */
  private track(entry: ReindexDataStreamStatus['in_progress'][number], now: number): void {
    const tracked = this.indices.get(entry.index);
    if (!tracked) {
      this.indices.set(entry.index, {
        index: entry.index,
        totalDocCount: entry.total_doc_count,
        reindexedDocCount: entry.reindexed_doc_count,
        firstSeenAt: now,
        lastSeenAt: now,
        state: 'copying',
      });
      return;
    }
    const elapsedSeconds = (now - tracked.lastSeenAt) / 1000;
    if (elapsedSeconds > 0) {
      const sample = Math.max(0, entry.reindexed_doc_count - tracked.reindexedDocCount) / elapsedSeconds;
      tracked.docsPerSecond =
        tracked.docsPerSecond === undefined
          ? sample
          : RATE_SMOOTHING * sample + (1 - RATE_SMOOTHING) * tracked.docsPerSecond;
    }
    tracked.totalDocCount = entry.total_doc_count;
    tracked.reindexedDocCount = entry.reindexed_doc_count;
    tracked.lastSeenAt = now;
  }

  update(status: ReindexDataStreamStatus, now: number): void {
    const copying = new Set(status.in_progress.map((entry) => entry.index));
    for (const entry of status.in_progress) this.track(entry, now);
    const failed = new Map(status.errors.map((error) => [error.index, error.message]));
    for (const tracked of this.indices.values()) {
      if (failed.has(tracked.index)) {
        tracked.state = 'failed';
        tracked.message = failed.get(tracked.index);
      } else if (!copying.has(tracked.index) && tracked.state === 'copying') {
        tracked.state = 'done';
        tracked.reindexedDocCount = tracked.totalDocCount;
        tracked.lastSeenAt = now;
      }
    }
    for (const [index, message] of failed) {
      if (!this.indices.has(index)) {
        this.indices.set(index, {
          index,
          totalDocCount: 0,
          reindexedDocCount: 0,
          firstSeenAt: now,
          lastSeenAt: now,
          state: 'failed',
          message,
        });
      }
    }
  }

  copying(): TrackedIndex[] {
    return [...this.indices.values()].filter((tracked) => tracked.state === 'copying');
  }

  all(): TrackedIndex[] {
    return [...this.indices.values()];
  }
}

/** Milliseconds left at the current rate, or undefined when there is no rate yet. */
export function etaMs(tracked: TrackedIndex): number | undefined {
  if (!tracked.docsPerSecond) return undefined;
  return (1000 * Math.max(0, tracked.totalDocCount - tracked.reindexedDocCount)) / tracked.docsPerSecond;
}
