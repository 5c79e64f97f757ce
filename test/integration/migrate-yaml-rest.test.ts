import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call, esError, basicAuth, type RawAnswer } from './http-api-helpers';
import { createUpgradeHarness, type UpgradeHarness } from '../support/upgrade-harness';
import { createHttpApi, type HttpApi } from '../../src/client/http-api/server';

/*
 * Elasticsearch's own YAML REST tests for the migrate API, `10_reindex.yml` and `20_reindex_status.yml`
 * (x-pack/plugin/src/yamlRestTest/resources/rest-api-spec/test/migrate in elastic/elasticsearch), carried
 * out step by step against ds-reindex's HTTP API, with the runner's semantics: every case first asks
 * `GET /_capabilities` whether the start endpoint has the `migration_reindex` capability (a runner skips
 * the case otherwise; here that is a failure), `catch: /re/` means an error status whose body matches,
 * `match` compares a field. Setup steps (templates, data streams, cluster health) go to Elasticsearch,
 * the migrate calls and the capabilities check to the API. Runs against the sandbox, or the cluster at
 * ES_URL (a real 8.19 node).
 */

const START = '/_migration/reindex';
const status = (name: string) => `/_migration/reindex/${name}/_status`;
const cancel = (name: string) => `/_migration/reindex/${name}/_cancel`;

const ACTIONS = {
  start: 'indices:admin/data_stream/reindex',
  status: 'indices:admin/migration/reindex_status',
  cancel: 'indices:admin/data_stream/reindex_cancel',
};

/** The request a YAML runner sends for `requires: capabilities: [{method: POST, path: /_migration/reindex, ...}]`. */
const RUNNER_CAPABILITIES_CHECK =
  '/_capabilities?method=POST&path=%2F_migration%2Freindex&capabilities=migration_reindex&error_trace=false&local_only=true';

/** `body: |` blocks of the YAML files: the text is sent as written. */
function reindexBody(mode: string, index: string): string {
  return `{\n  "mode": "${mode}",\n  "source": {\n    "index": "${index}"\n  }\n}\n`;
}

/** `catch: /pattern/`: an error answer whose body matches. */
function expectCaught(answer: RawAnswer, pattern: RegExp): void {
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(answer.text).toMatch(pattern);
}

