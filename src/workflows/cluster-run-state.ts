import {
  CLUSTER_STATES,
  isSuccessfulOutcome,
  type ClusterState,
  type ClusterUpgradeStatus,
  type ContinuedClusterRun,
  type DataStreamRunReport,
  type ReindexClusterInput,
  type RunningDataStream,
  type WindowStatus,
} from './cluster-definitions';
import type { PauseState } from './pause-definitions';
import { StandaloneRunState } from './standalone-run-state';

/** What the run last asked an upgrade it started to do: go on, pause, or pause and stop its copies. */
export type Hold = RunningDataStream['hold'];

/**
 * What one cluster run knows: the data streams pending, running and finished, the pause, the maintenance
 * window and how the run ended. Pure (no Temporal), so its rules are tested alone; the workflow keeps one
 * and answers its status query from it.
 */
export class ClusterRunState {
  readonly startTimeMillis: number;
  readonly pending: string[];
  readonly running: Map<string, RunningDataStream>;
  readonly finished: DataStreamRunReport[];
  state: ClusterState = CLUSTER_STATES.RUNNING;
  endTimeMillis: number | undefined;
  paused: PauseState | undefined;
  /** Unknown until first read; absent without a window. */
  window: WindowStatus | undefined;
  /** Why the run failed, once it did. */
  exception: string | undefined;
  /** Data streams and standalone indices whose part of this run has ended; the scheduler waits for it to change. */
  settledCount = 0;
  /** The standalone indices (`--indices`); absent when the run has none. */
  readonly standalone: StandaloneRunState | undefined;

  constructor(
    private readonly input: ReindexClusterInput,
    nowMillis: number,
  ) {
    const { continued } = input;
    this.startTimeMillis = continued?.startTimeMillis ?? nowMillis;
    this.pending = [...(continued?.pending ?? input.dataStreams)];
    this.running = new Map((continued?.running ?? []).map((entry) => [entry.data_stream, { ...entry }]));
    this.finished = [...(continued?.finished ?? [])];
    this.paused = continued?.paused;
    this.standalone =
      input.standalone === undefined
        ? undefined
        : new StandaloneRunState(input.standalone.pattern, input.standalone.indices, continued?.standalone);
  }

  status(): ClusterUpgradeStatus {
    const { input } = this;
    const current: ClusterUpgradeStatus = {
      state: this.state,
      complete: this.endTimeMillis !== undefined,
      start_time_millis: this.startTimeMillis,
      pending: [...this.pending],
      pattern: input.pattern,
      max_data_streams: input.maxDataStreams,
      read_only: input.readOnly,
      verify: input.dataStreamRun.verify ?? 'count',
      total_data_streams: input.dataStreams.length,
      running: [...this.running.values()].map((entry) => ({ ...entry })),
      finished: this.finished.map((entry) => ({ ...entry })),
      paused: this.paused === undefined ? null : { ...this.paused },
      window: this.window === undefined ? null : { ...this.window },
    };
    if (this.endTimeMillis !== undefined) current.end_time_millis = this.endTimeMillis;
    if (this.exception !== undefined) current.exception = this.exception;
    if (this.standalone !== undefined) current.standalone_indices = this.standalone.status();
    return current;
  }

  /** Whether no data stream may start now: paused by the operator, or outside the window. */
  held(): boolean {
    return this.paused !== undefined || this.windowClosed();
  }

  /**
   * The upgrades this run started (not ones it only watches) whose hold must change, each with the hold
   * now recorded: tell each of them once per change.
   */
  holdsToSend(): { dataStream: string; hold: Hold }[] {
    const wanted = this.wantedHold();
    const changed = [...this.running.values()].filter(
      (entry) => entry.step === 'upgrading' && !entry.adopted && entry.hold !== wanted,
    );
    for (const entry of changed) entry.hold = wanted;
    return changed.map((entry) => ({ dataStream: entry.data_stream, hold: wanted }));
  }

  /**
   * Whether one more data stream may start now: at most `maxDataStreams` data streams and standalone
   * indices at once.
   */
  mayStartAnother(): boolean {
    return this.pending.length > 0 && this.inFlight() < this.input.maxDataStreams && !this.held();
  }

