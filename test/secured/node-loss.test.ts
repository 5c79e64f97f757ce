/**
 * A node lost mid-copy, on the secured three-node HTTPS cluster (`cluster.sh kill` is a SIGKILL): the
 * node that runs the reindex task, a node with the only copy of a source shard, a node with the only
 * copy of a shard of the new index. Each time the upgrade completes with every document once, counts
 * verified, and the status shows the wait while there is one.
 */
import type { Client } from '@elastic/elasticsearch';
import {
  allDocumentIds,
  CLUSTER_CREDENTIALS,
  CLUSTER_NODE_URLS,
  describeOnSecuredCluster,
  duplicates,
  eventually,
  killNode,
  restartNode,
  setMigrateSettings,
  sleep,
  useUpgradeHarness,
  type RunningWorker,
} from '../support';
import type { WorkerConfig } from '../../src/config';
import { createElasticsearchClient } from '../../src/elasticsearch/client';
import { destinationIndexName } from '../../src/shared/names';
import type { InProgressIndex } from '../../src/shared/status';

const DOCS = 20_000;
/** About ten seconds of copying: a kill lands mid-copy however loaded the machine. */
const DOCS_PER_SECOND = 2_000;

/** The node named `real-es-<n>` is `cluster.sh`'s node n. */
const nodeNumber = (name: string): number => Number(/^real-es-(\d+)$/.exec(name)?.[1] ?? NaN);

/** The name of the node that runs the copy into `destination`. */
async function copyNode(es: Client, destination: string): Promise<string | undefined> {
  const response = await es.tasks.list({ actions: 'indices:data/write/reindex', detailed: true });
  for (const node of Object.values(response.nodes ?? {})) {
    const copying = Object.values(node.tasks).some(
      (task) => task.parent_task_id === undefined && task.description?.endsWith(` to [${destination}]`),
    );
    if (copying) return node.name;
  }
  return undefined;
}

/** Nodes that hold a started copy of a shard of `index`. */
async function shardNodes(es: Client, index: string): Promise<string[]> {
  const rows = await es.cat.shards({ index, format: 'json', h: 'node,state' });
  return rows.filter((row) => row.state === 'STARTED' && row.node).map((row) => String(row.node));
}

