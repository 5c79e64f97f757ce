import type { ActivityDependencies } from './dependencies';
import { elasticsearchStep } from './failures';
import { inspectDataStream } from '../elasticsearch/data-stream-inspection';
import { getBackingIndexNames } from '../elasticsearch/data-streams';
import { readMigrateSettings } from '../elasticsearch/migrate-settings-store';
import { PRIVILEGE_SAMPLE_PER_DATA_STREAM, sampleNames } from '../shared/privileges';
import type { MigrateSettings } from '../shared/migrate-settings';
import { upgradedByRun } from '../shared/upgrade-predicate';
import { requireWorkerPrivileges } from './privilege-check';

/** What the data-stream workflow needs to plan a run; names only, so it stays small in history. */
export interface UpgradePlan {
  totalIndicesInDataStream: number;
  writeIndex: string;
  writeIndexNeedsUpgrade: boolean;
  /** Oldest first; includes the current write index when it needs upgrading. */
  indicesToUpgrade: string[];
}

export interface RolloverResult {
  writeIndex: string;
  totalIndicesInDataStream: number;
}

export function createDataStreamActivities({ es }: ActivityDependencies) {
  return {
    /**
     * Reads the data stream and decides which backing indices need upgrading, then checks that the
     * worker's credentials hold every privilege that takes: a missing one fails the run here, before the
     * rollover or anything else changes. Changes nothing. With `reindexReadOnly` (a cluster run's
     * `--reindex-read-only`), old indices marked read-only are upgraded too.
     */
    async planUpgrade(dataStream: string, options?: { reindexReadOnly?: boolean }): Promise<UpgradePlan> {
      const inspection = await elasticsearchStep(() => inspectDataStream(es, dataStream));
      const upgraded = (entry: (typeof inspection.backing_indices)[number]): boolean =>
        upgradedByRun(entry, options?.reindexReadOnly === true);
      const write = inspection.backing_indices.find((entry) => entry.write_index);
      const indicesToUpgrade = inspection.backing_indices.filter(upgraded).map((entry) => entry.index);
      if (indicesToUpgrade.length > 0) {
        await elasticsearchStep(() =>
          requireWorkerPrivileges(es, {
            dataStreams: [dataStream],
            backingIndices: sampleNames(indicesToUpgrade, PRIVILEGE_SAMPLE_PER_DATA_STREAM),
          }),
        );
      }
      return {
        totalIndicesInDataStream: inspection.backing_indices.length,
        writeIndex: inspection.write_index,
        writeIndexNeedsUpgrade: write !== undefined && upgraded(write),
        indicesToUpgrade,
      };
    },

    /**
     * Rolls the data stream over so that its old write index can be blocked. Idempotent: when the
     * write index is no longer `expectedWriteIndex`, an earlier attempt already rolled over.
     */
    async rolloverDataStream(input: {
      dataStream: string;
      expectedWriteIndex: string;
    }): Promise<RolloverResult> {
      return elasticsearchStep(async () => {
        const before = await getBackingIndexNames(es, input.dataStream);
        if (before[before.length - 1] === input.expectedWriteIndex) {
          await es.indices.rollover({ alias: input.dataStream });
        }
        const after = await getBackingIndexNames(es, input.dataStream);
        return {
          writeIndex: after[after.length - 1] ?? '',
          totalIndicesInDataStream: after.length,
        };
      });
    },

    /** The effective `migrate.*` settings, read from the cluster. */
    async readMigrateSettings(): Promise<MigrateSettings> {
      return elasticsearchStep(() => readMigrateSettings(es));
    },
  };
}
