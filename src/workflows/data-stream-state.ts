import type { UpgradePlan } from '../activities/data-stream-activities';
import type { ContinuedRun, IndexProgress, ReindexDataStreamInput } from './definitions';
import { statusBeforeFirstTask } from './definitions';
import { WORKFLOW_TUNABLES as T } from './tunables';
import { DEFAULT_MIGRATE_SETTINGS } from '../shared/migrate-settings';
import {
  deriveStatus,
  progressPercent,
  type InProgressIndex,
  type IndexError,
  type ReindexDataStreamStatus,
  type DiskHold,
  type UpgradePause,
} from '../shared/status';
import type { VerifyMode } from '../shared/verify-mode';

/**
 * Values of the `ReindexState` search attribute, to filter in the Web UI. A data stream's upgrade takes
 * any of them; a backing index's workflow `running`, then `completed`, `failed` or `cancelled`.
 */
export const REINDEX_STATES = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  COMPLETED_WITH_ERRORS: 'completed_with_errors',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
} as const;

export type ReindexState = (typeof REINDEX_STATES)[keyof typeof REINDEX_STATES];

/** How one backing index's workflow ended, as its data stream's upgrade counts it. */
export type IndexEnd =
  | { kind: 'upgraded' }
  | { kind: 'failed'; message: string }
  /** Rolled back because this whole upgrade was cancelled: not done, so pending again. */
  | { kind: 'rolled-back' };

/**
 * What one data stream's upgrade knows: the totals, the indices pending, being copied and failed, the
 * concurrency and the pause. Pure (no Temporal), so the rules are tested alone; the workflow keeps one
 * and answers its status query from it. `successes` is never stored: Elasticsearch's status derives it
 * from the other counts, so an index counts as a success only once it left every other list.
 *
 * Copies are handed out as permits, at most `maxConcurrentIndices` at once and in start order: an index
 * holding one is Elasticsearch's `in_progress`. Around them, `COPY_LOOKAHEAD_INDICES` more start early and
 * prepare (block writes, create the destination) while the copies run, and an index whose copy has ended
 * finishes (verify, restore settings, swap, delete) while the next one copies, so the cluster never waits
 * for an index's own steps between two copies. Both count as `pending`, so that `in_progress` lists no
 * more copies than the setting, as in Elasticsearch; only a finishing index held by a wait for its
 * replicas is listed there too, with the wait, so that the status says what holds the upgrade.
 */
export class DataStreamUpgradeState {
  readonly startTimeMillis: number;
  totalIndicesInDataStream: number;
  totalIndicesRequiringUpgrade: number;
  maxConcurrentIndices: number;
  paused: UpgradePause | undefined;
  exception: string | undefined;
  /** The next index, held before its start because a node's disk would cross the high watermark. */
  waitingForDisk: DiskHold | undefined;
  /** How each index's copy is proven (issue 23); `count` unless the start said otherwise. */
  readonly verify: VerifyMode | undefined;
  complete = false;
  /** Backing indices whose workflows have ended in this run; the scheduler waits for it to change. */
  endedCount = 0;
  private readonly pending: string[];
  // Until this run's own plan names them, the indices the service counted at the start are pending.
  private unnamedPendingCount: number;
  private readonly errors: IndexError[];
  /** Holders of a copy permit: Elasticsearch's `in_progress`. */
  private readonly inProgress = new Map<string, InProgressIndex>();
  /** Started ahead of their copy, oldest first: they prepare, then wait for a permit. */
  private readonly awaitingCopy: string[] = [];
  /** Of those, the ones started before their turn to prepare, not yet told it has come (`preparationsDue`). */
  private readonly awaitingPreparation = new Set<string>();
  /** Their copy has ended: they finish while the next index copies. */
  private readonly finishing = new Set<string>();
  /** Finishing indices held by a wait (their replicas): listed in progress again, with the wait. */
  private readonly finishingWaits = new Map<string, InProgressIndex>();
  // The concurrency setting as the last index start read it from the cluster.
  private concurrencyLastRead: number | undefined;

  constructor(input: ReindexDataStreamInput, executionStartMillis: number) {
    const { continued } = input;
    const initial = statusBeforeFirstTask(input, executionStartMillis);
    this.startTimeMillis = initial.start_time_millis;
    this.totalIndicesInDataStream = initial.total_indices_in_data_stream;
    this.totalIndicesRequiringUpgrade = initial.total_indices_requiring_upgrade;
    this.pending = [...(continued?.pendingIndices ?? [])];
    this.unnamedPendingCount = initial.pending - this.pending.length;
    this.errors = [...initial.errors];
    this.maxConcurrentIndices =
      continued?.maxConcurrentIndices ?? DEFAULT_MIGRATE_SETTINGS.maxConcurrentIndices;
    this.paused = continued?.paused;
    this.concurrencyLastRead = continued?.concurrencyLastRead;
    this.verify = input.verify;
  }