/** Writes into the data stream every 100 ms while it runs; remembers what Elasticsearch acknowledged. */
function startWriter(es: Client, dataStream: string): { stop(): Promise<string[]> } {
  const acknowledged: string[] = [];
  let running = true;
  let batch = 0;
  const loop = (async () => {
    while (running) {
      batch += 1;
      const ids = Array.from({ length: 20 }, (_, i) => `writer-${batch}-${i}`);
      try {
        const answer = await es.bulk({
          operations: ids.flatMap((id) => [
            { create: { _index: dataStream, _id: id } },
            { '@timestamp': Date.now(), n: -1 },
          ]),
        });
        answer.items.forEach((item, i) => {
          if (item.create?.status === 201) acknowledged.push(ids[i]);
        });
      } catch {
        // A node going away fails some writes; those were not acknowledged, so nothing is owed.
      }
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return acknowledged;
    },
  };
}

describeOnSecuredCluster('a node lost mid-copy', () => {
  // A completed upgrade's status is kept for 15 minutes, not the harness's usual minute: a node restart
  // and the wait for green on a busy machine can outlast a minute before the test reads it.
  const h = useUpgradeHarness('node-loss', { worker: false, statusRetentionMs: 15 * 60_000 });
  let worker: RunningWorker | undefined;
  let workerEs: Client | undefined;

  /** A worker that knows `urls` only, replacing the last one. */
  async function workerOn(urls: readonly string[], config: Partial<WorkerConfig> = {}): Promise<void> {
    await worker?.stop();
    await workerEs?.close();
    workerEs = createElasticsearchClient({
      url: urls[0],
      urls,
      requestTimeoutMs: 30_000,
      ...CLUSTER_CREDENTIALS,
    });
    worker = await h().startWorker(config, workerEs);
  }

  async function green(): Promise<void> {
    await eventually(
      async () =>
        (await h().es.cluster.health({ wait_for_status: 'green', timeout: '5s' })).status === 'green',
      'the cluster to be green again',
      180_000,
      1_000,
    );
  }

  /** The status's in-progress entry for `index` once it shows a wait; `undefined` if it ended first. */
  async function watchForWait(dataStream: string, index: string): Promise<InProgressIndex | undefined> {
    return eventually(
      async () => {
        const status = await h().service.status(dataStream);
        if (status.complete) return null;
        // The old write index copies in a moment, after the old index: watch that one only.
        return status.in_progress.find((entry) => entry.index === index && entry.waiting !== undefined);
      },
      `the status to show ${index} waiting`,
      180_000,
      200,
    ).then((entry) => entry ?? undefined);
  }

  /** Kills node `n` for `during`, then restarts it and waits until the cluster is green again. */
  async function withoutNode<T>(n: number, during: () => Promise<T>): Promise<T> {
    await killNode(n);
    try {
      return await during();
    } finally {
      await restartNode(n);
      await green();
    }
  }

  afterAll(async () => {
    await worker?.stop();
    await workerEs?.close();
  });

  async function seedOldIndex(dataStream: string, settings?: Record<string, string>): Promise<string> {
    const [old] = await h().seed(dataStream, [
      { docCount: DOCS, ...(settings ? { settings } : {}) },
      { docCount: 10 },
    ]);
    await h().es.cluster.health({
      index: old,
      wait_for_status: 'green',
      wait_for_no_relocating_shards: true,
      timeout: '60s',
    });
    return old;
  }

  async function expectEveryDocumentOnce(
    dataStream: string,
    old: string,
    written: readonly string[],
  ): Promise<void> {
    const status = await h().completion(dataStream, 300_000);
    expect(status).toMatchObject({ complete: true, successes: 2, errors: [] });
    const destination = destinationIndexName(old);
    expect((await h().es.count({ index: destination })).count).toBe(DOCS);
    const ids = await allDocumentIds(h().es, dataStream);
    expect(duplicates(ids)).toEqual([]);
    const present = new Set(ids);
    expect(written.filter((id) => !present.has(id))).toEqual([]);
    // A batch whose answer was lost with the node may have landed all the same: such writes may be
    // present, never twice (checked above). Every other document is one of those seeded.
    expect(ids.filter((id) => !id.startsWith('writer-')).length).toBe(DOCS + 10);
    expect(ids.filter((id) => id.startsWith('writer-')).length).toBeGreaterThanOrEqual(written.length);
  }

  it('the node running the copy: another node copies on, with writers running', async () => {
    await workerOn(CLUSTER_NODE_URLS);
    const ds = 'nl-task';
    const old = await seedOldIndex(ds);
    await setMigrateSettings(h().es, { maxRequestsPerSecond: DOCS_PER_SECOND });
    const writer = startWriter(h().es, ds);
    await h().service.start(h().es, ds);
    await h().copying(ds, { index: old, atLeastDocs: 2_000, timeoutMs: 120_000 });
    const runner = await copyNode(h().es, destinationIndexName(old));
    expect(runner).toMatch(/^real-es-\d$/);
    await withoutNode(nodeNumber(runner!), () => h().completion(ds, 300_000));
    const written = await writer.stop();
    expect(written.length).toBeGreaterThan(0);
    await expectEveryDocumentOnce(ds, old, written);
  }, 600_000);

  it('the only copy of a source shard: the copy waits for it, the status says so, and it copies on', async () => {
    // The old index on node 3 alone, the copy run from nodes 1 and 2. The new index takes the old one's
    // allocation settings, so it is on node 3 too: the wait for it outlasts the restart.
    await workerOn(CLUSTER_NODE_URLS.slice(0, 2), { destinationShardWaitMs: 180_000 });
    const ds = 'nl-source';
    const old = await seedOldIndex(ds, {
      'index.number_of_replicas': '0',
      'index.routing.allocation.require._name': 'real-es-3',
    });
    expect(await shardNodes(h().es, old)).toEqual(['real-es-3']);
    await setMigrateSettings(h().es, { maxRequestsPerSecond: DOCS_PER_SECOND });
    await h().service.start(h().es, ds);
    await h().copying(ds, { index: old, atLeastDocs: 2_000, timeoutMs: 120_000 });
    const waiting = await withoutNode(3, () => watchForWait(ds, old));
    expect(waiting?.waiting?.reason).toContain(`a shard of [${old}] is not available`);
    await expectEveryDocumentOnce(ds, old, []);
  }, 600_000);

  it('the only copy of a shard of the new index: after the wait, the new index is made again', async () => {
    await workerOn(CLUSTER_NODE_URLS.slice(0, 2), { destinationShardWaitMs: 15_000 });
    const ds = 'nl-dest';
    const old = await seedOldIndex(ds);
    const destination = destinationIndexName(old);
    // The new index is made on node 3 alone; made again, it may go anywhere.
    await h().es.indices.putIndexTemplate({
      name: 'nl-dest-on-node-3',
      index_patterns: [destination],
      priority: 1000,
      template: { settings: { 'index.routing.allocation.require._name': 'real-es-3' } },
    });
    await setMigrateSettings(h().es, { maxRequestsPerSecond: DOCS_PER_SECOND });
    await h().service.start(h().es, ds);
    await h().copying(ds, { index: old, atLeastDocs: 2_000, timeoutMs: 120_000 });
    expect(await shardNodes(h().es, destination)).toEqual(['real-es-3']);
    await h().es.indices.deleteIndexTemplate({ name: 'nl-dest-on-node-3' });
    await withoutNode(3, async () => {
      const waiting = await watchForWait(ds, old);
      expect(waiting?.waiting?.reason).toContain(
        `a shard of the new index [${destination}] went with a node that left`,
      );
      await expectEveryDocumentOnce(ds, old, []);
    });
  }, 600_000);
});
