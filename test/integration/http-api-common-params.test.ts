import { call } from './http-api-helpers';
import { eventually, useUpgradeHarness } from '../support';
import { apiRoutes, createHttpApi, type HttpApi } from '../../src/client/http-api/server';
import { openApiDocument } from '../../src/client/http-api/openapi';
import type { ReindexDataStreamStatus } from '../../src/shared/status';

/** Elasticsearch's common parameters and the OpenAPI document, through the HTTP API itself. */
describe('HTTP API: filter_path, pretty, human, error_trace and the OpenAPI document', () => {
  const h = useUpgradeHarness('http-api-common');
  const ds = 'http-common-ds';
  let api: HttpApi;
  let finished: ReindexDataStreamStatus;

  beforeAll(async () => {
    api = await createHttpApi({
      service: h().service,
      esConfig: { url: h().target.url, requestTimeoutMs: 30_000 },
      port: 0,
    });
    await h().seed(ds, [{ docCount: 20 }, { docCount: 20 }, { docCount: 5 }]);
    const started = await call(api.url, 'POST', '/_migration/reindex', {
      body: JSON.stringify({ source: { index: ds }, mode: 'upgrade' }),
    });
    expect(started.json).toEqual({ acknowledged: true });
    finished = await eventually(
      async () => {
        const status = (await call(api.url, 'GET', `/_migration/reindex/${ds}/_status`))
          .json as ReindexDataStreamStatus;
        return status.complete ? status : undefined;
      },
      `the upgrade of ${ds} to complete`,
      90_000,
      200,
    );
  });

  afterAll(async () => {
    await api?.close();
  });

  const status = (query: string) => call(api.url, 'GET', `/_migration/reindex/${ds}/_status?${query}`);

  it("answers the issue's example: filter_path=complete,successes", async () => {
    const answer = await status('filter_path=complete,successes');
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(`{"complete":true,"successes":${finished.successes}}`);
    expect(finished.successes).toBeGreaterThan(0);
  });

  it('excludes with -, matches wildcards, and answers {} when nothing is left', async () => {
    const excluded = (await status('filter_path=-in_progress,-errors,-start_time_millis')).json;
    expect(Object.keys(excluded as object)).toEqual([
      'complete',
      'total_indices_in_data_stream',
      'total_indices_requiring_upgrade',
      'successes',
      'pending',
    ]);
    expect((await status('filter_path=total_*')).json).toEqual({
      total_indices_in_data_stream: finished.total_indices_in_data_stream,
      total_indices_requiring_upgrade: finished.total_indices_requiring_upgrade,
    });
    expect((await status('filter_path=no.such')).text).toBe('{}');
  });

  it("writes pretty JSON in Elasticsearch's layout, and human times before their _millis twin", async () => {
    const pretty = await status('pretty&filter_path=complete,errors');
    expect(pretty.text).toBe('{\n  "complete" : true,\n  "errors" : [ ]\n}\n');
    const human = (await status('human')).json as Record<string, unknown>;
    expect(Object.keys(human).slice(0, 2)).toEqual(['start_time', 'start_time_millis']);
    expect(human.start_time).toBe(new Date(finished.start_time_millis).toISOString());
    expect((await status('human&filter_path=start_time')).json).toEqual({ start_time: human.start_time });
  });

  it('applies the parameters to routes that Elasticsearch answers too, and to the list', async () => {
    const root = await call(api.url, 'GET', '/?filter_path=version.number,-version.build*');
    expect(Object.keys(root.json as object)).toEqual(['version']);
    const list = await call(
      api.url,
      'GET',
      '/_migration/reindex/_list?filter_path=reindex_tasks.data_stream',
    );
    expect((list.json as { reindex_tasks: unknown[] }).reindex_tasks).toContainEqual({ data_stream: ds });
  });

  it('never filters an error body, and adds a stack trace only with error_trace', async () => {
    const missing = `/_migration/reindex/${ds}-missing/_status`;
    const plain = await call(api.url, 'GET', `${missing}?filter_path=status&pretty`);
    expect(plain.status).toBe(404);
    expect(plain.text).toContain('"root_cause" : [');
    expect(plain.text).not.toContain('stack_trace');
    const traced = await call(api.url, 'GET', `${missing}?error_trace`);
    const error = (
      traced.json as { error: { stack_trace?: string; root_cause: Array<{ stack_trace?: string }> } }
    ).error;
    expect(error.stack_trace).toContain('ElasticsearchApiError');
    expect(error.root_cause[0].stack_trace).toBeDefined();
    const bad = await status('pretty=yes');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Failed to parse value [yes] as only [true] or [false] are allowed.');
  });

  it('accepts the four on every route, as _capabilities says', async () => {
    const asked = await call(
      api.url,
      'GET',
      '/_capabilities?method=POST&path=/_ds_reindex/cluster/_pause&parameters=now,filter_path,pretty,human,error_trace',
    );
    expect((asked.json as { supported: boolean }).supported).toBe(true);
  });

  it('serves its OpenAPI document, itself described in it', async () => {
    const answer = await call(api.url, 'GET', '/_ds_reindex/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(openApiDocument(apiRoutes(h().service)));
    const paths = (answer.json as { paths: Record<string, unknown> }).paths;
    expect(Object.keys(paths)).toContain('/_ds_reindex/openapi.json');
    expect((await call(api.url, 'GET', '/_ds_reindex/openapi.json?filter_path=openapi')).text).toBe(
      '{"openapi":"3.1.0"}',
    );
  });
});
