import type { Client } from '@elastic/elasticsearch';
import { ElasticsearchApiError } from './api-error';
import type { DataStreamInspection } from '../../elasticsearch/data-stream-inspection';
import { planDisk, type DiskPlan } from '../../elasticsearch/disk-plan';
import { readMigrateSettings } from '../../elasticsearch/migrate-settings-store';

/** The disk plan of one data stream's upgrade: its indices to copy, at its per-data-stream concurrency. */
export async function dataStreamDiskPlan(es: Client, inspection: DataStreamInspection): Promise<DiskPlan> {
  const { maxConcurrentIndices } = await readMigrateSettings(es);
  const toCopy = inspection.backing_indices
    .filter((entry) => entry.needs_upgrade)
    .map((entry) => entry.index);
  return planDisk(es, toCopy, maxConcurrentIndices);
}

/**
 * A start whose plan would pass the flood stage on a node is refused, unless the caller takes the risk:
 * there, Elasticsearch would put `index.blocks.read_only_allow_delete` on every index with a shard on that
 * node, the live write index included. When Elasticsearch enforces no watermark (`threshold_enabled`
 * false), nothing blocks writes, so nothing is refused.
 */
export function refuseDiskRisk(plan: DiskPlan, subject: string, allowDiskRisk: boolean): void {
  if (allowDiskRisk || !plan.enforced || plan.past_flood_stage.length === 0) return;
  const nodes = plan.nodes
    .filter((node) => node.verdict === 'past_flood_stage')
    .map(
      (node) =>
        `[${node.node}] needs up to ${node.extra_bytes_at_once} bytes at once with ${node.available_bytes} bytes ` +
        `available and ${node.free_bytes_required.flood_stage} bytes required free by the flood-stage watermark`,
    );
  throw new ElasticsearchApiError(
    409,
    'status_exception',
    `the upgrade of ${subject} would pass the flood-stage disk watermark at concurrency ${plan.concurrency}: ` +
      `${nodes.join('; ')}. Free disk space, lower the concurrency, or start with allow_disk_risk=true ` +
      '(--allow-disk-risk) to take the risk',
    { nodes: plan.past_flood_stage },
  );
}
