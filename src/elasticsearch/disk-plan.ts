import type { Client } from '@elastic/elasticsearch';
import {
  diskVerdict,
  freeBytesRequiredByLevel,
  largestAtOnce,
  type DiskVerdict,
  type FreeBytesRequired,
  type WatermarkSettings,
} from '../shared/disk-watermarks';
import {
  DiskFactsUnavailableError,
  readDiskSettings,
  readNodeDisks,
  readShardCopies,
  type DiskSettings,
  type NodeDiskFacts,
  type ShardCopyFacts,
} from './disk-facts';

/** One node that holds shards of indices to copy: its disk, the watermarks as free bytes, and the verdict. */
export interface NodeDiskPlan {
  node_id: string;
  node: string;
  total_bytes: number;
  available_bytes: number;
  /** Free bytes each watermark requires on this node. */
  free_bytes_required: FreeBytesRequired;
  /** Indices to copy with a shard copy (primary or replica) on this node. */
  copies: number;
  /** The most extra space the copies take here at once: the sum of the largest `concurrency`. */
  extra_bytes_at_once: number;
  /** Where the node's free disk ends up with that much more written. */
  verdict: DiskVerdict;
}

export interface DiskPlan {
  /** False when `threshold_enabled` is false: the verdicts are computed, but Elasticsearch enforces none. */
  enforced: boolean;
  /** Copies at once that the extra space assumes. */
  concurrency: number;
  watermarks: WatermarkSettings;
  nodes: NodeDiskPlan[];
  /** The nodes whose verdict is `past_flood_stage`, enforced or not. */
  past_flood_stage: string[];
  /** Set when the cluster gave no disk figures: why. Then there are no nodes, and nothing is refused. */
  unknown_reason?: string;
}

/**
 * The extra space each index's copy needs on each node. The estimate: the destination takes the source's
 * shard count and replicas, and its copies are assumed to land on the nodes holding the source's copies,
 * so on each node it needs what the source's shard copies there hold: its primary size × (1 + replicas),
 * spread as the source is. A copy may come out somewhat smaller (no deleted documents, merged segments)
 * or land elsewhere; the source's placement is the best guess before the destination exists.
 */
export function extraBytesByIndexAndNode(
  copies: readonly ShardCopyFacts[],
): Map<string, Map<string, number>> {
  const byIndex = new Map<string, Map<string, number>>();
  for (const copy of copies) {
    const nodes = byIndex.get(copy.index) ?? new Map<string, number>();
    nodes.set(copy.node_id, (nodes.get(copy.node_id) ?? 0) + copy.store_bytes);
    byIndex.set(copy.index, nodes);
  }
  return byIndex;
}

/** The disk plan from the facts read: one entry per node holding shards of the indices to copy. */
export function diskPlanOf(
  settings: DiskSettings,
  disks: ReadonlyMap<string, NodeDiskFacts>,
  copies: readonly ShardCopyFacts[],
  concurrency: number,
): DiskPlan {
  const extraPerNode = new Map<string, number[]>();
  for (const nodes of extraBytesByIndexAndNode(copies).values()) {
    for (const [nodeId, bytes] of nodes)
      extraPerNode.set(nodeId, [...(extraPerNode.get(nodeId) ?? []), bytes]);
  }
  const nodes = [...extraPerNode.entries()].flatMap(([nodeId, extras]): NodeDiskPlan[] => {
    const disk = disks.get(nodeId);
    if (disk === undefined) return [];
    const required = freeBytesRequiredByLevel(settings.watermarks, disk.total_bytes);
    const atOnce = largestAtOnce(extras, concurrency);
    return [
      {
        ...disk,
        free_bytes_required: required,
        copies: extras.length,
        extra_bytes_at_once: atOnce,
        verdict: diskVerdict(disk.available_bytes, atOnce, required),
      },
    ];
  });
  nodes.sort((a, b) => a.node.localeCompare(b.node));
  return {
    enforced: settings.threshold_enabled,
    concurrency,
    watermarks: settings.watermarks,
    nodes,
    past_flood_stage: nodes.filter((node) => node.verdict === 'past_flood_stage').map((node) => node.node),
  };
}

const UNKNOWN_WATERMARK = { value: 'unknown', max_headroom: '-1', source: 'default' } as const;

/** The watermarks and the nodes' disks, or why the cluster gives none. */
export async function readDiskFacts(
  es: Client,
): Promise<{ settings: DiskSettings; disks: Map<string, NodeDiskFacts> } | { unknown: string }> {
  try {
    const [settings, disks] = await Promise.all([readDiskSettings(es), readNodeDisks(es)]);
    return { settings, disks };
  } catch (err) {
    if (err instanceof DiskFactsUnavailableError) return { unknown: err.message };
    throw err;
  }
}

/** Reads the watermarks, the nodes' disks and where `indices` lie, and plans their copies' disk. */
export async function planDisk(
  es: Client,
  indices: readonly string[],
  concurrency: number,
): Promise<DiskPlan> {
  const facts = await readDiskFacts(es);
  if ('unknown' in facts) {
    return {
      enforced: false,
      concurrency,
      watermarks: { low: UNKNOWN_WATERMARK, high: UNKNOWN_WATERMARK, flood_stage: UNKNOWN_WATERMARK },
      nodes: [],
      past_flood_stage: [],
      unknown_reason: facts.unknown,
    };
  }
  const copies = indices.length === 0 ? [] : await readShardCopies(es, indices);
  return diskPlanOf(facts.settings, facts.disks, copies, concurrency);
}
