import { call } from './http-api-helpers';
import { cli, withoutVolatileFields } from './cluster-helpers';
import { setMigrateSettings, useUpgradeHarness } from '../support';
import { createHttpApi, type HttpApi } from '../../src/client/http-api/server';
import { planCluster, type ClusterPlan } from '../../src/client/service/cluster-plan';

const DAY = 86_400_000;

// The whole-cluster dry run, through the service, the HTTP API and the CLI, on the sandbox or on the
// cluster at ES_URL: it reads Elasticsearch only and changes nothing.
describe('cluster plan', () => {
  const h = useUpgradeHarness('cluster-plan');
  let api: HttpApi;
  const now = Date.now();
  let names: Record<'a' | 'b' | 'current' | 'marked', string[]>;

  beforeAll(async () => {
    api = await createHttpApi({
      service: h().service,
      esConfig: { url: h().target.url, requestTimeoutMs: 30_000 },
      port: 0,
    });
    names = {
      // The oldest index's data is 200 days old (its origination date); the other two are new.
      a: await h().seed('cp-logs-a', [
        { docCount: 300, settings: { 'index.lifecycle.origination_date': String(now - 200 * DAY) } },
        { docCount: 200 },
        { docCount: 100 },
      ]),
      b: await h().seed('cp-logs-b', [{ docCount: 1000 }]),
      current: await h().seed('cp-current', [{ docCount: 10, versionCreated: 8_536_000 }]),
      marked: await h().seed('cp-marked', [{ docCount: 10 }, { docCount: 10, versionCreated: 8_536_000 }]),
    };
    // An index an operator marked read-only before, the Upgrade Assistant's way.
    await h().es.indices.addBlock({ index: names.marked[0], block: 'write' });
  });

  afterAll(async () => {
    await api?.close();
  });

  const plan = (overrides: Partial<Parameters<typeof planCluster>[1]> = {}): Promise<ClusterPlan> =>
    planCluster(h().es, {
      pattern: 'cp-*',
      includeSystem: false,
      readOnly: { kind: 'none' },
      ilmHorizonMs: 7 * DAY,
      maxDataStreams: 1,
      nowMillis: now,
      ...overrides,
    });

  it('lists every data stream with old backing indices, their documents, sizes and the copy time at the throttle', async () => {
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 100 });
    const result = await plan();
    expect(result.data_streams.map((stream) => stream.data_stream)).toEqual(['cp-logs-a', 'cp-logs-b']);
    // cp-current is on the current version, cp-marked's old index is marked read-only: nothing to do.
    expect(result.data_streams_up_to_date).toBe(2);
    const [a, b] = result.data_streams;
    expect(a).toMatchObject({
      system: false,
      included: true,
      write_index: names.a[2],
      rolls_over: true,
      total_backing_indices: 3,
      indices_to_reindex: 3,
      indices_to_mark_read_only: 0,
      documents_to_reindex: 600,
      // 600 documents at 100 per second, one index at a time.
      estimated_copy_millis: 6000,
    });
    expect(a.old_indices.map((index) => [index.index, index.path, index.doc_count])).toEqual([
      [names.a[0], 'reindex', 300],
      [names.a[1], 'reindex', 200],
      [names.a[2], 'reindex', 100],
    ]);
    expect(a.old_indices.every((index) => (index.size_in_bytes ?? 0) > 0)).toBe(true);
    expect(a.old_indices[0].age_reference_millis).toBe(now - 200 * DAY);
    expect(b).toMatchObject({ documents_to_reindex: 1000, estimated_copy_millis: 10_000 });
    expect(result.throttle).toEqual({
      max_requests_per_second: 100,
      max_concurrent_indices_per_data_stream: 1,
      max_data_streams: 1,
    });
    expect(result.totals).toMatchObject({
      data_streams: 2,
      old_indices: 4,
      indices_to_reindex: 4,
      documents_to_reindex: 1600,
      // One data stream at a time: 6 s then 10 s.
      estimated_copy_millis: 16_000,
    });
    expect((await plan({ maxDataStreams: 2 })).totals.estimated_copy_millis).toBe(10_000);
  });

  it('shows which old indices take the read-only path', async () => {
    const byAge = await plan({ readOnly: { kind: 'older-than', olderThanMs: 90 * DAY } });
    expect(byAge.read_only).toEqual({ kind: 'older-than', older_than: '90d', cutoff_millis: now - 90 * DAY });
    const a = byAge.data_streams[0];
    expect(a.old_indices.map((index) => index.path)).toEqual(['read-only', 'reindex', 'reindex']);
    expect(a).toMatchObject({
      indices_to_reindex: 2,
      indices_to_mark_read_only: 1,
      documents_to_reindex: 300,
    });
    const all = await plan({ readOnly: { kind: 'all' } });
    expect(all.totals).toMatchObject({
      indices_to_reindex: 0,
      indices_to_mark_read_only: 4,
      estimated_copy_millis: 0,
    });
  });

  it('says ILM deletions are unknown, and why, when the cluster has no ILM API', async () => {
    const result = await plan();
    expect(result.ilm.available).toBe(false);
    expect(result.ilm.reason).toMatch(/^the cluster has no ILM API \(GET _ilm\/policy answered 40\d: /);
    for (const index of result.data_streams.flatMap((stream) => stream.old_indices)) {
      expect(index.ilm_deletion).toEqual({ state: 'not-managed' });
    }
  });

  it('is served at GET /_ds_reindex/cluster/_plan, with its parameters checked', async () => {
    const answer = await call(
      api.url,
      'GET',
      '/_ds_reindex/cluster/_plan?pattern=cp-*&read_only_older_than=90d',
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-elastic-product')).toBe('Elasticsearch');
    const body = answer.json as ClusterPlan;
    expect(withoutVolatileFields(body)).toEqual(
      withoutVolatileFields(await plan({ readOnly: { kind: 'older-than', olderThanMs: 90 * DAY } })),
    );
    const bad = await call(api.url, 'GET', '/_ds_reindex/cluster/_plan?read_only_older_than=ninety');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { type: 'illegal_argument_exception' } });
    expect((await call(api.url, 'GET', '/_ds_reindex/cluster/_plan?bogus=1')).status).toBe(400);
    const missing = await call(api.url, 'GET', '/_ds_reindex/cluster/_plan?pattern=no-such-data-stream');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({
      error: { reason: 'Data stream named [no-such-data-stream] does not exist' },
    });
  });

  it('is printed by `ds-reindex plan --all`, and as JSON with --json', async () => {
    const human = await cli(h(), ['plan', '--all', '--pattern', 'cp-*', '--read-only-older-than', '90d']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('data streams cp-*: 2 with backing indices to upgrade, 2 up to date');
    expect(human.stdout).toMatch(/cp-logs-a\s+-\s+3\s+2\s+1\s+300\s/);
    expect(human.stdout).toContain(`${names.a[0]}  read-only`);
    expect(human.stdout).toContain('ILM          unknown: the cluster has no ILM API');
    const json = await cli(h(), ['plan', '--all', '--pattern', 'cp-*', '--json']);
    expect((JSON.parse(json.stdout) as ClusterPlan).totals.documents_to_reindex).toBe(1600);
    const usage = await cli(h(), ['plan', '--all', '--read-only', '--read-only-older-than', '9d']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('choose one');
    expect((await cli(h(), ['plan', 'cp-logs-a', '--pattern', 'x'])).code).toBe(1);
  });
});
