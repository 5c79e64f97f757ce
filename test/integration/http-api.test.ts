import { Client, errors } from '@elastic/elasticsearch';
import { basicAuth, call, esError, SecuredClusterStub } from './http-api-helpers';
import { abandonWait, eventually, setMigrateSettings, useUpgradeHarness } from '../support';
import { createHttpApi, type HttpApi } from '../../src/client/http-api/server';
import type { ReindexDataStreamStatus } from '../../src/shared/status';

const CONCURRENCY = 'migrate.max_concurrent_indices_reindexed_per_data_stream';
const THROTTLE = 'migrate.data_stream_reindex_max_request_per_second';

describe('HTTP API: Elasticsearch-compatible reindex endpoints', () => {
  const h = useUpgradeHarness('http-api');
  let api: HttpApi;
  let startSpy: jest.SpyInstance;

  beforeAll(async () => {
    api = await createHttpApi({
      service: h().service,
      esConfig: { url: h().target.url, requestTimeoutMs: 30_000 },
      port: 0,
      maxBodyBytes: 4096,
    });
    startSpy = jest.spyOn(h().service, 'start');
  });

  afterAll(async () => {
    await api?.close();
  });

  async function workflowsStarted(): Promise<number> {
    let count = 0;
    for await (const _ of h().env.client.workflow.list()) count += 1;
    return count;
  }

  const start = (body: string, options: { contentType?: string } = {}) =>
    call(api.url, 'POST', '/_migration/reindex', { body, ...options });

  it("answers every bad request with Elasticsearch's answer and never starts a workflow", async () => {
    await h().seed('bad-input-ds', [{ docCount: 10 }]);
    await h().es.indices.create({ index: 'plain-index' }, { ignore: [400] }); // kept from an earlier run

    const noBody = await call(api.url, 'POST', '/_migration/reindex');
    expect(noBody.status).toBe(400);
    expect(noBody.json).toEqual(esError(400, 'parse_exception', 'request body is required'));

    const notJson = await start('{"mode": upgrade}');
    expect(notJson.status).toBe(400);
    expect(notJson.json).toEqual(
      esError(
        400,
        'x_content_parse_exception',
        "[1:17] Unrecognized token 'upgrade': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
      ),
    );
    const trailingComma = (await start('{"mode":"upgrade",}')).json as { error: { reason: string } };
    expect(trailingComma.error.reason).toMatch(/^\[1:19\] Unexpected character \('\}' \(code 125\)\)/);

    expect((await start('{"foo":1}')).json).toEqual(
      esError(400, 'x_content_parse_exception', '[1:2] [migration_reindex] unknown field [foo]'),
    );
    expect((await start('{\n  "mode": "upgrade",\n  "sourc": {}\n}')).json).toEqual(
      esError(400, 'x_content_parse_exception', '[3:3] [migration_reindex] unknown field [sourc]'),
    );

    const nestedUnknown = await start('{"mode":"upgrade","source":{"index":"bad-input-ds","x":1}}');
    expect(nestedUnknown.json).toEqual({
      error: {
        root_cause: [
          {
            type: 'x_content_parse_exception',
            reason: '[1:57] [migration_reindex] failed to parse field [source]',
          },
        ],
        type: 'x_content_parse_exception',
        reason: '[1:57] [migration_reindex] failed to parse field [source]',
        caused_by: { type: 'x_content_parse_exception', reason: '[1:52] [source] unknown field [x]' },
      },
      status: 400,
    });

    const missingIndex = await start('{"mode":"upgrade","source":{}}');
    expect(missingIndex.status).toBe(400);
    expect(missingIndex.json).toMatchObject({
      error: {
        type: 'x_content_parse_exception',
        reason: '[1:29] [migration_reindex] failed to parse field [source]',
        caused_by: { type: 'illegal_argument_exception', reason: 'Required [index]' },
      },
    });

    const wrongMode = await start('{"mode":"downgrade","source":{"index":"bad-input-ds"}}');
    expect(wrongMode.status).toBe(400);
    expect(wrongMode.json).toMatchObject({
      error: {
        type: 'x_content_parse_exception',
        caused_by: {
          reason: 'Failed to build [migration_reindex] after last required field arrived',
          caused_by: {
            type: 'illegal_argument_exception',
            reason:
              'No enum constant org.elasticsearch.xpack.migrate.action.ReindexDataStreamAction.Mode.DOWNGRADE',
          },
        },
      },
    });

    expect((await start('{"source":{"index":"bad-input-ds"}}')).json).toEqual(
      esError(400, 'illegal_argument_exception', 'Required [mode]'),
    );
    expect((await start('{"mode":1,"source":{"index":"x"}}')).json).toEqual(
      esError(
        400,
        'x_content_parse_exception',
        "[1:9] [migration_reindex] mode doesn't support values of type: VALUE_NUMBER",
      ),
    );

    for (const name of ['no-such-ds', 'bad-input-ds,other', 'plain-index']) {
      // `mode` is compared case-insensitively: these get as far as the data-stream check.
      const answer = await start(JSON.stringify({ mode: 'UpGrade', source: { index: name } }));
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual(
        esError(404, 'resource_not_found_exception', `Data stream named [${name}] does not exist`),
      );
    }

    const oversized = await start(JSON.stringify({ mode: 'upgrade', source: { index: 'x'.repeat(5000) } }));
    expect(oversized.status).toBe(413);
    expect(oversized.text).toBe('');

    const textPlain = await start('{"mode":"upgrade","source":{"index":"bad-input-ds"}}', {
      contentType: 'text/plain',
    });
    expect(textPlain.status).toBe(406);
    expect(textPlain.json).toEqual({
      error: 'Content-Type header [text/plain] is not supported',
      status: 406,
    });

    const unknownPath = await call(api.url, 'GET', '/_nope?pretty');
    expect(unknownPath.status).toBe(400);
    expect(unknownPath.json).toEqual({ error: 'no handler found for uri [/_nope?pretty] and method [GET]' });

    const wrongMethod = await call(api.url, 'GET', '/_migration/reindex');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json).toEqual({
      error: 'Incorrect HTTP method for uri [/_migration/reindex] and method [GET], allowed: [POST]',
      status: 405,
    });
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect((await call(api.url, 'DELETE', '/_migration/reindex/bad-input-ds/_cancel')).status).toBe(405);

    const unknownParam = await call(api.url, 'GET', '/_migration/reindex/bad-input-ds/_status?foo=1');
    expect(unknownParam.json).toEqual(
      esError(
        400,
        'illegal_argument_exception',
        'request [/_migration/reindex/bad-input-ds/_status] contains unrecognized parameter: [foo]',
      ),
    );

    for (const answer of [noBody, wrongMode, oversized, textPlain, unknownPath, wrongMethod]) {
      expect(answer.headers.get('x-elastic-product')).toBe('Elasticsearch');
    }
    expect(startSpy.mock.calls.filter(([, name]) => name === 'bad-input-ds')).toHaveLength(0);
    expect(await workflowsStarted()).toBe(0);
  });

  it("validates the migrate settings with Elasticsearch's messages and stores valid ones in the cluster", async () => {
    const put = (body: unknown) => call(api.url, 'PUT', '/_cluster/settings', { body: JSON.stringify(body) });

    expect((await put({ persistent: { [CONCURRENCY]: 0 } })).json).toEqual(
      esError(
        400,
        'illegal_argument_exception',
        `Failed to parse value [0] for setting [${CONCURRENCY}] must be >= 1`,
      ),
    );
    expect(
      (await put({ transient: { migrate: { data_stream_reindex_max_request_per_second: 0 } } })).json,
    ).toEqual(
      esError(
        400,
        'illegal_argument_exception',
        `Failed to parse value [0] for setting [${THROTTLE}] must be greater than 0 or -1 for infinite`,
      ),
    );
    expect((await put({ persistent: { [THROTTLE]: 'fast' } })).json).toEqual(
      esError(400, 'illegal_argument_exception', `Failed to parse value [fast] for setting [${THROTTLE}]`),
    );
    expect((await put({ persistant: {} })).json).toEqual(
      esError(
        400,
        'x_content_parse_exception',
        '[1:2] [cluster_update_settings_request] unknown field [persistant]',
      ),
    );

    const notify = jest.spyOn(h().service, 'notifyMaxConcurrentIndices');
    const accepted = await put({ persistent: { [THROTTLE]: -1, [CONCURRENCY]: 3 } });
    expect(accepted.status).toBe(200);
    expect(accepted.json).toMatchObject({ acknowledged: true, transient: {} });
    expect(notify).toHaveBeenCalledWith(3);

    const read = await call(api.url, 'GET', '/_cluster/settings?flat_settings=true');
    expect(read.json).toMatchObject({ persistent: { [THROTTLE]: '-1', [CONCURRENCY]: '3' } });

    expect((await put({ persistent: { [CONCURRENCY]: null } })).status).toBe(200);
    expect(notify).toHaveBeenLastCalledWith(1);
    const reset = await h().es.cluster.getSettings({ flat_settings: true });
    expect(reset.persistent[CONCURRENCY]).toBeUndefined();
    notify.mockRestore();
  });

  it('starts, reports, lists, plans, pauses, resumes and cancels over HTTP', async () => {
    const ds = 'http-flow-ds';
    await h().seed(ds, [{ docCount: 4000 }, { docCount: 10 }]);
    // 15 s of copying (three pauses of 1,000 documents / 200 per second): the upgrade is still running
    // through every call below, on any machine, until it is cancelled.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 200 });

    const plan = await call(api.url, 'GET', `/_migration/reindex/${ds}/_plan`);
    expect(plan.status).toBe(200);
    expect(plan.json).toMatchObject({
      data_stream: ds,
      backing_indices: [{ needs_upgrade: true }, { write_index: true }],
    });

    const started = await call(api.url, 'POST', '/_migration/reindex', {
      body: JSON.stringify({ source: { index: ds }, mode: 'upgrade' }),
    });
    expect(started.status).toBe(200);
    expect(started.json).toEqual({ acknowledged: true });
    expect(
      (
        await call(api.url, 'POST', '/_migration/reindex', {
          body: JSON.stringify({ source: { index: ds }, mode: 'upgrade' }),
        })
      ).json,
    ).toEqual(
      esError(
        400,
        'resource_already_exists_exception',
        `Reindex task for data stream [${ds}] already exists`,
      ),
    );

    const copying = await eventually(
      async () => {
        const answer = await call(api.url, 'GET', `/_migration/reindex/${ds}/_status?human`);
        const status = answer.json as ReindexDataStreamStatus;
        if (status.complete) abandonWait(`it completed first: ${JSON.stringify(status)}`);
        return (status.in_progress[0]?.reindexed_doc_count ?? 0) > 0 ? status : undefined;
      },
      'the first index to be copying',
      60_000,
    );
    expect(Object.keys(copying).slice(0, 3)).toEqual(['start_time', 'start_time_millis', 'complete']);
    expect(copying).toMatchObject({ complete: false, total_indices_requiring_upgrade: 2 });

    const plainStatus = (await call(api.url, 'GET', `/_migration/reindex/${ds}/_status`)).json;
    expect(plainStatus).not.toHaveProperty('start_time');

    const list = await eventually(async () => {
      const answer = await call(api.url, 'GET', '/_migration/reindex/_list');
      const body = answer.json as { reindex_tasks: { data_stream: string }[] };
      return body.reindex_tasks.some((task) => task.data_stream === ds) ? body : undefined;
    }, 'the upgrade to be listed');
    expect(list.reindex_tasks[0]).toMatchObject({
      data_stream: ds,
      workflow_id: `reindex-data-stream-${ds}`,
    });

    const pause = (query: string) => call(api.url, 'POST', `/_migration/reindex/${ds}/_pause${query}`);
    expect((await pause('?now=maybe')).json).toEqual(
      esError(
        400,
        'illegal_argument_exception',
        'Failed to parse value [maybe] as only [true] or [false] are allowed.',
      ),
    );
    // Answered once the workflow has applied it, with the pause as it then is.
    const pausedAnswer = (await pause('?now=true')).json as { since_millis?: number };
    expect(pausedAnswer).toMatchObject({ acknowledged: true, paused: true, now: true });
    const paused = (await call(api.url, 'GET', `/_migration/reindex/${ds}/_status`))
      .json as ReindexDataStreamStatus;
    expect(paused.paused).toEqual({ now: true, since_millis: pausedAnswer.since_millis });
    const resume = () => call(api.url, 'POST', `/_migration/reindex/${ds}/_resume`);
    expect((await resume()).json).toEqual({ acknowledged: true, paused: false });
    expect(await resume()).toMatchObject({
      status: 409,
      json: esError(
        409,
        'status_exception',
        `cannot resume the migration reindex of [${ds}]: the upgrade is not paused; there is nothing to resume`,
      ),
    });

    expect((await call(api.url, 'POST', `/_migration/reindex/${ds}/_cancel`)).json).toEqual({
      acknowledged: true,
    });
    for (const action of ['_pause', '_resume']) {
      expect((await call(api.url, 'POST', `/_migration/reindex/${ds}/${action}`)).json).toEqual(
        esError(
          404,
          'resource_not_found_exception',
          `No running migration reindex found for [${ds}] to pause or resume`,
        ),
      );
    }
    expect((await call(api.url, 'GET', `/_migration/reindex/${ds}/_status`)).json).toEqual(
      esError(404, 'resource_not_found_exception', `No migration reindex status found for [${ds}]`),
    );
    expect((await call(api.url, 'POST', `/_migration/reindex/${ds}/_cancel`)).json).toEqual(
      esError(
        404,
        'resource_not_found_exception',
        `the task with id reindex-data-stream-${ds} doesn't exist`,
      ),
    );
  });

  it("works unchanged with the official client's migrateReindex, getMigrateReindexStatus and cancelMigrateReindex", async () => {
    const ds = 'official-client-ds';
    await h().seed(ds, [{ docCount: 3000 }, { docCount: 10 }]);
    // 20 s of copying: still running when it is cancelled, on any machine.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 100 });
    const client = new Client({ node: api.url, maxRetries: 0 });
    try {
      await expect(
        client.indices.migrateReindex({ reindex: { mode: 'upgrade', source: { index: ds } } }),
      ).resolves.toEqual({
        acknowledged: true,
      });
      // Right after the start the workflow may not have counted the indices yet.
      const status = await eventually(async () => {
        const answer = await client.indices.getMigrateReindexStatus({ index: ds });
        return answer.total_indices_requiring_upgrade > 0 ? answer : undefined;
      }, 'the upgrade to count its indices');
      expect(status).toMatchObject({ complete: false, total_indices_requiring_upgrade: 2 });
      await expect(client.indices.cancelMigrateReindex({ index: ds })).resolves.toEqual({
        acknowledged: true,
      });

      const missing = await client.indices
        .getMigrateReindexStatus({ index: ds })
        .catch((err: unknown) => err);
      expect(missing).toBeInstanceOf(errors.ResponseError);
      expect((missing as errors.ResponseError).statusCode).toBe(404);
      expect((missing as errors.ResponseError).message).toContain(
        `No migration reindex status found for [${ds}]`,
      );
    } finally {
      await client.close();
    }
  });

  describe('with security enabled on the cluster', () => {
    let stub: SecuredClusterStub;
    let securedApi: HttpApi;
    const alice = basicAuth('alice', 'alice-secret');
    const bob = basicAuth('bob', 'bob-secret');

    beforeAll(async () => {
      stub = new SecuredClusterStub(h().target.url, {
        alice: { password: 'alice-secret', roles: ['upgrader'], manages: ['secure-ds'] },
        bob: { password: 'bob-secret', roles: ['viewer', 'auditor'], manages: [] },
      });
      securedApi = await createHttpApi({
        service: h().service,
        esConfig: { url: await stub.start(), requestTimeoutMs: 30_000 },
        port: 0,
      });
      await h().seed('secure-ds', [{ docCount: 2000 }, { docCount: 10 }]);
    });

    afterAll(async () => {
      await securedApi?.close();
      await stub?.close();
    });

    const body = JSON.stringify({ mode: 'upgrade', source: { index: 'secure-ds' } });

    it('refuses a caller without the manage privilege with a 403 and starts nothing', async () => {
      startSpy.mockClear();
      const refused = await call(securedApi.url, 'POST', '/_migration/reindex', {
        body,
        headers: { authorization: bob },
      });
      expect(refused.status).toBe(403);
      expect(refused.json).toEqual(
        esError(
          403,
          'security_exception',
          'action [indices:admin/data_stream/reindex] is unauthorized for user [bob] with effective roles [auditor,viewer] ' +
            'on indices [secure-ds], this action is granted by the index privileges [manage,all]',
        ),
      );
      const status = await call(securedApi.url, 'GET', '/_migration/reindex/secure-ds/_status', {
        headers: { authorization: bob },
      });
      expect(status.status).toBe(403);
      expect((status.json as { error: { reason: string } }).error.reason).toMatch(
        /^action \[indices:admin\/migration\/reindex_status\]/,
      );

      const anonymous = await call(securedApi.url, 'POST', '/_migration/reindex', { body });
      expect(anonymous.status).toBe(401);
      expect(startSpy).not.toHaveBeenCalled();
    });

    it("acts with the caller's own credentials, and keeps them out of the workflow", async () => {
      stub.forwardedAuthorizations.length = 0;
      await setMigrateSettings(h().es, { maxRequestsPerSecond: 1000 });
      const started = await call(securedApi.url, 'POST', '/_migration/reindex', {
        body,
        headers: { authorization: alice },
      });
      expect(started.json).toEqual({ acknowledged: true });
      expect(stub.forwardedAuthorizations.length).toBeGreaterThan(0);
      expect(new Set(stub.forwardedAuthorizations)).toEqual(new Set([alice]));

      const listedForBob = await call(securedApi.url, 'GET', '/_migration/reindex/_list', {
        headers: { authorization: bob },
      });
      expect(listedForBob.json).toEqual({ reindex_tasks: [] });

      const history = await h().env.client.workflow.getHandle('reindex-data-stream-secure-ds').fetchHistory();
      const recorded = JSON.stringify(history);
      expect(recorded).not.toContain('alice-secret');
      expect(recorded).not.toContain(alice.slice('Basic '.length));

      const cancelled = await call(securedApi.url, 'POST', '/_migration/reindex/secure-ds/_cancel', {
        headers: { authorization: alice },
      });
      expect(cancelled.json).toEqual({ acknowledged: true });
    });
  });
});
