import type { ChildProcess } from 'node:child_process';
import {
  copyResults,
  allDocumentIds,
  duplicates,
  eventually,
  exited,
  expectSuccessesOnCluster,
  itOnRestartableNode,
  itOnSandbox,
  restartRealNode,
  setMigrateSettings,
  startWorkerProcess,
  useUpgradeHarness,
  type UpgradeHarness,
} from '../support';

/** The result of the index's `copyDocuments` activity, as the child workflow's history recorded it. */
async function copyResult(h: UpgradeHarness, workflowId: string): Promise<Record<string, unknown>> {
  const [result] = await copyResults(h, workflowId);
  if (result === undefined) throw new Error(`no completed copyDocuments in ${workflowId}`);
  return result;
}

describe('a worker killed in the middle of a copy', () => {
  const h = useUpgradeHarness('worker-kill', { worker: false });
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
  });

  it('completes after a restart, re-attaching to the running reindex task, losing and duplicating nothing', async () => {
    const ds = 'killed-ds';
    const [first] = await h().seed(ds, [{ docCount: 12000 }, { docCount: 500 }]);
    const seeded = await allDocumentIds(h().es, ds);
    // 22 s of copying (eleven pauses of 1,000 documents / 500 per second): still running when the
    // worker is killed after 2,000 documents, however slowly this machine gets there.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 500 });

    const doomed = startWorkerProcess(h());
    children.push(doomed);
    await h().service.start(h().es, ds);
    await h().copying(ds, { index: first, atLeastDocs: 2000 });
    // The Elasticsearch task copying the first index, as the cluster lists it.
    const tasks = await h().es.tasks.list({ actions: '*reindex', detailed: true, group_by: 'none' });
    const running = (Array.isArray(tasks.tasks) ? tasks.tasks : []).filter((task) =>
      task.description?.startsWith(`reindex from [${first}]`),
    );
    expect(running).toHaveLength(1);
    const taskId = `${running[0]?.node}:${running[0]?.id}`;
    doomed.kill('SIGKILL');
    await exited(doomed);

    // The Elasticsearch task carries on without any worker; let it finish while nobody watches.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
    const survivor = startWorkerProcess(h());
    children.push(survivor);
    const final = await h().completion(ds, 120_000);
    expect(final).toMatchObject({ successes: 2, errors: [] });
    await expectSuccessesOnCluster(h().es, ds, final);
    // One task for the index: the restarted worker re-attached to it instead of starting another.
    expect(await copyResult(h(), `reindex-data-stream-${ds}/${first}`)).toMatchObject({
      taskId,
      tasksStarted: 1,
      reindexedDocCount: 12000,
    });

    const ids = await allDocumentIds(h().es, ds);
    expect(duplicates(ids)).toEqual([]);
    expect(new Set(ids)).toEqual(new Set(seeded));
    survivor.kill('SIGTERM');
    await exited(survivor);
    // The heartbeat timeout (REINDEX_HEARTBEAT_TIMEOUT_MS) must pass before the killed attempt is retried.
  }, 300_000);

  itOnRestartableNode(
    'resumes a copy whose reindex task Elasticsearch lost in a restart, skipping what was copied',
    async () => {
      const ds = 'es-restart-ds';
      const [first] = await h().seed(ds, [{ docCount: 8000 }, { docCount: 100 }]);
      const seeded = await allDocumentIds(h().es, ds);
      // 14 s of copying: the node is restarted while the task still runs, on any machine.
      await setMigrateSettings(h().es, { maxRequestsPerSecond: 500 });
      const worker = startWorkerProcess(h());
      children.push(worker);
      await h().service.start(h().es, ds);
      await h().copying(ds, { index: first, atLeastDocs: 2000 });
      // A restarted node forgets running tasks: the copy must start a new one that skips what the
      // lost one wrote (op_type create), not fail and not copy twice.
      await restartRealNode();
      await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
      const final = await h().completion(ds, 180_000);
      expect(final).toMatchObject({ successes: 2, errors: [] });
      await expectSuccessesOnCluster(h().es, ds, final);
      expect(await copyResult(h(), `reindex-data-stream-${ds}/${first}`)).toMatchObject({
        tasksStarted: 2,
        reindexedDocCount: 8000,
      });
      const ids = await allDocumentIds(h().es, ds);
      expect(duplicates(ids)).toEqual([]);
      expect(new Set(ids)).toEqual(new Set(seeded));
      worker.kill('SIGTERM');
      await exited(worker);
    },
    300_000,
  );

  itOnSandbox(
    'notices a worker killed inside a short step by its workflow task timing out, not by the step timeout',
    'fault injection (a refresh that hangs)',
    async () => {
      const ds = 'killed-step-ds';
      const [first] = await h().seed(ds, [{ docCount: 100 }, { docCount: 100 }]);
      await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
      // The refresh after blocking writes hangs, so the worker dies inside `blockSourceWrites`.
      h()
        .controls()
        .injectFault({ path: `/${first}/_refresh`, delayMs: 20_000, count: 1 });
      const refreshes = () => {
        const counts = h().controls().requestCounts();
        return (counts['GET /{index}/_refresh'] ?? 0) + (counts['POST /{index}/_refresh'] ?? 0);
      };
      const refreshesBefore = refreshes();

      const doomed = startWorkerProcess(h());
      children.push(doomed);
      await h().service.start(h().es, ds);
      await eventually(
        () => Promise.resolve(refreshes() > refreshesBefore ? true : undefined),
        'the step to be under way',
        60_000,
      );
      doomed.kill('SIGKILL');
      await exited(doomed);

      const survivor = startWorkerProcess(h());
      children.push(survivor);
      const final = await h().completion(ds, 110_000);
      expect(final).toMatchObject({ successes: 2, errors: [] });
      await expectSuccessesOnCluster(h().es, ds, final);

      const history = await h()
        .env.client.workflow.getHandle(`reindex-data-stream-${ds}/${first}`)
        .fetchHistory();
      // The short steps are local activities: the dead worker's workflow task timed out (seconds, not the
      // step's minutes), and the survivor ran the step again; no step was retried as an activity.
      const events = history.events ?? [];
      expect(events.filter((event) => event.workflowTaskTimedOutEventAttributes)).not.toHaveLength(0);
      expect(events.filter((event) => (event.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toEqual(
        [],
      );
      survivor.kill('SIGTERM');
      await exited(survivor);
    },
    200_000,
  );
});