describe("Elasticsearch's YAML REST tests for the migrate API, against the HTTP API", () => {
  let h: UpgradeHarness;
  let api: HttpApi;

  beforeAll(async () => {
    h = await createUpgradeHarness('migrate-yaml-rest');
    await h.startWorker();
    api = await createHttpApi({
      service: h.service,
      esConfig: { url: h.target.url, requestTimeoutMs: 30_000 },
      port: 0,
    });
  });

  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  /** Each YAML file's `setup`. */
  beforeEach(async () => {
    const health = await h.es.cluster.health({ wait_for_status: 'yellow' });
    expect(['yellow', 'green']).toContain(health.status);
  });

  /** What Elasticsearch's test base class wipes after each case, and any upgrade a failed case left. */
  afterEach(async () => {
    await h.service.cancel('my-data-stream').catch(() => undefined);
    await h.es.indices.deleteDataStream({ name: 'my-data-stream*' }).catch(() => undefined);
    await h.es.indices.deleteIndexTemplate({ name: 'my-template1' }).catch(() => undefined);
  });

  /** `requires: test_runner_features: [capabilities]`, as the runner checks it. */
  async function requireMigrationReindexCapability(): Promise<void> {
    const answer = await call(api.url, 'GET', RUNNER_CAPABILITIES_CHECK);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      _nodes: { total: 1, successful: 1, failed: 0 },
      cluster_name: (await h.es.info()).cluster_name,
      supported: true,
    });
  }

  async function putTemplateAndCreateDataStream(): Promise<void> {
    await h.es.indices.putIndexTemplate({
      name: 'my-template1',
      index_patterns: ['my-data-stream*'],
      template: {
        mappings: { properties: { '@timestamp': { type: 'date' }, foo: { type: 'keyword' } } },
      },
      data_stream: {},
    });
    const created = await h.es.indices.createDataStream({ name: 'my-data-stream' });
    expect(created.acknowledged).toBe(true);
  }

  const migrateReindex = (body: string) => call(api.url, 'POST', START, { body });

  describe('10_reindex.yml', () => {
    it('Test Reindex With Unsupported Mode', async () => {
      await requireMigrationReindexCapability();
      expectCaught(
        await migrateReindex(reindexBody('unsupported_mode', 'my-data-stream')),
        /illegal_argument_exception/,
      );
    });

    it('Test Reindex With Nonexistent Data Stream', async () => {
      await requireMigrationReindexCapability();
      const single = await migrateReindex(reindexBody('upgrade', 'my-data-stream'));
      expectCaught(single, /resource_not_found_exception/);
      const list = await migrateReindex(reindexBody('upgrade', 'my-data-stream1,my-data-stream2'));
      expectCaught(list, /resource_not_found_exception/);
      // Elasticsearch never splits the name: the whole string is the data stream that does not exist.
      expect(list.json).toEqual(
        esError(
          404,
          'resource_not_found_exception',
          'Data stream named [my-data-stream1,my-data-stream2] does not exist',
        ),
      );
    });

    it('Test Reindex With Bad Data Stream Name', async () => {
      await requireMigrationReindexCapability();
      const answer = await migrateReindex(reindexBody('upgrade', 'my-data-stream*'));
      expectCaught(answer, /illegal_argument_exception/);
      expect(answer.json).toEqual(
        esError(
          400,
          'illegal_argument_exception',
          `the action ${ACTIONS.start} does not support wildcards; the provided index expression(s) [my-data-stream*] are not allowed`,
        ),
      );
    });

    it('Test Reindex With Existing Data Stream', async () => {
      await requireMigrationReindexCapability();
      await putTemplateAndCreateDataStream();

      const started = await migrateReindex(reindexBody('upgrade', 'my-data-stream'));
      expect(started.status).toBe(200);
      expect(started.json).toMatchObject({ acknowledged: true });

      const cancelled = await call(api.url, 'POST', cancel('my-data-stream'));
      expect(cancelled.status).toBe(200);
      expect(cancelled.json).toMatchObject({ acknowledged: true });

      expectCaught(await call(api.url, 'POST', cancel('my-data-stream')), /resource_not_found_exception/);
    });
  });

  describe('20_reindex_status.yml', () => {
    it('Test get reindex status with nonexistent task id', async () => {
      await requireMigrationReindexCapability();
      expectCaught(await call(api.url, 'GET', status('does_not_exist')), /resource_not_found_exception/);
    });

    it('Test Reindex With Existing Data Stream', async () => {
      await requireMigrationReindexCapability();
      await putTemplateAndCreateDataStream();

      const started = await migrateReindex(reindexBody('upgrade', 'my-data-stream'));
      expect(started.status).toBe(200);
      expect(started.json).toMatchObject({ acknowledged: true });

      // The status right after the start: one index, created by this version, so none to upgrade.
      const first = await call(api.url, 'GET', status('my-data-stream'));
      expect(first.status).toBe(200);
      expect(first.json).toMatchObject({
        total_indices_in_data_stream: 1,
        total_indices_requiring_upgrade: 0,
        successes: 0,
        in_progress: [],
        pending: 0,
        errors: [],
      });

      const cancelled = await call(api.url, 'POST', cancel('my-data-stream'));
      expect(cancelled.json).toMatchObject({ acknowledged: true });
      expectCaught(await call(api.url, 'POST', cancel('my-data-stream')), /resource_not_found_exception/);
      expectCaught(await call(api.url, 'GET', status('my-data-stream')), /resource_not_found_exception/);
    });
  });

  describe('names the three endpoints take', () => {
    const wildcard = (action: string, expression: string) =>
      esError(
        400,
        'illegal_argument_exception',
        `the action ${action} does not support wildcards; the provided index expression(s) [${expression}] are not allowed`,
      );
    const allIndices = (action: string) =>
      esError(
        400,
        'illegal_argument_exception',
        `the action ${action} does not support accessing all indices; the provided index expression [_all] is not allowed`,
      );

    it("refuses wildcards and _all with Elasticsearch's 400s, even when matching data streams exist", async () => {
      await putTemplateAndCreateDataStream();
      for (const expression of ['my-data-stream*', '*', 'my-*,other', 'my-data-stream,my-*']) {
        expect((await migrateReindex(reindexBody('upgrade', expression))).json).toEqual(
          wildcard(ACTIONS.start, expression),
        );
        expect((await call(api.url, 'GET', status(expression))).json).toEqual(
          wildcard(ACTIONS.status, expression),
        );
        expect((await call(api.url, 'POST', cancel(expression))).json).toEqual(
          wildcard(ACTIONS.cancel, expression),
        );
        // The dry-run plan is the start's question, so it follows the start's rule.
        expect((await call(api.url, 'GET', `/_migration/reindex/${expression}/_plan`)).json).toEqual(
          wildcard(ACTIONS.start, expression),
        );
      }
      expect((await migrateReindex(reindexBody('upgrade', '_all'))).json).toEqual(allIndices(ACTIONS.start));
      expect((await call(api.url, 'GET', status('_all'))).json).toEqual(allIndices(ACTIONS.status));
      expect((await call(api.url, 'POST', cancel('_all'))).json).toEqual(allIndices(ACTIONS.cancel));
      // None of them got as far as starting anything.
      expect((await call(api.url, 'GET', '/_migration/reindex/_list')).json).toEqual({ reindex_tasks: [] });
    });

    it('keeps a comma-separated name whole: a data stream and a task that do not exist', async () => {
      await putTemplateAndCreateDataStream();
      const names = 'my-data-stream,other';
      expect((await migrateReindex(reindexBody('upgrade', names))).json).toEqual(
        esError(404, 'resource_not_found_exception', `Data stream named [${names}] does not exist`),
      );
      expect((await call(api.url, 'GET', status(names))).json).toEqual(
        esError(404, 'resource_not_found_exception', `No migration reindex status found for [${names}]`),
      );
      expect((await call(api.url, 'POST', cancel(names))).json).toEqual(
        esError(
          404,
          'resource_not_found_exception',
          `the task with id reindex-data-stream-${names} doesn't exist`,
        ),
      );
      // `_all` inside a list is not "all indices": just another name that does not exist.
      expect((await call(api.url, 'GET', status('_all,x'))).status).toBe(404);
    });
  });

  describe('GET /_capabilities', () => {
    const ask = (query: string) => call(api.url, 'GET', `/_capabilities?${query}`);
    const supported = async (query: string) => {
      const answer = await ask(query);
      expect(answer.status).toBe(200);
      return (answer.json as { supported: boolean | null }).supported;
    };

    it('answers for every route of the API from the route table', async () => {
      // Every endpoint the API serves, with its method; the same paths with another method are not.
      const served: [string, string][] = [
        ['POST', '/_migration/reindex'],
        ['GET', '/_migration/reindex/logs-app/_status'],
        ['POST', '/_migration/reindex/logs-app/_cancel'],
        ['GET', '/_migration/reindex/logs-app/_plan'],
        ['GET', '/_migration/reindex/_list'],
        ['GET', '/_cluster/settings'],
        ['PUT', '/_cluster/settings'],
        ['GET', '/'],
        ['GET', '/_capabilities'],
      ];
      for (const [method, path] of served) {
        expect(await supported(`method=${method}&path=${encodeURIComponent(path)}`)).toBe(true);
        expect(await supported(`method=DELETE&path=${encodeURIComponent(path)}`)).toBe(false);
      }
      // `method` defaults to GET and `path` to `/`; `path` is decoded once more, as Elasticsearch does.
      expect(await supported('')).toBe(true);
      expect(await supported('method=POST')).toBe(false);
      expect(await supported('method=GET&path=/_cluster/%2573ettings')).toBe(true);
      // Trailing slashes are ignored; an empty segment matches nothing.
      expect(await supported('method=GET&path=/_cluster/settings/')).toBe(true);
      expect(await supported('method=GET&path=/_cluster//settings')).toBe(false);
      expect(await supported('method=GET&path=/_nope')).toBe(false);

      // Only the start route declares `migration_reindex`.
      expect(await supported('method=POST&path=/_migration/reindex&capabilities=migration_reindex')).toBe(
        true,
      );
      expect(
        await supported('method=GET&path=/_migration/reindex/x/_status&capabilities=migration_reindex'),
      ).toBe(false);
      expect(
        await supported('method=POST&path=/_migration/reindex/x/_cancel&capabilities=migration_reindex'),
      ).toBe(false);
      expect(
        await supported('method=POST&path=/_migration/reindex&capabilities=migration_reindex,time_travel'),
      ).toBe(false);
      expect(await supported('method=POST&path=/_migration/reindex&capabilities=')).toBe(true);

      // Parameters: the ones the route would accept.
      expect(await supported('method=GET&path=/_migration/reindex/x/_status&parameters=human,pretty')).toBe(
        true,
      );
      expect(await supported('method=GET&path=/_migration/reindex/x/_status&parameters=human,foo')).toBe(
        false,
      );
      expect(
        await supported('method=GET&path=/_cluster/settings&parameters=flat_settings,include_defaults'),
      ).toBe(true);
      expect(await supported('method=PUT&path=/_cluster/settings&parameters=include_defaults')).toBe(false);
    });

    /**
     * Bad requests, and Elasticsearch's answers to them. Against a real node the node's own
     * `_capabilities` is asked the same and must answer the same.
     */
    const refusals: [string, number, unknown][] = [
      [
        'method=post&path=/',
        400,
        esError(
          400,
          'illegal_argument_exception',
          'No enum constant org.elasticsearch.rest.RestRequest.Method.post',
        ),
      ],
      [
        'method=GET&path=/&local_only=maybe',
        400,
        esError(
          400,
          'illegal_argument_exception',
          'Failed to parse value [maybe] as only [true] or [false] are allowed.',
        ),
      ],
      [
        'method=GET&path=/&timeout=5',
        400,
        esError(
          400,
          'illegal_argument_exception',
          'failed to parse setting [timeout] with value [5] as a time value: unit is missing or unrecognized',
        ),
      ],
      [
        'method=GET&path=/&timeout=-5s',
        400,
        esError(
          400,
          'illegal_argument_exception',
          'failed to parse setting [timeout] with value [-5s] as a time value: negative durations are not supported',
        ),
      ],
      [
        'method=GET&path=/&timeout=1.5s',
        400,
        {
          error: {
            root_cause: [
              {
                type: 'illegal_argument_exception',
                reason: 'failed to parse [1.5s], fractional time values are not supported',
              },
            ],
            type: 'illegal_argument_exception',
            reason: 'failed to parse [1.5s], fractional time values are not supported',
            caused_by: { type: 'number_format_exception', reason: 'For input string: "1.5"' },
          },
          status: 400,
        },
      ],
      [
        'method=GET&path=%25zz',
        400,
        esError(
          400,
          'illegal_argument_exception',
          'URLDecoder: Illegal hex characters in escape (%) pattern - Error at index 0 in: "zz"',
        ),
      ],
      [
        'path=/&foo=1',
        400,
        esError(
          400,
          'illegal_argument_exception',
          'request [/_capabilities] contains unrecognized parameter: [foo]',
        ),
      ],
    ];

    it("refuses bad parameters with Elasticsearch's answers", async () => {
      for (const [query, expectedStatus, body] of refusals) {
        const answer = await ask(query);
        expect({ query, status: answer.status, body: answer.json }).toEqual({
          query,
          status: expectedStatus,
          body,
        });
        if (!h.target.controls) {
          // A real node: its own `_capabilities` is the reference.
          const real = await call(h.target.url, 'GET', `/_capabilities?${query}`);
          expect({ query, status: real.status, body: real.json }).toEqual({
            query,
            status: answer.status,
            body,
          });
        }
      }
      const posted = await call(api.url, 'POST', '/_capabilities');
      expect(posted.status).toBe(405);
      expect(posted.json).toEqual({
        error: 'Incorrect HTTP method for uri [/_capabilities] and method [POST], allowed: [GET]',
        status: 405,
      });
    });
  });

  describe('on a cluster without security', () => {
    it("skips the privilege check on this cluster, which has no security, and ignores the caller's credentials as it does", async () => {
      // What the cluster itself answers a privilege question with.
      const asked = await call(h.target.url, 'POST', '/_security/user/_has_privileges', {
        body: JSON.stringify({ index: [{ names: ['x'], privileges: ['manage'] }] }),
      });
      expect(asked.status).toBe(400);
      expect(asked.text).toContain(
        'no handler found for uri [/_security/user/_has_privileges] and method [POST]',
      );

      await putTemplateAndCreateDataStream();
      // A cluster without security does not read the Authorization header at all.
      const headers = { authorization: basicAuth('nobody', 'not-a-password') };
      const started = await call(api.url, 'POST', START, {
        body: reindexBody('upgrade', 'my-data-stream'),
        headers,
      });
      expect(started.json).toEqual({ acknowledged: true });
      const read = await call(api.url, 'GET', status('my-data-stream'), { headers });
      expect(read.status).toBe(200);
      const listed = await call(api.url, 'GET', '/_migration/reindex/_list', { headers });
      expect(listed.json).toMatchObject({ reindex_tasks: [{ data_stream: 'my-data-stream' }] });
      expect((await call(api.url, 'POST', cancel('my-data-stream'), { headers })).json).toEqual({
        acknowledged: true,
      });
    });

    /** A cluster that answers `_has_privileges` with `answer` and forwards everything else to the target. */
    async function clusterAnswering(answer: { status: number; body: unknown }): Promise<{
      url: string;
      close(): Promise<void>;
    }> {
      const server: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const send = (statusCode: number, body: Buffer | string, contentType: string) => {
            res.writeHead(statusCode, { 'content-type': contentType, 'x-elastic-product': 'Elasticsearch' });
            res.end(body);
          };
          if (new URL(req.url ?? '/', 'http://stub').pathname === '/_security/user/_has_privileges') {
            send(answer.status, JSON.stringify(answer.body), 'application/json');
            return;
          }
          const headers: Record<string, string> = {};
          if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
          fetch(`${h.target.url}${req.url}`, {
            method: req.method,
            headers,
            body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
          })
            .then(async (upstream) =>
              send(
                upstream.status,
                Buffer.from(await upstream.arrayBuffer()),
                upstream.headers.get('content-type') ?? 'application/json',
              ),
            )
            .catch(() => res.destroy());
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: async () => {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    }

    async function statusThrough(answer: { status: number; body: unknown }): Promise<RawAnswer> {
      const cluster = await clusterAnswering(answer);
      const throughApi = await createHttpApi({
        service: h.service,
        esConfig: { url: cluster.url, requestTimeoutMs: 30_000 },
        port: 0,
      });
      try {
        return await call(throughApi.url, 'GET', status('no-such-upgrade'));
      } finally {
        await throughApi.close();
        await cluster.close();
      }
    }

    const noStatus = esError(
      404,
      'resource_not_found_exception',
      'No migration reindex status found for [no-such-upgrade]',
    );

    it('recognises every answer Elasticsearch gives when security is off, and nothing else', async () => {
      const securityOff: { status: number; body: unknown }[] = [
        // 8.x with xpack.security.enabled: false, as the real 8.19.21 node answers.
        {
          status: 400,
          body: { error: 'no handler found for uri [/_security/user/_has_privileges] and method [POST]' },
        },
        // 8.x, a security REST handler registered while security is disabled.
        {
          status: 500,
          body: esError(
            500,
            'illegal_state_exception',
            'Security is not enabled but a security rest handler is registered',
          ),
        },
        // 7.x with a basic license and security not enabled.
        {
          status: 500,
          body: esError(
            500,
            'exception',
            'Security must be explicitly enabled when using a [basic] license. Enable security by setting ' +
              '[xpack.security.enabled] to [true] in the elasticsearch.yml file and restart the node.',
          ),
        },
      ];
      for (const answer of securityOff) {
        // Past the privilege check: the service's own answer.
        expect((await statusThrough(answer)).json).toEqual(noStatus);
      }

      // Any other failure is passed on as the cluster gave it, never taken as "no security".
      const failures: { status: number; body: unknown }[] = [
        { status: 500, body: esError(500, 'exception', 'something else broke') },
        { status: 404, body: { error: 'not found by some proxy' } },
        { status: 401, body: esError(401, 'security_exception', 'unable to authenticate user [nobody]') },
      ];
      for (const answer of failures) {
        const answered = await statusThrough(answer);
        expect({ status: answered.status, body: answered.json }).toEqual(answer);
      }
    });
  });
});
