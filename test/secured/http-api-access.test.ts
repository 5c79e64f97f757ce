/**
 * Every route of the HTTP API, taken from the router itself, against the real security of a secured
 * three-node HTTPS cluster: no credentials, a wrong password, a user without the privilege the route
 * needs, a user with it, and an API key with it. The API is given the `elastic` superuser's credentials
 * on purpose: a caller must never act with them.
 */
import { call, type RawAnswer } from '../integration/http-api-helpers';
import {
  CLUSTER_CREDENTIALS,
  createApiKey,
  createUserWithRole,
  describeOnSecuredCluster,
  eventually,
  setMigrateSettings,
  useUpgradeHarness,
  type RoleSpec,
  type TestUser,
} from '../support';
import { apiRoutes, createHttpApi, type HttpApi } from '../../src/client/http-api/server';
import type { Route } from '../../src/client/http-api/routes';

const THROTTLE = 'migrate.data_stream_reindex_max_request_per_second';
/** Slow enough that each upgrade is still copying while its routes are called. */
const SLOW_DOCS_PER_SECOND = 20;

const ONE = 'sec-one';
const CLUSTER_DS = 'sec-all-1';
const names = ['sec-*'];

/** One request to a route, and what a caller who may make it gets. */
interface Sample {
  path: string;
  body?: unknown;
  status: number;
  /** Checks the shape of an allowed answer; returns what is wrong, or nothing. */
  shape: (json: unknown) => string | undefined;
  /** The data streams a caller without the index privilege is refused on (the route's own names). */
  refusedOn?: string;
  /**
   * For a route that does not name its data streams itself: what a caller without the index privilege
   * gets instead of the 403 naming `refusedOn`.
   */
  withoutIndexPrivilege?: (answer: RawAnswer) => string | undefined;
}

const has =
  (...keys: string[]) =>
  (json: unknown): string | undefined => {
    if (typeof json !== 'object' || json === null) return `not an object: ${JSON.stringify(json)}`;
    const missing = keys.filter((key) => !(key in json));
    return missing.length > 0 ? `missing ${missing.join(', ')} in ${JSON.stringify(json)}` : undefined;
  };
const acknowledged = (json: unknown) =>
  (json as { acknowledged?: unknown }).acknowledged === true
    ? undefined
    : `not acknowledged: ${JSON.stringify(json)}`;

/**
 * The samples, in the order one caller runs them: each upgrade is started, watched, paused, resumed and
 * cancelled (which rolls it back), so the next caller can do it all again.
 */
