import { Client, errors } from '@elastic/elasticsearch';
import { SANDBOX_IDENTITY, seedDocId, type SandboxControls } from '../src';
import { eventually, expectErrorType, startTestSandbox, uniqueName, type TestSandbox } from './helpers';

describe('sandbox controls: seeding, faults, counters', () => {
  let target: TestSandbox;
  let es: Client;
  let controls: SandboxControls;

  beforeAll(async () => {
    target = await startTestSandbox();
    es = target.client;
    controls = target.controls;
  });
  afterEach(() => controls.clearFaults());
  afterAll(async () => {
    await target.close();
  });

  test('seedDataStream: old versions, closed index, missing timestamps, deterministic ids', async () => {
    const name = uniqueName('seeded');
    const seeded = await controls.seedDataStream({
      name,
      backingIndices: [
        { docCount: 30, docsWithoutTimestamp: 4 },
        { docCount: 10, closed: true, settings: { 'index.lifecycle.name': 'logs' } },
        { docCount: 5, versionCreated: SANDBOX_IDENTITY.INDEX_VERSION_CURRENT },
      ],
    });
    expect(seeded.backingIndices).toHaveLength(3);
    const ds = (await es.indices.getDataStream({ name })).data_streams[0];
    expect(ds?.indices.map((i) => i.index_name)).toEqual(seeded.backingIndices);
    expect(ds?.generation).toBe(3);
    const [first, second, write] = seeded.backingIndices as [string, string, string];
    expect(first).toMatch(new RegExp(`^\\.ds-${name}-\\d{4}\\.\\d{2}\\.\\d{2}-000001$`));
    const settings = await es.indices.getSettings({
      index: seeded.backingIndices.join(','),
      flat_settings: true,
    });
    expect(settings[first]?.settings?.['index.version.created' as never]).toBe('7170099');
    expect(settings[write]?.settings?.['index.version.created' as never]).toBe(
      String(SANDBOX_IDENTITY.INDEX_VERSION_CURRENT),
    );
    expect(settings[second]?.settings?.['index.lifecycle.name' as never]).toBe('logs');
    const cat = await es.cat.indices({ index: second, format: 'json' });
    expect(cat[0]?.status).toBe('close');
    expect((await es.count({ index: first })).count).toBe(30);
    expect(
      (await es.count({ index: first, query: { bool: { must_not: { exists: { field: '@timestamp' } } } } }))
        .count,
    ).toBe(4);
    const docs = controls.getIndexDocuments(first);
    expect(docs[0]?._id).toBe(seedDocId(first, 0));
    expect(docs[10]?._source).toEqual(
      expect.objectContaining({ n: 10, message: expect.any(String) as unknown }),
    );
    expect(ds?.indices[0]?.index_name).toBe(first);
  });

  test('seedIndex creates a plain old index', async () => {
    const name = uniqueName('plain');
    const seeded = await controls.seedIndex({ name, docCount: 12 });
    expect(seeded.name).toBe(name);
    expect((await es.count({ index: name })).count).toBe(12);
  });

  test('injectFault: next N requests answer 429 with ES body, then normal', async () => {
    controls.injectFault({ method: 'GET', path: '^/_cluster/health', status: 429, count: 2 });
    for (let i = 0; i < 2; i++) {
      await expectErrorType(es.cluster.health(), 429, 'es_rejected_execution_exception');
    }
    expect((await es.cluster.health()).cluster_name).toBe(SANDBOX_IDENTITY.CLUSTER_NAME);
  });

  test('injectFault: 503 looks like an unavailable cluster; probability 1 lasts until cleared', async () => {
    controls.injectFault({ path: /_count$/, status: 503, probability: 1 });
    const name = uniqueName('p');
    await es.indices.create({ index: name });
    for (let i = 0; i < 3; i++) {
      await expectErrorType(
        es.count({ index: name }),
        503,
        'cluster_block_exception',
        'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];',
      );
    }
    controls.clearFaults();
    expect((await es.count({ index: name })).count).toBe(0);
  });

  test('injectFault: delay and dropped connections', async () => {
    controls.injectFault({ path: '^/$', delayMs: 300, count: 1 });
    const t0 = Date.now();
    await es.info();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    controls.injectFault({ path: '^/$', dropConnection: true, count: 1 });
    await expect(es.info()).rejects.toBeInstanceOf(errors.ConnectionError);
    expect((await es.info()).tagline).toBe('You Know, for Search');
  });

  test('failReindexAfter: the task fails with a bulk failure after K documents', async () => {
    const src = uniqueName('failing');
    await controls.seedIndex({ name: src, docCount: 300 });
    controls.failReindexAfter({ sourceIndex: src, docs: 120, reason: 'disk on fire' });
    const dest = uniqueName('dest');
    const started = await es.reindex({
      source: { index: src, size: 50 },
      dest: { index: dest },
      wait_for_completion: false,
    });
    const taskId = String(started.task);
    await eventually(async () => (await es.tasks.get({ task_id: taskId })).completed);
    const done = await es.tasks.get({ task_id: taskId });
    const response = done.response as unknown as {
      created: number;
      failures: Array<{ cause: { reason: string } }>;
    };
    expect(response.created).toBe(120);
    expect(response.failures[0]?.cause.reason).toBe('disk on fire');
    // Consumed: the next reindex of the same source succeeds.
    const again = await es.reindex({ source: { index: src }, dest: { index: uniqueName('dest') } });
    expect(again.failures).toEqual([]);
    expect(controls.listTasks().some((t) => t.id === taskId && t.completed)).toBe(true);
  });

  test('a source index deleted mid-reindex fails the task with a search error', async () => {
    const src = uniqueName('vanishing');
    await controls.seedIndex({ name: src, docCount: 400 });
    const started = await es.reindex({
      source: { index: src, size: 20 },
      dest: { index: uniqueName('dest') },
      wait_for_completion: false,
      requests_per_second: 100,
    });
    const taskId = String(started.task);
    await es.indices.delete({ index: src });
    await eventually(async () => (await es.tasks.get({ task_id: taskId })).completed);
    const done = await es.tasks.get({ task_id: taskId });
    expect(done.error?.type).toBe('search_phase_execution_exception');
    expect(done.response).toBeUndefined();
  });

  test('request counters per route pattern, and reset', async () => {
    controls.resetCounters();
    const src = uniqueName('count');
    await controls.seedIndex({ name: src, docCount: 3 });
    await es.reindex({ source: { index: src }, dest: { index: uniqueName('d') } });
    await es.reindex({ source: { index: src }, dest: { index: uniqueName('d') } });
    await es.count({ index: src });
    const counts = controls.requestCounts();
    expect(counts['POST /_reindex']).toBe(2);
    expect((counts['GET /{index}/_count'] ?? 0) + (counts['POST /{index}/_count'] ?? 0)).toBe(1);
  });

  test('controls over HTTP under /_sandbox/', async () => {
    const name = uniqueName('http');
    const call = async (
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; json: unknown }> => {
      const res = await fetch(`${target.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: await res.json() };
    };
    const seeded = await call('POST', '/_sandbox/seed', {
      dataStream: { name, backingIndices: [{ docCount: 2 }, { docCount: 1 }] },
    });
    expect(seeded.status).toBe(200);
    expect((seeded.json as { backingIndices: string[] }).backingIndices).toHaveLength(2);
    expect(
      (await call('POST', '/_sandbox/faults', { path: '^/_data_stream', status: 503, count: 1 })).status,
    ).toBe(200);
    await expectErrorType(es.indices.getDataStream({ name }), 503, 'cluster_block_exception');
    expect((await es.indices.getDataStream({ name })).data_streams).toHaveLength(1);
    const counters = await call('GET', '/_sandbox/counters');
    expect((counters.json as Record<string, number>)['GET /_data_stream/{name}']).toBe(2);
    expect((await call('DELETE', '/_sandbox/faults')).status).toBe(200);
    const fresh = await Promise.all([call('GET', '/_sandbox/tasks')]);
    expect(Array.isArray(fresh[0]?.json)).toBe(true);
  });

  test('reset wipes everything', async () => {
    const other = await startTestSandbox();
    await other.controls.seedIndex({ name: 'to-be-wiped', docCount: 1 });
    other.controls.reset();
    expect(await other.client.indices.exists({ index: 'to-be-wiped' })).toBe(false);
    await other.close();
  });

  test('wrong HTTP method is 405 like ES, and the server keeps serving', async () => {
    const res = await es.transport.request(
      { method: 'DELETE', path: '/_reindex' },
      { meta: true, ignore: [405] },
    );
    expect(res.statusCode).toBe(405);
    expect(JSON.stringify(res.body)).toContain(
      'Incorrect HTTP method for uri [/_reindex] and method [DELETE], allowed: [POST]',
    );
    expect(res.headers['x-elastic-product']).toBe('Elasticsearch');
    const client = new Client({ node: target.url });
    expect((await client.info()).tagline).toBe('You Know, for Search');
    await client.close();
  });
});
