import {
  abandonWait,
  allDocumentIds,
  copyResults,
  duplicates,
  eventually,
  expectSuccessesOnCluster,
  setMigrateSettings,
  useUpgradeHarness,
} from '../support';
import { clusterCompletion, clusterService } from './cluster-helpers';
import { backingIndexWorkflowId, destinationIndexName } from '../../src/shared/names';

// Pausing one data stream's upgrade (beyond Elasticsearch) end to end: a real worker, a real Temporal
// server and Elasticsearch (the sandbox, or the real node at ES_URL).
describe('pausing an upgrade', () => {
  const h = useUpgradeHarness('pause-resume');

  /** Waits until no reindex task runs on the cluster: the copies in flight have stopped. */
  const noCopyRunning = () =>
    eventually(
      async () => {
        const { tasks } = await h().es.tasks.list({ actions: '*reindex', detailed: true, group_by: 'none' });
        const running = Array.isArray(tasks) ? tasks : Object.values(tasks ?? {});
        return running.length === 0 ? true : undefined;
      },
      'the reindex tasks to stop',
      60_000,
    );

  it('stops the copy in flight with now, and resumes it without copying again what it had copied', async () => {
    const ds = 'paused-ds';
    const [source] = await h().seed(ds, [{ docCount: 4000 }, { docCount: 200 }]);
    const destination = destinationIndexName(source);
    // Slow enough to pause mid-copy on any machine (12 s: three pauses of 1,000 documents / 250 per
    // second); the resumed copy runs unthrottled.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 250 });
    await h().service.start(h().es, ds);
    // A quarter of the first index copied.
    await h().copying(ds, { index: source, atLeastDocs: 1000 });

    // Answered once the workflow has applied it, with the pause as it then is.
    const answer = await h().service.pause(ds, true);
    expect(answer).toMatchObject({ acknowledged: true, paused: true, now: true });
    // Stopped: no reindex task left writing into the destination.
    await noCopyRunning();
    await h().es.indices.refresh({ index: destination });
    const copiedBeforePause = (await h().es.count({ index: destination })).count;
    expect(copiedBeforePause).toBeGreaterThan(0);
    expect(copiedBeforePause).toBeLessThan(4000);
    const paused = await h().service.status(ds, true);
    expect(paused).toMatchObject({ complete: false, successes: 0, pending: 1, errors: [] });
    expect(paused.in_progress.map((entry) => entry.index)).toEqual([source]);
    expect(paused.paused).toMatchObject({ now: true, since: expect.any(String) as unknown });
    expect(paused.paused?.since_millis).toBe(answer.paused ? answer.since_millis : undefined);

    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
    await expect(h().service.resume(ds)).resolves.toEqual({ acknowledged: true, paused: false });
    const final = await h().completion(ds);
    expect(final).toMatchObject({ complete: true, successes: 2, errors: [] });
    expect(final).not.toHaveProperty('paused');
    await expectSuccessesOnCluster(h().es, ds, final);

    // The stopped copy was cancelled; the one that completed is the resumed copy, whose task created only
    // what the stopped one had not, and skipped the rest as already there (`op_type: create`).
    const copies = await copyResults(h(), backingIndexWorkflowId(ds, source));
    expect(copies).toHaveLength(1);
    const resumedTask = await h().es.tasks.get({ task_id: String(copies[0].taskId) });
    const counters = resumedTask.task.status as { created: number; version_conflicts: number; total: number };
    expect(counters).toMatchObject({ total: 4000, version_conflicts: copiedBeforePause });
    expect(counters.created).toBe(4000 - copiedBeforePause);
    const ids = await allDocumentIds(h().es, ds);
    expect(ids).toHaveLength(4200);
    expect(duplicates(ids)).toEqual([]);
  });

  it('pauses the upgrades a cluster run started, stopping their copies with now, and resumes them', async () => {
    await h().seed('cluster-pause-a', [{ docCount: 4000 }, { docCount: 10 }]);
    // 12 s of copying: the pause reaches the upgrade while its first copy still runs, on any machine.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 250 });
    const cluster = clusterService(h());
    await cluster.start(
      await cluster.prepareStart(h().es, {
        pattern: 'cluster-pause-*',
        includeSystem: false,
        readOnly: { kind: 'none' },
        maxDataStreams: 1,
      }),
    );
    await h().copying('cluster-pause-a');

    expect(await cluster.pause(true)).toMatchObject({ acknowledged: true, paused: true, now: true });
    const paused = await eventually(
      async () => {
        const status = await h().service.status('cluster-pause-a');
        if (status.complete)
          abandonWait(`it completed before the pause reached it: ${JSON.stringify(status)}`);
        return status.paused?.now === true ? status : undefined;
      },
      "the data stream's own status to say paused",
      60_000,
    );
    expect(paused).toMatchObject({ complete: false, errors: [] });
    await noCopyRunning();

    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
    expect(await cluster.resume()).toEqual({ acknowledged: true, paused: false });
    const final = await clusterCompletion(cluster);
    expect(final).toMatchObject({ state: 'completed', complete: true });
    const upgraded = await h().service.status('cluster-pause-a');
    expect(upgraded).toMatchObject({ complete: true, successes: 2, errors: [] });
    expect(upgraded).not.toHaveProperty('paused');
    await expectSuccessesOnCluster(h().es, 'cluster-pause-a', upgraded);
    const ids = await allDocumentIds(h().es, 'cluster-pause-a');
    expect(ids).toHaveLength(4010);
    expect(duplicates(ids)).toEqual([]);
  });
});
