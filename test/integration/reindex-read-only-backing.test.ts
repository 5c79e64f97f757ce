import { Client } from '@elastic/elasticsearch';
import { startSandbox } from '@ds-reindex/es-sandbox';
import { cli, clusterCompletion, clusterService, flatSettings } from './cluster-helpers';
import {
  allDocumentIds,
  backingIndexNames,
  duplicates,
  itOnSandbox,
  resetMigrateSettings,
  setMigrateSettings,
  useUpgradeHarness,
  type UpgradeHarness,
} from '../support';
import { ElasticsearchApiError } from '../../src/client/service/api-error';
import { planCluster, type ClusterPlan } from '../../src/client/service/cluster-plan';
import { destinationIndexName } from '../../src/shared/names';

/** `_cat/indices` of these names (a missing one is left out): which exist, and whether each is open. */
async function catIndices(es: Client, names: readonly string[]): Promise<Record<string, string>> {
  const rows = await es.cat.indices({
    index: '*',
    expand_wildcards: 'all',
    h: 'index,status',
    format: 'json',
  });
  return Object.fromEntries(
    rows.filter((row) => names.includes(row.index ?? '')).map((row) => [row.index ?? '', row.status ?? '']),
  );
}

/** Seeds a data stream of old backing indices and marks them read-only with a cluster run, as an operator would. */
async function seedMarkedReadOnly(
  h: UpgradeHarness,
  name: string,
  docCounts: number[],
  options: { firstClosed?: boolean } = {},
): Promise<string[]> {
  const seeded = await h.seed(
    name,
    docCounts.map((docCount, n) => ({
      docCount,
      ...(n === 0 && options.firstClosed ? { closed: true } : {}),
    })),
  );
  const service = clusterService(h);
  await service.start(
    await service.prepareStart(h.es, {
      pattern: name,
      includeSystem: false,
      readOnly: { kind: 'all' },
      maxDataStreams: 1,
    }),
  );
  expect((await clusterCompletion(service)).finished).toEqual([
    expect.objectContaining({
      data_stream: name,
      outcome: 'read_only',
      indices_marked_read_only: seeded.length,
    }),
  ]);
  const settings = await flatSettings(h, seeded);
  for (const index of seeded) {
    expect(settings[index]['index.verified_read_only']).toBe('true');
    expect(settings[index]['index.blocks.write']).toBe('true');
  }
  return seeded;
}

