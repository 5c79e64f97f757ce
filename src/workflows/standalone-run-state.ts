import {
  isSuccessfulStandaloneOutcome,
  type RunningStandaloneIndex,
  type StandaloneIndexRunReport,
  type StandaloneIndicesStatus,
} from './standalone-definitions';
import { earlierUnsuccessfulLines } from './finished-pages';

/**
 * What a cluster run hands over of its standalone indices when it continues as new (none is running
 * then): the pending ones are the next run's `standalone.indices`, the finished ones are in its pages.
 */
export interface ContinuedStandaloneIndices {
  /** Standalone indices the whole upgrade covers. */
  total: number;
}

/**
 * The standalone indices of one cluster run: pending, running and finished (by this run; earlier runs'
 * are in the cluster run's pages). Pure (no Temporal), kept by the run's state; the run starts them once
 * no data stream is pending, within the same `max_data_streams`.
 */
export class StandaloneRunState {
  readonly pending: string[];
  readonly running = new Map<string, RunningStandaloneIndex>();
  readonly finished: StandaloneIndexRunReport[] = [];
  readonly total: number;

  constructor(
    readonly pattern: string,
    indices: readonly string[],
    continued: ContinuedStandaloneIndices | undefined,
    /** Finished by earlier runs (in the cluster run's pages), and how many of them did not succeed. */
    private readonly earlier: () => { finished: number; unsuccessful: number } = () => ({
      finished: 0,
      unsuccessful: 0,
    }),
  ) {
    this.pending = [...indices];
    this.total = continued?.total ?? indices.length;
  }

  status(): StandaloneIndicesStatus {
    return {
      pattern: this.pattern,
      total: this.total,
      pending: [...this.pending],
      running: [...this.running.values()].map((entry) => ({ ...entry })),
      finished: this.finished.map((entry) => ({ ...entry, aliases_moved: [...entry.aliases_moved] })),
    };
  }

  /** Takes the next pending index and marks it preparing; `undefined` when none is pending. */
  startNext(nowMillis: number): RunningStandaloneIndex | undefined {
    const index = this.pending.shift();
    if (index === undefined) return undefined;
    const entry: RunningStandaloneIndex = { index, started_at_millis: nowMillis, step: 'preparing' };
    this.running.set(index, entry);
    return entry;
  }

  finish(report: StandaloneIndexRunReport): void {
    this.finished.push(report);
    this.running.delete(report.index);
  }

  get done(): boolean {
    return this.running.size === 0 && this.pending.length === 0;
  }

  get allSucceeded(): boolean {
    return this.earlier().unsuccessful === 0 && this.unsuccessful() === 0;
  }

  /** Finished by this run without success. */
  unsuccessful(): number {
    return this.finished.filter((entry) => !isSuccessfulStandaloneOutcome(entry.outcome)).length;
  }

  /**
   * The upgrading indices whose copy hold must change to `wanted`, each with it recorded: tell each once.
   * Only a pause with `now` (or a closed window) stops a copy; a plain pause lets it finish.
   */
  holdsToSend(wanted: 'paused_now' | undefined): { index: string; hold: 'paused_now' | undefined }[] {
    const changed = [...this.running.values()].filter(
      (entry) => entry.step === 'upgrading' && entry.hold !== wanted,
    );
    for (const entry of changed) {
      if (wanted === undefined) delete entry.hold;
      else entry.hold = wanted;
    }
    return changed.map((entry) => ({ index: entry.index, hold: wanted }));
  }

  continued(): ContinuedStandaloneIndices {
    return { total: this.total };
  }

  /** The Web UI's lines for the standalone indices. */
  detailLines(): string[] {
    const failed = this.finished.filter((entry) => !isSuccessfulStandaloneOutcome(entry.outcome));
    return [
      `**standalone indices** (${this.pattern}): ${this.earlier().finished + this.finished.length} of ${this.total} done, ` +
        `${this.running.size} running, ${this.pending.length} pending`,
      ...[...this.running.values()].map((entry) => `- ${entry.step} index \`${entry.index}\``),
      ...failed.map((entry) => `- ${entry.outcome} index \`${entry.index}\``),
      ...earlierUnsuccessfulLines(this.earlier().unsuccessful),
    ];
  }
}
