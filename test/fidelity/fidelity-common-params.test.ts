import { createEsTarget, type EsTarget } from '../support';
import { errorText, readCommonParams, successText } from '../../src/client/http-api/common-params';
import { dataStreamTemplate, uniqueName } from './fidelity-helpers';

/**
 * The common parameters of ds-reindex's HTTP API, refereed by Elasticsearch itself: each case asks the
 * cluster for an answer with `filter_path`, `pretty` or `human`, asks again without them, applies the
 * HTTP API's own rendering (`common-params.ts`) to that plain answer, and expects the same text.
 */
describe('filter_path, pretty, human and error_trace as Elasticsearch answers them', () => {
  let target: EsTarget;
  const ds = uniqueName('common-params');
  const index = uniqueName('common-params-index');

  beforeAll(async () => {
    target = await createEsTarget();
    await target.client.indices.putIndexTemplate({ name: ds, ...dataStreamTemplate(`${ds}*`) });
    await target.client.indices.createDataStream({ name: ds });
    await target.client.indices.rollover({ alias: ds });
    await target.client.indices.create({ index, settings: { number_of_replicas: 0 } });
  });

  afterAll(async () => {
    await target.client.indices.deleteDataStream({ name: ds }).catch(() => undefined);
    await target.client.indices.deleteIndexTemplate({ name: ds }).catch(() => undefined);
    await target.client.indices.delete({ index }).catch(() => undefined);
    await target.close();
  });

  async function raw(path: string, query: string): Promise<{ status: number; text: string }> {
    const response = await fetch(`${target.url}${path}${query === '' ? '' : `?${query}`}`, {
      headers: target.kind === 'cluster' ? authorization() : {},
    });
    return { status: response.status, text: await response.text() };
  }

  function authorization(): Record<string, string> {
    const { ES_USERNAME: user, ES_PASSWORD: password, ES_API_KEY: apiKey } = process.env;
    if (apiKey) return { authorization: `ApiKey ${apiKey}` };
    if (user && password)
      return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
    return {};
  }

  /** Elasticsearch's answer with `query`, and the HTTP API's rendering of its answer without it. */
  async function bothWays(
    path: string,
    query: string,
  ): Promise<{ theirs: string; ours: string; status: number }> {
    const params = readCommonParams(new URLSearchParams(query));
    const asked = await raw(path, query);
    const plain = await raw(path, '');
    expect(plain.status).toBe(asked.status);
    const body: unknown = JSON.parse(plain.text);
    const ours =
      asked.status < 300 ? successText(body, params) : errorText(body, params, new Error('unused'));
    return { theirs: asked.text, ours, status: asked.status };
  }

  it.each([
    ['data_streams.indices.index_name', ''],
    ['data_streams.name,data_streams.generation', '&pretty'],
    ['**.index_name', '&pretty'],
    ['data_streams.*_name', ''],
    ['-data_streams.indices,-**.template', '&pretty'],
    ['data_streams.indices,-**.index_uuid', ''],
    ['no.such.field', '&pretty'],
    ['data_streams.indices.index_name.nothing', ''],
  ])('GET /_data_stream/<ds>?filter_path=%s%s', async (filterPath, rest) => {
    const { theirs, ours, status } = await bothWays(
      `/_data_stream/${ds}`,
      `filter_path=${encodeURIComponent(filterPath)}${rest}`,
    );
    expect(status).toBe(200);
    expect(ours).toBe(theirs);
  });

  it.each([
    ['/', 'filter_path=version.num*,tagline&pretty'],
    ['/', 'filter_path=-version,-cluster_uuid'],
    ['/_cluster/settings', 'pretty'],
    ['/_cluster/settings', 'filter_path=persistent&pretty'],
    ['/_cluster/settings', 'filter_path=persistent.nothing'],
  ])('GET %s?%s', async (path, query) => {
    const { theirs, ours, status } = await bothWays(path, query);
    expect(status).toBe(200);
    expect(ours).toBe(theirs);
  });

  it('answers an error unfiltered, pretty when asked, and without a stack trace unless asked', async () => {
    const { theirs, ours, status } = await bothWays(
      `/_data_stream/${ds}-missing`,
      'filter_path=status&pretty',
    );
    expect(status).toBe(404);
    expect(ours).toBe(theirs);
    expect(theirs).toContain('"root_cause"');
    expect(theirs).not.toContain('stack_trace');
  });

  const onRealNode = process.env.ES_URL ? it : it.skip;

  onRealNode(
    'adds human-readable sizes and durations the way Elasticsearch does (a real node only)',
    async () => {
      const { theirs, ours } = await bothWays(
        `/${index}/_stats/store,indexing`,
        'human&filter_path=_all.total.store,_all.total.indexing.*_time*&pretty',
      );
      expect(theirs).toContain('"size_in_bytes"');
      expect(theirs).toContain('"index_time" :');
      expect(ours).toBe(theirs);
    },
  );

  onRealNode(
    'with error_trace, puts stack_trace last on the error and on each root cause (a real node only)',
    async () => {
      const asked = await raw(`/_data_stream/${ds}-missing`, 'error_trace');
      const theirs = JSON.parse(asked.text) as {
        error: Record<string, unknown> & { root_cause: Array<Record<string, unknown>> };
      };
      const ours = JSON.parse(
        errorText(
          JSON.parse((await raw(`/_data_stream/${ds}-missing`, '')).text),
          readCommonParams(new URLSearchParams('error_trace')),
          new Error('x'),
        ),
      ) as typeof theirs;
      expect(Object.keys(ours.error)).toEqual(Object.keys(theirs.error));
      expect(Object.keys(ours.error.root_cause[0])).toEqual(Object.keys(theirs.error.root_cause[0]));
      expect(Object.keys(theirs.error).at(-1)).toBe('stack_trace');
    },
  );
});
