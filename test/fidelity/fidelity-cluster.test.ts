import type { Client } from '@elastic/elasticsearch';
import { createEsTarget, type EsTarget } from '../support';
import { expectEsError, uniqueName } from './fidelity-helpers';

describe('fidelity: root, cluster health and cluster settings', () => {
  let target: EsTarget;
  let es: Client;

  beforeAll(async () => {
    target = await createEsTarget();
    es = target.client;
  });
  afterAll(async () => {
    await es.cluster.putSettings({
      persistent: {
        'migrate.max_concurrent_indices_reindexed_per_data_stream': null,
        'migrate.data_stream_reindex_max_request_per_second': null,
      },
      transient: { 'migrate.data_stream_reindex_max_request_per_second': null },
    });
    await target.close();
  });

  test('GET / answers the 8.19 identity with the product header', async () => {
    const res = await es.info({}, { meta: true });
    expect(res.headers['x-elastic-product']).toBe('Elasticsearch');
    expect(res.headers['content-type']).toMatch(/json/);
    expect(res.body.tagline).toBe('You Know, for Search');
    expect(res.body.version.number).toMatch(/^8\.19\./);
    expect(res.body.version.build_flavor).toBe('default');
    for (const field of [res.body.name, res.body.cluster_name, res.body.cluster_uuid])
      expect(typeof field).toBe('string');
    const v = res.body.version;
    for (const field of [
      v.lucene_version,
      v.minimum_wire_compatibility_version,
      v.minimum_index_compatibility_version,
    ]) {
      expect(typeof field).toBe('string');
    }
  });

  test('index health: replicas on a single node are yellow, none is green', async () => {
    const green = uniqueName('green');
    const yellow = uniqueName('yellow');
    await es.indices.create({ index: green, settings: { number_of_replicas: 0 } });
    await es.indices.create({ index: yellow, settings: { number_of_replicas: 1 } });
    const g = await es.cluster.health({ index: green, wait_for_status: 'green', timeout: '5s' });
    expect(g.status).toBe('green');
    expect(g.timed_out).toBe(false);
    expect(g.active_primary_shards).toBe(1);
    const y = await es.cluster.health({ index: yellow, wait_for_status: 'yellow', timeout: '5s' });
    expect(y.status).toBe('yellow');
    expect(y.unassigned_shards).toBe(1);
    // Closed indices still count for health (they are replicated since 7.2).
    await es.indices.close({ index: green });
    const closed = await es.cluster.health({ index: green, timeout: '5s' });
    expect(closed.status).toBe('green');
    await es.indices.delete({ index: [green, yellow] });
  });

  test('wait_for_status that is not reached answers 408 with timed_out', async () => {
    const yellow = uniqueName('wait');
    await es.indices.create({ index: yellow, settings: { number_of_replicas: 1 } });
    const res = await es.cluster.health(
      { index: yellow, wait_for_status: 'green', timeout: '300ms' },
      { meta: true, ignore: [408] },
    );
    expect(res.statusCode).toBe(408);
    expect(res.body.timed_out).toBe(true);
    expect(res.body.status).toBe('yellow');
    await es.indices.delete({ index: yellow });
  });

  test('migrate settings: defaults, nested and flat keys, null reset', async () => {
    const defaults = await es.cluster.getSettings({ include_defaults: true, flat_settings: true });
    expect(defaults.defaults?.['migrate.max_concurrent_indices_reindexed_per_data_stream']).toBe('1');
    expect(Number(defaults.defaults?.['migrate.data_stream_reindex_max_request_per_second'])).toBe(1000);

    const put = await es.cluster.putSettings({
      persistent: { migrate: { max_concurrent_indices_reindexed_per_data_stream: 3 } },
      transient: { 'migrate.data_stream_reindex_max_request_per_second': 50 },
    });
    expect(put.acknowledged).toBe(true);
    expect(put.persistent).toEqual({ migrate: { max_concurrent_indices_reindexed_per_data_stream: '3' } });

    const flat = await es.cluster.getSettings({ flat_settings: true });
    expect(flat.persistent['migrate.max_concurrent_indices_reindexed_per_data_stream']).toBe('3');
    expect(flat.transient['migrate.data_stream_reindex_max_request_per_second']).toBe('50');
    const nested = await es.cluster.getSettings();
    const migrate = (nested.persistent as { migrate?: Record<string, string> }).migrate;
    expect(migrate?.max_concurrent_indices_reindexed_per_data_stream).toBe('3');

    await es.cluster.putSettings({
      persistent: { 'migrate.max_concurrent_indices_reindexed_per_data_stream': null },
      transient: { 'migrate.data_stream_reindex_max_request_per_second': null },
    });
    const after = await es.cluster.getSettings({ flat_settings: true });
    expect(after.persistent['migrate.max_concurrent_indices_reindexed_per_data_stream']).toBeUndefined();
    expect(after.transient['migrate.data_stream_reindex_max_request_per_second']).toBeUndefined();
  });

  test('migrate settings: -1 is unthrottled, 0 and concurrency 0 are refused with ES reasons', async () => {
    await es.cluster.putSettings({
      persistent: { 'migrate.data_stream_reindex_max_request_per_second': -1 },
    });
    await expectEsError(
      es.cluster.putSettings({ persistent: { 'migrate.data_stream_reindex_max_request_per_second': 0 } }),
      {
        status: 400,
        type: 'illegal_argument_exception',
        reason:
          'Failed to parse value [0] for setting [migrate.data_stream_reindex_max_request_per_second] must be greater than 0 or -1 for infinite',
      },
    );
    await expectEsError(
      es.cluster.putSettings({
        persistent: { 'migrate.max_concurrent_indices_reindexed_per_data_stream': 0 },
      }),
      {
        status: 400,
        type: 'illegal_argument_exception',
        reason:
          'Failed to parse value [0] for setting [migrate.max_concurrent_indices_reindexed_per_data_stream] must be >= 1',
      },
    );
  });

  test.each(['persistent', 'transient'] as const)(
    'unknown %s cluster settings are not recognized',
    async (scope) => {
      await expectEsError(es.cluster.putSettings({ [scope]: { 'sandbox.no.such.setting': 1 } }), {
        status: 400,
        type: 'illegal_argument_exception',
        reason: `${scope} setting [sandbox.no.such.setting], not recognized`,
      });
    },
  );

  test('an unknown endpoint is ES 400 "no handler found", never a crash', async () => {
    const res = await es.transport.request(
      { method: 'GET', path: '/_sandbox_no_such_endpoint/_foo/_bar' },
      { meta: true, ignore: [400, 404, 405] },
    );
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.body)).toContain(
      'no handler found for uri [/_sandbox_no_such_endpoint/_foo/_bar] and method [GET]',
    );
    // The server still answers afterwards.
    expect((await es.info()).tagline).toBe('You Know, for Search');
  });

  // A body cut short: Jackson's end-of-input errors, line and column where the input ran out.
  const source = (body: string, line: number, column: number): string =>
    `[Source: (byte[])"${body}"; line: ${line}, column: ${column}]`;
  test.each([
    [
      'after an opening brace',
      '{"persistent": {',
      '[1:17] Unexpected end of file',
      `Unexpected end-of-input: expected close marker for Object (start marker at ${source('{"persistent": {', 1, 16)})\n at ${source('{"persistent": {', 1, 17)}`,
    ],
    [
      'on a second line',
      '{\n "persistent": {\n',
      '[3:1] Unexpected end of file',
      `Unexpected end-of-input: expected close marker for Object (start marker at ${source('{\n "persistent": {\n', 2, 16)})\n at ${source('{\n "persistent": {\n', 3, 1)}`,
    ],
    [
      'in a field name',
      '{"a',
      '[1:4] Unexpected end of file',
      `Unexpected end-of-input in field name\n at ${source('{"a', 1, 4)}`,
    ],
    [
      'in a string value',
      '{"persistent":{"a":"b',
      '[1:22] Unexpected end of file',
      `Unexpected end-of-input in VALUE_STRING\n at ${source('{"persistent":{"a":"b', 1, 22)}`,
    ],
    [
      'after a colon',
      '{"persistent":',
      '[1:15] Unexpected end of file',
      `Unexpected end-of-input within/between Object entries\n at ${source('{"persistent":', 1, 15)}`,
    ],
  ])('a JSON body cut short %s is x_content_e_o_f_exception', async (_where, body, reason, cause) => {
    const res = await es.transport.request(
      { method: 'PUT', path: '/_cluster/settings', body, querystring: {} },
      { meta: true, ignore: [400], headers: { 'content-type': 'application/json' } },
    );
    expect(res.statusCode).toBe(400);
    expect(res.body).toEqual({
      error: {
        root_cause: [{ type: 'x_content_e_o_f_exception', reason }],
        type: 'x_content_e_o_f_exception',
        reason,
        caused_by: { type: 'json_e_o_f_exception', reason: cause },
      },
      status: 400,
    });
  });

  test('a JSON body cut short after a comma is x_content_parse_exception', async () => {
    const body = '{"persistent":{"a":[1,';
    const res = await es.transport.request(
      { method: 'PUT', path: '/_cluster/settings', body, querystring: {} },
      { meta: true, ignore: [400], headers: { 'content-type': 'application/json' } },
    );
    const message = `Unexpected end-of-input within/between Array entries\n at ${source(body, 1, 23)}`;
    expect(res.body).toEqual({
      error: {
        root_cause: [{ type: 'x_content_parse_exception', reason: `[1:23] ${message}` }],
        type: 'x_content_parse_exception',
        reason: `[1:23] ${message}`,
        caused_by: { type: 'json_parse_exception', reason: message },
      },
      status: 400,
    });
  });
});
