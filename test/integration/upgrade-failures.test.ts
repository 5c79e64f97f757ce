import {
  apiError,
  allDocumentIds,
  backingIndexNames,
  backingIndexVersions,
  duplicates,
  eventually,
  expectSuccessesOnCluster,
  itOnSandbox,
  setMigrateSettings,
  useUpgradeHarness,
} from '../support';
import { destinationIndexName } from '../../src/shared/names';

describe('upgrade failures, cancels and restarts', () => {
  const h = useUpgradeHarness('upgrade-failures');

  async function writeBlocked(index: string): Promise<boolean> {
    const settings = await h().es.indices.getSettings({ index, flat_settings: true });
    return (settings[index]?.settings as Record<string, string>)['index.blocks.write'] === 'true';
  }

  it("refuses to start on a missing data stream, a plain index or a running task, with Elasticsearch's errors", async () => {
    expect((await apiError(h().service.start(h().es, 'no-such-ds'))).toBody()).toEqual({
      error: {
        root_cause: [
          { type: 'resource_not_found_exception', reason: 'Data stream named [no-such-ds] does not exist' },
        ],
        type: 'resource_not_found_exception',
        reason: 'Data stream named [no-such-ds] does not exist',
      },
      status: 404,
    });
    await h().es.indices.create({ index: 'plain-index-not-a-stream' }, { ignore: [400] }); // kept from an earlier run
    expect((await apiError(h().service.start(h().es, 'plain-index-not-a-stream'))).reason).toBe(
      'Data stream named [plain-index-not-a-stream] does not exist',
    );
    expect((await apiError(h().service.status('no-such-ds'))).reason).toBe(
      'No migration reindex status found for [no-such-ds]',
    );
    expect((await apiError(h().service.cancel('no-such-ds'))).reason).toBe(
      "the task with id reindex-data-stream-no-such-ds doesn't exist",
    );

    await h().seed('twice-ds', [{ docCount: 3000 }, { docCount: 10 }]);
    // 20 s of copying until lifted below: still running when the second start comes, on any machine.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 100 });
    await h().service.start(h().es, 'twice-ds');
    const second = await apiError(h().service.start(h().es, 'twice-ds'));
    expect(second.status).toBe(400);
    expect(second.type).toBe('resource_already_exists_exception');
    expect(second.reason).toBe('Reindex task for data stream [twice-ds] already exists');

    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
    const first = await h().completion('twice-ds');
    await expectSuccessesOnCluster(h().es, 'twice-ds', first);
    // A completed task is replaced by a new start; nothing is left to upgrade, so it completes at once.
    const upgraded = await backingIndexVersions(h().es, 'twice-ds');
    await h().service.start(h().es, 'twice-ds');
    const replaced = await h().completion('twice-ds');
    expect(replaced.start_time_millis).toBeGreaterThan(first.start_time_millis);
    expect(replaced).toMatchObject({ total_indices_requiring_upgrade: 0, successes: 0 });
    await expectSuccessesOnCluster(h().es, 'twice-ds', replaced, upgraded);
  });

  it('cancels mid-run, then a restart with a new throttle skips the finished index', async () => {
    const ds = 'cancel-ds';
    const before = await h().seed(ds, [{ docCount: 1000 }, { docCount: 6000 }, { docCount: 1000 }]);
    // The first index is one batch, never throttled; the second takes 25 s (five pauses of 1,000
    // documents / 200 per second), so it is still copying when the cancel comes, on any machine.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 200 });
    await h().service.start(h().es, ds);
    await h().copying(ds, { index: before[1] });

    await expect(h().service.cancel(ds)).resolves.toEqual({ acknowledged: true });
    expect((await apiError(h().service.status(ds))).status).toBe(404);
    // Nothing half-done: no reindex task left running, the source unblocked, no partial destination.
    const tasks = await h().es.tasks.list({ actions: '*reindex', group_by: 'none' });
    expect(Array.isArray(tasks.tasks) ? tasks.tasks : []).toEqual([]);
    expect(await writeBlocked(before[1])).toBe(false);
    await expect(h().es.indices.exists({ index: destinationIndexName(before[1]) })).resolves.toBe(false);

    await setMigrateSettings(h().es, { maxRequestsPerSecond: 20000 });
    const atRestart = await backingIndexVersions(h().es, ds);
    await h().service.start(h().es, ds);
    const final = await h().completion(ds);
    expect(final).toMatchObject({
      complete: true,
      total_indices_in_data_stream: 4,
      total_indices_requiring_upgrade: 2,
      successes: 2,
      in_progress: [],
      pending: 0,
      errors: [],
    });
    await expectSuccessesOnCluster(h().es, ds, final, atRestart);
    const ids = await allDocumentIds(h().es, ds);
    expect(ids).toHaveLength(8000);
    expect(duplicates(ids)).toEqual([]);
  });

  it("records a backing index deleted mid-run with Elasticsearch's message, and finishes the others", async () => {
    const ds = 'deleted-ds';
    const before = await h().seed(ds, [{ docCount: 3000 }, { docCount: 100 }, { docCount: 100 }]);
    // 20 s for the first copy until lifted: the second index is still pending when it is deleted.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 100 });
    await h().service.start(h().es, ds);
    await h().copying(ds, { index: before[0] });
    await h().es.indices.delete({ index: before[1] });
    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });

    const final = await h().completion(ds);
    expect(final).toMatchObject({
      total_indices_requiring_upgrade: 3,
      successes: 2,
      errors: [{ index: before[1], message: `source index [${before[1]}] does not exist` }],
    });
    await expectSuccessesOnCluster(h().es, ds, final);
  });

  it('fails an index whose destination someone blocks mid-copy, restores its source, leaves no partial copy', async () => {
    const ds = 'blocked-copy-ds';
    const before = await h().seed(ds, [{ docCount: 5000 }, { docCount: 100 }]);
    // 8 s of copying (four pauses of 1,000 documents / 500 per second): the block lands mid-copy.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 500 });
    await h().service.start(h().es, ds);
    const destination = destinationIndexName(before[0]);
    await h().copying(ds, { index: before[0] });
    await h().es.indices.addBlock({ index: destination, block: 'write' });

    const final = await h().completion(ds);
    expect(final.successes).toBe(1);
    await expectSuccessesOnCluster(h().es, ds, final);
    // Elasticsearch names the block as it stood when a batch met it: added, or still being added.
    const blockedBy = (block: string) =>
      `Failure loading data from ${before[0]} into ${destination} caused by index [${destination}] blocked by: [FORBIDDEN/8/${block} (api)];`;
    expect(final.errors).toHaveLength(1);
    expect(final.errors[0]?.index).toBe(before[0]);
    expect([blockedBy('index write'), blockedBy('moving to block index write')]).toContain(
      final.errors[0]?.message,
    );
    expect(await writeBlocked(before[0])).toBe(false);
    await expect(h().es.indices.exists({ index: destination })).resolves.toBe(false);
    expect(await backingIndexNames(h().es, ds)).toContain(before[0]);
    expect(await allDocumentIds(h().es, before[0])).toHaveLength(5000);
  });

  it('stops a copy a dead worker left writing into a stale destination before deleting it', async () => {
    const ds = 'stray-copy-ds';
    const [source] = await h().seed(ds, [{ docCount: 3000 }, { docCount: 10 }]);
    const destination = destinationIndexName(source);
    // What a worker that died mid-copy leaves: the destination, and a throttled task still writing into it.
    await h().es.indices.create({ index: destination });
    const stray = await h().es.reindex({
      wait_for_completion: false,
      requests_per_second: 100,
      source: { index: source, size: 100 },
      dest: { index: destination, op_type: 'create' },
    });
    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
    await h().service.start(h().es, ds);
    const final = await h().completion(ds);
    expect(final).toMatchObject({ successes: 2, errors: [] });
    await expectSuccessesOnCluster(h().es, ds, final);
    // Stopped, not left to write into the new backing index (or to re-create a deleted destination).
    const task = await h().es.tasks.get({ task_id: String(stray.task) });
    expect(task.completed).toBe(true);
    expect((task.response as { canceled?: string } | undefined)?.canceled).toBeDefined();
    expect(await backingIndexNames(h().es, ds)).toContain(destination);
    const ids = await allDocumentIds(h().es, ds);
    expect(ids).toHaveLength(3010);
    expect(duplicates(ids)).toEqual([]);
  });

  itOnSandbox(
    'adopts the task of a quick copy whose wait failed, rather than starting a second one',
    'fault injection',
    async () => {
      const ds = 'adopted-copy-ds';
      // 10 s of copying (two pauses of 1,000 documents / 200 per second): the task still runs when the
      // quick copy's retry looks for it a second or so later, however loaded the machine.
      await h().seed(ds, [{ docCount: 3000 }, { docCount: 10 }]);
      await setMigrateSettings(h().es, { maxRequestsPerSecond: 200 });
      const reindexStarts = () => h().controls().requestCounts()['POST /_reindex'] ?? 0;
      const startsBefore = reindexStarts();
      // The quick copy's first wait for its task is refused (503): its retry finds the task running.
      h().controls().injectFault({ method: 'GET', path: '^/_tasks/[^/]+$', status: 503, count: 1 });
      await h().service.start(h().es, ds);
      const final = await h().completion(ds);
      expect(final).toMatchObject({ successes: 2, errors: [] });
      await expectSuccessesOnCluster(h().es, ds, final);
      h().controls().clearFaults();
      expect(reindexStarts() - startsBefore).toBe(2);
      const ids = await allDocumentIds(h().es, ds);
      expect(ids).toHaveLength(3010);
      expect(duplicates(ids)).toEqual([]);
    },
  );

  itOnSandbox(
    'fails an index whose copy fails, restores its source, and leaves no partial copy',
    'failReindexAfter',
    async () => {
      const ds = 'broken-copy-ds';
      const before = await h().seed(ds, [{ docCount: 2000 }, { docCount: 100 }]);
      h().controls().failReindexAfter({ sourceIndex: before[0], docs: 500, reason: 'disk full' });
      await h().service.start(h().es, ds);
      const final = await h().completion(ds);
      expect(final.successes).toBe(1);
      await expectSuccessesOnCluster(h().es, ds, final);
      expect(final.errors).toHaveLength(1);
      expect(final.errors[0].index).toBe(before[0]);
      expect(final.errors[0].message).toMatch(
        new RegExp(`^Failure loading data from ${before[0].replace(/\./g, '\\.')} into .*disk full`),
      );
      expect(await writeBlocked(before[0])).toBe(false);
      await expect(h().es.indices.exists({ index: destinationIndexName(before[0]) })).resolves.toBe(false);
      expect(await backingIndexNames(h().es, ds)).toContain(before[0]);
    },
  );

  itOnSandbox(
    'rides out 429 and 503 answers and dropped connections from Elasticsearch',
    'fault injection',
    async () => {
      const ds = 'flaky-ds';
      await h().seed(ds, [{ docCount: 500 }, { docCount: 500 }]);
      await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
      await h().service.start(h().es, ds);
      // One of each kind first, so each is met and retried whatever the timing; then about one request in
      // ten fails, capped. The cap bounds the slowest run: a step that starts while the plan is being read
      // (on a slow machine) can meet every fault in a row, 10 failed attempts, about 3 minutes of backoff.
      h().controls().injectFault({ status: 429, count: 2 });
      h().controls().injectFault({ status: 503, count: 1 });
      h().controls().injectFault({ dropConnection: true, count: 1 });
      h().controls().injectFault({ status: 429, probability: 0.05, count: 3 });
      h().controls().injectFault({ status: 503, probability: 0.03, count: 2 });
      h().controls().injectFault({ dropConnection: true, probability: 0.02, count: 1 });
      const final = await eventually(
        async () => {
          const status = await h()
            .service.status(ds)
            .catch(() => undefined);
          return status?.complete ? status : undefined;
        },
        'completion despite faults',
        300_000,
      );
      h().controls().clearFaults();
      expect(final).toMatchObject({ successes: 2, errors: [] });
      await expectSuccessesOnCluster(h().es, ds, final);
      const ids = await allDocumentIds(h().es, ds);
      expect(ids).toHaveLength(1000);
      expect(duplicates(ids)).toEqual([]);
    },
    360_000,
  );
});
