import type { Client } from '@elastic/elasticsearch';
import { createEsTarget, REAL_CLUSTER_URL, type EsTarget } from '../support';
import { awaitIndexHealth, primaryShardUnavailable } from '../../src/elasticsearch/index-health';

/**
 * The two health questions, asked of Elasticsearch itself: a wait that runs out is an answer with the
 * health as it is (even when it is longer than the client's own request timeout, as the default
 * `HEALTH_WAIT_TIMEOUT_MS` of 60 s is against `ES_REQUEST_TIMEOUT_MS`'s 30 s), and a primary no node holds
 * is red at once. One node: an index with a replica stays yellow.
 */
describe('index health', () => {
  let target: EsTarget;
  let es: Client;
  const suffix = Date.now().toString(36);
  const made: string[] = [];

  beforeAll(async () => {
    target = await createEsTarget();
    es = target.client;
  });
  afterEach(async () => {
    // A primary no node holds turns the whole cluster red for the suites after.
    await es.indices.delete({ index: made.splice(0).join(','), ignore_unavailable: true });
  });
  afterAll(async () => {
    await target.close();
  });

  async function indexWithReplica(name: string): Promise<string> {
    const index = `${name}-${suffix}`;
    made.push(index);
    await es.indices.create({ index, settings: { 'index.number_of_replicas': 1 } });
    return index;
  }

  it('says an index reached yellow, and that a wait for green ran out, without failing', async () => {
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
      const shardless = `health-shardless-${suffix}`;
      made.push(shardless);
      await es.indices.create({
        index: shardless,
        settings: {
          'index.number_of_replicas': 0,
          'index.routing.allocation.require._name': 'no-node-has-this-name',
        },
        wait_for_active_shards: 0,
      });
      const yellow = await indexWithReplica('health-yellow-beside');
      await expect(awaitIndexHealth(es, shardless, 'yellow', 300)).resolves.toEqual({
        status: 'red',
        reached: false,
      });
      await expect(primaryShardUnavailable(es, [shardless])).resolves.toBe(true);
      await expect(primaryShardUnavailable(es, [yellow, `missing-${suffix}`])).resolves.toBe(false);
      await expect(primaryShardUnavailable(es, [yellow, shardless])).resolves.toBe(true);
    },
  );
});
