import { errors, type Client } from '@elastic/elasticsearch';
import { createEsTarget, eventually, type EsTarget } from '../support';
import { expectEsError, uniqueName } from './fidelity-helpers';

interface ReindexStatus {
  total: number;
  created: number;
  updated: number;
  batches: number;
  version_conflicts: number;
  requests_per_second: number;
  throttled_millis: number;
  throttled_until_millis: number;
}

interface TaskResponse extends ReindexStatus {
  failures: Array<{ index: string; id: string; status: number; cause: { type: string; reason: string } }>;
  canceled?: string;
  timed_out: boolean;
}

describe('fidelity: _reindex and the tasks API', () => {
  let target: EsTarget;
  let es: Client;

  beforeAll(async () => {
    target = await createEsTarget();
    es = target.client;
  });
  afterAll(async () => {
    await target.close();
  });

  /** A plain index with `count` refreshed docs `{@timestamp?, n}` with ids `d<n>`. */
  async function sourceIndex(count: number, withoutTimestamp = 0): Promise<string> {
    const name = uniqueName('src');
    await es.indices.create({ index: name, settings: { number_of_replicas: 0 } });
    const operations: object[] = [];
    for (let n = 0; n < count; n++) {
      operations.push({ index: { _index: name, _id: `d${n}` } });
      operations.push(
        n < withoutTimestamp ? { n } : { '@timestamp': new Date(1_700_000_000_000 + n).toISOString(), n },
      );
    }
    for (let i = 0; i < operations.length; i += 2000) {
      const res = await es.bulk({ operations: operations.slice(i, i + 2000) });
      expect(res.errors).toBe(false);
    }
    await es.indices.refresh({ index: name });
    return name;
  }

  async function ids(index: string): Promise<string[]> {
    await es.indices.refresh({ index });
    const res = await es.search({ index, size: 10_000, _source: false });
    return res.hits.hits.map((h) => h._id ?? '').sort();
  }

  /** A synchronous `_reindex` that must fail with `status`: its response body, failures included. */
  async function failedReindex(call: Promise<unknown>, status: number): Promise<TaskResponse> {
    const err = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(errors.ResponseError);
    const meta = (err as errors.ResponseError).meta;
    expect(meta.statusCode).toBe(status);
    return meta.body as TaskResponse;
  }

  async function taskResult(taskId: string): Promise<{ response?: TaskResponse; error?: { type: string } }> {
    await eventually(async () => (await es.tasks.get({ task_id: taskId })).completed);
    return await es.tasks.get({ task_id: taskId });
  }

  test('synchronous reindex keeps _id and _source and answers the final counters', async () => {
    const src = await sourceIndex(250);
    const dest = uniqueName('dest');
    const res = await es.reindex({ source: { index: src, size: 100 }, dest: { index: dest }, refresh: true });
    expect(res).toEqual(
      expect.objectContaining({
        total: 250,
        created: 250,
        updated: 0,
        deleted: 0,
        batches: 3,
        version_conflicts: 0,
        noops: 0,
        failures: [],
      }),
    );
    expect(res.timed_out).toBe(false);
    expect(res.retries).toEqual({ bulk: 0, search: 0 });
    expect(await ids(dest)).toEqual(await ids(src));
    expect((await es.get({ index: dest, id: 'd7' }))._source).toEqual(
      (await es.get({ index: src, id: 'd7' }))._source,
    );
    await es.indices.delete({ index: [src, dest] });
  });

  test('max_docs limits the copy and refresh makes the destination searchable', async () => {
    const src = await sourceIndex(120);
    const dest = uniqueName('dest');
    const res = await es.reindex({
      source: { index: src, size: 50 },
      dest: { index: dest },
      max_docs: 70,
      refresh: true,
    });
    expect(res).toEqual(expect.objectContaining({ total: 70, created: 70, batches: 2 }));
    expect((await es.count({ index: dest })).count).toBe(70);
    await es.indices.delete({ index: [src, dest] });
  });

  test('async reindex: task id, live progress under requests_per_second, stored result', async () => {
    const src = await sourceIndex(600);
    const dest = uniqueName('dest');
    // 2 s per batch of 50 (22 s in all) until lifted below: it is running, part-way, whenever the test
    // looks, however slow the machine.
    const started = await es.reindex({
      source: { index: src, size: 50 },
      dest: { index: dest },
      wait_for_completion: false,
      requests_per_second: 25,
    });
    const taskId = String(started.task);
    expect(taskId).toMatch(/^[^:]+:\d+$/);
    // `total` is known once the task's first search has answered; until then it is 0.
    const running = await eventually(async () => {
      const task = await es.tasks.get({ task_id: taskId });
      return (task.task.status as unknown as ReindexStatus).total > 0 ? task : undefined;
    });
    expect(running.completed).toBe(false);
    expect(running.task.action).toBe('indices:data/write/reindex');
    expect(running.task.cancellable).toBe(true);
    expect(typeof running.task.start_time_in_millis).toBe('number');
    expect(typeof running.task.running_time_in_nanos).toBe('number');
    const status = running.task.status as unknown as ReindexStatus;
    expect(status.total).toBe(600);
    expect(status.requests_per_second).toBe(25);
    expect(status.created).toBeLessThan(600);

    // Progress between start and end: past the first batch and one throttled pause, not done.
    const partWay = await eventually(
      async () => {
        const t = await es.tasks.get({ task_id: taskId });
        const created = (t.task.status as unknown as ReindexStatus).created;
        return created > 50 ? created : undefined;
      },
      'a second batch',
      60_000,
    );
    expect(partWay).toBeLessThan(600);
    await es.reindexRethrottle({ task_id: taskId, requests_per_second: -1 });
    const done = await taskResult(taskId);
    expect(done.response).toEqual(
      expect.objectContaining({ total: 600, created: 600, batches: 12, failures: [] }),
    );
    expect(done.response?.throttled_millis).toBeGreaterThan(0);
    const listed = await es.tasks.get({ task_id: taskId });
    expect(listed.completed).toBe(true);
    await es.indices.delete({ index: [src, dest] });
  });

  test('tasks list with actions filter and detailed descriptions', async () => {
    const src = await sourceIndex(100);
    const dest = uniqueName('dest');
    const started = await es.reindex({
      source: { index: src, size: 10 },
      dest: { index: dest },
      wait_for_completion: false,
      // 5 s per batch of 10 (45 s in all): still running when it is listed, on any machine; cancelled below.
      requests_per_second: 2,
    });
    const taskId = String(started.task);
    const list = await es.tasks.list({ actions: '*reindex', detailed: true });
    const tasks = Object.values(list.nodes ?? {}).flatMap((node) => Object.entries(node.tasks ?? {}));
    const mine = tasks.find(([id]) => id === taskId)?.[1];
    expect(mine?.action).toBe('indices:data/write/reindex');
    expect(mine?.description).toBe(`reindex from [${src}] to [${dest}]`);
    const flat = await es.tasks.list({ actions: '*reindex', detailed: true, group_by: 'none' });
    expect(Array.isArray(flat.tasks)).toBe(true);
    const flatMine = (Array.isArray(flat.tasks) ? flat.tasks : []).find(
      (t) => `${t.node}:${t.id}` === taskId,
    );
    expect(flatMine?.action).toBe('indices:data/write/reindex');
    const byParent = await es.tasks.list({ actions: '*reindex', group_by: 'parents' });
    expect(Object.keys(byParent.tasks ?? {})).toContain(taskId);
    await es.tasks.cancel({ task_id: taskId });
    await taskResult(taskId);
    // A cancel before the first batch leaves no destination.
    await es.indices.delete({ index: [src, dest], ignore_unavailable: true });
  });

  test('cancel ends the task with canceled "by user request"', async () => {
    const src = await sourceIndex(200);
    const dest = uniqueName('dest');
    const started = await es.reindex({
      source: { index: src, size: 10 },
      dest: { index: dest },
      wait_for_completion: false,
      // 5 s between batches of 10: the task spends nearly all its time asleep.
      requests_per_second: 2,
    });
    const taskId = String(started.task);
    // Only a cancel that finds the task asleep between batches ends it with `canceled`. One that lands
    // while a search or bulk of the task is in flight fails that child request (it is cancelled with its
    // parent), and the task ends with the child's task_cancelled_exception instead: wait for a batch
    // written and a sleep with seconds left, so that the cancel cannot meet a request on a slow machine.
    await eventually(async () => {
      const status = (await es.tasks.get({ task_id: taskId })).task.status as ReindexStatus;
      return status.created > 0 && status.throttled_until_millis > 2_000;
    });
    const cancelled = await es.tasks.cancel({ task_id: taskId });
    const node = Object.values(cancelled.nodes ?? {})[0];
    expect(Object.keys(node?.tasks ?? {})).toContain(taskId);
    const done = await taskResult(taskId);
    expect(done.response?.canceled).toBe('by user request');
    expect(done.response?.created).toBeLessThan(200);
    // A cancelled task's throttle is lifted so that it stops at once.
    expect(done.response?.requests_per_second).toBe(-1);
    await es.indices.delete({ index: [src, dest] });
  });

  test('rethrottle takes effect on the next batch', async () => {
    const src = await sourceIndex(300);
    const dest = uniqueName('dest');
    const started = await es.reindex({
      source: { index: src, size: 10 },
      dest: { index: dest },
      wait_for_completion: false,
      requests_per_second: 5,
    });
    const taskId = String(started.task);
    const res = await es.reindexRethrottle({ task_id: taskId, requests_per_second: -1 });
    const node = Object.values(res.nodes ?? {})[0];
    expect(Object.keys(node?.tasks ?? {})).toContain(taskId);
    const done = await taskResult(taskId);
    expect(done.response?.created).toBe(300);
    expect(done.response?.requests_per_second).toBe(-1);
    await es.indices.delete({ index: [src, dest] });
  });

  test('waiting for a task: 500 timeout_exception while it runs, its stored result once it ends', async () => {
    const src = await sourceIndex(100);
    const dest = uniqueName('dest');
    const started = await es.reindex({
      source: { index: src, size: 10 },
      dest: { index: dest },
      wait_for_completion: false,
      requests_per_second: 5,
    });
    const taskId = String(started.task);
    // The copy activity waits this way and treats exactly this answer as "still running".
    await expectEsError(es.tasks.get({ task_id: taskId, wait_for_completion: true, timeout: '1500ms' }), {
      status: 500,
      type: 'timeout_exception',
      reason: 'timed out after [1.5s/1500ms]',
    });
    await es.reindexRethrottle({ task_id: taskId, requests_per_second: -1 });
    const done = await es.tasks.get({ task_id: taskId, wait_for_completion: true, timeout: '30s' });
    expect(done.completed).toBe(true);
    expect((done.response as TaskResponse | undefined)?.created).toBe(100);
    await es.indices.delete({ index: [src, dest] });
  });

  test('unknown and malformed task ids', async () => {
    const started = await es.reindex({
      source: { index: await sourceIndex(1) },
      dest: { index: uniqueName('dest') },
      wait_for_completion: false,
    });
    const node = String(started.task).split(':')[0] ?? '';
    await taskResult(String(started.task));
    const unknown = `${node}:987654321`;
    await expectEsError(es.tasks.get({ task_id: unknown }), {
      status: 404,
      type: 'resource_not_found_exception',
      reason: `task [${unknown}] isn't running and hasn't stored its results`,
    });
    // Cancel and rethrottle go through the tasks actions, which answer 200 with a node failure.
    const nodeFailure = (missing: string): unknown => ({
      node_failures: [
        {
          type: 'failed_node_exception',
          reason: `Failed node [${node}]`,
          node_id: node,
          caused_by: { type: 'resource_not_found_exception', reason: `task [${unknown}] ${missing}` },
        },
      ],
      nodes: {},
    });
    expect(await es.tasks.cancel({ task_id: unknown })).toEqual(nodeFailure('is not found'));
    expect(await es.reindexRethrottle({ task_id: unknown, requests_per_second: 10 })).toEqual(
      nodeFailure('is missing'),
    );
    await expectEsError(es.tasks.get({ task_id: 'not-a-task-id' }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason: 'malformed task id not-a-task-id',
    });
  });

  test('op_type create: conflicts=abort fails with a 409 and the failures, conflicts=proceed counts and continues', async () => {
    const src = await sourceIndex(50);
    const dest = uniqueName('dest');
    await es.indices.create({ index: dest, settings: { number_of_replicas: 0 } });
    await es.bulk({
      refresh: true,
      operations: [
        { index: { _index: dest, _id: 'd3' } },
        { n: -1 },
        { index: { _index: dest, _id: 'd40' } },
        { n: -1 },
      ],
    });
    // A synchronous reindex with failures answers the highest failure status, with the whole body.
    const aborted = await failedReindex(
      es.reindex({ source: { index: src }, dest: { index: dest, op_type: 'create' } }),
      409,
    );
    expect(aborted.version_conflicts).toBeGreaterThan(0);
    expect(aborted.failures.length).toBeGreaterThan(0);
    const failure = aborted.failures[0];
    expect(failure?.status).toBe(409);
    expect(failure?.cause.type).toBe('version_conflict_engine_exception');

    const dest2 = uniqueName('dest');
    await es.indices.create({ index: dest2, settings: { number_of_replicas: 0 } });
    await es.bulk({ refresh: true, operations: [{ index: { _index: dest2, _id: 'd3' } }, { n: -1 }] });
    const proceeded = await es.reindex({
      source: { index: src },
      dest: { index: dest2, op_type: 'create' },
      conflicts: 'proceed',
      refresh: true,
    });
    expect(proceeded).toEqual(
      expect.objectContaining({ total: 50, created: 49, version_conflicts: 1, failures: [] }),
    );
    expect((await es.get({ index: dest2, id: 'd3' }))._source).toEqual({ n: -1 });
    await es.indices.delete({ index: [src, dest, dest2] });
  });

  test('a write-blocked destination yields bulk failures and a 403', async () => {
    const src = await sourceIndex(10);
    const dest = uniqueName('dest');
    await es.indices.create({ index: dest, settings: { number_of_replicas: 0 } });
    await es.indices.addBlock({ index: dest, block: 'write' });
    const res = await failedReindex(es.reindex({ source: { index: src }, dest: { index: dest } }), 403);
    expect(res.created).toBe(0);
    expect(res.failures.length).toBeGreaterThan(0);
    expect(res.failures[0]?.cause.type).toBe('cluster_block_exception');
    expect(res.failures[0]?.cause.reason).toBe(
      `index [${dest}] blocked by: [FORBIDDEN/8/index write (api)];`,
    );
    await es.indices.putSettings({ index: dest, settings: { 'index.blocks.write': false } });
    await es.indices.delete({ index: [src, dest] });
  });

  test('reindex from a missing index is index_not_found_exception', async () => {
    const missing = uniqueName('missing');
    await expectEsError(es.reindex({ source: { index: missing }, dest: { index: uniqueName('dest') } }), {
      status: 404,
      type: 'index_not_found_exception',
      reason: `no such index [${missing}]`,
    });
  });

  test('dest.pipeline with set override:false fills only a missing @timestamp (ES migrate pattern)', async () => {
    const pipeline = uniqueName('pipe');
    await es.ingest.putPipeline({
      id: pipeline,
      processors: [{ set: { field: '@timestamp', value: 0, override: false } }],
    });
    const src = await sourceIndex(20, 5);
    const dest = uniqueName('dest');
    // The destination exists with the source's mapping first, as in the migrate plugin: into a missing
    // index, dynamic mapping would map @timestamp as `long` from the first `0` and refuse later dates.
    await es.indices.create({
      index: dest,
      settings: { number_of_replicas: 0 },
      mappings: { properties: { '@timestamp': { type: 'date' }, n: { type: 'long' } } },
    });
    const res = await es.reindex({ source: { index: src }, dest: { index: dest, pipeline }, refresh: true });
    expect(res.created).toBe(20);
    expect((await es.get({ index: dest, id: 'd0' }))._source).toEqual({ n: 0, '@timestamp': 0 });
    const kept = (await es.get<{ '@timestamp': string }>({ index: dest, id: 'd10' }))._source;
    expect(kept?.['@timestamp']).toBe(new Date(1_700_000_000_010).toISOString());
    await es.ingest.deletePipeline({ id: pipeline });
    await es.indices.delete({ index: [src, dest] });
  });
});
