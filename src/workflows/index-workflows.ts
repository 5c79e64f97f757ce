import {
  CancellationScope,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  getExternalWorkflowHandle,
  startChild,
  type ChildWorkflowHandle,
  type SignalDefinition,
} from '@temporalio/workflow';
import { copyPermitSignal, preparationTurnSignal } from './copy-permits';
import { localElasticsearchSteps } from './activity-stubs';
import { REINDEX_STATES, type DataStreamUpgradeState, type IndexEnd } from './data-stream-state';
import type { ReindexBackingIndexInput } from './definitions';
import { indexEndOf } from './index-end';
import { pauseCopySignal, resumeCopySignal } from './pause-definitions';
import { reindexBackingIndex } from './reindex-backing-index';
import { WORKFLOW_TUNABLES as T } from './tunables';
import { backingIndexWorkflowId, destinationIndexName } from '../shared/names';
import {
  BACKING_INDEX_SEARCH_ATTRIBUTE,
  DATA_STREAM_SEARCH_ATTRIBUTE,
  REINDEX_STATE_SEARCH_ATTRIBUTE,
} from '../shared/search-attributes';

/**
 * The workflows of one data stream's backing indices, one child per index, run in the scope of the
 * upgrade: cancelling the upgrade cancels them, and each rolls its index back. Each end is recorded in
 * the upgrade's state as it comes.
 */
export class IndexWorkflows {
  private readonly running = new Map<string, Promise<void>>();
  // The children whose start has been answered, to hand them their copy permit.
  private readonly started = new Map<string, ChildWorkflowHandle<typeof reindexBackingIndex>>();
  // Captured as the upgrade starts: whether it was cancelled decides how a cancelled child counts.
  private readonly upgradeScope = CancellationScope.current();

  constructor(
    private readonly dataStream: string,
    private readonly state: DataStreamUpgradeState,
    /** Called whenever an index starts or ends, to show the change. */
    private readonly changed: () => void,
  ) {}

  get size(): number {
    return this.running.size;
  }

  /** Starts the workflow of `sourceIndex`, already marked in progress in the state. */
  start(sourceIndex: string): void {
    const ended = this.upgrade(sourceIndex).then(
      (): IndexEnd => ({ kind: 'upgraded' }),
      (err: unknown) => indexEndOf(err, sourceIndex, this.upgradeScope.consideredCancelled),
    );
    this.running.set(
      sourceIndex,
      ended.then((end) => {
        this.state.indexEnded(sourceIndex, end);
        this.running.delete(sourceIndex);
        this.changed();
      }),
    );
    this.changed();
  }

  /**
   * Lets a child that waits for its copy permit copy; one still starting gets it with its start. Resolves
   * once the signal was delivered (or could not be: the child has ended).
   */
  async permitCopy(sourceIndex: string): Promise<void> {
    await this.started
      .get(sourceIndex)
      ?.signal(copyPermitSignal)
      .catch(() => undefined);
  }

  /**
   * Lets a child started before its turn to prepare block writes and prepare, with its source's facts read
   * now (in this workflow's history before the child changes anything); as `permitCopy`.
   */
  async allowPreparation(sourceIndex: string): Promise<void> {
    const child = this.started.get(sourceIndex);
    if (child === undefined) return;
    // Unreadable (gone, say): the child keeps its start's facts, and its own steps meet what happened.
    const read = await localElasticsearchSteps.readSourceBeforeStart(sourceIndex).catch(() => undefined);
    await child.signal(preparationTurnSignal, read?.facts ?? null).catch(() => undefined);
  }

  /** Tells every running child to stop or continue its copy; one that has just finished needs neither. */
  async signalAll(signal: SignalDefinition<[]>): Promise<void> {
    await Promise.all(
      [...this.running.keys()].map((sourceIndex) =>
        getExternalWorkflowHandle(backingIndexWorkflowId(this.dataStream, sourceIndex))
          .signal(signal)
          .catch(() => undefined),
      ),
    );
  }

  /** Resolves once every child has ended (after a cancel: rolled back). */
  async allEnded(): Promise<void> {
    await Promise.allSettled(this.running.values());
  }

  private async upgrade(sourceIndex: string): Promise<void> {
    const { dataStream, state } = this;
    // The source's facts, read in the workflow task that starts the child, are in history before the
    // child changes anything; and the child saves the round trip of reading them itself.
    const read = await localElasticsearchSteps.readSourceBeforeStart(sourceIndex);
    state.concurrencyRead(read.maxConcurrentIndices);
    const startedPaused = state.paused?.now === true;
    const permitted = state.holdsCopyPermit(sourceIndex);
    const follows = state.copyToFollow(sourceIndex);
    const prepareAfter = state.holdPreparation(sourceIndex);
    const args: [ReindexBackingIndexInput] = [
      {
        dataStream,
        sourceIndex,
        facts: read.facts,
        // A pause with `now` that came while the facts were read cannot reach the child by signal.
        ...(startedPaused ? { copyPaused: true } : {}),
        copyPermit: permitted ? 'granted' : 'awaited',
        ...(follows !== undefined
          ? { copyAfter: { sourceIndex: follows, destinationIndex: destinationIndexName(follows) } }
          : {}),
        ...(prepareAfter !== undefined
          ? {
              prepareAfter: {
                sourceIndex: prepareAfter,
                destinationIndex: destinationIndexName(prepareAfter),
              },
            }
          : {}),
        // Only when not the default, so a default upgrade starts its children exactly as before.
        ...(state.verify !== undefined && state.verify !== 'count' ? { verify: state.verify } : {}),
      },
    ];
    const handle = await startChild(reindexBackingIndex, {
      workflowId: backingIndexWorkflowId(dataStream, sourceIndex),
      args,
      // A terminated parent must still let its children roll back, not kill them mid-step.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      // Its short steps run inside workflow tasks: a worker that dies in one is noticed when the task
      // times out, so the timeout is short (the SDK keeps a longer step's task alive).
      workflowTaskTimeout: T.BACKING_INDEX_WORKFLOW_TASK_TIMEOUT_MS,
      // Set with the start, so the Web UI lists the index under its data stream from its first moment.
      typedSearchAttributes: [
        { key: DATA_STREAM_SEARCH_ATTRIBUTE, value: dataStream },
        { key: BACKING_INDEX_SEARCH_ATTRIBUTE, value: sourceIndex },
        { key: REINDEX_STATE_SEARCH_ATTRIBUTE, value: REINDEX_STATES.RUNNING },
      ],
    });
    this.started.set(sourceIndex, handle);
    try {
      // A pause or resume with `now`, or a permit, between the start command and the child's start
      // reached no one.
      const pausedNow = state.paused?.now === true;
      if (pausedNow !== startedPaused) {
        await handle.signal(pausedNow ? pauseCopySignal : resumeCopySignal).catch(() => undefined);
      }
      if (!permitted && state.holdsCopyPermit(sourceIndex)) await this.permitCopy(sourceIndex);
      if (prepareAfter !== undefined && !state.preparationHeld(sourceIndex)) {
        await this.allowPreparation(sourceIndex);
      }
      await handle.result();
    } finally {
      this.started.delete(sourceIndex);
    }
  }
}