const SAMPLES: ReadonlyArray<[key: string, sample: Sample]> = [
  [
    'GET /_migration/reindex/{dataStream}/_plan',
    { path: `/_migration/reindex/${ONE}/_plan`, status: 200, shape: has('backing_indices'), refusedOn: ONE },
  ],
  [
    'POST /_migration/reindex',
    {
      path: '/_migration/reindex',
      body: { mode: 'upgrade', source: { index: ONE } },
      status: 200,
      shape: acknowledged,
      refusedOn: ONE,
    },
  ],
  [
    'GET /_migration/reindex/{dataStream}/_status',
    {
      path: `/_migration/reindex/${ONE}/_status`,
      status: 200,
      shape: has('complete', 'in_progress', 'errors'),
      refusedOn: ONE,
    },
  ],
  [
    'GET /_migration/reindex/_list',
    {
      path: '/_migration/reindex/_list',
      status: 200,
      shape: (json) =>
        (json as { reindex_tasks?: { data_stream: string }[] }).reindex_tasks?.some(
          (task) => task.data_stream === ONE,
        )
          ? undefined
          : `${ONE} not listed: ${JSON.stringify(json)}`,
      // Filtered, not refused: the caller sees only the upgrades of data streams they manage.
      withoutIndexPrivilege: ({ status, text }) =>
        status === 200 && text === '{"reindex_tasks":[]}'
          ? undefined
          : `listed for a caller who may not: ${status} ${text}`,
    },
  ],
  [
    'POST /_migration/reindex/{dataStream}/_pause',
    { path: `/_migration/reindex/${ONE}/_pause`, status: 200, shape: acknowledged, refusedOn: ONE },
  ],
  [
    'POST /_migration/reindex/{dataStream}/_resume',
    { path: `/_migration/reindex/${ONE}/_resume`, status: 200, shape: acknowledged, refusedOn: ONE },
  ],
  [
    'POST /_migration/reindex/{dataStream}/_cancel',
    { path: `/_migration/reindex/${ONE}/_cancel`, status: 200, shape: acknowledged, refusedOn: ONE },
  ],
  [
    'GET /_ds_reindex/cluster/_plan',
    {
      path: '/_ds_reindex/cluster/_plan?pattern=sec-all-*',
      status: 200,
      shape: has('data_streams', 'totals'),
    },
  ],
  [
    'POST /_ds_reindex/cluster/_start',
    {
      path: '/_ds_reindex/cluster/_start',
      body: { pattern: 'sec-all-*' },
      status: 200,
      shape: (json) =>
        JSON.stringify(json) === JSON.stringify({ acknowledged: true, data_streams: [CLUSTER_DS] })
          ? undefined
          : `not started on ${CLUSTER_DS}: ${JSON.stringify(json)}`,
      // The pattern is resolved as the caller: Elasticsearch itself refuses one who may see none of it.
      withoutIndexPrivilege: ({ status, json, text }) => {
        const reason = (json as { error?: { reason?: string } }).error?.reason ?? '';
        return status === 403 &&
          reason.startsWith(
            'action [indices:admin/data_stream/get] is unauthorized for user [ds_no_index]',
          ) &&
          reason.includes('on indices [sec-all-*]')
          ? undefined
          : `${status} ${text}`;
      },
    },
  ],
  [
    'GET /_ds_reindex/cluster/_status',
    {
      path: '/_ds_reindex/cluster/_status',
      status: 200,
      shape: has('state', 'running', 'pending'),
      refusedOn: CLUSTER_DS,
    },
  ],
  [
    'POST /_ds_reindex/cluster/_pause',
    { path: '/_ds_reindex/cluster/_pause', status: 200, shape: acknowledged, refusedOn: CLUSTER_DS },
  ],
  [
    'POST /_ds_reindex/cluster/_resume',
    { path: '/_ds_reindex/cluster/_resume', status: 200, shape: acknowledged, refusedOn: CLUSTER_DS },
  ],
  [
    'GET /_ds_reindex/cluster/_report',
    {
      path: '/_ds_reindex/cluster/_report',
      status: 200,
      shape: has('state', 'data_streams'),
      refusedOn: CLUSTER_DS,
    },
  ],
  [
    'POST /_ds_reindex/cluster/_cancel',
    { path: '/_ds_reindex/cluster/_cancel', status: 200, shape: acknowledged, refusedOn: CLUSTER_DS },
  ],
  ['GET /', { path: '/', status: 200, shape: has('cluster_name', 'version', 'tagline') }],
  [
    'GET /_ds_reindex/cluster/_readiness',
    {
      path: '/_ds_reindex/cluster/_readiness',
      status: 200,
      shape: has('verdict', 'ready', 'old_indices', 'indices_checked', 'checks'),
    },
  ],
  [
    'GET /_ds_reindex/openapi.json',
    { path: '/_ds_reindex/openapi.json', status: 200, shape: has('openapi', 'paths') },
  ],
  [
    'GET /_capabilities',
    {
      path: '/_capabilities?method=POST&path=/_migration/reindex&capabilities=migration_reindex',
      status: 200,
      shape: (json) =>
        (json as { supported?: unknown }).supported === true ? undefined : JSON.stringify(json),
    },
  ],
  [
    'GET /_cluster/settings',
    { path: '/_cluster/settings', status: 200, shape: has('persistent', 'transient') },
  ],
  [
    'PUT /_cluster/settings',
    {
      path: '/_cluster/settings',
      body: { persistent: { [THROTTLE]: SLOW_DOCS_PER_SECOND } },
      status: 200,
      shape: acknowledged,
    },
  ],
];

const keyOf = (route: Route) => `${route.method} ${route.path}`;

const FULL: RoleSpec = { cluster: ['manage'], indices: [{ names, privileges: ['manage'] }] };
/** For each privilege a route may need, a role that holds everything else. */
const LACKING = {
  monitor: { cluster: [], indices: [{ names, privileges: ['manage'] }] },
  manage: { cluster: ['monitor'], indices: [{ names, privileges: ['manage'] }] },
  index: { cluster: ['manage'], indices: [{ names: ['unrelated-*'], privileges: ['read'] }] },
} satisfies Record<string, RoleSpec>;

