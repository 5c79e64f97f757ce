/**
 * Replicas on the secured three-node HTTPS cluster: the old index is deleted only once the new one is as
 * healthy as it was. A replica held back by allocation filtering holds the upgrade, and the status says
 * so; released, the upgrade goes on.
 */
import {
  backingIndexNames,
  describeOnSecuredCluster,
  eventually,
  setMigrateSettings,
  useUpgradeHarness,
} from '../support';
import { destinationIndexName } from '../../src/shared/names';

describeOnSecuredCluster('replicas of the new index', () => {
  const h = useUpgradeHarness('replicas');

  it('the old index stays until the new one is green; the status shows the wait', async () => {
    const ds = 'rp-ds';
    const [old] = await h().seed(ds, [
      { docCount: 300, settings: { 'index.number_of_replicas': '1' } },
      { docCount: 5 },
    ]);
    await h().es.cluster.health({ index: old, wait_for_status: 'green', timeout: '60s' });
    const destination = destinationIndexName(old);
    // The new index may only go to node 1: its replica cannot be allocated, so it stays yellow.
    await h().es.indices.putIndexTemplate({
      name: 'rp-new-index-on-node-1',
      index_patterns: [destination],
      priority: 1000,
      template: { settings: { 'index.routing.allocation.include._name': 'real-es-1' } },
    });
    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
    try {
      await h().service.start(h().es, ds);
      const held = await eventually(
        async () =>
          (await h().service.status(ds)).in_progress.find((entry) => entry.index === old && entry.waiting),
        'the status to show the wait for the replica',
        120_000,
        200,
      );
      expect(held.waiting?.reason).toContain('the new index is not yet green, as the old one was');
      const health = await h().es.cluster.health({ index: destination });
      expect(health.status).toBe('yellow');
      // Held: the old index is still there, and still in the data stream.
      expect(await h().es.indices.exists({ index: old })).toBe(true);
      expect(await backingIndexNames(h().es, ds)).toContain(old);
    } finally {
      await h()
        .es.indices.deleteIndexTemplate({ name: 'rp-new-index-on-node-1' })
        .catch(() => undefined);
    }
    await h().es.indices.putSettings({
      index: destination,
      settings: { 'index.routing.allocation.include._name': null },
    });
    const final = await h().completion(ds, 180_000);
    expect(final).toMatchObject({ complete: true, successes: 2, errors: [] });
    expect((await h().es.cluster.health({ index: destination })).status).toBe('green');
    expect(await h().es.indices.exists({ index: old })).toBe(false);
  }, 300_000);
});