  status(): ReindexDataStreamStatus {
    return deriveStatus({
      startTimeMillis: this.startTimeMillis,
      complete: this.complete,
      totalIndicesInDataStream: this.totalIndicesInDataStream,
      totalIndicesRequiringUpgrade: this.totalIndicesRequiringUpgrade,
      inProgress: [...this.inProgress.values(), ...this.finishingWaits.values()],
      pendingCount:
        this.pending.length +
        this.unnamedPendingCount +
        this.awaitingCopy.length +
        this.finishing.size -
        this.finishingWaits.size,
      errors: this.errors,
      exception: this.exception,
      paused: this.paused,
      verify: this.verify,
      waitingForDisk: this.waitingForDisk,
    });
  }

  /** The plan names the indices to upgrade; the totals change together, so no status mixes old and new. */
  planned(plan: UpgradePlan): void {
    this.totalIndicesInDataStream = plan.totalIndicesInDataStream;
    this.totalIndicesRequiringUpgrade = plan.indicesToUpgrade.length;
    this.pending.push(...plan.indicesToUpgrade);
    this.unnamedPendingCount = 0;
  }

  /** A valid value from the API, a copy or an index start; anything else is ignored. */
  setMaxConcurrentIndices(value: number | undefined): void {
    if (value !== undefined && Number.isInteger(value) && value >= 1) this.maxConcurrentIndices = value;
  }

