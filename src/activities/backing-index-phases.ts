import { ApplicationFailure, Context } from '@temporalio/activity';
import { CopyTaskRequests } from './copy-task-requests';
import type { ActivityDependencies } from './dependencies';
import { createDestinationIndexActivities } from './destination-index-activities';
import { elasticsearchStep, FAILURE_TYPES } from './failures';
import type { SourceFacts } from './source-facts';
import { createSourceIndexActivities } from './source-index-activities';
import { createSwapActivities } from './swap-activities';
import { dataStreamOfIndex } from '../elasticsearch/data-streams';
import { readMigrateSettings } from '../elasticsearch/migrate-settings-store';

export interface PhaseInput {
  /** `''` for a standalone index. */
  dataStream: string;
  sourceIndex: string;
  destinationIndex: string;
  facts: SourceFacts;
  /** A standalone index (see `CopyTarget.standalone`); absent for a backing index. */
  standalone?: true;
}

/**
 * What `prepareCopy` found: normally the destination ready for the copy; after a crash past the swap
 * (the phases of a workflow task that did not complete run again), the swap already done, and how many
 * documents the new index holds.
 */
export type PreparedCopy = { alreadySwapped: false } | { alreadySwapped: true; documents: number };

/**
 * The steps of one backing index grouped into the phases that always run together, each phase one local
 * activity: a chain of idempotent steps is idempotent, so a retried phase simply runs its steps again.
 * Fewer activities, fewer round trips between the worker and its workflow code; the steps and their order
 * are Elasticsearch's (docs/ELASTICSEARCH-BEHAVIOUR.md, section 4), and each is still its own function.
 */
export function createBackingIndexPhases(deps: ActivityDependencies) {
  const tasks = new CopyTaskRequests(deps);
  const source = createSourceIndexActivities(deps);
  const destination = createDestinationIndexActivities(deps);
  const swap = createSwapActivities(deps);

  return {
    /**
     * Read by the data-stream workflow as it starts an index's workflow: the source as it is before
     * anything changes it, and the concurrency setting, so that a change made on the cluster reaches an
     * upgrade whose copies are all quick (only the copy activity reads it otherwise).
     */
    async readSourceBeforeStart(
      sourceIndex: string,
    ): Promise<{ facts: SourceFacts; maxConcurrentIndices: number }> {
      const [facts, settings] = await Promise.all([
        source.readSourceFacts(sourceIndex),
        elasticsearchStep(() => readMigrateSettings(deps.es)),
      ]);
      return { facts, maxConcurrentIndices: settings.maxConcurrentIndices };
    },

    /**
     * Before the copy: open the source and lift the blocks that would stop it (only when it has any),
     * block its writes and refresh, remove a stale destination, and create the new one. Unless the swap is
     * done already (see `PreparedCopy`): then it changes nothing.
     */
    async prepareCopy({
      dataStream,
      sourceIndex,
      destinationIndex,
      facts,
    }: PhaseInput): Promise<PreparedCopy> {
      // The destination's name is this upgrade's own: backing the data stream, it was swapped in already.
      const found = await elasticsearchStep(() => dataStreamOfIndex(deps.es, destinationIndex));
      if (found.dataStream === dataStream) {
        const { count } = await elasticsearchStep(() => deps.es.count({ index: destinationIndex }));
        return { alreadySwapped: true, documents: count };
      }
      if (facts.closed || facts.blocks.metadata || facts.blocks.read_only) {
        await source.openSourceAndClearBlocks({ index: sourceIndex, closed: facts.closed });
      }
      await source.blockSourceWrites(sourceIndex);
      // Only a destination that exists can be stale (it is created only after this).
      if (found.exists) await destination.deleteStaleDestination(destinationIndex);
      await destination.ensureMissingTimestampPipeline();
      await destination.createDestination({ sourceIndex, destinationIndex });
      return { alreadySwapped: false };
    },

    /**
     * After the copy, before the swap: verify the counts, restore replicas and refresh interval and keep
     * ILM's age, wait for the health the source had, and close the new index if the source was closed.
     * Returns the number of documents.
     */
    async finishCopy({
      dataStream,
      sourceIndex,
      destinationIndex,
      facts,
      standalone,
    }: PhaseInput): Promise<number> {
      const documents = await destination.verifyDocumentCount({ sourceIndex, destinationIndex });
      await destination.restoreDestinationSettings({
        destinationIndex,
        numberOfReplicas: facts.numberOfReplicas,
        refreshInterval: facts.refreshInterval,
        lifecycleOriginationDate: facts.lifecycleOriginationDate ?? facts.creationDate,
      });
      try {
        await destination.waitForDestinationHealth({ destinationIndex, sourceHealth: facts.health });
      } catch (err) {
        if (err instanceof ApplicationFailure && err.type === FAILURE_TYPES.DESTINATION_NOT_HEALTHY) {
          await tasks.reportProgress(
            { dataStream, sourceIndex, destinationIndex, ...(standalone === true ? { standalone } : {}) },
            {
              totalDocCount: documents,
              reindexedDocCount: documents,
              waiting: {
                reason: `the new index is ${facts.health === 'green' ? 'not yet green' : 'not yet yellow'}, as the old one was: the old index is deleted only once it is (${err.message})`,
                since_millis: Context.current().info.scheduledTimestampMs,
              },
            },
          );
        }
        throw err;
      }
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
