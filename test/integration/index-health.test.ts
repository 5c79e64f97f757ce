import { REAL_CLUSTER_URL, useScratchIndices } from '../support';
import { awaitIndexHealth, primaryShardUnavailable } from '../../src/elasticsearch/index-health';

/**
 * The two health questions, asked of Elasticsearch itself: a wait that runs out is an answer with the
 * health as it is (even when it is longer than the client's own request timeout, as the default
 * `HEALTH_WAIT_TIMEOUT_MS` of 60 s is against `ES_REQUEST_TIMEOUT_MS`'s 30 s), and a primary no node holds
 * is red at once. One node: an index with a replica stays yellow.
 */
describe('index health', () => {
  const scratch = useScratchIndices();

  async function indexWithReplica(base: string): Promise<string> {
    const index = scratch.name(base);
    await scratch.es().indices.create({ index, settings: { 'index.number_of_replicas': 1 } });
    return index;
  }

  it('says an index reached yellow, and that a wait for green ran out, without failing', async () => {
    const es = scratch.es();
    const index = await indexWithReplica('health-yellow');
    await expect(awaitIndexHealth(es, index, 'yellow', 5_000)).resolves.toEqual({
      status: 'yellow',
      reached: true,
    });
    await expect(awaitIndexHealth(es, index, 'green', 300)).resolves.toEqual({
      status: 'yellow',
      reached: false,
    });
  });

  it('waits longer than the client would wait for any other request', async () => {
    const es = scratch.es();
    const index = await indexWithReplica('health-long-wait');
    const impatient = es.child({ requestTimeout: 200 });
    const started = Date.now();
    await expect(awaitIndexHealth(impatient, index, 'green', 1_000)).resolves.toEqual({
      status: 'yellow',
      reached: false,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  (REAL_CLUSTER_URL === undefined ? it.skip : it)(
    'sees a primary no node holds, red at once, and nothing in a yellow or missing index [real Elasticsearch only]',
    async () => {
      const es = scratch.es();
      const shardless = await scratch.shardless('health-shardless');
      const yellow = await indexWithReplica('health-yellow-beside');
      await expect(awaitIndexHealth(es, shardless, 'yellow', 300)).resolves.toEqual({
        status: 'red',
        reached: false,
      });
      await expect(primaryShardUnavailable(es, [shardless])).resolves.toBe(true);
      await expect(primaryShardUnavailable(es, [yellow, scratch.name('missing')])).resolves.toBe(false);
      await expect(primaryShardUnavailable(es, [yellow, shardless])).resolves.toBe(true);
    },
  );
});
