import {
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';

/**
 * Copy permits between a data stream's upgrade and its backing indices' workflows (issue 25): at most
 * `migrate.max_concurrent_indices_reindexed_per_data_stream` copies run at once, while other indices
 * prepare and finish around them.
 */

/** Whether an index workflow may copy at once, or waits for `copyPermitSignal` after preparing. */
export type CopyPermit = 'granted' | 'awaited';

/** From the data stream's upgrade: this index may copy now. Idempotent. */
export const copyPermitSignal = defineSignal('copyPermit');

/** To the data stream's upgrade: the copy of this backing index has ended; its permit is free. */
export const indexCopyEndedSignal = defineSignal<[string]>('indexCopyEnded');

/** An index workflow's side of the permits: wait for one before copying, give it back when done. */
export interface CopyTurn {
  /** Resolves once the permit is held (at once when it came with the start). */
  wait(step: (name: string) => void): Promise<void>;
  /**
   * Tells the upgrade the copy has ended and waits until it was told, so the next copy starts while this
   * index finishes (a signal leaves only when the workflow task ends).
   */
  ended(sourceIndex: string): Promise<void>;
}

/** `permit` as the index's start gave it; absent (a standalone index) means no permits: copy at once. */
export function copyTurn(permit: CopyPermit | undefined): CopyTurn {
  let held = permit !== 'awaited';
  setHandler(copyPermitSignal, () => {
    held = true;
  });
  return {
    async wait(step) {
      if (held) return;
      step('prepared: copies when the copy before it ends');
      await condition(() => held);
    },
    async ended(sourceIndex) {
      const parent = workflowInfo().parent;
      if (permit === undefined || parent === undefined) return;
      try {
        await getExternalWorkflowHandle(parent.workflowId).signal(indexCopyEndedSignal, sourceIndex);
      } catch (err) {
        // A parent that has closed is cancelling this index anyway; a cancel of this index goes on.
        if (isCancellation(err)) throw err;
      }
    },
  };
}
