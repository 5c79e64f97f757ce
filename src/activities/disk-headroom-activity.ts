import type { ActivityDependencies } from './dependencies';
import { elasticsearchStep } from './failures';
import { readShardCopies } from '../elasticsearch/disk-facts';
import { extraBytesByIndexAndNode, readDiskFacts } from '../elasticsearch/disk-plan';
import { fitsBelowHigh, freeBytesRequiredByLevel } from '../shared/disk-watermarks';

export interface DiskHeadroomInput {
  /** The backing index about to start. */
  index: string;
  /** The data stream's indices being copied now: what their copies may still write is reserved. */
  inFlight: string[];
}

/** Whether the index may start now; when not, why, in words for the status. */
export type DiskHeadroom = { fits: true } | { fits: false; reason: string };

export function createDiskHeadroomActivities({ es }: ActivityDependencies) {
  return {
    /**
     * Before a backing index starts: on each node holding its shards, would its copy (as large as the
     * source's shard copies there) plus the copies already running there (counted whole, as if they had
     * written nothing yet: the safe side) take the free disk below the high watermark? Then it waits.
     * When `threshold_enabled` is false Elasticsearch enforces no watermark, and nothing waits.
     */
    async checkDiskHeadroom({ index, inFlight }: DiskHeadroomInput): Promise<DiskHeadroom> {
      const facts = await elasticsearchStep(() => readDiskFacts(es));
      // No disk figures (a look-alike cluster), or no watermark enforced: nothing to wait for.
      if ('unknown' in facts || !facts.settings.threshold_enabled) return { fits: true };
      const { settings, disks } = facts;
      const copies = await elasticsearchStep(() => readShardCopies(es, [index, ...inFlight]));
      const extras = extraBytesByIndexAndNode(copies);
      for (const [nodeId, bytes] of extras.get(index) ?? new Map<string, number>()) {
        const disk = disks.get(nodeId);
        if (disk === undefined) continue;
        const reserved = inFlight.reduce((sum, other) => sum + (extras.get(other)?.get(nodeId) ?? 0), 0);
        const required = freeBytesRequiredByLevel(settings.watermarks, disk.total_bytes);
        if (!fitsBelowHigh(disk.available_bytes, reserved, bytes, required)) {
          return {
            fits: false,
            reason:
              `disk: copying [${index}] needs about ${bytes} bytes on node [${disk.node}], which has ` +
              `${disk.available_bytes} bytes available, ${reserved} reserved for the copies running there, ` +
              `and must keep ${required.high} bytes free (high watermark ${settings.watermarks.high.value}); ` +
              'it starts once that fits',
          };
        }
      }
      return { fits: true };
    },
  };
}
