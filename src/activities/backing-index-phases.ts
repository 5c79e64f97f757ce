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
 * Whether `destinationIndex` exists and which data stream it backs, with its documents when it backs
 * `dataStream`: the destination's name is this upgrade's own, so backing the data stream, it was swapped
 * in already.
 */
async function documentsIfSwapped(
  es: ActivityDependencies['es'],
  dataStream: string,
  destinationIndex: string,
): Promise<{ exists: boolean; dataStream?: string; documents: number }> {
  const found = await elasticsearchStep(() => dataStreamOfIndex(es, destinationIndex));
  if (found.dataStream !== dataStream) return { ...found, documents: 0 };
  const { count } = await elasticsearchStep(() => es.count({ index: destinationIndex }));
  return { ...found, documents: count };
}

/**
 * `finishCopy` run again past the swap and the delete: the phases of a workflow task that did not
 * complete run again (a signal that comes as the index's workflow completes makes the server refuse the
 * completion), and the source is gone. The phase was done before the swap: the new index's documents, and
 * only the last phases are left. Anything else is `err` again.
 */
async function documentsIfRunAgainPastSwap(
  es: ActivityDependencies['es'],
  err: unknown,
  { dataStream, destinationIndex, standalone }: Omit<PhaseInput, 'sourceIndex' | 'facts'>,
): Promise<number> {
  const sourceGone = err instanceof ApplicationFailure && err.type === FAILURE_TYPES.SOURCE_INDEX_MISSING;
  // A standalone index's old name is the new index's alias once switched: its source is never gone.
  if (!sourceGone || standalone === true) throw err;
  const swapped = await documentsIfSwapped(es, dataStream, destinationIndex);
  if (swapped.dataStream !== dataStream) throw err;
  return swapped.documents;
}

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
      const swapped = await documentsIfSwapped(deps.es, dataStream, destinationIndex);
      if (swapped.dataStream === dataStream) return { alreadySwapped: true, documents: swapped.documents };
      if (facts.closed || facts.blocks.metadata || facts.blocks.read_only) {
        await source.openSourceAndClearBlocks({ index: sourceIndex, closed: facts.closed });
      }
      await source.blockSourceWrites(sourceIndex);
      // Only a destination that exists can be stale (it is created only after this).
      if (swapped.exists) await destination.deleteStaleDestination(destinationIndex);
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
      let documents: number;
      try {
        documents = await destination.verifyDocumentCount({ sourceIndex, destinationIndex });
      } catch (err) {
        return documentsIfRunAgainPastSwap(deps.es, err, { dataStream, destinationIndex, standalone });
      }
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
