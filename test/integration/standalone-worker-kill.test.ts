import type { ChildProcess } from 'node:child_process';
import { clusterCompletion, clusterService } from './cluster-helpers';
import {
  allDocumentIds,
  copyResults,
  duplicates,
  eventually,
  exited,
  setMigrateSettings,
  startWorkerProcess,
  useUpgradeHarness,
} from '../support';
import { standaloneIndexWorkflowId } from '../../src/shared/names';

const V7_17_0 = 7_170_099;

// A standalone index's copy survives its worker: the reindex task goes on in Elasticsearch, and the
// next worker re-attaches to it from the copy activity's heartbeat (on the sandbox and the real node).
describe('a worker killed in the middle of a standalone index copy', () => {
  const h = useUpgradeHarness('standalone-worker-kill', { worker: false });
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
  });

  it('completes after a restart on the same reindex task, losing and duplicating nothing', async () => {
    const es = h().es;
    const index = 'sa-killed';
    await es.indices.delete({ index: `migrated-${index}`, ignore_unavailable: true });
    await es.indices.delete({ index, ignore_unavailable: true });
    await es.indices.create({ index, aliases: { [`${index}-read`]: {} } });
    for (let batch = 0; batch < 12; batch += 1) {
      await es.bulk({
        operations: Array.from({ length: 1000 }, (_, n) => [
          { create: { _index: index, _id: `d${batch * 1000 + n}` } },
          { n: batch * 1000 + n },
        ]).flat(),
      });
    }
    await es.indices.refresh({ index });
    await h().target.markCreatedBy(index, V7_17_0);
    const seeded = await allDocumentIds(es, index);
    // 22 s of copying at 500 documents/s: still running when the worker is killed after 2,000 documents.
    await setMigrateSettings(es, { maxRequestsPerSecond: 500 });

    const doomed = startWorkerProcess(h());
    children.push(doomed);
    const service = clusterService(h());
    await service.start(
      await service.prepareStart(es, {
        pattern: 'sa-none-*',
        includeSystem: false,
        readOnly: { kind: 'none' },
        indices: index,
        maxDataStreams: 1,
      }),
    );
    const copying = (): Promise<{ node?: string; id?: number; created: number }[]> =>
      es.tasks.list({ actions: '*reindex', detailed: true, group_by: 'none' }).then((tasks) =>
        (Array.isArray(tasks.tasks) ? tasks.tasks : [])
          .filter((task) => task.description?.startsWith(`reindex from [${index}]`))
          .map((task) => ({
            node: task.node,
            id: task.id,
            created: Number((task.status as { created?: number } | undefined)?.created ?? 0),
          })),
      );
    const [running] = await eventually(async () => {
      const tasks = await copying();
      return tasks.length === 1 && (tasks[0]?.created ?? 0) >= 2000 ? tasks : undefined;
    }, 'the copy to pass 2,000 documents');
    doomed.kill('SIGKILL');
    await exited(doomed);

    await setMigrateSettings(es, { maxRequestsPerSecond: -1 });
    const survivor = startWorkerProcess(h());
    children.push(survivor);
    const final = await clusterCompletion(service, 240_000);
    expect(final.standalone_indices?.finished).toMatchObject([
      { index, outcome: 'upgraded', documents: 12000, aliases_moved: [`${index}-read`] },
    ]);
    // One task for the index: the restarted worker re-attached to it instead of starting another.
    const [result] = await copyResults(h(), standaloneIndexWorkflowId(index));
    expect(result).toMatchObject({ taskId: `${running?.node}:${running?.id}`, tasksStarted: 1 });
    const ids = await allDocumentIds(es, `${index}-read`);
    expect(duplicates(ids)).toEqual([]);
    expect(new Set(ids)).toEqual(new Set(seeded));
    survivor.kill('SIGTERM');
    await exited(survivor);
    await setMigrateSettings(es, { maxRequestsPerSecond: null });
  }, 300_000);
});
