import type { Client } from '@elastic/elasticsearch';
import {
  apiError,
  backingIndexNames,
  eventually,
  expectSuccessesOnCluster,
  setMigrateSettings,
  useUpgradeHarness,
} from '../support';
import { clusterCompletion, clusterService } from './cluster-helpers';
import { destinationIndexName } from '../../src/shared/names';
import { VERIFY_MODE_SETTING } from '../../src/shared/verify-mode';

/** One document the copy has already written into `destination` (refreshed by hand: the copy does not). */
async function copiedDocumentId(es: Client, destination: string): Promise<string> {
  return eventually(async () => {
    await es.indices.refresh({ index: destination }, { ignore: [404] });
    const found = await es.search({ index: destination, size: 1, ignore_unavailable: true });
    return found.hits.hits[0]?._id;
  }, `a document copied into ${destination}`);
}

describe('verification beyond the count (issue 23)', () => {
  const h = useUpgradeHarness('verify-content');

  it('fails each index whose new index was tampered with between copy and swap, naming the ids; the old one stays', async () => {
    const ds = 'verify-tampered-ds';
    const before = await h().seed(ds, [
      { docCount: 5000 },
      { docCount: 5000 },
      { docCount: 5000 },
      { docCount: 10 },
    ]);
    // 1,000 documents per batch at 500 per second: each copy lasts about 8 s, the tampering lands mid-copy.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 500, maxConcurrentIndices: 3 });
    await h().service.start(h().es, ds, { verify: 'content' });
    const [changed, dropped, extra] = before.map(destinationIndexName);
    const changedId = await copiedDocumentId(h().es, changed);
    const original = await h().es.get<Record<string, unknown>>({ index: changed, id: changedId });
    await h().es.index({
      index: changed,
      id: changedId,
      document: { ...original._source, message: 'tampered' },
    });
    const droppedId = await copiedDocumentId(h().es, dropped);
    await h().es.delete({ index: dropped, id: droppedId });
    await copiedDocumentId(h().es, extra);
    await h().es.index({
      index: extra,
      id: 'intruder',
      op_type: 'create',
      document: { '@timestamp': new Date().toISOString(), message: 'not in the source' },
    });
    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });

    const final = await h().completion(ds, 120_000);
    expect(final.verify).toBe('content');
    expect(final.successes).toBe(1); // the old write index, rolled over, untouched
    const messages = new Map(final.errors.map((error) => [error.index, error.message]));
    const expected = [
      [before[0], `content differs [${changedId}]`],
      [before[1], `missing in new [${droppedId}]`],
      [before[2], 'extra in new [intruder]'],
    ] as const;
    for (const [index, named] of expected) {
      const message = messages.get(index);
      expect(message).toContain(`documents differ (content verification): source index [${index}]`);
      expect(message).toContain(named);
    }
    // Elasticsearch itself: every old index still backs the data stream, and no new one is left.
    const backing = await backingIndexNames(h().es, ds);
    for (const index of before.slice(0, 3)) {
      expect(backing).toContain(index);
      await expect(h().es.indices.exists({ index: destinationIndexName(index) })).resolves.toBe(false);
      const count = await h().es.count({ index });
      expect(count.count).toBe(5000);
    }
  });

  it('passes a clean copy with content, @timestamp 0 where the source had none, and shows the mode', async () => {
    const ds = 'verify-clean-ds';
    const before = await h().seed(ds, [
      { docCount: 3000, docsWithoutTimestamp: 200 },
      { docCount: 1200 },
      { docCount: 5 },
    ]);
    await h().service.start(h().es, ds, { verify: 'content' });
    const final = await h().completion(ds, 120_000);
    expect(final.errors).toEqual([]);
    expect(final.verify).toBe('content');
    // The old write index too: rolled over, then upgraded.
    expect(final.successes).toBe(3);
    await expectSuccessesOnCluster(h().es, ds, final);
    const backing = await backingIndexNames(h().es, ds);
    expect(backing).toEqual(expect.arrayContaining(before.map(destinationIndexName)));
  });

  it("takes the cluster's default from cluster.metadata.ds_reindex.verify, and refuses one that is no mode", async () => {
    const ds = 'verify-default-ds';
    await h().seed(ds, [{ docCount: 1500 }, { docCount: 5 }]);
    try {
      await h().es.cluster.putSettings({ persistent: { [VERIFY_MODE_SETTING]: 'everything' } });
      const refused = await apiError(h().service.start(h().es, ds));
      expect(refused.status).toBe(400);
      expect(refused.reason).toBe(
        `[${VERIFY_MODE_SETTING}] must be one of [count, ids, content], got [everything]`,
      );
      await h().es.cluster.putSettings({ persistent: { [VERIFY_MODE_SETTING]: 'ids' } });
      await h().service.start(h().es, ds);
      const final = await h().completion(ds, 120_000);
      expect(final.verify).toBe('ids');
      expect(final.errors).toEqual([]);
      await expectSuccessesOnCluster(h().es, ds, final);
    } finally {
      await h().es.cluster.putSettings({ persistent: { [VERIFY_MODE_SETTING]: null } });
    }
  });

  it('passes the mode of a whole-cluster run to every data stream, and says it in the report', async () => {
    const ds = 'verify-cluster-ds';
    await h().seed(ds, [{ docCount: 1500 }, { docCount: 5 }]);
    const service = clusterService(h());
    const prepared = await service.prepareStart(h().es, {
      pattern: ds,
      includeSystem: false,
      readOnly: { kind: 'none' },
      maxDataStreams: 1,
      verify: 'content',
    });
    await service.start(prepared);
    const final = await clusterCompletion(service);
    expect(final.state).toBe('completed');
    expect(final.verify).toBe('content');
    const report = await service.report();
    expect(report.verify).toBe('content');
    const status = await h().service.status(ds);
    expect(status.verify).toBe('content');
    expect(status.errors).toEqual([]);
    await expectSuccessesOnCluster(h().es, ds, status);
  });
});
