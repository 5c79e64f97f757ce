import type { Client } from '@elastic/elasticsearch';
import { createEsTarget, eventually, sleep, type EsTarget } from '../support';
import { expectEsError, uniqueName } from './fidelity-helpers';

describe('fidelity: indices, settings, blocks and refresh', () => {
  let target: EsTarget;
  let es: Client;

  beforeAll(async () => {
    target = await createEsTarget();
    es = target.client;
  });
  afterAll(async () => {
    await target.close();
  });

  test('create answers acknowledged, a duplicate is resource_already_exists_exception', async () => {
    const name = uniqueName('create');
    const res = await es.indices.create({
      index: name,
      settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '5s' },
      mappings: { properties: { '@timestamp': { type: 'date' }, n: { type: 'long' } } },
    });
    expect(res).toEqual({ acknowledged: true, shards_acknowledged: true, index: name });
    const body = await expectEsError(es.indices.create({ index: name }), {
      status: 400,
      type: 'resource_already_exists_exception',
      reason: new RegExp(`^index \\[${name}/[^\\]]+\\] already exists$`),
    });
    expect(JSON.stringify(body)).toContain(`"index":"${name}"`);
    expect(await es.indices.exists({ index: name })).toBe(true);
    expect(await es.indices.exists({ index: uniqueName('missing') })).toBe(false);
    await es.indices.delete({ index: name });
  });

  test('settings are strings with ES generated ones; flat_settings and include_defaults', async () => {
    const name = uniqueName('settings');
    await es.indices.create({ index: name, settings: { number_of_replicas: 0 } });
    const nested = await es.indices.getSettings({ index: name });
    const index = nested[name]?.settings?.index as Record<string, unknown>;
    expect(index.number_of_shards).toBe('1');
    expect(index.number_of_replicas).toBe('0');
    expect(index.provided_name).toBe(name);
    expect(typeof index.uuid).toBe('string');
    expect(Number(index.creation_date)).toBeGreaterThan(1_600_000_000_000);
    const version = (index.version as Record<string, string>).created;
    expect(Math.floor(Number(version) / 1_000_000)).toBe(8);

    const flat = await es.indices.getSettings({ index: name, flat_settings: true, include_defaults: true });
    const settings = flat[name]?.settings as Record<string, string>;
    expect(settings['index.version.created']).toBe(version);
    expect(settings['index.number_of_replicas']).toBe('0');
    const defaults = flat[name]?.defaults as Record<string, string>;
    expect(defaults['index.refresh_interval']).toBe('1s');
    await es.indices.delete({ index: name });
  });

  test('private, final and unknown settings are refused like ES', async () => {
    const name = uniqueName('private');
    // Index creation validates the request: a private setting it knows is a validation_exception;
    // the other private settings are not registered for creation at all.
    await expectEsError(
      es.indices.create({ index: name, settings: { 'index.version.created': '7170099' } }),
      {
        status: 400,
        type: 'validation_exception',
        reason:
          'Validation Failed: 1: private index setting [index.version.created] can not be set explicitly;',
      },
    );
    await expectEsError(es.indices.create({ index: name, settings: { 'index.creation_date': '1' } }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason: /^unknown setting \[index.creation_date\] please check that any required plugins are installed/,
    });
    await es.indices.create({ index: name, settings: { number_of_replicas: 0 } });
    await expectEsError(
      es.indices.putSettings({ index: name, settings: { 'index.version.created': '7170099' } }),
      {
        status: 400,
        type: 'illegal_argument_exception',
        reason:
          'can not update private setting [index.version.created]; this setting is managed by Elasticsearch',
      },
    );
    // The settings ES generates itself are not API settings at all.
    await expectEsError(es.indices.putSettings({ index: name, settings: { 'index.uuid': 'x' } }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason: /^unknown setting \[index.uuid\]/,
    });
    const uuid = (await es.indices.getSettings({ index: name, flat_settings: true }))[name]?.settings?.[
      'index.uuid'
    ] as string;
    await expectEsError(es.indices.putSettings({ index: name, settings: { 'index.number_of_shards': 2 } }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason:
        `Can't update non dynamic settings [[index.number_of_shards]] for open indices [[${name}/${uuid}]] ` +
        'unless the `reopen` query parameter is set to true. Alternatively, close the indices, apply the ' +
        'settings changes, and reopen the indices',
    });
    // A final setting is refused on a closed index too, naming the index (ES's own wording).
    await es.indices.close({ index: name });
    await expectEsError(es.indices.putSettings({ index: name, settings: { 'index.number_of_shards': 2 } }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason: `final ${name} setting [index.number_of_shards], not updateable`,
    });
    await es.indices.open({ index: name });
    await expectEsError(
      es.indices.putSettings({ index: name, settings: { 'index.sandbox_no_such_setting': 1 } }),
      {
        status: 400,
        type: 'illegal_argument_exception',
        reason: /^unknown setting \[index.sandbox_no_such_setting\]/,
      },
    );
    await es.indices.delete({ index: name });
  });

  test('put mapping, flush and document delete', async () => {
    const name = uniqueName('mapping');
    await es.indices.create({
      index: name,
      settings: { number_of_replicas: 0 },
      mappings: { properties: { a: { type: 'keyword' } } },
    });
    expect(await es.indices.putMapping({ index: name, properties: { b: { type: 'long' } } })).toEqual({
      acknowledged: true,
    });
    const mapping = await es.indices.getMapping({ index: name });
    expect(mapping[name]?.mappings.properties).toEqual({ a: { type: 'keyword' }, b: { type: 'long' } });
    expect((await es.indices.flush({ index: name }))._shards?.failed).toBe(0);
    await es.index({ index: name, id: 'x', document: { a: 'v' }, refresh: true });
    const deleted = await es.delete({ index: name, id: 'x', refresh: true });
    expect(deleted.result).toBe('deleted');
    expect((await es.count({ index: name })).count).toBe(0);
    const again = await es.delete({ index: name, id: 'x' }, { ignore: [404] });
    expect(again.result).toBe('not_found');
    await es.indices.delete({ index: name });
  });

  test('get index and mappings', async () => {
    const name = uniqueName('get');
    const mappings = {
      properties: { '@timestamp': { type: 'date' as const }, message: { type: 'text' as const } },
    };
    await es.indices.create({ index: name, mappings, settings: { number_of_replicas: 0 } });
    const got = await es.indices.get({ index: name });
    expect(got[name]?.mappings).toEqual(mappings);
    expect(got[name]?.aliases).toEqual({});
    const mapping = await es.indices.getMapping({ index: name });
    expect(mapping[name]?.mappings).toEqual(mappings);
    await expectEsError(es.indices.get({ index: uniqueName('nope') }), {
      status: 404,
      type: 'index_not_found_exception',
      reason: /^no such index \[fid-nope-/,
    });
    await es.indices.delete({ index: name });
  });

  test('index_not_found_exception carries index and index_uuid like ES', async () => {
    const missing = uniqueName('missing');
    const body = await expectEsError(es.indices.getSettings({ index: missing }), {
      status: 404,
      type: 'index_not_found_exception',
      reason: `no such index [${missing}]`,
    });
    expect(body.error).toEqual(
      expect.objectContaining({
        index: missing,
        index_uuid: '_na_',
        'resource.id': missing,
        'resource.type': 'index_or_alias',
      }),
    );
    // ignore_unavailable and wildcards that match nothing are not errors
    expect(await es.indices.getSettings({ index: missing, ignore_unavailable: true })).toEqual({});
    expect(await es.indices.getSettings({ index: `${missing}*` })).toEqual({});
  });

  test('update settings: dynamic ones apply, null resets, static ones are refused on open indices', async () => {
    const name = uniqueName('update');
    await es.indices.create({ index: name, settings: { number_of_replicas: 0 } });
    await es.indices.putSettings({
      index: name,
      settings: {
        index: {
          refresh_interval: '-1',
          'lifecycle.name': 'p1',
          'lifecycle.origination_date': 1700000000000,
        },
      },
    });
    let s = (await es.indices.getSettings({ index: name, flat_settings: true }))[name]?.settings as Record<
      string,
      string
    >;
    expect(s['index.refresh_interval']).toBe('-1');
    expect(s['index.lifecycle.name']).toBe('p1');
    expect(s['index.lifecycle.origination_date']).toBe('1700000000000');
    await es.indices.putSettings({
      index: name,
      settings: { 'index.refresh_interval': null, 'index.lifecycle.name': null },
    });
    s = (await es.indices.getSettings({ index: name, flat_settings: true }))[name]?.settings as Record<
      string,
      string
    >;
    expect(s['index.refresh_interval']).toBeUndefined();
    expect(s['index.lifecycle.name']).toBeUndefined();

    await expectEsError(
      es.indices.putSettings({ index: name, settings: { 'index.codec': 'best_compression' } }),
      {
        status: 400,
        type: 'illegal_argument_exception',
        reason: new RegExp(
          `^Can't update non dynamic settings \\[\\[index.codec\\]\\] for open indices \\[\\[${name}/`,
        ),
      },
    );
    // Static settings may change while the index is closed, or with reopen=true (closed and reopened).
    await es.indices.close({ index: name });
    await es.indices.putSettings({ index: name, settings: { 'index.codec': 'best_compression' } });
    await es.indices.open({ index: name });
    await es.indices.putSettings({ index: name, reopen: true, settings: { 'index.codec': 'default' } });
    const codec = (await es.indices.getSettings({ index: name, flat_settings: true }))[name]?.settings;
    expect(codec?.['index.codec']).toBe('default');
    expect((await es.cat.indices({ index: name, format: 'json', h: 'status' }))[0]?.status).toBe('open');
    await es.indices.delete({ index: name });
  });

  test('delete: wildcards need explicit names, missing names 404 unless ignore_unavailable', async () => {
    const name = uniqueName('del');
    await es.indices.create({ index: name });
    await expectEsError(es.indices.delete({ index: `${name}*` }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason: 'Wildcard expressions or all indices are not allowed',
    });
    const missing = uniqueName('missing');
    await expectEsError(es.indices.delete({ index: missing }), {
      status: 404,
      type: 'index_not_found_exception',
    });
    expect(await es.indices.delete({ index: [name, missing], ignore_unavailable: true })).toEqual({
      acknowledged: true,
    });
    expect(await es.indices.exists({ index: name })).toBe(false);
  });

  test('documents are visible to count and search only after a refresh', async () => {
    const name = uniqueName('refresh');
    await es.indices.create({ index: name, settings: { number_of_replicas: 0, refresh_interval: '-1' } });
    await es.index({ index: name, id: 'a', document: { n: 1 } });
    await es.index({ index: name, id: 'b', document: { n: 2 } });
    expect((await es.count({ index: name })).count).toBe(0);
    // A GET by id is realtime.
    expect((await es.get({ index: name, id: 'a' }))._source).toEqual({ n: 1 });
    const refreshed = await es.indices.refresh({ index: name });
    expect(refreshed._shards?.failed).toBe(0);
    expect((await es.count({ index: name })).count).toBe(2);
    await es.index({ index: name, id: 'c', document: { n: 3 }, refresh: true });
    expect((await es.count({ index: name })).count).toBe(3);

    // refresh=wait_for answers only once a refresh made the write searchable. With refresh_interval -1
    // no refresh ever comes by itself, so the request waits (timeout does not bound it) until one does.
    let answered = false;
    const waiting = es
      .index({ index: name, id: 'd', document: { n: 4 }, refresh: 'wait_for' }, { requestTimeout: 30_000 })
      .finally(() => (answered = true));
    await eventually(async () => (await es.exists({ index: name, id: 'd' })) === true);
    await sleep(300);
    expect(answered).toBe(false);
    expect((await es.count({ index: name })).count).toBe(3);
    await es.indices.refresh({ index: name });
    expect((await waiting).result).toBe('created');
    expect((await es.count({ index: name })).count).toBe(4);
    const stats = await es.indices.stats({ index: name });
    expect(stats._all.primaries?.docs?.count).toBe(4);
    expect(stats.indices?.[name]?.primaries?.docs?.count).toBe(4);
    expect(stats.indices?.[name]?.primaries?.store?.size_in_bytes).toBeGreaterThan(0);
    await es.indices.delete({ index: name });
  });

  test('indexing stats count written documents before any refresh; a version conflict counts as failed', async () => {
    const name = uniqueName('indexing');
    await es.indices.create({ index: name, settings: { number_of_replicas: 0, refresh_interval: '-1' } });
    await es.bulk({
      operations: ['a', 'b', 'c'].flatMap((id, n) => [{ create: { _index: name, _id: id } }, { n }]),
    });
    const conflict = await es.bulk({ operations: [{ create: { _index: name, _id: 'a' } }, { n: 9 }] });
    expect(conflict.items[0]?.create?.status).toBe(409);
    expect((await es.count({ index: name })).count).toBe(0);

    const stats = await es.indices.stats({ index: name, metric: 'indexing' });
    expect(stats.indices?.[name]?.primaries?.indexing?.index_total).toBe(3);
    expect(stats.indices?.[name]?.primaries?.indexing?.index_failed).toBe(1);
    expect(stats._all.primaries?.indexing?.index_total).toBe(3);
    // Only the metric asked for.
    expect(stats.indices?.[name]?.primaries?.docs).toBeUndefined();
    await es.indices.delete({ index: name });
  });

  test('the default refresh_interval makes documents visible within about a second', async () => {
    const name = uniqueName('interval');
    await es.indices.create({ index: name, settings: { number_of_replicas: 0 } });
    await es.index({ index: name, id: 'a', document: { n: 1 } });
    // No refresh is asked for: the periodic one must make it searchable (bounded generously for a busy machine).
    const count = await eventually(
      async () => (await es.count({ index: name })).count || undefined,
      'the document to become searchable without a refresh',
      30_000,
      200,
    );
    expect(count).toBe(1);
    await es.indices.delete({ index: name });
  });

  test('close and open: a closed index refuses reads and writes with index_closed_exception', async () => {
    const name = uniqueName('closed');
    await es.indices.create({ index: name, settings: { number_of_replicas: 0 } });
    await es.index({ index: name, id: 'a', document: { n: 1 }, refresh: true });
    const closed = await es.indices.close({ index: name });
    expect(closed.acknowledged).toBe(true);
    expect(closed.indices?.[name]?.closed).toBe(true);
    const body = await expectEsError(es.count({ index: name }), {
      status: 400,
      type: 'index_closed_exception',
      reason: 'closed',
    });
    expect(body.error).toEqual(expect.objectContaining({ index: name }));
    await expectEsError(es.search({ index: name }), {
      status: 400,
      type: 'index_closed_exception',
      reason: 'closed',
    });
    await expectEsError(es.index({ index: name, id: 'b', document: { n: 2 } }), {
      status: 400,
      type: 'index_closed_exception',
    });
    // Settings may still be changed on a closed index.
    await es.indices.putSettings({
      index: name,
      settings: { number_of_replicas: 0, 'index.lifecycle.name': 'x' },
    });
    const cat = await es.cat.indices({ index: name, format: 'json' });
    expect(cat[0]?.status).toBe('close');
    const opened = await es.indices.open({ index: name });
    expect(opened).toEqual({ acknowledged: true, shards_acknowledged: true });
    expect((await es.count({ index: name })).count).toBe(1);
    await es.indices.delete({ index: name });
  });

  test('write block: cluster_block_exception 403 with ES reason, also in bulk items', async () => {
    const name = uniqueName('block');
    await es.indices.create({ index: name, settings: { number_of_replicas: 0 } });
    const blocked = await es.indices.addBlock({ index: name, block: 'write' });
    expect(blocked.acknowledged).toBe(true);
    expect(blocked.indices).toEqual([{ name, blocked: true }]);
    const s = (await es.indices.getSettings({ index: name, flat_settings: true }))[name]?.settings as Record<
      string,
      string
    >;
    expect(s['index.blocks.write']).toBe('true');
    await expectEsError(es.index({ index: name, id: 'a', document: { n: 1 } }), {
      status: 403,
      type: 'cluster_block_exception',
      reason: `index [${name}] blocked by: [FORBIDDEN/8/index write (api)];`,
    });
    const bulk = await es.bulk({ operations: [{ index: { _index: name, _id: 'x' } }, { n: 1 }] });
    expect(bulk.errors).toBe(true);
    expect(bulk.items[0]?.index?.status).toBe(403);
    expect(bulk.items[0]?.index?.error?.type).toBe('cluster_block_exception');
    // Settings other than blocks are still allowed under a write block.
    await es.indices.putSettings({ index: name, settings: { 'index.refresh_interval': '2s' } });
    await es.indices.putSettings({ index: name, settings: { 'index.blocks.write': false } });
    await es.index({ index: name, id: 'a', document: { n: 1 } });
    await es.indices.delete({ index: name });
  });

  test('read_only and metadata blocks refuse settings changes except to the blocks themselves', async () => {
    const name = uniqueName('ro');
    await es.indices.create({ index: name, settings: { number_of_replicas: 0 } });
    await es.indices.putSettings({ index: name, settings: { 'index.blocks.read_only': true } });
    await expectEsError(
      es.indices.putSettings({ index: name, settings: { 'index.refresh_interval': '2s' } }),
      {
        status: 403,
        type: 'cluster_block_exception',
        reason: `index [${name}] blocked by: [FORBIDDEN/5/index read-only (api)];`,
      },
    );
    await expectEsError(es.index({ index: name, id: 'a', document: { n: 1 } }), {
      status: 403,
      type: 'cluster_block_exception',
      reason: `index [${name}] blocked by: [FORBIDDEN/5/index read-only (api)];`,
    });
    await es.indices.putSettings({
      index: name,
      settings: { 'index.blocks.read_only': false, 'index.blocks.metadata': true },
    });
    await expectEsError(
      es.indices.putSettings({ index: name, settings: { 'index.refresh_interval': '2s' } }),
      {
        status: 403,
        type: 'cluster_block_exception',
        reason: `index [${name}] blocked by: [FORBIDDEN/9/index metadata (api)];`,
      },
    );
    await es.indices.putSettings({ index: name, settings: { 'index.blocks.metadata': false } });
    await es.indices.delete({ index: name });
  });

  test('_cat/indices?format=json lists health, status, counts and sizes as strings', async () => {
    const name = uniqueName('cat');
    await es.indices.create({ index: name, settings: { number_of_replicas: 0 } });
    await es.index({ index: name, id: 'a', document: { n: 1 }, refresh: true });
    const rows = await es.cat.indices({ index: name, format: 'json' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual(
      expect.objectContaining({
        health: 'green',
        status: 'open',
        index: name,
        pri: '1',
        rep: '0',
        'docs.count': '1',
      }),
    );
    expect(typeof rows[0]?.uuid).toBe('string');
    const narrow = await es.cat.indices({ index: name, format: 'json', h: 'index,status' });
    expect(narrow).toEqual([{ index: name, status: 'open' }]);
    expect(typeof rows[0]?.['store.size']).toBe('string');
    await es.indices.delete({ index: name });
  });

  test('comma lists and wildcards in refresh and get settings', async () => {
    const a = uniqueName('multi');
    const b = `${a}-b`;
    await es.indices.create({ index: a, settings: { number_of_replicas: 0 } });
    await es.indices.create({ index: b, settings: { number_of_replicas: 0 } });
    const both = await es.indices.getSettings({ index: `${a},${b}` });
    expect(Object.keys(both).sort()).toEqual([a, b].sort());
    const wild = await es.indices.getSettings({ index: `${a}*` });
    expect(Object.keys(wild).sort()).toEqual([a, b].sort());
    const refreshed = await es.indices.refresh({ index: `${a}*` });
    expect(refreshed._shards?.successful).toBe(2);
    await es.indices.close({ index: b });
    const openOnly = await es.indices.getSettings({ index: `${a}*`, expand_wildcards: 'open' });
    expect(Object.keys(openOnly)).toEqual([a]);
    await es.indices.delete({ index: [a, b] });
  });
});
