import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDependencies } from './dependencies';
import { destinationSettingsForCopy } from './destination-settings';
import { elasticsearchStep, FAILURE_TYPES } from './failures';
import type { HealthStatus } from './source-facts';
import { dataStreamOfIndex } from '../elasticsearch/data-streams';
import { errorTypeOf } from '../elasticsearch/errors';
import { ensureMissingTimestampPipeline } from '../elasticsearch/missing-timestamp-pipeline';
import { deleteIndexIfExists } from '../elasticsearch/index-deletion';
import { awaitIndexHealth } from '../elasticsearch/index-health';
import { stopCopiesInto } from '../elasticsearch/reindex-task';

type Elasticsearch = ActivityDependencies['es'];

/** Creates the destination with the source's settings (as the copy needs them) and mappings. */
export async function createDestinationLike(
  es: Elasticsearch,
  input: { sourceIndex: string; destinationIndex: string },
): Promise<void> {
  const [settingsResponse, mappingResponse] = await Promise.all([
    es.indices.getSettings({ index: input.sourceIndex, flat_settings: true, expand_wildcards: 'all' }),
    es.indices.getMapping({ index: input.sourceIndex, expand_wildcards: 'all' }),
  ]);
  const sourceSettings = (settingsResponse[input.sourceIndex]?.settings ?? {}) as Record<string, unknown>;
  const mappings = mappingResponse[input.sourceIndex]?.mappings ?? {};
  try {
    await es.indices.create({
      index: input.destinationIndex,
      settings: destinationSettingsForCopy(sourceSettings),
      mappings,
    });
  } catch (err) {
    if (errorTypeOf(err) !== 'resource_already_exists_exception') throw err;
  }
}

/** Both indices' document counts, after a refresh so that every copied document counts. */
async function refreshedCounts(
  es: Elasticsearch,
  input: { sourceIndex: string; destinationIndex: string },
): Promise<{ source: number; destination: number }> {
  await es.indices.refresh({ index: `${input.sourceIndex},${input.destinationIndex}` });
  const [source, destination] = await Promise.all([
    es.count({ index: input.sourceIndex }),
    es.count({ index: input.destinationIndex }),
  ]);
  return { source: source.count, destination: destination.count };
}

export function createDestinationIndexActivities({ es, worker }: ActivityDependencies) {
  return {
    /**
     * Deletes a destination left by an earlier try, so the copy starts clean, first stopping any copy that
     * try left writing into it. Refuses to delete an index that already backs a data stream: that is
     * someone's data, not a leftover.
     */
    async deleteStaleDestination(destinationIndex: string): Promise<boolean> {
      return elasticsearchStep(async () => {
        const found = await dataStreamOfIndex(es, destinationIndex);
        if (!found.exists) return false;
        if (found.dataStream !== undefined) {
          throw ApplicationFailure.nonRetryable(
            `destination index [${destinationIndex}] already exists and backs data stream [${found.dataStream}]`,
            FAILURE_TYPES.UNEXPECTED_STATE,
          );
        }
        await stopCopiesInto(es, destinationIndex);
        await deleteIndexIfExists(es, destinationIndex);
        return true;
      });
    },

    /**
     * The pipeline that gives a document without `@timestamp` the value 0 (a data stream requires one).
     * Put once per worker process; the copy puts it again if it was deleted since.
     */
    async ensureMissingTimestampPipeline(): Promise<void> {
      await elasticsearchStep(() => ensureMissingTimestampPipeline(es));
    },

    /**
     * Creates the destination with the source's settings and mappings (docs/ELASTICSEARCH-BEHAVIOUR.md, section 4, step 6), no replicas
     * and no refresh during the copy. Idempotent: an index this step already created is accepted.
     */
    async createDestination(input: { sourceIndex: string; destinationIndex: string }): Promise<void> {
      await elasticsearchStep(() => createDestinationLike(es, input), input.sourceIndex);
    },

    /**
     * Refreshes both indices and compares document counts. A mismatch stops the index before the swap:
     * the source is still in the data stream, untouched but for its write block.
     */
    async verifyDocumentCount(input: { sourceIndex: string; destinationIndex: string }): Promise<number> {
      const counts = await elasticsearchStep(() => refreshedCounts(es, input), input.sourceIndex);
      if (counts.source !== counts.destination) {
        throw ApplicationFailure.nonRetryable(
          `document count mismatch: source index [${input.sourceIndex}] has ${counts.source} documents, ` +
            `destination index [${input.destinationIndex}] has ${counts.destination}`,
          FAILURE_TYPES.DOCUMENT_COUNT_MISMATCH,
        );
      }
      return counts.source;
    },

    /**
     * Puts back the source's replicas and refresh interval (its explicit value, or the default), and keeps
     * ILM's age by dating the new index from the old one's creation (docs/ELASTICSEARCH-BEHAVIOUR.md, section 4, steps 8 and 9).
     */
    async restoreDestinationSettings(input: {
      destinationIndex: string;
      numberOfReplicas: string | null;
      refreshInterval: string | null;
      lifecycleOriginationDate: string;
    }): Promise<void> {
      await elasticsearchStep(() =>
        es.indices.putSettings({
          index: input.destinationIndex,
          settings: {
            'index.number_of_replicas': input.numberOfReplicas,
            'index.refresh_interval': input.refreshInterval,
            'index.lifecycle.origination_date': input.lifecycleOriginationDate,
          },
        }),
      );
    },

    /**
     * Waits until the destination is as healthy as the source was (its replicas allocated), so that the
     * old copy is never deleted while the new one has fewer copies of the data. Retried until it is.
     */
    async waitForDestinationHealth(input: {
      destinationIndex: string;
      sourceHealth: HealthStatus;
    }): Promise<void> {
      const waitFor = input.sourceHealth === 'green' ? 'green' : 'yellow';
      const health = await elasticsearchStep(() =>
        awaitIndexHealth(es, input.destinationIndex, waitFor, worker.healthWaitTimeoutMs),
      );
      if (!health.reached) {
        throw ApplicationFailure.retryable(
          `destination index [${input.destinationIndex}] is ${health.status}, waiting for ${waitFor}`,
          FAILURE_TYPES.DESTINATION_NOT_HEALTHY,
        );
      }
    },

    /** Closes the destination when the source was closed, so the upgrade keeps it as it was. */
    async closeDestination(destinationIndex: string): Promise<void> {
      await elasticsearchStep(() => es.indices.close({ index: destinationIndex }));
    },
  };
}
