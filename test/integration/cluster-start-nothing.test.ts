import { call } from './http-api-helpers';
import { cli, clusterCompletion, clusterService } from './cluster-helpers';
import { apiError, useUpgradeHarness } from '../support';
import { createHttpApi, type HttpApi } from '../../src/client/http-api/server';
import type { ClusterUpgradeService } from '../../src/client/service/cluster-upgrade-service';

const NOTHING = (pattern: string) =>
  `Nothing to upgrade: no data stream matching [${pattern}] has backing indices to upgrade. ` +
  "No run was started; the last run's status and report stay.";

// `start --all` on a pattern that selects nothing: the service, the HTTP API and the CLI (a process of its
// own) each say so, start no run, and leave the last run's status and report as they were. Real dev server.
describe('a cluster start that selects nothing', () => {
  const h = useUpgradeHarness('cluster-start-nothing');
  let api: HttpApi;
  let service: ClusterUpgradeService;

  beforeAll(async () => {
    service = clusterService(h());
    api = await createHttpApi({
      service: h().service,
      clusterService: service,
      esConfig: { url: h().target.url, requestTimeoutMs: 30_000 },
      port: 0,
    });
  });

  afterAll(async () => {
    await api?.close();
  });

  const startRun = async (pattern: string) =>
    service.start(
      await service.prepareStart(h().es, {
        pattern,
        includeSystem: false,
        maxDataStreams: 1,
        readOnly: { kind: 'none' },
      }),
    );

  it('starts no run when there has been none', async () => {
    expect(await startRun('nothing-here-*')).toEqual({
      acknowledged: true,
      data_streams: [],
      message: NOTHING('nothing-here-*'),
    });
    expect((await apiError(service.status())).status).toBe(404);
  });

  it('says so over the service, the HTTP API and the CLI, and keeps the last run', async () => {
    await h().seed('csn-a', [{ docCount: 20 }, { docCount: 5 }]);
    expect(await startRun('csn-*')).toEqual({ acknowledged: true, data_streams: ['csn-a'] });
    const last = await clusterCompletion(service);
    expect(last).toMatchObject({ state: 'completed', pattern: 'csn-*' });
    const report = await service.report();

    // The same pattern again: csn-a is up to date now, so it selects nothing either.
    for (const pattern of ['no-match-*', 'csn-*']) {
      expect(await startRun(pattern)).toEqual({
        acknowledged: true,
        data_streams: [],
        message: NOTHING(pattern),
      });
    }

    const http = await call(api.url, 'POST', '/_ds_reindex/cluster/_start', {
      body: JSON.stringify({ pattern: 'no-match-*' }),
    });
    expect([http.status, http.json]).toEqual([
      200,
      { acknowledged: true, data_streams: [], message: NOTHING('no-match-*') },
    ]);

    const printed = await cli(h(), ['start', '--all', '--pattern', 'no-match-*']);
    expect([printed.code, printed.stderr]).toEqual([0, '']);
    expect(printed.stdout).toContain('Nothing to upgrade');
    const json = await cli(h(), ['start', '--all', '--pattern', 'no-match-*', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      acknowledged: true,
      data_streams: [],
      message: NOTHING('no-match-*'),
    });

    // The last run is still the one every status and report reads.
    expect(await service.status()).toEqual(last);
    expect(await service.report()).toEqual(report);
    const httpStatus = await call(api.url, 'GET', '/_ds_reindex/cluster/_status');
    expect(httpStatus.json).toEqual(JSON.parse(JSON.stringify(last)));
  });
});
