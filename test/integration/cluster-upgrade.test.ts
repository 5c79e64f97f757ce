import { basicAuth, call, SecuredClusterStub } from './http-api-helpers';
import {
  acceptedStartOf,
  cli,
  clusterCompletion,
  clusterService,
  flatSettings,
  startClusterHttpApi,
} from './cluster-helpers';
import {
  abandonWait,
  allDocumentIds,
  backingIndexNames,
  duplicates,
  eventually,
  expectSuccessesOnCluster,
  setMigrateSettings,
  useUpgradeHarness,
  mostOverlapping,
} from '../support';
import { createHttpApi, type HttpApi } from '../../src/client/http-api/server';
import { planCluster } from '../../src/client/service/cluster-plan';
import { renderClusterReportMarkdown, type ClusterReport } from '../../src/client/service/cluster-report';
import type { ClusterStatusView } from '../../src/client/service/cluster-upgrade-service';
import { destinationIndexName } from '../../src/shared/names';
import { CLUSTER_UPGRADE_WORKFLOW_ID, type DataStreamRunReport } from '../../src/workflows';

const DAY = 86_400_000;

/** The most data streams whose [start, finish] intervals overlap at one instant, from the workflow's own clock. */
function mostAtOnce(reports: readonly DataStreamRunReport[]): number {
  return mostOverlapping(
    reports.map((report) => ({ startMs: report.started_at_millis, endMs: report.finished_at_millis })),
  );
}