function describeAnswer(answer: RawAnswer): string {
  return `${answer.status} ${answer.text.slice(0, 400)}`;
}

describeOnSecuredCluster('HTTP API: every route behind real Elasticsearch security', () => {
  const h = useUpgradeHarness('secured-access');
  let api: HttpApi;
  let routes: Route[];
  let users: Record<keyof typeof LACKING | 'full', TestUser>;
  let apiKey: string;

  beforeAll(async () => {
    // The superuser's own credentials, given to the API: no caller may ever act with them.
    api = await createHttpApi({
      service: h().service,
      esConfig: { url: h().target.url, requestTimeoutMs: 30_000, ...CLUSTER_CREDENTIALS },
      port: 0,
    });
    routes = apiRoutes(h().service);
    const admin = h().es;
    users = {
      full: await createUserWithRole(admin, 'ds_full', FULL),
      monitor: await createUserWithRole(admin, 'ds_no_monitor', LACKING.monitor),
      manage: await createUserWithRole(admin, 'ds_monitor_only', LACKING.manage),
      index: await createUserWithRole(admin, 'ds_no_index', LACKING.index),
    };
    apiKey = await createApiKey(admin, 'ds_full_key', FULL);
    await h().seed(ONE, [{ docCount: 2_000 }, { docCount: 10 }]);
    await h().seed(CLUSTER_DS, [{ docCount: 2_000 }, { docCount: 10 }]);
  });

  // The harness resets the migrate settings after each test.
  beforeEach(async () => {
    await setMigrateSettings(h().es, { maxRequestsPerSecond: SLOW_DOCS_PER_SECOND });
  });

  afterAll(async () => {
    await api?.close();
  });

  function sampleOf(route: Route): Sample {
    const found = SAMPLES.find(([key]) => key === keyOf(route));
    if (!found) throw new Error(`no sample request for ${keyOf(route)}: add one to SAMPLES`);
    return found[1];
  }

  const request = (route: Route, authorization?: string) => {
    const sample = sampleOf(route);
    return call(api.url, route.method, sample.path, {
      ...(sample.body !== undefined ? { body: JSON.stringify(sample.body) } : {}),
      ...(authorization ? { headers: { authorization } } : {}),
    });
  };

  it('has a sample request for every route the router serves, and no other', () => {
    expect(SAMPLES.map(([key]) => key).sort()).toEqual(routes.map(keyOf).sort());
  });

  async function nothingChanged(): Promise<void> {
    const workflows: string[] = [];
    for await (const execution of h().env.client.workflow.list()) workflows.push(execution.workflowId);
    expect(workflows).toEqual([]);
    const settings = await h().es.cluster.getSettings({ flat_settings: true });
    expect(settings.persistent[THROTTLE]).toBe(String(SLOW_DOCS_PER_SECOND));
  }

  it("answers a caller without credentials with Elasticsearch's 401 and its challenges, and changes nothing", async () => {
    // Refusals change nothing, so the routes are asked all at once.
    const answers = await Promise.all(routes.map(async (route) => [route, await request(route)] as const));
    const wrong: string[] = [];
    for (const [route, answer] of answers) {
      const uri = sampleOf(route).path;
      const reason = `missing authentication credentials for REST request [${uri}]`;
      const body = answer.json as {
        error?: { type?: string; reason?: string; header?: unknown };
        status?: number;
      };
      const challenges = answer.headers.get('www-authenticate') ?? '';
      if (
        answer.status !== 401 ||
        body.status !== 401 ||
        body.error?.type !== 'security_exception' ||
        body.error.reason !== reason ||
        !challenges.includes('Basic realm="security"') ||
        !challenges.includes('ApiKey')
      )
        wrong.push(`${keyOf(route)}: ${describeAnswer(answer)} (WWW-Authenticate: ${challenges})`);
    }
    expect(wrong).toEqual([]);
    await nothingChanged();
  });

  it('answers a wrong password with 401, and changes nothing', async () => {
    const wrongPassword = `Basic ${Buffer.from(`${users.full.name}:not-${users.full.password}`).toString('base64')}`;
    const answers = await Promise.all(
      routes.map(async (route) => [route, await request(route, wrongPassword)] as const),
    );
    const wrong: string[] = [];
    for (const [route, answer] of answers) {
      const reason = `unable to authenticate user [${users.full.name}] for REST request [${sampleOf(route).path}]`;
      const body = answer.json as { error?: { type?: string; reason?: string } };
      if (answer.status !== 401 || body.error?.type !== 'security_exception' || body.error.reason !== reason)
        wrong.push(`${keyOf(route)}: ${describeAnswer(answer)}`);
    }
    expect(wrong).toEqual([]);
    await nothingChanged();
  });

  it('refuses a caller without the cluster privilege a route needs with 403, and changes nothing', async () => {
    const guarded = routes.flatMap((route) => {
      const needed = route.access.cluster;
      return needed === undefined ? [] : [{ route, needed, user: users[needed] }];
    });
    const answers = await Promise.all(
      guarded.map(async (entry) => ({
        ...entry,
        answer: await request(entry.route, entry.user.authorization),
      })),
    );
    const wrong: string[] = [];
    for (const { route, needed, user, answer } of answers) {
      const reason =
        `action [${route.access.action}] is unauthorized for user [${user.name}] with effective roles [${user.name}_role], ` +
        `this action is granted by the cluster privileges [${needed === 'monitor' ? 'monitor,manage,all' : 'manage,all'}]`;
      const body = answer.json as { error?: { type?: string; reason?: string } };
      if (answer.status !== 403 || body.error?.type !== 'security_exception' || body.error.reason !== reason)
        wrong.push(`${keyOf(route)}: ${describeAnswer(answer)}`);
    }
    expect(wrong).toEqual([]);
    await nothingChanged();
  });

  /** A caller without `manage` on the data stream: refused with 403 naming it, or shown nothing. */
  function checkWithoutIndexPrivilege(route: Route, answer: RawAnswer): string | undefined {
    const sample = sampleOf(route);
    if (sample.withoutIndexPrivilege) return sample.withoutIndexPrivilege(answer);
    const reason =
      `action [${route.access.action}] is unauthorized for user [${users.index.name}] with effective roles ` +
      `[${users.index.name}_role] on indices [${sample.refusedOn}], this action is granted by the index privileges [manage,all]`;
    const body = answer.json as { error?: { type?: string; reason?: string } };
    return answer.status === 403 && body.error?.type === 'security_exception' && body.error.reason === reason
      ? undefined
      : describeAnswer(answer);
  }

  async function runEveryRoute(authorization: string): Promise<string[]> {
    const wrong: string[] = [];
    for (const [key] of SAMPLES) {
      const route = routes.find((candidate) => keyOf(candidate) === key)!;
      if (route.access.index !== undefined) {
        const problem = checkWithoutIndexPrivilege(route, await request(route, users.index.authorization));
        if (problem) wrong.push(`${key} without manage on the data stream: ${problem}`);
      }
      const sample = sampleOf(route);
      const answer = await request(route, authorization);
      const problem = answer.status === sample.status ? sample.shape(answer.json) : describeAnswer(answer);
      if (problem) wrong.push(`${key}: ${problem}`);
    }
    return wrong;
  }

  it('serves every route to a user with the privileges it needs, and refuses one without manage on the data stream', async () => {
    expect(await runEveryRoute(users.full.authorization)).toEqual([]);
  });

  it('reads every index for the readiness report with monitor alone, system ones included', async () => {
    // The cluster state's metadata is a `monitor` read that security does not filter by index: a caller
    // with no index privilege at all sees the same indices as the administrator, `.security-7` among them.
    const monitorOnly = await createUserWithRole(h().es, 'ds_readiness_monitor', {
      cluster: ['monitor'],
      indices: [],
    });
    // Cancelled upgrades may still be deleting their new indices: compare once both reads agree.
    await eventually(async () => {
      const answer = await call(api.url, 'GET', '/_ds_reindex/cluster/_readiness', {
        headers: { authorization: monitorOnly.authorization },
      });
      expect(answer.status).toBe(200);
      const all = await h().es.cat.indices({ format: 'json', h: 'index', expand_wildcards: 'all' });
      expect(all.map((row) => row.index)).toContain('.security-7');
      return (answer.json as { indices_checked: number }).indices_checked === all.length ? true : undefined;
    }, 'the readiness report as monitor-only to count every index the administrator sees');
  });

  it('serves every route to an API key with those privileges', async () => {
    expect(await runEveryRoute(`ApiKey ${apiKey}`)).toEqual([]);
  });
});
