import type { Client } from '@elastic/elasticsearch';
import { allDocumentIds, backingIndexNames, setMigrateSettings, useUpgradeHarness } from '../support';
import { backingIndexWorkflowId, destinationIndexName } from '../../src/shared/names';
import { indexVersionMajor } from '../../src/shared/upgrade-predicate';

/** An index version id of 8.x, for a backing index the upgrade leaves alone. */
const CURRENT_VERSION = 8_536_000;

/**
 * The data stream's backing indices as Elasticsearch itself reports them (`GET <indices>/_settings`),
 * split into those created by the cluster's major version and the older ones: what the status must agree
 * with, counted without any of the workflow's own bookkeeping.
 */
async function backingIndicesByVersion(
  es: Client,
  dataStream: string,
): Promise<{ current: string[]; old: string[] }> {
  const names = await backingIndexNames(es, dataStream);
  const settings = await es.indices.getSettings({
    index: names.join(','),
    flat_settings: true,
    expand_wildcards: 'all',
  });
  const major = (index: string) =>
    indexVersionMajor(Number((settings[index]?.settings as Record<string, string>)['index.version.created']));
  return {
    current: names.filter((index) => major(index) >= 8),
    old: names.filter((index) => major(index) < 8),
  };
}

async function writeBlocked(es: Client, index: string): Promise<boolean> {
  const settings = await es.indices.getSettings({ index, flat_settings: true });
  return (settings[index]?.settings as Record<string, string>)['index.blocks.write'] === 'true';
}

// The status of a finished upgrade says what Elasticsearch holds: an index whose own workflow was
// cancelled by someone else is rolled back, keeps its old version, and is an error, not a success.
// A real Temporal dev server and workers; the sandbox, or the real node at ES_URL.
describe('the status of an upgrade never lies', () => {
  const h = useUpgradeHarness('status-never-lies');

  it('reports an index whose workflow was cancelled from outside as an error, and counts as successes exactly the indices Elasticsearch shows upgraded', async () => {
    const ds = 'never-lies-ds';
    // Three old indices; a current write index, so no rollover adds one. The throttle waits between
    // batches of 1,000 documents: the first index is copied for seconds.
    const before = await h().seed(ds, [
      { docCount: 3000 },
      { docCount: 100 },
      { docCount: 100 },
      { docCount: 10, versionCreated: CURRENT_VERSION },
    ]);
    const idsBefore = await allDocumentIds(h().es, ds);
    const versionsBefore = await backingIndicesByVersion(h().es, ds);
    expect(versionsBefore.old).toEqual(before.slice(0, 3));
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 200 });
    await h().service.start(h().es, ds);

    await h().copying(ds, { index: before[0] });
    const child = h().env.client.workflow.getHandle(backingIndexWorkflowId(ds, before[0]));
    await child.cancel();
    await expect(child.result()).rejects.toThrow();
    expect((await child.describe()).status.name).toBe('CANCELLED');
    // The indices after it need not wait on the throttle (lifted sooner, the copy could end first).
    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
    const final = await h().completion(ds);

    expect(final).toMatchObject({
      complete: true,
      total_indices_requiring_upgrade: 3,
      in_progress: [],
      pending: 0,
      errors: [
        {
          index: before[0],
          message:
            `the workflow of [${before[0]}] was cancelled from outside this upgrade; the index was rolled ` +
            'back and keeps its old version',
        },
      ],
    });
    const versionsAfter = await backingIndicesByVersion(h().es, ds);
    // Upgraded, in Elasticsearch's own words: backing indices now created by the current version that
    // were not before.
    const upgraded = versionsAfter.current.filter((index) => !versionsBefore.current.includes(index));
    expect(final.successes).toBe(upgraded.length);
    expect(upgraded.sort()).toEqual(before.slice(1, 3).map(destinationIndexName).sort());
    // The cancelled one is back as it was: still old, in the data stream, writable, no partial copy.
    expect(versionsAfter.old).toEqual([before[0]]);
    expect(final.errors).toHaveLength(versionsAfter.old.length);
    expect(await writeBlocked(h().es, before[0])).toBe(false);
    await expect(h().es.indices.exists({ index: destinationIndexName(before[0]) })).resolves.toBe(false);
    expect(new Set(await allDocumentIds(h().es, ds))).toEqual(new Set(idsBefore));
  });
});
