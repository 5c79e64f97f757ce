/**
 * What several nodes change, on the secured three-node HTTPS cluster: a task watched from another node
 * than the one that runs it.
 */
import type { Client } from '@elastic/elasticsearch';
import {
  CLUSTER_CREDENTIALS,
  CLUSTER_NODE_URLS,
  createEsTarget,
  describeOnSecuredCluster,
  type EsTarget,
} from '../support';
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
