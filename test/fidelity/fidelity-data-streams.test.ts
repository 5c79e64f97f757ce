import type { Client } from '@elastic/elasticsearch';
import { createEsTarget, type EsTarget } from '../support';
import { dataStreamTemplate, expectEsError, uniqueName } from './fidelity-helpers';

const now = (): string => new Date().toISOString();

describe('fidelity: index templates and data streams', () => {
  let target: EsTarget;
  let es: Client;
  const templates: string[] = [];

  beforeAll(async () => {
    target = await createEsTarget();
    es = target.client;
  });
  afterAll(async () => {
    for (const t of templates) await es.indices.deleteIndexTemplate({ name: t }).catch(() => undefined);
    await target.close();
  });

  /** A fresh data stream name with its own template. */
  async function withTemplate(prefix: string): Promise<string> {
    const name = uniqueName(prefix);
    await es.indices.putIndexTemplate({ name: `${name}-t`, ...dataStreamTemplate(`${name}*`) });
    templates.push(`${name}-t`);
    return name;
  }

  async function cleanup(name: string): Promise<void> {
    await es.indices.deleteDataStream({ name }).catch(() => undefined);
  }

  test('composable templates: put, get, delete, and the 404s', async () => {
    const name = uniqueName('tpl');
    expect(await es.indices.putIndexTemplate({ name, ...dataStreamTemplate(`${name}*`) })).toEqual({
      acknowledged: true,
    });
    const got = await es.indices.getIndexTemplate({ name });
    expect(got.index_templates).toHaveLength(1);
    const t = got.index_templates[0]?.index_template;
    expect(t?.index_patterns).toEqual([`${name}*`]);
    expect(t?.priority).toBe(500);
    expect(t?.data_stream).toEqual(expect.objectContaining({ hidden: false, allow_custom_routing: false }));
    expect(t?.template?.settings).toEqual({ index: { number_of_replicas: '0' } });
    expect(await es.indices.deleteIndexTemplate({ name })).toEqual({ acknowledged: true });
    await expectEsError(es.indices.getIndexTemplate({ name }), {
      status: 404,
      type: 'resource_not_found_exception',
      reason: `index template matching [${name}] not found`,
    });
    await expectEsError(es.indices.deleteIndexTemplate({ name }), {
      status: 404,
      type: 'index_template_missing_exception',
      reason: `index_template [${name}] missing`,
    });
  });

  test('create data stream: ES 8.19 body, backing index naming, hidden backing index', async () => {
    const name = await withTemplate('ds');
    expect(await es.indices.createDataStream({ name })).toEqual({ acknowledged: true });
    const res = await es.indices.getDataStream({ name });
    const ds = res.data_streams[0];
    expect(ds).toEqual(
      expect.objectContaining({
        name,
        timestamp_field: { name: '@timestamp' },
        generation: 1,
        status: 'GREEN',
        template: `${name}-t`,
        hidden: false,
        system: false,
        allow_custom_routing: false,
        replicated: false,
        rollover_on_write: false,
      }),
    );
    const backing = ds?.indices[0];
    expect(backing?.index_name).toMatch(new RegExp(`^\\.ds-${name}-\\d{4}\\.\\d{2}\\.\\d{2}-000001$`));
    expect(typeof backing?.index_uuid).toBe('string');
    expect(backing?.prefer_ilm).toBe(true);
    expect(backing?.managed_by).toBe('Unmanaged');
    const settings = await es.indices.getSettings({ index: backing?.index_name ?? '', flat_settings: true });
    expect(settings[backing?.index_name ?? '']?.settings).toEqual(
      expect.objectContaining({ 'index.hidden': 'true' }),
    );
    await expectEsError(es.indices.createDataStream({ name }), {
      status: 400,
      type: 'resource_already_exists_exception',
      reason: `data_stream [${name}] already exists`,
    });
    const all = await es.indices.getDataStream();
    expect(all.data_streams.map((d) => d.name)).toContain(name);
    await cleanup(name);
  });

  test('create data stream without a matching template is refused', async () => {
    const name = uniqueName('notemplate');
    await expectEsError(es.indices.createDataStream({ name }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason: `no matching index template found for data stream [${name}]`,
    });
    await expectEsError(es.indices.getDataStream({ name }), {
      status: 404,
      type: 'index_not_found_exception',
      reason: `no such index [${name}]`,
    });
  });

  test('indexing auto-creates the data stream, writes go to the write index, op_type rules apply', async () => {
    const name = await withTemplate('auto');
    const created = await es.index({
      index: name,
      document: { '@timestamp': now(), message: 'hi' },
      refresh: true,
    });
    expect(created.result).toBe('created');
    expect(created._index).toMatch(new RegExp(`^\\.ds-${name}-.*-000001$`));
    const viaCreate = await es.create({ index: name, id: 'fixed', document: { '@timestamp': now() } });
    expect(viaCreate._id).toBe('fixed');
    await expectEsError(es.create({ index: name, id: 'fixed', document: { '@timestamp': now() } }), {
      status: 409,
      type: 'version_conflict_engine_exception',
      reason: '[fixed]: version conflict, document already exists (current version [1])',
    });
    await expectEsError(es.index({ index: name, id: 'x', document: { '@timestamp': now() } }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason: 'only write ops with an op_type of create are allowed in data streams',
    });
    await expectEsError(es.index({ index: name, document: { message: 'no timestamp' } }), {
      status: 400,
      type: 'document_parsing_exception',
      reason: /data stream timestamp field \[@timestamp\] is missing/,
    });
    await es.indices.refresh({ index: name });
    expect((await es.count({ index: name })).count).toBe(2);
    await cleanup(name);
  });

  test('bulk into a data stream: create succeeds, index is refused per item', async () => {
    const name = await withTemplate('bulk');
    const res = await es.bulk({
      refresh: true,
      operations: [
        { create: { _index: name, _id: '1' } },
        { '@timestamp': now(), n: 1 },
        { create: { _index: name } },
        { '@timestamp': now(), n: 2 },
        { index: { _index: name, _id: '3' } },
        { '@timestamp': now(), n: 3 },
        { create: { _index: name, _id: '1' } },
        { '@timestamp': now(), n: 4 },
      ],
    });
    expect(res.errors).toBe(true);
    expect(res.items.map((i) => Object.values(i)[0]?.status)).toEqual([201, 201, 400, 409]);
    expect(res.items[2]?.index?.error?.type).toBe('illegal_argument_exception');
    expect(res.items[3]?.create?.error?.type).toBe('version_conflict_engine_exception');
    expect((await es.count({ index: name })).count).toBe(2);
    await cleanup(name);
  });

  test('a backing index by name takes only updates with if_seq_no and if_primary_term', async () => {
    const name = await withTemplate('bynm');
    const doc = await es.create({ index: name, id: 'one', document: { '@timestamp': now(), n: 1 } });
    const backing = doc._index;
    const refusal = (opType: string): string =>
      `index request with op_type=${opType} targeting backing indices is disallowed, target corresponding data stream [${name}] instead`;
    await expectEsError(es.create({ index: backing, id: 'two', document: { '@timestamp': now() } }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason: refusal('create'),
    });
    await expectEsError(es.index({ index: backing, id: 'one', document: { '@timestamp': now() } }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason: refusal('index and no if_primary_term and if_seq_no set'),
    });
    const bulk = await es.bulk({
      operations: [{ create: { _index: backing, _id: 'three' } }, { '@timestamp': now() }],
    });
    expect(bulk.items[0]?.create?.error?.reason).toBe(refusal('create'));
    await expectEsError(
      es.index({
        index: backing,
        id: 'one',
        if_seq_no: 99,
        if_primary_term: 1,
        document: { '@timestamp': now() },
      }),
      {
        status: 409,
        type: 'version_conflict_engine_exception',
        reason: `[one]: version conflict, required seqNo [99], primary term [1]. current document has seqNo [${doc._seq_no}] and primary term [1]`,
      },
    );
    await expectEsError(
      es.index({
        index: backing,
        id: 'none',
        if_seq_no: 0,
        if_primary_term: 1,
        document: { '@timestamp': now() },
      }),
      {
        status: 409,
        type: 'version_conflict_engine_exception',
        reason: '[none]: version conflict, required seqNo [0], primary term [1]. but no document was found',
      },
    );
    const updated = await es.index({
      index: backing,
      id: 'one',
      if_seq_no: doc._seq_no,
      if_primary_term: doc._primary_term,
      document: { '@timestamp': now(), n: 2 },
    });
    expect(updated.result).toBe('updated');
    expect((await es.get({ index: backing, id: 'one' }))._source).toEqual(expect.objectContaining({ n: 2 }));
    await cleanup(name);
  });

  test('rollover creates the next generation and answers ES body', async () => {
    const name = await withTemplate('roll');
    await es.indices.createDataStream({ name });
    const before = (await es.indices.getDataStream({ name })).data_streams[0];
    const res = await es.indices.rollover({ alias: name });
    expect(res).toEqual(
      expect.objectContaining({
        acknowledged: true,
        shards_acknowledged: true,
        rolled_over: true,
        dry_run: false,
        conditions: {},
      }),
    );
    expect(res.old_index).toBe(before?.indices[0]?.index_name);
    expect(res.new_index).toMatch(/-000002$/);
    const after = (await es.indices.getDataStream({ name })).data_streams[0];
    expect(after?.generation).toBe(2);
    expect(after?.indices.map((i) => i.index_name)).toEqual([res.old_index, res.new_index]);
    const doc = await es.index({ index: name, document: { '@timestamp': now() } });
    expect(doc._index).toBe(res.new_index);
    await cleanup(name);
  });

  test('modify data stream: swap a backing index atomically; the added one goes to the front', async () => {
    const name = await withTemplate('modify');
    await es.indices.createDataStream({ name });
    await es.indices.rollover({ alias: name });
    const [oldIndex, writeIndex] =
      (await es.indices.getDataStream({ name })).data_streams[0]?.indices.map((i) => i.index_name) ?? [];
    const replacement = uniqueName('replacement');
    await es.indices.create({
      index: replacement,
      settings: { number_of_replicas: 0 },
      mappings: { properties: { '@timestamp': { type: 'date' } } },
    });
    const res = await es.indices.modifyDataStream({
      actions: [
        { remove_backing_index: { data_stream: name, index: oldIndex ?? '' } },
        { add_backing_index: { data_stream: name, index: replacement } },
      ],
    });
    expect(res).toEqual({ acknowledged: true });
    const ds = (await es.indices.getDataStream({ name })).data_streams[0];
    expect(ds?.indices.map((i) => i.index_name)).toEqual([replacement, writeIndex]);
    expect(ds?.generation).toBe(4);
    const hidden = (await es.indices.getSettings({ index: replacement, flat_settings: true }))[replacement]
      ?.settings;
    expect(hidden).toEqual(expect.objectContaining({ 'index.hidden': 'true' }));
    await es.indices.delete({ index: oldIndex ?? '' });
    await cleanup(name);
  });

  test('modify data stream refusals, and nothing changes when one action fails', async () => {
    const name = await withTemplate('refuse');
    const other = await withTemplate('other');
    await es.indices.createDataStream({ name });
    await es.indices.createDataStream({ name: other });
    await es.indices.rollover({ alias: name });
    const [first, write] =
      (await es.indices.getDataStream({ name })).data_streams[0]?.indices.map((i) => i.index_name) ?? [];
    const otherWrite =
      (await es.indices.getDataStream({ name: other })).data_streams[0]?.indices[0]?.index_name ?? '';

    await expectEsError(
      es.indices.modifyDataStream({
        actions: [{ remove_backing_index: { data_stream: name, index: write ?? '' } }],
      }),
      {
        status: 400,
        type: 'illegal_argument_exception',
        reason: `cannot remove backing index [${write}] of data stream [${name}] because it is the write index`,
      },
    );
    await expectEsError(
      es.indices.modifyDataStream({
        actions: [{ add_backing_index: { data_stream: name, index: otherWrite } }],
      }),
      {
        status: 400,
        type: 'illegal_argument_exception',
        reason: `cannot add index [${otherWrite}] to data stream [${name}] because it is already a backing index on data stream [${other}]`,
      },
    );
    const missing = uniqueName('missing');
    await expectEsError(
      es.indices.modifyDataStream({
        actions: [
          { remove_backing_index: { data_stream: name, index: first ?? '' } },
          { add_backing_index: { data_stream: name, index: missing } },
        ],
      }),
      { status: 400, type: 'illegal_argument_exception', reason: `index [${missing}] not found` },
    );
    // The first action of the failed request did not apply.
    const ds = (await es.indices.getDataStream({ name })).data_streams[0];
    expect(ds?.indices.map((i) => i.index_name)).toEqual([first, write]);
    await expectEsError(
      es.indices.modifyDataStream({
        actions: [{ remove_backing_index: { data_stream: missing, index: first ?? '' } }],
      }),
      { status: 400, type: 'illegal_argument_exception', reason: `data stream [${missing}] not found` },
    );
    await expectEsError(
      es.indices.modifyDataStream({
        actions: [{ remove_backing_index: { data_stream: other, index: first ?? '' } }],
      }),
      { status: 400, type: 'illegal_argument_exception', reason: `index [${first}] not found` },
    );
    await cleanup(name);
    await cleanup(other);
  });

  test('deleting backing indices: the write index is refused, others leave the data stream', async () => {
    const name = await withTemplate('delbacking');
    await es.indices.createDataStream({ name });
    await es.indices.rollover({ alias: name });
    const [first, write] =
      (await es.indices.getDataStream({ name })).data_streams[0]?.indices.map((i) => i.index_name) ?? [];
    await expectEsError(es.indices.delete({ index: write ?? '' }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason: `index [${write}] is the write index for data stream [${name}] and cannot be deleted`,
    });
    await es.indices.delete({ index: first ?? '' });
    const ds = (await es.indices.getDataStream({ name })).data_streams[0];
    expect(ds?.indices.map((i) => i.index_name)).toEqual([write]);
    // The delete-index API resolves indices only: a data stream's name is no such index, and
    // ignore_unavailable skips it without deleting anything.
    const excluded = await expectEsError(es.indices.delete({ index: name }), {
      status: 404,
      type: 'index_not_found_exception',
      reason: `no such index [${name}]`,
    });
    expect(excluded.error).toEqual(expect.objectContaining({ excluded_ds: 'true', index: name }));
    expect(await es.indices.delete({ index: name, ignore_unavailable: true })).toEqual({
      acknowledged: true,
    });
    expect(await es.indices.exists({ index: write ?? '' })).toBe(true);
    expect(await es.indices.deleteDataStream({ name })).toEqual({ acknowledged: true });
    expect(await es.indices.exists({ index: write ?? '' })).toBe(false);
    await expectEsError(es.indices.deleteDataStream({ name }), {
      status: 404,
      type: 'index_not_found_exception',
    });
  });

  test('the write index of a data stream can be closed but not blocked', async () => {
    const name = await withTemplate('writeidx');
    await es.indices.createDataStream({ name });
    const write = (await es.indices.getDataStream({ name })).data_streams[0]?.indices[0]?.index_name ?? '';
    await expectEsError(es.indices.addBlock({ index: write, block: 'write' }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason: `cannot add a block to the following data stream write indices [${write}]`,
    });
    // Closing it is allowed (since 7.12.1); writes then fail until it is reopened or rolled over.
    expect((await es.indices.close({ index: write })).acknowledged).toBe(true);
    await expectEsError(es.index({ index: name, document: { '@timestamp': now() } }), {
      status: 400,
      type: 'index_closed_exception',
      reason: 'closed',
    });
    const rolled = await es.indices.rollover({ alias: name });
    expect(rolled.old_index).toBe(write);
    expect((await es.index({ index: name, document: { '@timestamp': now() } }))._index).toBe(
      rolled.new_index,
    );
    // After the rollover the old write index is an ordinary backing index again.
    await es.indices.open({ index: write });
    expect((await es.indices.addBlock({ index: write, block: 'write' })).acknowledged).toBe(true);
    await cleanup(name);
  });

  test('searching and counting a data stream covers all its backing indices', async () => {
    const name = await withTemplate('search');
    await es.index({ index: name, document: { '@timestamp': now(), n: 1 } });
    await es.indices.rollover({ alias: name });
    await es.index({ index: name, document: { '@timestamp': now(), n: 2 } });
    await es.indices.refresh({ index: name });
    expect((await es.count({ index: name })).count).toBe(2);
    const res = await es.search({ index: name, query: { match_all: {} }, sort: ['n'] });
    expect(res.hits.hits.map((h) => (h._source as { n: number }).n)).toEqual([1, 2]);
    expect(new Set(res.hits.hits.map((h) => h._index)).size).toBe(2);
    await cleanup(name);
  });
});
