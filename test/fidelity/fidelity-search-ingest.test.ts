import type { Client } from '@elastic/elasticsearch';
import { createEsTarget, type EsTarget } from '../support';
import { expectEsError, uniqueName } from './fidelity-helpers';

describe('fidelity: search, scroll, count and ingest pipelines', () => {
  let target: EsTarget;
  let es: Client;
  let index: string;
  const COUNT = 2_500;

  beforeAll(async () => {
    target = await createEsTarget();
    es = target.client;
    index = uniqueName('search');
    await es.indices.create({
      index,
      settings: { number_of_replicas: 0 },
      mappings: { properties: { n: { type: 'long' }, tag: { type: 'keyword' } } },
    });
    const operations: object[] = [];
    for (let n = 0; n < COUNT; n++) {
      operations.push({ index: { _index: index, _id: `id-${n}` } }, { n, tag: n % 2 === 0 ? 'even' : 'odd' });
    }
    const res = await es.bulk({ operations, refresh: true });
    expect(res.errors).toBe(false);
  });
  afterAll(async () => {
    await es.indices.delete({ index });
    await target.close();
  });

  test('size, from, sort and _source filtering; hits.total', async () => {
    const res = await es.search({ index, size: 5, from: 10, sort: [{ n: 'asc' }], _source: ['n'] });
    expect(res.hits.total).toEqual({ value: COUNT, relation: 'eq' });
    expect(res.hits.hits.map((h) => h._id)).toEqual(['id-10', 'id-11', 'id-12', 'id-13', 'id-14']);
    expect(res.hits.hits[0]?._source).toEqual({ n: 10 });
    expect(res.hits.hits[0]?.sort).toEqual([10]);
    const desc = await es.search({ index, size: 1, sort: [{ n: { order: 'desc' } }] });
    expect(desc.hits.hits[0]?._id).toBe(`id-${COUNT - 1}`);
    const filtered = await es.count({ index, query: { term: { tag: 'even' } } });
    expect(filtered.count).toBe(COUNT / 2);
    const none = await es.search({ index, query: { ids: { values: ['id-3', 'nope'] } } });
    expect(none.hits.hits.map((h) => h._id)).toEqual(['id-3']);
  });

  test('a point in time read in _shard_doc order with search_after sees every document once, then is closed', async () => {
    const pit = await es.openPointInTime({ index, keep_alive: '1m' });
    // Written after the point in time opened: not in its view.
    await es.index({ index, id: 'late', document: { n: -1 }, refresh: true });
    const seen = new Set<string>();
    let pitId = pit.id;
    let after: (string | number | boolean | null)[] | undefined;
    for (;;) {
      const page = await es.search({
        pit: { id: pitId, keep_alive: '1m' },
        size: 1000,
        sort: [{ _shard_doc: 'asc' }],
        track_total_hits: false,
        _source: false,
        ...(after !== undefined ? { search_after: after } : {}),
      });
      expect(page.hits.total).toBeUndefined();
      if (page.pit_id !== undefined) pitId = page.pit_id;
      const hits = page.hits.hits;
      if (hits.length === 0) break;
      expect(hits[0]?._source).toBeUndefined();
      for (const hit of hits) seen.add(hit._id ?? '');
      after = hits[hits.length - 1]?.sort as (string | number | boolean | null)[];
    }
    expect(seen.size).toBe(COUNT);
    expect(seen.has('late')).toBe(false);
    const closed = await es.closePointInTime({ id: pitId });
    expect(closed).toMatchObject({ succeeded: true, num_freed: 1 });
    await es.delete({ index, id: 'late', refresh: true });
  });

  test('scroll reads every document once; clear scroll frees the context', async () => {
    const seen = new Set<string>();
    let res = await es.search({ index, scroll: '1m', size: 1000, sort: ['_doc'] });
    expect(res.hits.total).toEqual({ value: COUNT, relation: 'eq' });
    while (res.hits.hits.length > 0) {
      for (const hit of res.hits.hits) seen.add(hit._id ?? '');
      res = await es.scroll({ scroll_id: res._scroll_id ?? '', scroll: '1m' });
    }
    expect(seen.size).toBe(COUNT);
    const cleared = await es.clearScroll({ scroll_id: res._scroll_id ?? '' });
    expect(cleared.succeeded).toBe(true);
    expect(cleared.num_freed).toBeGreaterThanOrEqual(1);
  });

  test('pipelines: put, get, delete, and ES answers for missing ones', async () => {
    const id = uniqueName('pipeline');
    const body = {
      description: 'fill a missing timestamp',
      processors: [{ set: { field: '@timestamp', value: 0, override: false } }],
    };
    expect(await es.ingest.putPipeline({ id, ...body })).toEqual({ acknowledged: true });
    const got = await es.ingest.getPipeline({ id });
    expect(got[id]).toEqual(expect.objectContaining(body));
    expect(await es.ingest.deletePipeline({ id })).toEqual({ acknowledged: true });
    const missing = await es.ingest.getPipeline({ id }, { meta: true, ignore: [404] });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toEqual({});
    await expectEsError(es.ingest.deletePipeline({ id }), {
      status: 404,
      type: 'resource_not_found_exception',
      reason: `pipeline [${id}] is missing`,
    });
  });

  test('pipeline parameter on _doc and _bulk; a missing pipeline is refused', async () => {
    const id = uniqueName('pipeline');
    await es.ingest.putPipeline({
      id,
      processors: [
        { set: { field: 'stage', value: 'ingested' } },
        { set: { field: 'kept', value: 'default', override: false } },
      ],
    });
    const target2 = uniqueName('piped');
    await es.indices.create({ index: target2, settings: { number_of_replicas: 0 } });
    await es.index({ index: target2, id: 'a', pipeline: id, document: { kept: 'mine' } });
    await es.bulk({ pipeline: id, operations: [{ index: { _index: target2, _id: 'b' } }, { x: 1 }] });
    expect((await es.get({ index: target2, id: 'a' }))._source).toEqual({ kept: 'mine', stage: 'ingested' });
    expect((await es.get({ index: target2, id: 'b' }))._source).toEqual({
      x: 1,
      stage: 'ingested',
      kept: 'default',
    });
    const missing = uniqueName('nopipe');
    await expectEsError(es.index({ index: target2, id: 'c', pipeline: missing, document: {} }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason: `pipeline with id [${missing}] does not exist`,
    });
    await es.ingest.deletePipeline({ id });
    await es.indices.delete({ index: target2 });
  });
});
