import {
  CancellationScope,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  getExternalWorkflowHandle,
  isCancellation,
  startChild,
} from '@temporalio/workflow';
import { elasticsearchSteps as es } from './activity-stubs';
import type { ReindexClusterInput } from './cluster-definitions';
import type { ClusterRunState } from './cluster-run-state';
import type { ClusterRunEvents } from './data-stream-upgrades';
import { pauseCopySignal, resumeCopySignal } from './pause-definitions';
import { REINDEX_STATES } from './data-stream-state';
import { reindexStandaloneIndex } from './reindex-standalone-index';
import {
  STANDALONE_OUTCOMES,
  type ReindexStandaloneIndexInput,
  type ReindexStandaloneIndexResult,
  type RunningStandaloneIndex,
  type StandaloneOutcome,
} from './standalone-definitions';
import { standaloneEndOf } from './standalone-index-end';
import type { StandaloneRunState } from './standalone-run-state';
import { WORKFLOW_TUNABLES as T } from './tunables';
import { standaloneIndexWorkflowId } from '../shared/names';
import {
  REINDEX_STATE_SEARCH_ATTRIBUTE,
  STANDALONE_INDEX_SEARCH_ATTRIBUTE,
} from '../shared/search-attributes';

/**
 * The standalone indices of one cluster run, each from its preparation (the read-only rule, decided on
 * the index as it is now) to the end of its own workflow, `reindex-index-<name>`, a child of the run: a
 * cancel of the run cancels it and waits for its rollback. Each end is recorded in the run's state.
 */
export class StandaloneIndexUpgrades {
  private readonly tasks = new Map<string, Promise<void>>();
  /** The run's scope: cancelled only by a cancel of the run, not of one index's workflow from outside. */
  private readonly runScope = CancellationScope.current();

  constructor(
    private readonly input: ReindexClusterInput,
    private readonly run: ClusterRunState,
    private readonly standalone: StandaloneRunState,
    private readonly events: ClusterRunEvents,
  ) {}

  launch(entry: RunningStandaloneIndex): void {
    const task = this.upgrade(entry).finally(() => {
      this.tasks.delete(entry.index);
      this.run.settledCount += 1;
    });
    task.catch(() => undefined);
    this.tasks.set(entry.index, task);
    this.events.changed();
  }

  /** Resolves once every index has ended (after the run's cancel: rolled back). */
  async allEnded(): Promise<void> {
    await Promise.allSettled(this.tasks.values());
  }

  /** Tells every upgrading index to stop or go on with its copy, when the run's hold changed. */
  async sendHolds(): Promise<void> {
    await Promise.all(
      this.standalone.holdsToSend(this.run.standaloneHold()).map(({ index, hold }) =>
        getExternalWorkflowHandle(standaloneIndexWorkflowId(index))
          .signal(hold === 'paused_now' ? pauseCopySignal : resumeCopySignal)
          // One that has just finished cannot be signalled, and needs no pause.
          .catch(() => undefined),
      ),
    );
  }

  private async upgrade(entry: RunningStandaloneIndex): Promise<void> {
    try {
      const prepared = await es.prepareStandaloneIndex({
        index: entry.index,
        readOnly: this.input.readOnly,
        reindexReadOnly: this.input.reindexReadOnly === true,
      });
      if (prepared.next === 'done') {
        const outcome = prepared.markedReadOnly
          ? STANDALONE_OUTCOMES.READ_ONLY
          : STANDALONE_OUTCOMES.UP_TO_DATE;
        this.finish(entry, outcome, undefined, prepared.reason);
        return;
      }
      this.finish(entry, STANDALONE_OUTCOMES.UPGRADED, await this.runWorkflow(entry));
    } catch (err) {
      const runCancelled = this.runScope.consideredCancelled;
      const end = standaloneEndOf(err, entry.index, runCancelled);
      this.finish(entry, end.outcome, undefined, end.exception);
      // The run's cancel goes on up; a cancel from outside ends this index only, and the run goes on.
      if (isCancellation(err) && runCancelled) throw err;
    }
  }

  private async runWorkflow(entry: RunningStandaloneIndex): Promise<ReindexStandaloneIndexResult> {
    const hold = this.run.standaloneHold();
    const verify = this.input.dataStreamRun.verify;
    const args: [ReindexStandaloneIndexInput] = [
      {
        index: entry.index,
        ...(hold === 'paused_now' ? { copyPaused: true } : {}),
        ...(verify !== undefined && verify !== 'count' ? { verify } : {}),
      },
    ];
    entry.step = 'upgrading';
    if (hold !== undefined) entry.hold = hold;
    this.events.changed();
    const handle = await startChild(reindexStandaloneIndex, {
      workflowId: standaloneIndexWorkflowId(entry.index),
      args,
      // A terminated run must still let its indices roll back, not kill them mid-step.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      workflowTaskTimeout: T.BACKING_INDEX_WORKFLOW_TASK_TIMEOUT_MS,
      typedSearchAttributes: [
        { key: STANDALONE_INDEX_SEARCH_ATTRIBUTE, value: entry.index },
        { key: REINDEX_STATE_SEARCH_ATTRIBUTE, value: REINDEX_STATES.RUNNING },
      ],
    });
    // A pause or resume with `now` between the start command and the child's start reached no one.
    await this.sendHolds();
    return handle.result();
  }

  private finish(
    entry: RunningStandaloneIndex,
    outcome: StandaloneOutcome,
    result?: ReindexStandaloneIndexResult,
    exception?: string,
  ): void {
    this.standalone.finish({
      index: entry.index,
      outcome,
      started_at_millis: entry.started_at_millis,
      finished_at_millis: Date.now(),
      destination_index: result?.destinationIndex ?? null,
      documents: result?.documents ?? null,
      aliases_moved: result?.aliases ?? [],
      ...(exception !== undefined && outcome !== STANDALONE_OUTCOMES.UP_TO_DATE ? { exception } : {}),
    });
    this.events.changed();
  }
}