  /** The setting as an index start read it: only a change since the last read, so an older read never undoes a newer API change. */
  concurrencyRead(value: number): void {
    if (value === this.concurrencyLastRead) return;
    this.concurrencyLastRead = value;
    this.setMaxConcurrentIndices(value);
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** The indices whose workflows run now: copying, prepared ahead of their copy, or finishing. */
  get indicesInFlight(): string[] {
    return [...this.finishing, ...this.inProgress.keys(), ...this.awaitingCopy];
  }

  /**
   * Whether another index may start: not paused or failed, one pending, and room both among the copies
   * and the indices prepared ahead of theirs, and among all the index workflows that run at once.
   */
  mayStartIndex(): boolean {
    if (this.paused !== undefined || this.exception !== undefined || this.pending.length === 0) return false;
    const max = this.maxConcurrentIndices;
    const ahead = this.inProgress.size + this.awaitingCopy.length;
    if (ahead < max + T.COPY_LOOKAHEAD_INDICES) {
      return this.indicesInFlight.length < 2 * max + T.COPY_LOOKAHEAD_INDICES;
    }
    return this.mayStartBeforePreparing();
  }

  /**
   * At concurrency 1 (counts verified), with the copy running and the next index prepared ahead, one more
   * index starts before its turn to prepare (issue 25): its workflow starts and reads its source now, and
   * it blocks writes once that copy has ended, which it learns from Elasticsearch at once
   * (`holdPreparation`), not a round trip through this workflow later. Write blocks come no earlier.
   */
  private mayStartBeforePreparing(): boolean {
    const max = this.maxConcurrentIndices;
    return (
      max === 1 &&
      this.verifiesCountsOnly &&
      this.inProgress.size === max &&
      this.awaitingCopy.length === T.COPY_LOOKAHEAD_INDICES &&
      this.indicesInFlight.length < 2 * max + T.COPY_LOOKAHEAD_INDICES + 1
    );
  }

  /** Copies are proven by counts alone, so a copy's end is its turn's end (no `ids` or `content` read after). */
  private get verifiesCountsOnly(): boolean {
    return this.verify === undefined || this.verify === 'count';
  }

  /** Whether the index at `position` among those started ahead may prepare: within the lookahead. */
  private withinLookahead(position: number): boolean {
    return this.inProgress.size + position < this.maxConcurrentIndices + T.COPY_LOOKAHEAD_INDICES;
  }

  /**
   * For an index starting now: the index whose copy must end before it may block writes (the one
   * copying), or `undefined` when it may prepare at once. Held, it waits to be told by `preparationsDue`,
   * unless it sees that copy end in Elasticsearch first.
   */
  holdPreparation(index: string): string | undefined {
    const position = this.awaitingCopy.indexOf(index);
    if (position < 0 || this.withinLookahead(position)) return undefined;
    const holders = [...this.inProgress.keys()];
    if (holders.length !== 1) return undefined;
    this.awaitingPreparation.add(index);
    return holders[0];
  }

  /** Whether `index` still waits to be told its turn to prepare has come. */
  preparationHeld(index: string): boolean {
    return this.awaitingPreparation.has(index);
  }

  /** Whether an index started before its turn to prepare has it now (and no pause holds it back). */
  mayAllowPreparation(): boolean {
    return this.preparationsDue(false).length > 0;
  }

  /** The indices started before their turn to prepare whose turn has come; `take` marks them told. */
  preparationsDue(take = true): string[] {
    if (this.paused !== undefined) return [];
    const due = [...this.awaitingPreparation].filter((index) =>
      this.withinLookahead(this.awaitingCopy.indexOf(index)),
    );
    if (take) for (const index of due) this.awaitingPreparation.delete(index);
    return due;
  }

  /** Whether `index` may copy now (it holds a permit). */
  holdsCopyPermit(index: string): boolean {
    return this.inProgress.has(index);
  }

  /**
   * At concurrency 1, the index whose copy `index` (waiting for a permit) follows: the one holding it.
   * `undefined` when `index` holds one, or more may copy at once (then the next to end is not known).
   */
  copyToFollow(index: string): string | undefined {
    if (this.maxConcurrentIndices !== 1 || this.inProgress.has(index)) return undefined;
    // A verification beyond counts holds the permit after the copy: the copy's end is not the turn's end.
    if (!this.verifiesCountsOnly) return undefined;
    // Started before its turn to prepare: it follows the index prepared ahead of it.
    const position = this.awaitingCopy.indexOf(index);
    if (position > 0) return this.awaitingCopy[position - 1];
    const holders = [...this.inProgress.keys()];
    return holders.length === 1 ? holders[0] : undefined;
  }

  /** Whether a permit is free for an index that waits for one, and not held back by a pause. */
  mayGrantCopyPermit(): boolean {
    return (
      this.paused === undefined &&
      this.awaitingCopy.length > 0 &&
      this.inProgress.size < this.maxConcurrentIndices
    );
  }

  /** Gives the free permits to the indices that wait, oldest first; returns those that now may copy. */
  grantCopyPermits(): string[] {
    const granted: string[] = [];
    while (this.mayGrantCopyPermit()) {
      const index = this.awaitingCopy.shift() as string;
      this.inProgress.set(index, { index, total_doc_count: 0, reindexed_doc_count: 0 });
      granted.push(index);
    }
    return granted;
  }

  /**
   * The copy of `index` has ended: its permit is free, and it finishes. Whether it was copying: it held a
   * permit, or it copied before its permit reached it (it followed the copy before it).
   */
  copyEnded(index: string): boolean {
    const awaiting = this.awaitingCopy.indexOf(index);
    if (awaiting >= 0) this.awaitingCopy.splice(awaiting, 1);
    else if (!this.inProgress.delete(index)) return false;
    this.awaitingPreparation.delete(index);
    this.finishing.add(index);
    return true;
  }

  /** Paused with indices left: the run waits for the resume (or a cancel) rather than ending. */
  heldByPause(): boolean {
    return this.paused !== undefined && this.exception === undefined && this.pending.length > 0;
  }

  /** The index that starts next, oldest first; `undefined` when none is pending. */
  get nextPending(): string | undefined {
    return this.pending[0];
  }

  /** The next index waits for disk; a hold of the same index keeps its first time. */
  holdForDisk(index: string, reason: string, nowMillis: number): void {
    const since = this.waitingForDisk?.index === index ? this.waitingForDisk.since_millis : nowMillis;
    this.waitingForDisk = { index, reason, since_millis: since };
  }

  /** Nothing waits for disk (it fits now, or nothing may start anyway). */
  releaseDiskHold(): void {
    this.waitingForDisk = undefined;
  }

  /**
   * Takes the oldest pending index: in progress when a permit is free and no older index waits for one,
   * else it waits for one. `undefined` when none is pending.
   */
  startNext(): string | undefined {
    this.waitingForDisk = undefined;
    const index = this.pending.shift();
    if (index === undefined) return undefined;
    this.awaitingCopy.push(index);
    // Only its own permit: one freed for an older index is the scheduler's to grant (and signal).
    if (this.awaitingCopy.length === 1) this.grantCopyPermits();
    return index;
  }

  /**
   * Copy progress of an index in flight; whether it was one (a late signal for an ended index is not). A
   * finishing index reports only a wait (for its replicas): it is shown in progress with it, as
   * Elasticsearch would show it, until the wait is over.
   */
  progress(progress: IndexProgress): boolean {
    this.setMaxConcurrentIndices(progress.maxConcurrentIndices);
    const entry = this.inProgress.get(progress.index);
    if (entry === undefined) return this.finishingProgress(progress);
    entry.total_doc_count = progress.totalDocCount;
    entry.reindexed_doc_count = progress.reindexedDocCount;
    if (progress.waiting !== undefined) entry.waiting = { ...progress.waiting };
    else delete entry.waiting;
    return true;
  }

  private finishingProgress(progress: IndexProgress): boolean {
    const { index, waiting } = progress;
    if (!this.finishing.has(index)) return false;
    if (waiting === undefined) return this.finishingWaits.delete(index);
    this.finishingWaits.set(index, {
      index,
      total_doc_count: progress.totalDocCount,
      reindexed_doc_count: progress.reindexedDocCount,
      waiting: { ...waiting },
    });
    return true;
  }

  indexEnded(index: string, end: IndexEnd): void {
    this.inProgress.delete(index);
    this.finishing.delete(index);
    this.finishingWaits.delete(index);
    const awaiting = this.awaitingCopy.indexOf(index);
    if (awaiting >= 0) this.awaitingCopy.splice(awaiting, 1);
    this.awaitingPreparation.delete(index);
    this.endedCount += 1;
    if (end.kind === 'failed') this.errors.push({ index, message: end.message });
    if (end.kind === 'rolled-back') this.pending.unshift(index);
  }

  /** Pauses; whether the copies in flight must now be stopped (a pause with `now` that was not on yet). */
  pause(now: boolean, nowMillis: number): boolean {
    const stopCopies = now && this.paused?.now !== true;
    this.paused = {
      since_millis: this.paused?.since_millis ?? nowMillis,
      now: now || this.paused?.now === true,
    };
    return stopCopies;
  }

  /** Resumes; whether stopped copies must now continue. */
  resume(): boolean {
    const copiesStopped = this.paused?.now === true;
    this.paused = undefined;
    return copiesStopped;
  }

  /** Whether the run ends by handing its pending indices to a fresh run (continue-as-new). */
  get handsOver(): boolean {
    return this.exception === undefined && this.pending.length > 0;
  }

  continuedRun(): ContinuedRun {
    return {
      startTimeMillis: this.startTimeMillis,
      totalIndicesInDataStream: this.totalIndicesInDataStream,
      totalIndicesRequiringUpgrade: this.totalIndicesRequiringUpgrade,
      pendingIndices: [...this.pending],
      errors: this.errors.map((entry) => ({ ...entry })),
      maxConcurrentIndices: this.maxConcurrentIndices,
      ...(this.concurrencyLastRead !== undefined ? { concurrencyLastRead: this.concurrencyLastRead } : {}),
      ...(this.paused !== undefined ? { paused: { ...this.paused } } : {}),
    };
  }

  /** Marks the upgrade complete and says how it ended. A pause that held nothing back at the end is over. */
  finish(): ReindexState {
    this.paused = undefined;
    this.waitingForDisk = undefined;
    this.complete = true;
    if (this.exception !== undefined) return REINDEX_STATES.FAILED;
    return this.errors.length > 0 ? REINDEX_STATES.COMPLETED_WITH_ERRORS : REINDEX_STATES.COMPLETED;
  }

  /** The Markdown the Web UI shows as the workflow's current details. */
  details(dataStream: string): string {
    const current = this.status();
    const lines = [
      `**${dataStream}**: ${current.complete ? 'complete' : 'upgrading'}, ${progressPercent(current)}% ` +
        `(${current.successes} of ${current.total_indices_requiring_upgrade} indices done, ` +
        `${current.pending} pending, ${current.errors.length} failed)`,
      ...[...this.finishing].map(
        (index) =>
          `- finishing \`${index}\`: ${this.finishingWaits.get(index)?.waiting?.reason ?? 'counts, settings, swap'}`,
      ),
      ...current.in_progress
        .filter((entry) => !this.finishing.has(entry.index))
        .map(
          (entry) =>
            `- copying \`${entry.index}\`: ${entry.reindexed_doc_count} / ${entry.total_doc_count} documents`,
        ),
      ...this.awaitingCopy.map((index) =>
        this.awaitingPreparation.has(index)
          ? `- started \`${index}\`: prepares when a copy ends`
          : `- prepared \`${index}\`: copies when a copy ends`,
      ),
      ...current.errors.map((entry) => `- failed \`${entry.index}\`: ${entry.message}`),
    ];
    if (current.exception !== undefined) lines.push(`- exception: ${current.exception}`);
    if (this.waitingForDisk !== undefined) {
      lines.push(
        `- \`${this.waitingForDisk.index}\` waits for disk since ` +
          `${new Date(this.waitingForDisk.since_millis).toISOString()}: ${this.waitingForDisk.reason}`,
      );
    }
    if (this.paused !== undefined) {
      lines.push(
        `- paused since ${new Date(this.paused.since_millis).toISOString()}` +
          (this.paused.now ? ': the copies in flight are stopped' : ': the copies in flight finish'),
      );
    }
    return lines.join('\n');
  }
}