// One cluster workflow over the data-stream workflows, end to end: a real Temporal dev server, real
// workers and activities, and the sandbox (or the cluster at ES_URL).
describe('cluster upgrade', () => {
  const h = useUpgradeHarness('cluster-upgrade');
  let api: HttpApi;

  beforeAll(async () => {
    api = await startClusterHttpApi(h());
  });

  afterAll(async () => {
    await api?.close();
  });

  it('answers 404 before any cluster run', async () => {
    const status = await call(api.url, 'GET', '/_ds_reindex/cluster/_status');
    expect(status.status).toBe(404);
    expect(status.json).toMatchObject({
      error: { type: 'resource_not_found_exception', reason: 'No cluster upgrade found' },
    });
    expect((await call(api.url, 'POST', '/_ds_reindex/cluster/_cancel')).status).toBe(404);
  });

  it('upgrades every selected data stream, at most N at once, marking the old ones read-only, and reports', async () => {
    const now = Date.now();
    const seeded = {
      a: await h().seed('cu-a', [
        { docCount: 400, settings: { 'index.lifecycle.origination_date': String(now - 200 * DAY) } },
        { docCount: 300 },
        { docCount: 50 },
      ]),
      b: await h().seed('cu-b', [{ docCount: 3000 }, { docCount: 20 }]),
      c: await h().seed('cu-c', [{ docCount: 300 }, { docCount: 10 }]),
    };
    const idsBefore = new Map<string, string[]>();
    for (const name of ['cu-a', 'cu-b', 'cu-c']) idsBefore.set(name, await allDocumentIds(h().es, name));
    // cu-b's first copy takes 20 s (two pauses of 1,000 documents / 100 per second) until the throttle is
    // lifted below: the run is still going when the test looks at it, on any machine.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 100 });

    const started = await call(api.url, 'POST', '/_ds_reindex/cluster/_start', {
      body: JSON.stringify({ pattern: 'cu-*', max_data_streams: 2, read_only_older_than: '90d' }),
    });
    expect(started.status).toBe(200);
    expect(started.json).toEqual({ acknowledged: true, data_streams: ['cu-a', 'cu-b', 'cu-c'] });

    // Each data stream's own upgrade answers with Elasticsearch's semantics while the cluster runs it.
    const midRun = await eventually(
      async () => {
        const status = (await call(api.url, 'GET', '/_ds_reindex/cluster/_status')).json as ClusterStatusView;
        if (status.complete) abandonWait(`the run ended first: ${JSON.stringify(status)}`);
        return status.running.some((entry) => entry.status !== undefined) ? status : undefined;
      },
      'a data stream upgrading',
      60_000,
    );
    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
    expect(midRun).toMatchObject({
      state: 'running',
      complete: false,
      pattern: 'cu-*',
      max_data_streams: 2,
      read_only: { kind: 'older-than', older_than: '90d' },
    });
    expect(midRun.running.length).toBeLessThanOrEqual(2);
    const watched = midRun.running.find((entry) => entry.status !== undefined);
    expect(watched?.prepared).toMatchObject({ next: 'start', rolled_over: false });
    expect(watched?.prepared?.indices_to_reindex).toBeGreaterThan(0);
    expect(await h().service.status(watched?.data_stream ?? '')).toMatchObject({
      start_time_millis: watched?.status?.start_time_millis,
    });

    const final = await clusterCompletion(clusterService(h()));
    expect(final).toMatchObject({ state: 'completed', complete: true, pending: [], running: [] });
    expect(mostAtOnce(final.finished)).toBe(2);
    const byName = new Map(final.finished.map((entry) => [entry.data_stream, entry]));
    expect(byName.get('cu-a')).toMatchObject({
      outcome: 'upgraded',
      adopted: false,
      indices_requiring_upgrade: 2,
      indices_reindexed: 2,
      indices_failed: 0,
      indices_marked_read_only: 1,
      documents: 350,
      errors: [],
    });
    expect(byName.get('cu-b')).toMatchObject({ outcome: 'upgraded', indices_reindexed: 2, documents: 3020 });
    expect(byName.get('cu-c')).toMatchObject({ outcome: 'upgraded', indices_reindexed: 2, documents: 310 });

    // The old index took the read-only path: blocked with the block API, which records the verified flag.
    const settings = await flatSettings(h(), [seeded.a[0]]);
    expect(settings[seeded.a[0]]['index.verified_read_only']).toBe('true');
    expect(settings[seeded.a[0]]['index.blocks.write']).toBe('true');
    const afterA = await backingIndexNames(h().es, 'cu-a');
    expect(afterA).toContain(seeded.a[0]);
    for (const index of seeded.a.slice(1)) expect(afterA).toContain(destinationIndexName(index));
    for (const index of [...seeded.b, ...seeded.c]) {
      await expect(h().es.indices.exists({ index })).resolves.toBe(false);
    }
    // Reindexed copies were blocked through the settings API only: never marked verified.
    const copies = await flatSettings(h(), seeded.a.slice(1).map(destinationIndexName));
    for (const copy of Object.values(copies)) expect(copy['index.verified_read_only']).toBeUndefined();
    for (const [name, ids] of idsBefore) {
      const after = await allDocumentIds(h().es, name);
      expect(duplicates(after)).toEqual([]);
      expect(new Set(after)).toEqual(new Set(ids));
    }
    // Each data stream's own status stays Elasticsearch's, and its successes are what Elasticsearch shows.
    expect(await h().service.status('cu-b')).toMatchObject({
      complete: true,
      total_indices_requiring_upgrade: 2,
      successes: 2,
      errors: [],
    });
    for (const name of ['cu-a', 'cu-b', 'cu-c'])
      await expectSuccessesOnCluster(h().es, name, await h().service.status(name));
    // Each was started with the totals its own plan then counted, so its first status had them too:
    // cu-a's marked index is no longer one to upgrade; the old write index is counted before the
    // rollover its upgrade then made, which the final status counts, as Elasticsearch's does.
    for (const [name, total, requiring] of [
      ['cu-a', 3, 2],
      ['cu-b', 2, 2],
      ['cu-c', 2, 2],
    ] as const) {
      const accepted = await acceptedStartOf(h(), name);
      expect(accepted).toMatchObject({
        totalIndicesInDataStream: total,
        totalIndicesRequiringUpgrade: requiring,
      });
      expect(accepted?.startTimeMillis).toBeGreaterThanOrEqual(byName.get(name)?.started_at_millis ?? 0);
      expect(await h().service.status(name)).toMatchObject({
        start_time_millis: accepted?.startTimeMillis,
        total_indices_in_data_stream: total + 1,
        total_indices_requiring_upgrade: requiring,
      });
    }

    const report = (await call(api.url, 'GET', '/_ds_reindex/cluster/_report')).json as ClusterReport;
    expect(report.totals).toMatchObject({
      data_streams: 3,
      upgraded: 3,
      indices_reindexed: 6,
      indices_marked_read_only: 1,
      documents: 3680,
    });
    const markdown = renderClusterReportMarkdown(report);
    expect(markdown).toContain('| cu-a | upgraded | 2 of 2 | 0 | 1 | 350 |');
    const printed = await cli(h(), ['report']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('# Cluster upgrade report');
    expect(printed.stdout).toContain('| cu-b | upgraded | 2 of 2 | 0 | 0 | 3,020 |');

    // A later plan finds nothing left: the marked index is skipped, the rest is on the current version.
    const again = await planCluster(h().es, {
      pattern: 'cu-*',
      includeSystem: false,
      readOnly: { kind: 'none' },
      ilmHorizonMs: 0,
      maxDataStreams: 1,
      nowMillis: Date.now(),
    });
    expect(again.data_streams).toEqual([]);
    expect(again.data_streams_up_to_date).toBe(3);
  });

  it('marks a whole data stream read-only, rolling the write index over first, and starts no reindex', async () => {
    const seeded = await h().seed('ro-all', [{ docCount: 100 }, { docCount: 50 }]);
    const service = clusterService(h());
    const prepared = await service.prepareStart(h().es, {
      pattern: 'ro-all',
      includeSystem: false,
      readOnly: { kind: 'all' },
      maxDataStreams: 1,
    });
    await service.start(prepared);
    const final = await clusterCompletion(service);
    expect(final.state).toBe('completed');
    expect(final.finished).toEqual([
      expect.objectContaining({
        data_stream: 'ro-all',
        outcome: 'read_only',
        indices_marked_read_only: 2,
        indices_reindexed: 0,
      }),
    ]);
    const after = await backingIndexNames(h().es, 'ro-all');
    expect(after.slice(0, 2)).toEqual(seeded);
    expect(after).toHaveLength(3);
    const settings = await flatSettings(h(), seeded);
    for (const index of seeded) expect(settings[index]['index.verified_read_only']).toBe('true');
    // Nothing to reindex, so no data-stream upgrade was started.
    await expect(h().service.status('ro-all')).rejects.toMatchObject({ status: 404 });
    expect(await allDocumentIds(h().es, 'ro-all')).toHaveLength(150);

    // Later runs skip the marked indices: a cluster run finds nothing to do, and the data stream's own
    // upgrade finds no index requiring it and leaves them in place.
    const later = await service.prepareStart(h().es, {
      pattern: 'ro-*',
      includeSystem: false,
      readOnly: { kind: 'none' },
      maxDataStreams: 1,
    });
    expect(later.dataStreams).not.toContain('ro-all');
    await h().service.start(h().es, 'ro-all');
    const own = await h().completion('ro-all');
    expect(own).toMatchObject({
      total_indices_in_data_stream: 3,
      total_indices_requiring_upgrade: 0,
      successes: 0,
      errors: [],
    });
    await expectSuccessesOnCluster(h().es, 'ro-all', own);
    expect(await backingIndexNames(h().es, 'ro-all')).toEqual(after);
  });

  it('counts the rollover it made to mark an old write index into the first totals of the upgrade it starts', async () => {
    const now = Date.now();
    // The write index holds the oldest data (origination date), the first index new data: only the
    // write index takes the read-only path, so the run rolls over, marks it, and reindexes the first.
    // Its upgrade then has no old write index to roll over: every count stays 3 backing indices.
    const seeded = await h().seed('rw-ds', [
      { docCount: 40 },
      { docCount: 30, settings: { 'index.lifecycle.origination_date': String(now - 200 * DAY) } },
    ]);
    const service = clusterService(h());
    await service.start(
      await service.prepareStart(h().es, {
        pattern: 'rw-ds',
        includeSystem: false,
        readOnly: { kind: 'older-than', olderThanMs: 90 * DAY },
        maxDataStreams: 1,
      }),
    );
    const final = await clusterCompletion(service);
    expect(final.finished).toEqual([
      expect.objectContaining({
        data_stream: 'rw-ds',
        outcome: 'upgraded',
        indices_marked_read_only: 1,
        indices_reindexed: 1,
      }),
    ]);
    const accepted = await acceptedStartOf(h(), 'rw-ds');
    expect(accepted).toMatchObject({ totalIndicesInDataStream: 3, totalIndicesRequiringUpgrade: 1 });
    const rw = await h().service.status('rw-ds');
    expect(rw).toMatchObject({
      start_time_millis: accepted?.startTimeMillis,
      complete: true,
      total_indices_in_data_stream: 3,
      total_indices_requiring_upgrade: 1,
      successes: 1,
      errors: [],
    });
    await expectSuccessesOnCluster(h().es, 'rw-ds', rw);
    const after = await backingIndexNames(h().es, 'rw-ds');
    expect(after).toHaveLength(3);
    expect(after).toContain(destinationIndexName(seeded[0]));
    expect((await flatSettings(h(), [seeded[1]]))[seeded[1]]['index.verified_read_only']).toBe('true');
  });

  it('watches a data stream whose upgrade is already running instead of failing', async () => {
    await h().seed('adopt-a', [{ docCount: 3000 }, { docCount: 10 }]);
    await h().seed('adopt-b', [{ docCount: 50 }]);
    // 20 s of copying until lifted: adopt-a's upgrade still runs when the cluster run reaches it.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 100 });
    await h().service.start(h().es, 'adopt-a');
    const startedAt = (await h().service.status('adopt-a')).start_time_millis;

    const service = clusterService(h());
    await service.start(
      await service.prepareStart(h().es, {
        pattern: 'adopt-*',
        includeSystem: false,
        readOnly: { kind: 'none' },
        maxDataStreams: 2,
      }),
    );
    await eventually(
      async () => {
        const status = await service.status();
        if (status.running.some((entry) => entry.data_stream === 'adopt-a' && entry.adopted)) return true;
        if (status.finished.some((entry) => entry.data_stream === 'adopt-a'))
          abandonWait(`adopt-a was finished without being watched: ${JSON.stringify(status)}`);
        return undefined;
      },
      'the cluster run to watch the running upgrade of adopt-a',
      60_000,
    );
    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
    const final = await clusterCompletion(service);
    const byName = new Map(final.finished.map((entry) => [entry.data_stream, entry]));
    expect(byName.get('adopt-a')).toMatchObject({ outcome: 'upgraded', adopted: true, indices_reindexed: 2 });
    expect(byName.get('adopt-b')).toMatchObject({ outcome: 'upgraded', adopted: false });
    // The same upgrade, not a second one.
    const adopted = await h().service.status('adopt-a');
    expect(adopted.start_time_millis).toBe(startedAt);
    await expectSuccessesOnCluster(h().es, 'adopt-a', adopted);
    await expectSuccessesOnCluster(h().es, 'adopt-b', await h().service.status('adopt-b'));
  });

  it('refuses a second cluster run while one runs, and one cancel rolls back every data stream it started', async () => {
    const first = await h().seed('cancel-a', [{ docCount: 3000 }, { docCount: 3000 }, { docCount: 5 }]);
    await h().seed('cancel-b', [{ docCount: 10 }]);
    // 40 s per copy (two pauses of 1,000 documents / 50 per second): the first is still copying when the
    // CLI, a process of its own that may take seconds to start on a busy machine, cancels the run.
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 50 });
    const service = clusterService(h());
    await service.start(
      await service.prepareStart(h().es, {
        pattern: 'cancel-*',
        includeSystem: false,
        readOnly: { kind: 'none' },
        maxDataStreams: 1,
      }),
    );
    const conflict = await call(api.url, 'POST', '/_ds_reindex/cluster/_start', {
      body: JSON.stringify({ pattern: 'cancel-*' }),
    });
    expect(conflict.status).toBe(400);
    expect(conflict.json).toMatchObject({ error: { type: 'resource_already_exists_exception' } });

    await h().copying('cancel-a');
    const cancelled = await cli(h(), ['cancel', '--all']);
    expect(cancelled.code).toBe(0);

    const final = await service.status();
    expect(final).toMatchObject({ state: 'cancelled', complete: true, pending: ['cancel-b'], running: [] });
    expect(final.finished).toEqual([
      expect.objectContaining({ data_stream: 'cancel-a', outcome: 'cancelled' }),
    ]);
    // Rolled back: the same backing indices as before (and the new write index of the rollover),
    // writable, nothing half-copied left behind.
    const after = await backingIndexNames(h().es, 'cancel-a');
    expect(after.slice(0, 3)).toEqual(first);
    expect(after).toHaveLength(4);
    const settings = await flatSettings(h(), first);
    for (const index of first) {
      expect(settings[index]['index.blocks.write']).toBeUndefined();
      expect(settings[index]['index.verified_read_only']).toBeUndefined();
    }
    for (const index of first) {
      await expect(h().es.indices.exists({ index: destinationIndexName(index) })).resolves.toBe(false);
    }
    await expect(h().service.status('cancel-a')).rejects.toMatchObject({ status: 404 });
    await expect(h().service.status('cancel-b')).rejects.toMatchObject({ status: 404 });
    const report = await cli(h(), ['report', '--json']);
    expect(report.code).toBe(4);
    expect(JSON.parse(report.stdout)).toMatchObject({ state: 'cancelled', not_started: ['cancel-b'] });
  });

  it('hands over to a fresh run every few data streams, without waiting for the ones in flight', async () => {
    const names = ['can-1', 'can-2', 'can-3', 'can-4', 'can-5'];
    for (const name of names) await h().seed(name, [{ docCount: 20 }]);
    const service = clusterService(h(), { maxDataStreamsPerRun: 2 });
    await service.start(
      await service.prepareStart(h().es, {
        pattern: 'can-*',
        includeSystem: false,
        readOnly: { kind: 'none' },
        maxDataStreams: 2,
      }),
    );
    const handle = h().env.client.workflow.getHandle(CLUSTER_UPGRADE_WORKFLOW_ID);
    const firstRunId = (await handle.describe()).runId;
    const final = await clusterCompletion(service);
    expect(final.state).toBe('completed');
    expect(final.finished.map((entry) => entry.data_stream).sort()).toEqual(names);
    expect(final.finished.every((entry) => entry.outcome === 'upgraded')).toBe(true);
    const runs = await eventually(
      async () => {
        const found: string[] = [];
        for await (const execution of h().env.client.workflow.list({
          query: `WorkflowId = '${CLUSTER_UPGRADE_WORKFLOW_ID}' AND StartTime >= '${new Date(final.start_time_millis - 1000).toISOString()}'`,
        })) {
          found.push(execution.runId);
        }
        return found.length >= 3 ? found : undefined;
      },
      'the runs of the cluster workflow to be listed',
      60_000,
    );
    // Five data streams, two per run: three runs, the first of them continued as new.
    expect(runs).toContain(firstRunId);
    expect(runs.length).toBeGreaterThanOrEqual(3);
  });
  it("with security on, starts only when the caller manages every selected data stream, with the caller's credentials", async () => {
    await h().seed('sec-a', [{ docCount: 20 }]);
    await h().seed('sec-b', [{ docCount: 20 }]);
    const stub = new SecuredClusterStub(h().target.url, {
      alice: { password: 'alice-secret', roles: ['upgrader'], manages: ['sec-a'] },
    });
    const alice = basicAuth('alice', 'alice-secret');
    const service = clusterService(h());
    const securedApi = await createHttpApi({
      service: h().service,
      clusterService: service,
      esConfig: { url: await stub.start(), requestTimeoutMs: 30_000 },
      port: 0,
    });
    try {
      const latestStart = () =>
        service.status().then(
          (status) => status.start_time_millis,
          () => undefined,
        );
      const before = await latestStart();
      const refused = await call(securedApi.url, 'POST', '/_ds_reindex/cluster/_start', {
        body: JSON.stringify({ pattern: 'sec-*' }),
        headers: { authorization: alice },
      });
      expect(refused.status).toBe(403);
      expect(refused.json).toMatchObject({
        error: {
          type: 'security_exception',
          reason:
            'action [cluster:admin/ds_reindex/cluster/start] is unauthorized for user [alice] with effective roles [upgrader] on indices [sec-b], ' +
            'this action is granted by the index privileges [manage,all]',
        },
      });
      // Nothing started: the latest run is still the one before.
      expect(await latestStart()).toBe(before);
      expect((await call(securedApi.url, 'POST', '/_ds_reindex/cluster/_start')).status).toBe(401);

      stub.forwardedAuthorizations.length = 0;
      const started = await call(securedApi.url, 'POST', '/_ds_reindex/cluster/_start', {
        body: JSON.stringify({ pattern: 'sec-a' }),
        headers: { authorization: alice },
      });
      expect(started.json).toEqual({ acknowledged: true, data_streams: ['sec-a'] });
      expect(new Set(stub.forwardedAuthorizations)).toEqual(new Set([alice]));
      expect((await clusterCompletion(service)).state).toBe('completed');
      const history = JSON.stringify(
        await h().env.client.workflow.getHandle(CLUSTER_UPGRADE_WORKFLOW_ID).fetchHistory(),
      );
      expect(history).not.toContain('alice-secret');
      expect(history).not.toContain(alice.slice('Basic '.length));
    } finally {
      await securedApi.close();
      await stub.close();
    }
  });

  it('`ds-reindex start --all --wait` follows the run with a bar per data stream and prints the report', async () => {
    await h().seed('cw-a', [{ docCount: 2000 }, { docCount: 10 }]);
    await h().seed('cw-b', [{ docCount: 30 }]);
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 1000 });
    const run = await cli(h(), [
      'start',
      '--all',
      '--pattern',
      'cw-*',
      '--max-data-streams',
      '2',
      '--wait',
      '--interval-ms',
      '200',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Cluster upgrade  cw-*: 2 data streams, at most 2 at once');
    expect(run.stdout).toMatch(/^ {2}cw-a +\[[#.]{24}\] +[\d.]+% +\d of 2 indices/m);
    expect(run.stdout).toContain('# Cluster upgrade report');
    expect(run.stdout).toContain('| cw-a | upgraded | 2 of 2 | 0 | 0 | 2,010 |');
    const status = await cli(h(), ['status', '--all']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('State            completed');
    expect((await cli(h(), ['status', '--all', 'cw-a'])).code).toBe(1);
  });
});
