import {
  abandonWait,
  allDocumentIds,
  backingIndexNames,
  copyTaskIds,
  duplicates,
  eventually,
  expectSuccessesOnCluster,
  itOnSandbox,
  setMigrateSettings,
  useUpgradeHarness,
} from '../support';
import { ReindexService } from '../../src/client/service/reindex-service';
import {
  DATA_STREAM_SEARCH_ATTRIBUTE,
  REINDEX_STATE_SEARCH_ATTRIBUTE,
} from '../../src/shared/search-attributes';
import { backingIndexWorkflowId, destinationIndexName } from '../../src/shared/names';
import { reindexDataStream } from '../../src/workflows';

// The user's scenarios end to end: a real Temporal dev server, real workers and activities, and
// Elasticsearch (the sandbox, or the real cluster at ES_URL) seeded with backing indices created by 7.17.
describe('upgrading a data stream', () => {
  const h = useUpgradeHarness('upgrade-happy');

  it("runs the user's example: roll over, three copies, three .migrated- indices, every document once", async () => {
    const ds = 'my-data-stream';
    const before = await h().seed(ds, [{ docCount: 3000 }, { docCount: 3000 }, { docCount: 3000 }]);
    const idsBefore = await allDocumentIds(h().es, ds);
    expect(idsBefore).toHaveLength(9000);
    // 10 s for the first copy (two pauses of 1,000 documents / 200 per second): far past the quick copy's
    // 1 s wait on any machine, so the status shows its progress; lifted once seen.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 200 });

    await expect(h().service.start(h().es, ds)).resolves.toEqual({ acknowledged: true });

    const midRun = await eventually(
      async () => {
        const status = await h().service.status(ds);
        if (status.complete) abandonWait(`it completed first: ${JSON.stringify(status)}`);
        return status.in_progress.length === 1 && status.in_progress[0].reindexed_doc_count > 0
          ? status
          : undefined;
      },
      'one index in progress',
      60_000,
    );
    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
    expect(midRun).toMatchObject({
      complete: false,
      total_indices_in_data_stream: 4,
      total_indices_requiring_upgrade: 3,
      errors: [],
    });
    expect(midRun.in_progress[0]).toMatchObject({ index: before[midRun.successes], total_doc_count: 3000 });
    expect(midRun.successes + midRun.pending + midRun.in_progress.length).toBe(3);

    const final = await h().completion(ds);
    expect(final).toEqual({
      start_time_millis: midRun.start_time_millis,
      complete: true,
      total_indices_in_data_stream: 4,
      total_indices_requiring_upgrade: 3,
      successes: 3,
      in_progress: [],
      pending: 0,
      errors: [],
    });
    await expectSuccessesOnCluster(h().es, ds, final);

    const after = await backingIndexNames(h().es, ds);
    expect(after.slice(0, 3)).toEqual(before.map(destinationIndexName).reverse());
    expect(after[3]).toMatch(/^\.ds-my-data-stream-\d{4}\.\d{2}\.\d{2}-000004$/);
    for (const old of before) await expect(h().es.indices.exists({ index: old })).resolves.toBe(false);

    const idsAfter = await allDocumentIds(h().es, ds);
    expect(duplicates(idsAfter)).toEqual([]);
    expect(new Set(idsAfter)).toEqual(new Set(idsBefore));

    const settings = await h().es.indices.getSettings({
      index: after.slice(0, 3).join(','),
      flat_settings: true,
    });
    for (const index of after.slice(0, 3)) {
      const flat = settings[index].settings as Record<string, string>;
      expect(Number(flat['index.version.created'])).toBeGreaterThanOrEqual(8_000_000);
      expect(flat['index.blocks.write']).toBeUndefined();
      expect(flat['index.number_of_replicas']).toBe('1');
      expect(flat['index.lifecycle.origination_date']).toBeDefined();
    }
  });

  it('upgrades a closed backing index and leaves it closed', async () => {
    const ds = 'closed-ds';
    const before = await h().seed(ds, [{ docCount: 500, closed: true }, { docCount: 500 }]);
    await h().service.start(h().es, ds);
    const final = await h().completion(ds);
    expect(final).toMatchObject({ successes: 2, errors: [] });
    await expectSuccessesOnCluster(h().es, ds, final);
    const migrated = destinationIndexName(before[0]);
    const [row] = await h().es.cat.indices({
      index: migrated,
      format: 'json',
      h: 'status',
      expand_wildcards: 'all',
    });
    expect(row?.status).toBe('close');
    expect(await backingIndexNames(h().es, ds)).toContain(migrated);
    await h().es.indices.open({ index: migrated });
    await expect(h().es.count({ index: migrated })).resolves.toMatchObject({ count: 500 });
  });

  it('upgrades a 7.x index holding documents without @timestamp: they get @timestamp 0, none is lost', async () => {
    const ds = 'untimed-ds';
    const before = await h().seed(ds, [{ docCount: 300, docsWithoutTimestamp: 100 }, { docCount: 50 }]);
    const idsBefore = await allDocumentIds(h().es, ds);
    expect(idsBefore).toHaveLength(350);
    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
    await h().service.start(h().es, ds);
    const final = await h().completion(ds);
    expect(final).toMatchObject({ successes: 2, errors: [] });
    await expectSuccessesOnCluster(h().es, ds, final);
    expect(new Set(await allDocumentIds(h().es, ds))).toEqual(new Set(idsBefore));
    const migrated = destinationIndexName(before[0]);
    const untimed = await h().es.count({ index: migrated, query: { term: { '@timestamp': 0 } } });
    expect(untimed.count).toBe(100);
  });

  it('keeps every acknowledged write made into the data stream during the whole run, exactly once', async () => {
    const ds = 'busy-ds';
    await h().seed(ds, [{ docCount: 2000 }, { docCount: 2000 }, { docCount: 2000 }]);
    const seeded = await allDocumentIds(h().es, ds);
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 5000 });

    const acknowledged: string[] = [];
    let writing = true;
    let batch = 0;
    const writer = (async () => {
      while (writing) {
        const ids = Array.from({ length: 20 }, (_, i) => `writer-${batch}-${i}`);
        batch += 1;
        const response = await h().es.bulk({
          operations: ids.flatMap((id) => [
            { create: { _index: ds, _id: id } },
            { '@timestamp': Date.now(), message: id },
          ]),
        });
        response.items.forEach((item, i) => {
          if (item.create?.status === 201) acknowledged.push(ids[i]);
        });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    await h().service.start(h().es, ds);
    const final = await h().completion(ds);
    writing = false;
    await writer;
    await expectSuccessesOnCluster(h().es, ds, final);

    expect(acknowledged.length).toBeGreaterThan(100);
    const ids = await allDocumentIds(h().es, ds);
    expect(duplicates(ids)).toEqual([]);
    const present = new Set(ids);
    expect(acknowledged.filter((id) => !present.has(id))).toEqual([]);
    expect(seeded.filter((id) => !present.has(id))).toEqual([]);
  });

  it('runs three copies at once with concurrency 3, never four, and rethrottles a running copy', async () => {
    const ds = 'parallel-ds';
    await h().seed(
      ds,
      [1, 2, 3, 4, 5, 6].map(() => ({ docCount: 3000 })),
    );
    // 20 s per copy (two pauses of 1,000 documents / 100 per second) until lifted: the three first copies
    // are all past the quick copy's wait, reporting progress, at once, however their starts are spread.
    const slow = 100;
    await setMigrateSettings(h().es, { maxConcurrentIndices: 3, maxRequestsPerSecond: slow });

    await h().service.start(h().es, ds);
    let maxInProgress = 0;
    let maxRunningTasks = 0;
    let throttledWhenLifted: string[] | undefined;
    const final = await eventually(
      async () => {
        const status = await h().service.status(ds);
        maxInProgress = Math.max(maxInProgress, status.in_progress.length);
        const tasks = await h().es.tasks.list({ actions: '*reindex', detailed: true, group_by: 'none' });
        const running = Array.isArray(tasks.tasks) ? tasks.tasks : [];
        maxRunningTasks = Math.max(maxRunningTasks, running.length);
        const allThreeCopying =
          status.in_progress.length === 3 &&
          status.in_progress.every((entry) => entry.reindexed_doc_count > 0);
        if (throttledWhenLifted === undefined && allThreeCopying) {
          // Lift the throttle mid-run: the copies already running must speed up too.
          throttledWhenLifted = running
            .filter((task) => (task.status as { requests_per_second?: number }).requests_per_second === slow)
            .map((task) => `${task.node}:${task.id}`);
          await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
        }
        if (status.complete && throttledWhenLifted === undefined)
          abandonWait('it completed without three copies ever reporting progress at once');
        return status.complete ? status : undefined;
      },
      'parallel completion',
      120_000,
      25,
    );
    expect(final).toMatchObject({ successes: 6, errors: [] });
    await expectSuccessesOnCluster(h().es, ds, final);
    expect(maxInProgress).toBe(3);
    expect(maxRunningTasks).toBeLessThanOrEqual(3);
    // Elasticsearch's stored results show the running copies were rethrottled, not left at 500.
    expect(throttledWhenLifted?.length).toBeGreaterThan(0);
    const finalThrottles = await Promise.all(
      (throttledWhenLifted ?? []).map(
        async (taskId) =>
          ((await h().es.tasks.get({ task_id: taskId })).response as { requests_per_second?: number })
            .requests_per_second,
      ),
    );
    expect(finalThrottles).toContain(-1);
  });

  it("at concurrency 1, runs one copy at a time, oldest first, by Elasticsearch's records of the copies", async () => {
    const ds = 'one-at-a-time-ds';
    const seeded = await h().seed(
      ds,
      [1, 2, 3, 4, 5, 6].map(() => ({ docCount: 2000 })),
    );
    await setMigrateSettings(h().es, { maxConcurrentIndices: 1 });
    await h().service.start(h().es, ds);
    const final = await h().completion(ds);
    expect(final).toMatchObject({ successes: 6, errors: [] });
    await expectSuccessesOnCluster(h().es, ds, final);
    // Each seeded index (the write index too, rolled over first) was copied by one task.
    const intervals: { index: string; startMs: number; endMs: number }[] = [];
    for (const index of seeded) {
      const [taskId, ...more] = await copyTaskIds(h(), backingIndexWorkflowId(ds, index));
      expect(more).toEqual([]);
      const { task } = await h().es.tasks.get({ task_id: String(taskId) });
      const startMs = Number(task.start_time_in_millis);
      intervals.push({ index, startMs, endMs: startMs + Number(task.running_time_in_nanos) / 1e6 });
    }
    intervals.sort((a, b) => a.startMs - b.startMs);
    expect(intervals.map((copy) => copy.index)).toEqual(seeded);
    // Elasticsearch records starts in whole milliseconds: one in the millisecond of the end before is after it.
    for (let n = 1; n < intervals.length; n += 1) {
      expect(intervals[n].startMs).toBeGreaterThanOrEqual(Math.floor(intervals[n - 1].endMs));
    }
  });

  it.each([
    ['through the API, which signals running upgrades', true],
    ['straight on the cluster, read and passed on by a running copy', false],
  ])('takes a concurrency change made %s', async (_how, notify) => {
    const ds = notify ? 'widening-ds' : 'cluster-setting-ds';
    await h().seed(
      ds,
      [1, 2, 3, 4].map(() => ({ docCount: 3000 })),
    );
    // 10 s per copy until lifted: the first one still runs, in the heartbeated copy activity that reads
    // the cluster's setting, when the change comes, on any machine.
    await setMigrateSettings(h().es, { maxConcurrentIndices: 1, maxRequestsPerSecond: 200 });
    await h().service.start(h().es, ds);
    await h().copying(ds);

    await setMigrateSettings(h().es, { maxConcurrentIndices: 3 });
    // What `PUT /_cluster/settings` on the HTTP API does after storing the setting.
    if (notify) await h().service.notifyMaxConcurrentIndices(3);
    await eventually(
      async () => {
        const status = await h().service.status(ds);
        if (status.in_progress.length === 3) return true;
        if (status.complete || status.in_progress.length + status.pending < 3)
          abandonWait(`fewer than three indices are left to copy: ${JSON.stringify(status)}`);
        return undefined;
      },
      'three copies',
      60_000,
    );
    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
    const final = await h().completion(ds);
    expect(final).toMatchObject({ successes: 4, errors: [] });
    await expectSuccessesOnCluster(h().es, ds, final);
  });

  it('shows state in search attributes, for the Web UI and for list', async () => {
    const ds = 'visible-ds';
    await h().seed(ds, [{ docCount: 10 }, { docCount: 10 }]);
    await h().service.start(h().es, ds);
    await expectSuccessesOnCluster(h().es, ds, await h().completion(ds));
    const [listed] = (await h().service.list()).filter((task) => task.data_stream === ds);
    expect(listed).toMatchObject({
      data_stream: ds,
      workflow_id: 'reindex-data-stream-visible-ds',
      state: 'completed',
    });
    const description = await h().env.client.workflow.getHandle('reindex-data-stream-visible-ds').describe();
    expect(description.typedSearchAttributes.get(DATA_STREAM_SEARCH_ATTRIBUTE)).toBe(ds);
    expect(description.typedSearchAttributes.get(REINDEX_STATE_SEARCH_ATTRIBUTE)).toBe('completed');
  });

  it('plans without changing anything: which indices, in order, with documents and sizes', async () => {
    const ds = 'planned-ds';
    const names = await h().seed(ds, [{ docCount: 30 }, { docCount: 20, closed: true }, { docCount: 10 }]);
    const settingsBefore = await h().es.indices.getSettings({ index: names.join(','), flat_settings: true });
    const plan = await h().service.plan(h().es, ds);
    expect(plan.data_stream).toBe(ds);
    expect(plan.write_index).toBe(names[2]);
    expect(
      plan.backing_indices.map((entry) => [entry.index, entry.needs_upgrade, entry.closed, entry.doc_count]),
    ).toEqual([
      [names[0], true, false, 30],
      [names[1], true, true, null],
      [names[2], true, false, 10],
    ]);
    expect(plan.backing_indices[0].size_in_bytes).toBeGreaterThan(0);
    expect(await backingIndexNames(h().es, ds)).toEqual(names);
    expect(await h().es.indices.getSettings({ index: names.join(','), flat_settings: true })).toEqual(
      settingsBefore,
    );
  });

  itOnSandbox('plans with read requests only', 'request counters', async () => {
    const ds = 'planned-reads-ds';
    await h().seed(ds, [{ docCount: 30 }, { docCount: 20, closed: true }, { docCount: 10 }]);
    const requestsBefore = h().controls().requestCounts();
    await h().service.plan(h().es, ds);
    const writes = Object.entries(h().controls().requestCounts()).filter(
      ([route, count]) => !route.startsWith('GET ') && count !== (requestsBefore[route] ?? 0),
    );
    expect(writes).toEqual([]);
  });

  it('continues as new when a run reaches its index budget, and still finishes every index', async () => {
    const ds = 'many-ds';
    await h().seed(
      ds,
      [1, 2, 3, 4, 5].map(() => ({ docCount: 50 })),
    );
    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1, maxConcurrentIndices: 2 });
    const service = new ReindexService({
      temporal: h().env.client,
      taskQueue: h().taskQueue,
      statusRetentionMs: 60_000,
      maxIndicesPerRun: 2,
    });
    await service.start(h().es, ds);
    const final = await eventually(
      async () => {
        const status = await service.status(ds);
        return status.complete ? status : undefined;
      },
      'completion across runs',
      90_000,
    );
    expect(final).toMatchObject({ total_indices_requiring_upgrade: 5, successes: 5, pending: 0, errors: [] });
    await expectSuccessesOnCluster(h().es, ds, final);

    const handle = h().env.client.workflow.getHandle<typeof reindexDataStream>('reindex-data-stream-many-ds');
    const runs = [];
    for await (const run of h().env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` }))
      runs.push(run);
    // 5 indices, 2 per run: three runs, two of them ended by continue-as-new.
    expect(runs.filter((run) => run.status.name === 'CONTINUED_AS_NEW')).toHaveLength(2);
  });
});