// `--reindex-read-only` for backing indices: a cluster run marked them read-only (the block API's
// verified write block); a later run reindexes them instead. Every claim is read back from Elasticsearch
// (`GET _data_stream`, `_settings`, `_cat/indices`), on the sandbox and on the real node.
describe('reindexing backing indices marked read-only', () => {
  const h = useUpgradeHarness('reindex-read-only-backing');

  afterEach(async () => {
    await resetMigrateSettings(h().es);
  });

  it('a later `start --all --reindex-read-only` reindexes them, without --indices', async () => {
    const es = h().es;
    const seeded = await seedMarkedReadOnly(h(), 'rro-a', [100, 50]);
    const marked = await backingIndexNames(es, 'rro-a');

    // Without the flag they are done; with it, the plan lists them to reindex.
    const skipped = JSON.parse(
      (await cli(h(), ['plan', '--all', '--pattern', 'rro-a', '--json'])).stdout,
    ) as ClusterPlan;
    expect(skipped.data_streams).toEqual([]);
    const plan = await cli(h(), ['plan', '--all', '--pattern', 'rro-a', '--reindex-read-only', '--json']);
    expect(plan.code).toBe(0);
    const [planned] = (JSON.parse(plan.stdout) as ClusterPlan).data_streams;
    expect(planned).toMatchObject({ data_stream: 'rro-a', already_read_only: 0, indices_to_reindex: 2 });
    expect(planned?.old_indices.map((index) => [index.index, index.path])).toEqual(
      seeded.map((index) => [index, 'reindex']),
    );

    const run = await cli(h(), [
      'start',
      '--all',
      '--pattern',
      'rro-a',
      '--reindex-read-only',
      '--wait',
      '--interval-ms',
      '200',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((await clusterService(h()).status()).finished).toEqual([
      expect.objectContaining({ data_stream: 'rro-a', outcome: 'upgraded', indices_reindexed: 2 }),
    ]);

    // GET _data_stream: the new indices back it in the old ones' place, the write index unchanged.
    const after = await backingIndexNames(es, 'rro-a');
    expect([...after].sort()).toEqual(
      [...seeded.map(destinationIndexName), marked[marked.length - 1]].sort(),
    );
    // _cat/indices: the old ones are gone.
    expect(await catIndices(es, seeded)).toEqual({});
    // _settings: the new ones are ordinary indices of this major, neither blocked nor marked.
    const settings = await flatSettings(h(), seeded.map(destinationIndexName));
    for (const index of seeded.map(destinationIndexName)) {
      expect(settings[index]['index.verified_read_only']).toBeUndefined();
      expect(settings[index]['index.blocks.write']).toBeUndefined();
    }
    const ids = await allDocumentIds(es, 'rro-a');
    expect(ids).toHaveLength(150);
    expect(duplicates(ids)).toEqual([]);
  }, 240_000);

  it('a cancel mid-copy puts the verified write block back exactly, and the copy is gone', async () => {
    const es = h().es;
    // Several batches of 1,000, throttled: the copy waits between them, and the cancel comes meanwhile.
    const seeded = await seedMarkedReadOnly(h(), 'rro-slow', [3000, 5]);
    const marked = await backingIndexNames(es, 'rro-slow');
    const before = await flatSettings(h(), seeded);
    await setMigrateSettings(es, { maxRequestsPerSecond: 50 });
    const service = clusterService(h());
    const prepared = await service.prepareStart(es, {
      pattern: 'rro-slow',
      includeSystem: false,
      readOnly: { kind: 'none' },
      reindexReadOnly: true,
      maxDataStreams: 1,
    });
    expect(prepared.dataStreams).toEqual(['rro-slow']);
    await service.start(prepared);
    await h().copying('rro-slow', { index: seeded[0] });
    await service.cancel();
    const status = await clusterCompletion(service);
    expect(status.state).toBe('cancelled');
    expect(status.finished).toEqual([
      expect.objectContaining({ data_stream: 'rro-slow', outcome: 'cancelled' }),
    ]);

    expect(await backingIndexNames(es, 'rro-slow')).toEqual(marked);
    expect(await catIndices(es, seeded.map(destinationIndexName))).toEqual({});
    // Every setting as before: the write block and the verified flag that only the block API records.
    const after = await flatSettings(h(), seeded);
    for (const index of seeded) {
      expect(after[index]['index.verified_read_only']).toBe('true');
      expect(after[index]['index.blocks.write']).toBe('true');
      const blocks = (settings: Record<string, string>) =>
        Object.entries(settings).filter(
          ([name]) => name.startsWith('index.blocks.') || name.includes('verified'),
        );
      expect(blocks(after[index] ?? {})).toEqual(blocks(before[index] ?? {}));
    }
    expect((await es.count({ index: seeded[0] })).count).toBe(3000);
    // Marked read-only still: a run without the flag leaves the data stream alone.
    const later = await service.prepareStart(es, {
      pattern: 'rro-slow',
      includeSystem: false,
      readOnly: { kind: 'none' },
      maxDataStreams: 1,
    });
    expect(later.dataStreams).toEqual([]);
  }, 240_000);

  it('a cancel of a closed one puts it back closed, with its verified write block', async () => {
    const es = h().es;
    const seeded = await seedMarkedReadOnly(h(), 'rro-closed', [3000, 5], { firstClosed: true });
    const closed = seeded[0];
    expect(await catIndices(es, [closed])).toEqual({ [closed]: 'close' });
    const before = await flatSettings(h(), [closed]);
    await setMigrateSettings(es, { maxRequestsPerSecond: 50 });
    const service = clusterService(h());
    await service.start(
      await service.prepareStart(es, {
        pattern: 'rro-closed',
        includeSystem: false,
        readOnly: { kind: 'none' },
        reindexReadOnly: true,
        maxDataStreams: 1,
      }),
    );
    await h().copying('rro-closed', { index: closed });
    await service.cancel();
    expect((await clusterCompletion(service)).state).toBe('cancelled');
    expect(await catIndices(es, [closed, destinationIndexName(closed)])).toEqual({ [closed]: 'close' });
    const after = await flatSettings(h(), [closed]);
    const blocks = (settings: Record<string, string>) =>
      Object.entries(settings).filter(
        ([name]) => name.startsWith('index.blocks.') || name.includes('verified'),
      );
    expect(blocks(after[closed] ?? {})).toEqual(blocks(before[closed] ?? {}));
    expect(after[closed]?.['index.verified_read_only']).toBe('true');
  }, 240_000);

  itOnSandbox(
    'is refused, naming them, for indices the cluster already on the next major keeps read-only',
    'a sandbox posing as 9.1.0',
    async () => {
      const sandbox = await startSandbox({ port: 0, version: '9.1.0' });
      const es = new Client({ node: sandbox.url, maxRetries: 0 });
      try {
        const { backingIndices } = await sandbox.controls.seedDataStream({
          name: 'rro-next',
          backingIndices: [
            { docCount: 5, versionCreated: 7_170_099 },
            { docCount: 5, versionCreated: 8_536_000 },
            { docCount: 1, versionCreated: 9_000_000 },
          ],
        });
        const [from717, from8] = backingIndices as [string, string];
        await es.indices.addBlock({ index: `${from717},${from8}`, block: 'write' });
        const plan = (reindexReadOnly: boolean) =>
          planCluster(es, {
            pattern: 'rro-next',
            includeSystem: false,
            readOnly: { kind: 'none' },
            reindexReadOnly,
            ilmHorizonMs: 0,
            maxDataStreams: 1,
            nowMillis: Date.now(),
          });
        // Marked read-only, both are left alone without the flag.
        expect((await plan(false)).data_streams).toEqual([]);
        // 9.1 can only read the 7.17 one: lifting its block is refused before anything changes. The 8.x
        // one, old for the next major but writable on this one, is not named.
        const refused = await plan(true).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(refused).toMatchObject({ status: 400, type: 'illegal_argument_exception' });
        expect((refused as ElasticsearchApiError).reason).toMatch(
          /^--reindex-read-only cannot reindex \[[^\]]+\]: the cluster is already on 9\.1\.0/,
        );
        expect((refused as ElasticsearchApiError).reason).toContain(`[${from717}]`);
        expect((refused as ElasticsearchApiError).reason).not.toContain(from8);
        const settings = await es.indices.getSettings({ index: from717, flat_settings: true });
        expect(settings[from717]?.settings?.['index.verified_read_only']).toBe('true');
      } finally {
        await es.close();
        await sandbox.close();
      }
    },
  );
});
