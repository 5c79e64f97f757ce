import type { Client } from '@elastic/elasticsearch';

const REINDEX_ACTION = 'indices:data/write/reindex';
/** The cluster's nodes change rarely: their HTTP addresses are read again after this. */
const NODE_ADDRESSES_TTL_MS = 60_000;

/** A node's id and the `host:port` its HTTP layer publishes. */
interface NodeAddress {
  id: string;
  host: string;
}

// Keyed by the connection pool, which every child client of one worker client shares: the activities'
// clients are children (one per execution, for their X-Opaque-Id).
const addressCache = new WeakMap<object, { readAtMillis: number; nodes: NodeAddress[] }>();
/** Breaks ties between equally loaded nodes, so copies in turn go to each. */
let rotation = 0;
/**
 * A copy placed this recently may not show in the task list yet (its `_reindex` is still on its way, or
 * another copy read the list at the same moment): it counts for its node, so two copies started together
 * never both see the same node as idle.
 */
const PLACED_RECENTLY_MS = 5_000;
const recentPlacements: { nodeId: string; atMillis: number }[] = [];

/** How many copies this process placed on each node in the last `PLACED_RECENTLY_MS`. */
function placedRecently(now: number): Map<string, number> {
  while (recentPlacements.length > 0 && now - recentPlacements[0].atMillis > PLACED_RECENTLY_MS)
    recentPlacements.shift();
  const placed = new Map<string, number>();
  for (const { nodeId } of recentPlacements) placed.set(nodeId, (placed.get(nodeId) ?? 0) + 1);
  return placed;
}

async function nodeAddresses(es: Client): Promise<NodeAddress[]> {
  const cached = addressCache.get(es.connectionPool);
  if (cached && Date.now() - cached.readAtMillis < NODE_ADDRESSES_TTL_MS) return cached.nodes;
  const info = await es.nodes.info({ metric: 'http' });
  const nodes = Object.entries(info.nodes).flatMap(([id, node]) => {
    const published = node.http?.publish_address;
    // `hostname/ip:port` or `ip:port`: the client's URL names the host one of these two ways.
    return published ? [{ id, host: published.split('/').pop() ?? published }] : [];
  });
  addressCache.set(es.connectionPool, { readAtMillis: Date.now(), nodes });
  return nodes;
}

/** How many copies (top-level reindex tasks, not their slices) each node runs now. */
async function copiesPerNode(es: Client): Promise<Map<string, number>> {
  const response = await es.tasks.list({ actions: REINDEX_ACTION, group_by: 'none' });
  const running = new Map<string, number>();
  for (const task of Array.isArray(response.tasks) ? response.tasks : []) {
    if (task.parent_task_id !== undefined) continue;
    running.set(task.node, (running.get(task.node) ?? 0) + 1);
  }
  return running;
}

/**
 * A client that sends its requests to the node of `es`'s pool that runs the fewest copies now, counting
 * those this process placed in the last few seconds (ties in turn), so that the reindex tasks of an
 * upgrade, which run on the node that received them, spread over the cluster instead of all landing on
 * the first URL. The client itself when its pool has one live node,
 * or when no pool URL matches a node's published address (then name nodes as they publish themselves,
 * or turn sniffing on: `ES_SNIFF_INTERVAL_MS`).
 */
export async function clientForNewCopy(es: Client): Promise<{ client: Client; nodeId?: string }> {
  const connections = es.connectionPool.connections.filter((connection) => connection.status === 'alive');
  if (connections.length <= 1) return { client: es };
  const [nodes, running] = await Promise.all([nodeAddresses(es), copiesPerNode(es)]);
  const candidates = connections.flatMap((connection) => {
    const node = nodes.find((entry) => entry.id === connection.id || entry.host === connection.url.host);
    return node ? [{ connection, node, load: running.get(node.id) ?? 0 }] : [];
  });
  if (candidates.length === 0) return { client: es };
  const placed = placedRecently(Date.now());
  const loadOf = (candidate: (typeof candidates)[number]): number =>
    candidate.load + (placed.get(candidate.node.id) ?? 0);
  const fewest = Math.min(...candidates.map(loadOf));
  const least = candidates.filter((candidate) => loadOf(candidate) === fewest);
  const chosen = least[rotation++ % least.length];
  recentPlacements.push({ nodeId: chosen.node.id, atMillis: Date.now() });
  const client = es.child({
    nodeFilter: (connection) => connection.id === chosen.connection.id,
    // The parent already learns the nodes; a child must not start sniffing timers of its own.
    sniffOnStart: false,
    sniffInterval: false,
    sniffOnConnectionFault: false,
  });
  return { client, nodeId: chosen.node.id };
}