  /** Whether one more standalone index may start now: once no data stream is pending, in the same bound. */
  mayStartStandalone(): boolean {
    const standalone = this.standalone;
    return (
      standalone !== undefined &&
      standalone.pending.length > 0 &&
      this.pending.length === 0 &&
      this.inFlight() < this.input.maxDataStreams &&
      !this.held()
    );
  }

  /** The copy hold standalone indices should have now: only a pause with `now` or a closed window stops a copy. */
  standaloneHold(): 'paused_now' | undefined {
    return this.wantedHold() === 'paused_now' ? 'paused_now' : undefined;
  }

  private inFlight(): number {
    return this.running.size + (this.standalone?.running.size ?? 0);
  }

  /** Takes the next pending data stream and marks it preparing; `undefined` when none is pending. */
  startNext(nowMillis: number): RunningDataStream | undefined {
    const dataStream = this.pending.shift();
    if (dataStream === undefined) return undefined;
    const entry: RunningDataStream = {
      data_stream: dataStream,
      started_at_millis: nowMillis,
      step: 'preparing',
      adopted: false,
    };
    this.running.set(dataStream, entry);
    return entry;
  }

  finish(report: DataStreamRunReport): void {
    this.finished.push(report);
    this.running.delete(report.data_stream);
  }

  get done(): boolean {
    return this.running.size === 0 && this.pending.length === 0 && (this.standalone?.done ?? true);
  }

  /** Anything left to start, data stream or standalone index. */
  get anyPending(): boolean {
    return this.pending.length > 0 || (this.standalone?.pending.length ?? 0) > 0;
  }

  /**
   * Only data streams being watched can be handed over; preparing or starting ones finish that here
   * first, and so does every standalone index (its workflow is this run's child).
   */
  readyToHandOver(): boolean {
    return (
      [...this.running.values()].every((entry) => entry.step === 'upgrading') &&
      (this.standalone?.running.size ?? 0) === 0
    );
  }

  continuedRun(): ContinuedClusterRun {
    return {
      startTimeMillis: this.startTimeMillis,
      pending: [...this.pending],
      running: [...this.running.values()].map((entry) => ({ ...entry })),
      finished: this.finished.map((entry) => ({ ...entry })),
      ...(this.paused !== undefined ? { paused: { ...this.paused } } : {}),
      runNumber: (this.input.continued?.runNumber ?? 0) + 1,
      ...(this.standalone !== undefined ? { standalone: this.standalone.continued() } : {}),
    };
  }

  /** Ends the run: completed when every data stream succeeded, otherwise completed with errors. */
  complete(nowMillis: number): ClusterState {
    this.endTimeMillis = nowMillis;
    return this.finished.every((entry) => isSuccessfulOutcome(entry.outcome)) &&
      (this.standalone?.allSucceeded ?? true)
      ? CLUSTER_STATES.COMPLETED
      : CLUSTER_STATES.COMPLETED_WITH_ERRORS;
  }

  /** The Markdown the Web UI shows as the workflow's current details. */
  details(): string {
    const { input } = this;
    const failed = this.finished.filter((entry) => !isSuccessfulOutcome(entry.outcome));
    return [
      `**cluster upgrade** (${input.pattern}): ${this.state}, ${this.finished.length} of ${input.dataStreams.length} data streams done, ` +
        `${this.running.size} running, ${this.pending.length} pending`,
      ...[...this.running.values()].map((entry) => `- ${entry.step} \`${entry.data_stream}\``),
      ...failed.map((entry) => `- ${entry.outcome} \`${entry.data_stream}\``),
      ...(this.standalone?.detailLines() ?? []),
      ...(this.exception !== undefined ? [`- failed: ${this.exception}`] : []),
    ].join('\n');
  }

  private windowClosed(): boolean {
    return this.window !== undefined && !this.window.open;
  }

  private wantedHold(): Hold {
    if (!this.held()) return undefined;
    return this.paused?.now === true || this.windowClosed() ? 'paused_now' : 'paused';
  }
}
