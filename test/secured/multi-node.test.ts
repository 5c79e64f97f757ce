/**
 * What several nodes change, on the secured three-node HTTPS cluster: a task watched from another node
 * than the one that runs it; copies spread over the nodes.
 */
import type { Client } from '@elastic/elasticsearch';
import {
  CLUSTER_CREDENTIALS,
  CLUSTER_NODE_URLS,
  createEsTarget,
  describeOnSecuredCluster,
  setMigrateSettings,
  sleep,
  useUpgradeHarness,
  type EsTarget,
} from '../support';
import { destinationIndexName } from '../../src/shared/names';
import { createElasticsearchClient } from '../../src/elasticsearch/client';
import { isTaskWaitTimeout } from '../../src/elasticsearch/errors';

/** A client that sends every request to one node. */
function onNode(url: string): Client {
  return createElasticsearchClient({ url, requestTimeoutMs: 30_000, ...CLUSTER_CREDENTIALS });
}

describeOnSecuredCluster('several nodes', () => {
  let target: EsTarget;
  let nodes: Client[];

  beforeAll(async () => {
    target = await createEsTarget();
    nodes = CLUSTER_NODE_URLS.map(onNode);
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.close()));
    await target.close();
  });

  it('a wait for a running task asked of another node is recognised as "still running"', async () => {
    const es = target.client;
    await es.indices.create({ index: 'wait-src', settings: { number_of_replicas: 0 } });
    await es.bulk({
      index: 'wait-src',
      refresh: true,
      operations: Array.from({ length: 400 }, (_, n) => [{ index: {} }, { n }]).flat(),
    });
    try {
      // Throttled to last about 20 s, and started on the second node.
      const started = await nodes[1].reindex({
        wait_for_completion: false,
        requests_per_second: 20,
        source: { index: 'wait-src', size: 10 },
        dest: { index: 'wait-dst' },
      });
      const taskId = String(started.task);
      for (const node of [nodes[1], nodes[0]]) {
        const waited = await node.tasks
          .get({ task_id: taskId, wait_for_completion: true, timeout: '1s' })
          .then(
            () => 'ended',
            (err: unknown) => (isTaskWaitTimeout(err) ? 'still running' : err),
          );
        expect(waited).toBe('still running');
      }
      await es.tasks.cancel({ task_id: taskId });
    } finally {
      await es.indices.delete({ index: 'wait-src,wait-dst', ignore_unavailable: true });
    }
  });
});

describeOnSecuredCluster('copies spread over the nodes', () => {
  const h = useUpgradeHarness('placement', { worker: false });

  it('starts each copy on a node running none: three at once go to three nodes', async () => {
    const workerEs = createElasticsearchClient({
      url: CLUSTER_NODE_URLS[0],
      urls: CLUSTER_NODE_URLS,
      requestTimeoutMs: 30_000,
      ...CLUSTER_CREDENTIALS,
    });
    const worker = await h().startWorker({}, workerEs);
    try {
      const ds = 'spread-ds';
      const old = await h().seed(
        ds,
        Array.from({ length: 6 }, () => ({ docCount: 3_000 })),
      );
      // Three seconds a copy, three at once: each is seen running, beside the others.
      await setMigrateSettings(h().es, { maxRequestsPerSecond: 1_000, maxConcurrentIndices: 3 });
      const destinations = new Map(old.map((index) => [destinationIndexName(index), index]));
      const nodesUsed = new Set<string>();
      const crowded: string[] = [];
      let done = false;
      const watching = (async () => {
        while (!done) {
          const response = await h().es.tasks.list({ actions: 'indices:data/write/reindex', detailed: true });
          for (const node of Object.values(response.nodes ?? {})) {
            const copies = Object.values(node.tasks).filter((task) => {
              const target = /^reindex from \[[^\]]+\] to \[([^\]]+)\]$/.exec(task.description ?? '')?.[1];
              return task.parent_task_id === undefined && target !== undefined && destinations.has(target);
            });
            if (copies.length > 0) nodesUsed.add(node.name ?? '?');
            if (copies.length > 1)
              crowded.push(`${node.name}: ${copies.map((task) => task.description).join(', ')}`);
          }
          await sleep(100);
        }
      })();
      await h().service.start(h().es, ds);
      const status = await h().completion(ds, 180_000);
      done = true;
      await watching;
      expect(status).toMatchObject({ successes: 6, errors: [] });
      expect(crowded).toEqual([]);
      expect(nodesUsed.size).toBe(3);
    } finally {
      await worker.stop();
      await workerEs.close();
    }
  });
});
