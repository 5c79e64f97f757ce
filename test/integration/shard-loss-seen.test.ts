import type { Client as TemporalClient } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { eventually, REAL_CLUSTER_URL, TEST_WORKER_CONFIG, useScratchIndices } from '../support';
import { CopyTaskRequests, type CopyTarget } from '../../src/activities/copy-task-requests';
import type { ReindexTaskState } from '../../src/elasticsearch/reindex-task';

/**
 * When the only copy of a source shard leaves with a node, Elasticsearch fails the copy's search as "all
 * shards failed" and names no shard (it leaves unassigned shards out of a search's failures). The copy
 * must read that as ended short for want of a shard, wait for it and copy on, and not fail the index; a
 * copy that failed on its data stays failed. A primary that no node may hold (allocation required on a node
 * that does not exist) is such a shard, on a single node. The sandbox has no unassigned shards.
 */
const describeOnRealElasticsearch = REAL_CLUSTER_URL === undefined ? describe.skip : describe;

describeOnRealElasticsearch('a copy that failed for want of a shard [real Elasticsearch only]', () => {
  const scratch = useScratchIndices();
  const run = <T>(step: () => Promise<T>): Promise<T> => new MockActivityEnvironment().run(step);

  /** Copies `copy.sourceIndex` into `copy.destinationIndex` and reads the task's end as the copy does. */
  async function copyEnd(copy: CopyTarget): Promise<ReindexTaskState | undefined> {
    const es = scratch.es();
    const task = await es.reindex({
      wait_for_completion: false,
      source: { index: copy.sourceIndex },
      dest: { index: copy.destinationIndex, op_type: 'create' },
    });
    const requests = new CopyTaskRequests({ es, worker: TEST_WORKER_CONFIG, temporal: {} as TemporalClient });
    return eventually(
      async () => {
        const state = await run(() => requests.read(copy, String(task.task)));
        return state?.kind === 'running' ? undefined : state;
      },
      'the copy task to end',
      30_000,
      100,
    );
  }

  it('reads a copy whose source shard no node holds as ended short, not failed', async () => {
    const sourceIndex = await scratch.shardless('shardless-source');
    const destinationIndex = scratch.name('shardless-destination');
    await scratch
      .es()
      .indices.create({ index: destinationIndex, settings: { 'index.number_of_replicas': 0 } });

    const state = await copyEnd({ dataStream: '', sourceIndex, destinationIndex, standalone: true });

    expect(state).toMatchObject({ kind: 'interrupted' });
    expect(state?.kind === 'interrupted' ? state.message : '').toContain(
      `Failure reading data from ${sourceIndex}`,
    );
  });

  it('keeps a copy that failed on its data failed', async () => {
    const es = scratch.es();
    const sourceIndex = scratch.name('text-source');
    const destinationIndex = scratch.name('number-destination');
    await es.index({ index: sourceIndex, id: '1', document: { n: 'not a number' }, refresh: true });
    await es.indices.create({
      index: destinationIndex,
      settings: { 'index.number_of_replicas': 0 },
      mappings: { properties: { n: { type: 'long' } } },
    });

    const state = await copyEnd({ dataStream: '', sourceIndex, destinationIndex, standalone: true });

    expect(state).toMatchObject({ kind: 'failed' });
    expect(state?.kind === 'failed' ? state.message : '').toContain(
      `Failure loading data from ${sourceIndex} into ${destinationIndex}`,
    );
  });
});
