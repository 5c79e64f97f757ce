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
import {
  earlierUnsuccessfulLines,
  type EarlierFinished,
  type FinishedPage,
  type RenamedPages,
} from './finished-pages';
import type { PauseState } from './pause-definitions';
import { StandaloneRunState } from './standalone-run-state';

/** What the run last asked an upgrade it started to do: go on, pause, or pause and stop its copies. */
export type Hold = RunningDataStream['hold'];

/**
 * What one cluster run knows: the data streams pending, running and finished, the pause, the maintenance
 * window and how the run ended. Pure (no Temporal), so its rules are tested alone; the workflow keeps one
 * and answers its status query from it. `finished` is this run's: earlier runs' are in pages, of which it
 * keeps only counts, so what a run hands to the next stays the same size.
 */
export class ClusterRunState {
  readonly startTimeMillis: number;
  readonly pending: string[];
  readonly running: Map<string, RunningDataStream>;
  readonly finished: DataStreamRunReport[] = [];
  readonly totalDataStreams: number;
  /** What earlier runs (and this one's written pages) finished; undefined before the first page. */
  earlier: EarlierFinished | undefined;
  /** Page names changed after a reset, kept here until the next page carries them (`renamePagesFrom`). */
  private pagesRenamed: RenamedPages[];
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
    this.pending = [...input.dataStreams];
    this.totalDataStreams = continued?.totalDataStreams ?? input.dataStreams.length;
    this.running = new Map((continued?.running ?? []).map((entry) => [entry.data_stream, { ...entry }]));
    this.earlier = continued?.earlier;
    this.pagesRenamed = [...(continued?.earlier?.renamed ?? [])];
    this.paused = continued?.paused;
    this.standalone =
      input.standalone === undefined
        ? undefined
        : new StandaloneRunState(
            input.standalone.pattern,
            input.standalone.indices,
            continued?.standalone,
            () => ({
              finished: this.earlier?.standalone_indices ?? 0,
              unsuccessful: this.earlier?.standalone_indices_unsuccessful ?? 0,
            }),
          );
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
      total_data_streams: this.totalDataStreams,
      running: [...this.running.values()].map((entry) => ({ ...entry })),
      finished: this.finished.map((entry) => ({ ...entry })),
      ...(this.earlier !== undefined ? { earlier_finished: { ...this.earlier } } : {}),
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

  /**
   * What this run has finished so far, as the next page, with the counts once it is written; `undefined`
   * when it has finished nothing since its last page. Stays in `finished` until `pageWritten`, so the
   * status lists it meanwhile.
   */
  nextPage(firstRunId: string): { page: FinishedPage; earlier: EarlierFinished } | undefined {
    const standalone = this.standalone?.finished ?? [];
    if (this.finished.length === 0 && standalone.length === 0) return undefined;
    const before = this.earlier;
    const page: FinishedPage = {
      data_streams: this.finished.map((entry) => ({ ...entry })),
      standalone_indices: standalone.map((entry) => ({ ...entry, aliases_moved: [...entry.aliases_moved] })),
    };
    const earlier: EarlierFinished = {
      pages: (before?.pages ?? 0) + 1,
      first_run_id: before?.first_run_id ?? firstRunId,
      data_streams: (before?.data_streams ?? 0) + page.data_streams.length,
      data_streams_unsuccessful: (before?.data_streams_unsuccessful ?? 0) + this.unsuccessful().length,
      standalone_indices: (before?.standalone_indices ?? 0) + page.standalone_indices.length,
      standalone_indices_unsuccessful:
        (before?.standalone_indices_unsuccessful ?? 0) + (this.standalone?.unsuccessful() ?? 0),
      ...(this.pagesRenamed.length > 0 ? { renamed: this.pagesRenamed.map((entry) => ({ ...entry })) } : {}),
    };
    return { page, earlier };
  }

  /**
   * Page `fromPage` exists already, written by a run an operator's reset abandoned: this run names its
   * pages from there on by its own run id (unique), and `nextPage` answers the new name.
   */
  renamePagesFrom(fromPage: number, runId: string): void {
    if (this.pagesRenamed.some((entry) => entry.run_id === runId)) {
      throw new Error(`page ${fromPage} of run ${runId} exists already: it was written by this run`);
    }
    this.pagesRenamed.push({ from_page: fromPage, run_id: runId });
  }

  /** The page `nextPage` gave is written: its reports leave `finished`, its counts join `earlier`. */
  pageWritten({ page, earlier }: { page: FinishedPage; earlier: EarlierFinished }): void {
    this.finished.splice(0, page.data_streams.length);
    this.standalone?.finished.splice(0, page.standalone_indices.length);
    this.earlier = earlier;
  }

  /**
   * What the next run is handed: the pending data streams and standalone indices as its input's lists,
   * and counts of what is finished. Only once every report is in a page (`nextPage` has none left).
   */
  continuedInput(): ReindexClusterInput {
    const { input } = this;
    if (this.finished.length > 0 || (this.standalone?.finished.length ?? 0) > 0) {
      throw new Error('a run hands over only once what it finished is written as pages');
    }
    const continued: ContinuedClusterRun = {
      startTimeMillis: this.startTimeMillis,
      totalDataStreams: this.totalDataStreams,
      running: [...this.running.values()].map((entry) => ({ ...entry })),
      ...(this.earlier !== undefined ? { earlier: { ...this.earlier } } : {}),
      ...(this.paused !== undefined ? { paused: { ...this.paused } } : {}),
      runNumber: (input.continued?.runNumber ?? 0) + 1,
      ...(this.standalone !== undefined ? { standalone: this.standalone.continued() } : {}),
    };
    return {
      ...input,
      dataStreams: [...this.pending],
      ...(input.standalone !== undefined && this.standalone !== undefined
        ? { standalone: { pattern: input.standalone.pattern, indices: [...this.standalone.pending] } }
        : {}),
      continued,
    };
  }

  /** Data streams this run finished without success. */
  private unsuccessful(): DataStreamRunReport[] {
    return this.finished.filter((entry) => !isSuccessfulOutcome(entry.outcome));
  }

  /** Ends the run: completed when every data stream succeeded, otherwise completed with errors. */
  complete(nowMillis: number): ClusterState {
    this.endTimeMillis = nowMillis;
    return (this.earlier?.data_streams_unsuccessful ?? 0) === 0 &&
      this.unsuccessful().length === 0 &&
      (this.standalone?.allSucceeded ?? true)
      ? CLUSTER_STATES.COMPLETED
      : CLUSTER_STATES.COMPLETED_WITH_ERRORS;
  }

  /** The Markdown the Web UI shows as the workflow's current details. */
  details(): string {
    const { input } = this;
    const done = (this.earlier?.data_streams ?? 0) + this.finished.length;
    return [
      `**cluster upgrade** (${input.pattern}): ${this.state}, ${done} of ${this.totalDataStreams} data streams done, ` +
        `${this.running.size} running, ${this.pending.length} pending`,
      ...[...this.running.values()].map((entry) => `- ${entry.step} \`${entry.data_stream}\``),
      ...this.unsuccessful().map((entry) => `- ${entry.outcome} \`${entry.data_stream}\``),
      ...earlierUnsuccessfulLines(this.earlier?.data_streams_unsuccessful ?? 0),
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
