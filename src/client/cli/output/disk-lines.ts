import { bytes } from './numbers';
import { renderTable } from './table';
import type { DiskPlan } from '../../../elasticsearch/disk-plan';
import type { DiskVerdict, WatermarkSetting } from '../../../shared/disk-watermarks';

const VERDICT_WORDS: Record<DiskVerdict, string> = {
  below_low: 'fits below low watermark',
  below_high: 'fits below high watermark',
  below_flood_stage: 'passes high watermark',
  past_flood_stage: 'WOULD PASS FLOOD STAGE',
};

function watermark(setting: WatermarkSetting): string {
  const headroom = setting.value.trim().endsWith('%') && setting.max_headroom !== '-1';
  return `${setting.value}${headroom ? ` (max headroom ${setting.max_headroom})` : ''}, ${setting.source}`;
}

/** The disk part of a plan: the watermarks in force, then one row per node holding shards to copy. */
export function diskPlanLines(disk: DiskPlan): string[] {
  if (disk.unknown_reason !== undefined) return [`Disk         unknown: ${disk.unknown_reason}`];
  const marks = disk.watermarks;
  const lines = [
    `Disk         watermarks low ${watermark(marks.low)}; high ${watermark(marks.high)}; ` +
      `flood stage ${watermark(marks.flood_stage)}` +
      (disk.enforced ? '' : ' (NOT ENFORCED: cluster.routing.allocation.disk.threshold_enabled is false)'),
  ];
  if (disk.nodes.length === 0) return [...lines, '             no node holds shards of an index to copy'];
  lines.push(
    renderTable(
      [
        'node',
        'available',
        'low needs free',
        'high needs free',
        'flood needs free',
        'copies',
        'extra at once',
        'verdict',
      ],
      disk.nodes.map((node) => [
        node.node,
        bytes(node.available_bytes),
        bytes(node.free_bytes_required.low),
        bytes(node.free_bytes_required.high),
        bytes(node.free_bytes_required.flood_stage),
        String(node.copies),
        bytes(node.extra_bytes_at_once),
        VERDICT_WORDS[node.verdict] + (disk.enforced ? '' : ' (not enforced)'),
      ]),
    ),
    `Extra at once: the ${disk.concurrency} largest copies with shards on the node, each as large as the source's shard copies there.`,
  );
  if (disk.enforced && disk.past_flood_stage.length > 0) {
    lines.push('start refuses this upgrade unless --allow-disk-risk is given.');
  }
  return lines;
}
