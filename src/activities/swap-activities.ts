import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDependencies } from './dependencies';
import { elasticsearchStep, FAILURE_TYPES } from './failures';
import type { SourceFacts } from './source-facts';
import { restoreSourceAsItWas } from './source-index-activities';
import { DataStreamNotFoundError, getBackingIndexNames } from '../elasticsearch/data-streams';
import { deleteIndexIfExists } from '../elasticsearch/index-deletion';
import { stopCopiesInto } from '../elasticsearch/reindex-task';

export interface SwapInput {
  dataStream: string;
  sourceIndex: string;
  destinationIndex: string;
}

/** How a failed or cancelled index was left: put back as it was, or finished because the swap had happened. */
export type RollbackOutcome = 'restored-source' | 'completed-after-swap';

export function createSwapActivities({ es }: ActivityDependencies) {
  const deleteIfExists = (index: string) => deleteIndexIfExists(es, index);

  return {
    /**
     * Replaces the source with the destination in one atomic `_modify` (docs/ELASTICSEARCH-BEHAVIOUR.md,
     * section 4, step 11). Idempotent: when the destination is already in and the source out, an earlier
     * attempt did it.
     */
    async swapBackingIndex(input: SwapInput): Promise<void> {
      await elasticsearchStep(async () => {
        const indices = await getBackingIndexNames(es, input.dataStream);
        const hasSource = indices.includes(input.sourceIndex);
        const hasDestination = indices.includes(input.destinationIndex);
        if (hasDestination && !hasSource) return;
        if (!hasSource) {
          throw ApplicationFailure.nonRetryable(
            `index [${input.sourceIndex}] is no longer a backing index of data stream [${input.dataStream}]`,
            FAILURE_TYPES.UNEXPECTED_STATE,
          );
        }
        await es.indices.modifyDataStream({
          actions: [
            { remove_backing_index: { data_stream: input.dataStream, index: input.sourceIndex } },
            { add_backing_index: { data_stream: input.dataStream, index: input.destinationIndex } },
          ],
        });
      }, input.sourceIndex);
    },

    /** Puts the source's lifecycle policy on the new index once it is in the data stream (same section, step 12). */
    async setLifecycleName(input: { destinationIndex: string; lifecycleName: string }): Promise<void> {
      await elasticsearchStep(() =>
        es.indices.putSettings({
          index: input.destinationIndex,
          settings: { 'index.lifecycle.name': input.lifecycleName },
        }),
      );
    },

    /** Deletes the old index, which is out of the data stream by now. Missing already counts as done. */
    async deleteSourceIndex(sourceIndex: string): Promise<void> {
      await elasticsearchStep(() => deleteIfExists(sourceIndex));
    },

    /**
     * Leaves nothing half-done after a failure or a cancel. If the swap had happened, finishes the job
     * (lifecycle name, delete the old index). Otherwise deletes the partial destination and gives the
     * source back its original blocks and open/closed state, so it is exactly as before.
     */
    async rollBackIndexUpgrade(input: SwapInput & { facts: SourceFacts }): Promise<RollbackOutcome> {
      return elasticsearchStep(async () => {
        let indices: string[] = [];
        try {
          indices = await getBackingIndexNames(es, input.dataStream);
        } catch (err) {
          if (!(err instanceof DataStreamNotFoundError)) throw err;
        }
        if (indices.includes(input.destinationIndex) && !indices.includes(input.sourceIndex)) {
          if (input.facts.lifecycleName !== null) {
            await es.indices.putSettings({
              index: input.destinationIndex,
              settings: { 'index.lifecycle.name': input.facts.lifecycleName },
            });
          }
          await deleteIfExists(input.sourceIndex);
          return 'completed-after-swap';
        }
        if (!indices.includes(input.destinationIndex)) {
          // A copy still writing would create the destination again after the delete.
          await stopCopiesInto(es, input.destinationIndex);
          await deleteIfExists(input.destinationIndex);
        }
        await restoreSourceAsItWas(es, input.sourceIndex, input.facts);
        return 'restored-source';
      });
    },
  };
}
