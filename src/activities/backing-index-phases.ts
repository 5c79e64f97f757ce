import type { ActivityDependencies } from './dependencies';
import { createDestinationIndexActivities } from './destination-index-activities';
import type { SourceFacts } from './source-facts';
import { createSourceIndexActivities } from './source-index-activities';
import { createSwapActivities } from './swap-activities';

export interface PhaseInput {
  sourceIndex: string;
  destinationIndex: string;
  facts: SourceFacts;
}

/**
 * The steps of one backing index grouped into the phases that always run together, each phase one local
 * activity: a chain of idempotent steps is idempotent, so a retried phase simply runs its steps again.
 * Fewer activities, fewer round trips between the worker and its workflow code; the steps and their order
 * are Elasticsearch's (docs/ELASTICSEARCH-BEHAVIOUR.md, section 4), and each is still its own function.
 */
export function createBackingIndexPhases(deps: ActivityDependencies) {
  const source = createSourceIndexActivities(deps);
  const destination = createDestinationIndexActivities(deps);
  const swap = createSwapActivities(deps);

  return {
    /**
     * Before the copy: open the source and lift the blocks that would stop it (only when it has any),
     * block its writes and refresh, remove a stale destination, and create the new one.
     */
    async prepareCopy({ sourceIndex, destinationIndex, facts }: PhaseInput): Promise<void> {
      if (facts.closed || facts.blocks.metadata || facts.blocks.read_only) {
        await source.openSourceAndClearBlocks({ index: sourceIndex, closed: facts.closed });
      }
      await source.blockSourceWrites(sourceIndex);
      await destination.deleteStaleDestination(destinationIndex);
      await destination.ensureMissingTimestampPipeline();
      await destination.createDestination({ sourceIndex, destinationIndex });
    },

    /**
     * After the copy, before the swap: verify the counts, restore replicas and refresh interval and keep
     * ILM's age, wait for the health the source had, and close the new index if the source was closed.
     * Returns the number of documents.
     */
    async finishCopy({ sourceIndex, destinationIndex, facts }: PhaseInput): Promise<number> {
      const documents = await destination.verifyDocumentCount({ sourceIndex, destinationIndex });
      await destination.restoreDestinationSettings({
        destinationIndex,
        numberOfReplicas: facts.numberOfReplicas,
        refreshInterval: facts.refreshInterval,
        lifecycleOriginationDate: facts.lifecycleOriginationDate ?? facts.creationDate,
      });
      await destination.waitForDestinationHealth({ destinationIndex, sourceHealth: facts.health });
      if (facts.closed) await destination.closeDestination(destinationIndex);
      return documents;
    },

    /** After the swap: the source's lifecycle policy on the new index, then the old index deleted. */
    async retireSource({ sourceIndex, destinationIndex, facts }: PhaseInput): Promise<void> {
      if (facts.lifecycleName !== null) {
        await swap.setLifecycleName({ destinationIndex, lifecycleName: facts.lifecycleName });
      }
      await swap.deleteSourceIndex(sourceIndex);
    },
  };
}
