import {
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { localElasticsearchSteps } from './activity-stubs';
import type { ReindexBackingIndexInput } from './definitions';
import { WORKFLOW_TUNABLES as T } from './tunables';
import type { CopyDocumentsInput, QuickCopyResult } from '../activities/copy-documents-activity';
import type { SourceFacts } from '../activities/source-facts';

/**
 * Copy permits between a data stream's upgrade and its backing indices' workflows (issue 25): at most
 * `migrate.max_concurrent_indices_reindexed_per_data_stream` copies run at once, while other indices
 * prepare and finish around them.
 */

/** What the Web UI shows of an index prepared ahead, until its copy starts. */
const WAITING_FOR_TURN = 'prepared: copies when the copy before it ends';

/** Whether an index workflow may copy at once, or waits for `copyPermitSignal` after preparing. */
export type CopyPermit = 'granted' | 'awaited';

/** From the data stream's upgrade: this index may copy now. Idempotent. */
export const copyPermitSignal = defineSignal('copyPermit');

/**
 * From the data stream's upgrade: this index, started before its turn to prepare, may prepare now, with its
 * source's facts as read just before (the ones its start carried may be a long copy old), or `null` when
 * they could not be read. Idempotent.
 */
export const preparationTurnSignal = defineSignal<[SourceFacts | null]>('preparationTurn');

/** What the Web UI shows of an index started before its turn to prepare, until it blocks writes. */
const WAITING_TO_PREPARE = 'started: blocks writes once the copy before the index ahead has ended';

/** To the data stream's upgrade: the copy of this backing index has ended; its permit is free. */
export const indexCopyEndedSignal = defineSignal<[string]>('indexCopyEnded');

/** An index workflow's side of the permits: wait for one before copying, give it back when done. */
export interface CopyTurn {
  /** Resolves once the permit is held (at once when it came with the start). */
  wait(step: (name: string) => void): Promise<void>;
  /** The copy this index may follow without its permit: while it waits for one, at concurrency 1. */
  follows(): ReindexBackingIndexInput['copyAfter'];
  /** It followed that copy: its permit is on the way, and it copies now. */
  followed(): void;
  /**
   * Tells the upgrade the copy has ended and waits until it was told, so the next copy starts while this
   * index finishes (a signal leaves only when the workflow task ends).
   */
  ended(sourceIndex: string): Promise<void>;
}

/**
 * The permit as the index's start gave it; absent (a standalone index) means no permits: copy at once.
 * With `copyAfter` (concurrency 1), the index may also follow the copy before it in Elasticsearch (see
 * `quickCopyInTurn`).
 */
export function copyTurn(input: Pick<ReindexBackingIndexInput, 'copyPermit' | 'copyAfter'>): CopyTurn {
  const permit = input.copyPermit;
  let held = permit !== 'awaited';
  setHandler(copyPermitSignal, () => {
    held = true;
  });
  return {
    async wait(step) {
      if (held) return;
      step(WAITING_FOR_TURN);
      await condition(() => held);
    },
    follows() {
      return held ? undefined : input.copyAfter;
    },
    followed() {
      held = true;
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

/**
 * The quick copy, in this index's turn. At concurrency 1 an index prepared ahead first asks the quick copy
 * to follow the copy before it: when that one ends (succeeded) within `QUICK_COPY_WAIT_MS`, the permit can
 * only come here next, so this copy starts the moment the other ends, not a round trip through the upgrade
 * later, and the node does not idle between them. Otherwise (or paused) it waits for its permit first.
 */
export async function quickCopyInTurn(
  turn: CopyTurn,
  paused: () => boolean,
  input: CopyDocumentsInput,
  step: (name: string) => void,
): Promise<QuickCopyResult> {
  const quickCopy = (after?: CopyDocumentsInput) =>
    localElasticsearchSteps.copyDocumentsQuickly({
      ...input,
      waitMs: T.QUICK_COPY_WAIT_MS,
      ...(after !== undefined ? { after } : {}),
    });
  const before = turn.follows();
  if (before !== undefined && !paused()) {
    step(WAITING_FOR_TURN);
    const followed = await quickCopy({ dataStream: input.dataStream, ...before });
    if (followed.finished || followed.turnNotYet !== true) {
      turn.followed();
      step('copying documents');
      return followed;
    }
  }
  await turn.wait(step);
  step('copying documents');
  return paused() ? { finished: false } : quickCopy();
}

/**
 * The facts of the source to prepare with, once it is this index's turn to prepare: at once, with those its
 * start carried, unless it started before its turn (`prepareAfter`, at concurrency 1). Then it waits until
 * the copy two ahead of it has ended: seen in Elasticsearch by a quick wait (`QUICK_COPY_WAIT_MS`), as a
 * follower sees the copy ahead, with its start's facts (read at most that wait before); or told by the
 * upgrade (`preparationTurnSignal`), with facts read as it tells, when that copy is longer. So its write
 * block comes exactly when it would have had the upgrade started it then, without the round trip. The
 * upgrade tells no index while paused; one started paused with `now` waits to be told.
 */
export async function preparationTurn(
  input: Pick<ReindexBackingIndexInput, 'dataStream' | 'prepareAfter' | 'facts'>,
  paused: () => boolean,
  step: (name: string) => void,
): Promise<SourceFacts> {
  const after = input.prepareAfter;
  if (after === undefined) return input.facts;
  let told: SourceFacts | undefined;
  setHandler(preparationTurnSignal, (facts) => {
    told ??= facts ?? input.facts;
  });
  step(WAITING_TO_PREPARE);
  if (!paused()) {
    const ended = await localElasticsearchSteps.awaitCopyEnd({
      before: { dataStream: input.dataStream, ...after },
      waitMs: T.QUICK_COPY_WAIT_MS,
    });
    if (ended && told === undefined) return input.facts;
  }
  await condition(() => told !== undefined);
  return told ?? input.facts;
}
