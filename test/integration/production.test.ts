import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { allDocumentIds, backingIndexNames, duplicates } from '../support/documents';
import { setMigrateSettings } from '../support/settings';
import { expectSuccessesOnCluster } from '../support/versions';
import { bundleWorkflows } from '../support/temporal-env';
import { abandonWait } from '../support/wait';
import {
  createUpgradeHarness,
  eventually,
  TEST_WORKER_CONFIG,
  type UpgradeHarness,
} from '../support/upgrade-harness';
import { WORKFLOWS_PATH } from '../../src/worker/workflow-modules';
import {
  freePort,
  makeCertificates,
  metricNamesUsedByMonitoring,
  ROOT,
  runCli,
  runScript,
  sampledMetricNames,
  sampleValue,
  startEntryPoint,
  startTlsProxy,
  type EntryPoint,
  type LogLine,
  type TestCertificates,
  type TlsProxy,
} from './production-helpers';

// Running it in production (issue 14), through the real entry points as separate processes: Temporal over
// mTLS, the worker's metrics and health endpoints during a real upgrade, SIGTERM in the middle of a copy
// and of a request, and the JSON logs all of that leaves behind.
const describeWithSandbox = process.env.ES_URL ? describe.skip : describe;
const BUNDLE_DIR = resolve(ROOT, '.data/production-test');
const BUNDLE_PATH = join(BUNDLE_DIR, 'workflow-bundle.js');

describeWithSandbox('running ds-reindex in production', () => {
  let h: UpgradeHarness;
  let certs: TestCertificates;
  let proxy: TlsProxy;
  const started: EntryPoint[] = [];

  /** The worker entry point with the test's fast polling and a prebuilt bundle. */
  function startWorker(env: NodeJS.ProcessEnv = {}): EntryPoint {
    const worker = startEntryPoint('src/worker/main.ts', {
      TEMPORAL_ADDRESS: h.env.address,
      TEMPORAL_NAMESPACE: h.env.namespace ?? 'default',
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      ES_URL: h.target.url,
      WORKFLOW_BUNDLE_PATH: BUNDLE_PATH,
      REINDEX_POLL_INTERVAL_MS: String(TEST_WORKER_CONFIG.reindexPollIntervalMs),
      PROGRESS_SIGNAL_INTERVAL_MS: String(TEST_WORKER_CONFIG.progressSignalIntervalMs),
      SETTINGS_POLL_INTERVAL_MS: String(TEST_WORKER_CONFIG.settingsPollIntervalMs),
      ...env,
    });
    started.push(worker);
    return worker;
  }

  async function startServingWorker(
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ worker: EntryPoint; url: string }> {
    const worker = startWorker({
      WORKER_HTTP_PORT: '0',
      WORKER_SDK_METRICS_PORT: String(await freePort()),
      STATUS_METRICS_INTERVAL_MS: '300',
      ...env,
    });
    const line = await worker.waitForLine(
      (l) => typeof l.ds_reindex?.url === 'string' && /health and metrics/.test(l.message ?? ''),
      'its endpoint',
    );
    await worker.waitForLine((l) => /^ds-reindex worker: /.test(l.message ?? ''), 'it runs');
    return { worker, url: String(line.ds_reindex?.url) };
  }

  async function stop(entryPoint: EntryPoint): Promise<number | null> {
    entryPoint.child.kill('SIGTERM');
    return entryPoint.exited;
  }

  beforeAll(async () => {
    rmSync(BUNDLE_DIR, { recursive: true, force: true });
    mkdirSync(BUNDLE_DIR, { recursive: true });
    writeFileSync(BUNDLE_PATH, (await bundleWorkflows(WORKFLOWS_PATH)).code);
    h = await createUpgradeHarness('production');
    certs = makeCertificates();
    proxy = await startTlsProxy(h.env.address, certs);
  }, 180_000);

  afterAll(async () => {
    for (const entryPoint of started) entryPoint.child.kill('SIGKILL');
    await Promise.all(started.map((entryPoint) => entryPoint.exited));
    await proxy?.close();
    await h?.close();
    if (certs) rmSync(certs.dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    // A test that failed half way must not leave a worker polling the next test's task queue.
    const running = started.filter(
      (entryPoint) => entryPoint.child.exitCode === null && entryPoint.child.signalCode === null,
    );
    for (const entryPoint of running) entryPoint.child.kill('SIGKILL');
    await Promise.all(running.map((entryPoint) => entryPoint.exited));
    h.target.controls?.clearFaults();
    await setMigrateSettings(h.es, { maxRequestsPerSecond: null, maxConcurrentIndices: null });
  });

  describe('Temporal over TLS with client certificates', () => {
    it('runs an upgrade with the worker (TEMPORAL_TLS_* variables) and the CLI (a TOML profile) both through mTLS', async () => {
      const worker = startWorker({
        TEMPORAL_ADDRESS: proxy.address,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caPath,
        TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertPath,
        TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyPath,
      });
      const ready = await worker.waitForLine((l) => /^ds-reindex worker: /.test(l.message ?? ''), 'it runs');
      expect(ready.message).toContain(
        `Temporal ${proxy.address} (TLS, server CA ${certs.caPath}, client certificate`,
      );
      const sessionsAfterWorker = proxy.counts.authorized;
      expect(sessionsAfterWorker).toBeGreaterThan(0);

      const profiles = join(certs.dir, 'temporal.toml');
      writeFileSync(
        profiles,
        [
          '[profile.secure]',
          `address = "${proxy.address}"`,
          `namespace = "${h.env.namespace ?? 'default'}"`,
          '[profile.secure.tls]',
          `server_ca_cert_path = "${certs.caPath}"`,
          `client_cert_path = "${certs.clientCertPath}"`,
          `client_key_path = "${certs.clientKeyPath}"`,
          // The certificate names both; a name (not an IP) is what TLS clients should check.
          'server_name = "localhost"',
        ].join('\n'),
      );
      await h.seed('tls-ds', [{ docCount: 300 }, { docCount: 200 }]);
      const cli = await runCli(['start', 'tls-ds', '--wait', '--json', '--interval-ms', '200'], {
        TEMPORAL_ADDRESS: '',
        TEMPORAL_CONFIG_FILE: profiles,
        TEMPORAL_PROFILE: 'secure',
        TEMPORAL_TASK_QUEUE: h.taskQueue,
        ES_URL: h.target.url,
      });
      expect(cli.stderr).toBe('');
      expect(cli.code).toBe(0);
      const statuses = cli.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { complete: boolean; successes: number; errors: unknown[] });
      expect(statuses.at(-1)).toMatchObject({ complete: true, successes: 2, errors: [] });
      expect(proxy.counts.authorized).toBeGreaterThan(sessionsAfterWorker);
      expect(proxy.counts.refused).toBe(0);
      expect(await stop(worker)).toBe(0);
    });

    it('refuses a server whose certificate the configured CA did not sign, and says so', async () => {
      const refusedBefore = proxy.counts.refused;
      const cli = await runCli(['status', 'tls-ds'], {
        ES_URL: h.target.url,
        TEMPORAL_ADDRESS: proxy.address,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.otherCaPath,
        TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertPath,
        TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyPath,
        TEMPORAL_TASK_QUEUE: h.taskQueue,
      });
      expect(cli.code).toBe(5);
      expect(cli.stderr).toContain(
        `cannot reach Temporal at ${proxy.address} (TLS, server CA ${certs.otherCaPath}`,
      );
      expect(cli.stderr).toMatch(/\): TLS handshake failed: .*(certificate|issuer)/i);

      const worker = startWorker({
        TEMPORAL_ADDRESS: proxy.address,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.otherCaPath,
        TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertPath,
        TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyPath,
      });
      expect(await worker.exited).toBe(1);
      const error = worker.lines.find((line) => line['log.level'] === 'error');
      expect(error?.message).toContain(
        `cannot connect to Temporal at ${proxy.address} (TLS, server CA ${certs.otherCaPath}`,
      );
      expect(error?.message).toMatch(/\): .*(UnknownIssuer|certificate)/i);
      expect(proxy.counts.refused).toBeGreaterThan(refusedBefore);
    });

    it('is refused by a server that requires a client certificate when none is configured', async () => {
      const cli = await runCli(['status', 'tls-ds'], {
        ES_URL: h.target.url,
        TEMPORAL_ADDRESS: proxy.address,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caPath,
        TEMPORAL_TASK_QUEUE: h.taskQueue,
      });
      expect(cli.code).toBe(5);
      expect(cli.stderr).toContain(
        `cannot reach Temporal at ${proxy.address} (TLS, server CA ${certs.caPath})`,
      );
    });
  });

  describe("the worker's metrics and health endpoints", () => {
    it('exports per-data-stream metrics during a real upgrade, including every name the alerts and dashboard use', async () => {
      const { worker, url } = await startServingWorker();
      const live = await fetch(`${url}/livez`);
      expect([live.status, await live.json()]).toEqual([200, { status: 'alive' }]);
      const ready = await eventually(async () => {
        const response = await fetch(`${url}/readyz`);
        return response.status === 200 ? await response.json() : undefined;
      }, 'the worker to be ready');
      expect(ready).toEqual({
        status: 'ready',
        checks: { temporal: 'ok', polling: 'ok', elasticsearch: 'ok' },
      });
      // The image's HEALTHCHECK finds whichever of the worker and the API runs in the container.
      const healthcheck = await runScript('src/observability/healthcheck.ts', [], {
        WORKER_HTTP_PORT: new URL(url).port,
        HTTP_API_PORT: String(await freePort()),
      });
      expect(healthcheck.code).toBe(0);
      expect(healthcheck.stdout).toContain(`${url}/readyz: 200`);

      const ds = 'metrics-ds';
      const [slow] = await h.seed(ds, [{ docCount: 4000 }, { docCount: 300 }, { docCount: 200 }]);
      // 12 s for the first copy (three pauses of 1,000 documents / 250 per second) until lifted: it
      // shows in the metrics for seconds, past the quick copy's wait, on any machine.
      await setMigrateSettings(h.es, { maxRequestsPerSecond: 250, maxConcurrentIndices: 1 });
      // The first copy's start is refused once (503), so its retry (the quick copy, a local activity,
      // retried on this worker) is counted by that cause.
      h.controls().injectFault({ method: 'POST', path: '^/_reindex$', status: 503, count: 1 });
      await h.service.start(h.es, ds);
      const scrape = async () => (await fetch(`${url}/metrics`)).text();
      const copy = { data_stream: ds, index: slow };
      const retry = { data_stream: ds, activity: 'copyDocumentsQuickly', cause: 'ElasticsearchUnavailable' };
      // One scrape that shows the copy with every per-copy series: the quick copy's tracker ends when it
      // hands the task over, and the copy activity's has no throttle or ratio until its first read of
      // the task, so a scrape in between shows the copy without them.
      const midCopy = await eventually(
        async () => {
          const text = await scrape();
          if (
            sampleValue(text, 'ds_reindex_copy_seconds_since_progress', copy) !== undefined &&
            sampleValue(text, 'ds_reindex_throttle_requests_per_second', copy) !== undefined &&
            sampleValue(text, 'ds_reindex_copy_progress_ratio', copy) !== undefined &&
            (sampleValue(text, 'ds_reindex_documents_copied_total', { data_stream: ds }) ?? 0) > 0 &&
            sampleValue(text, 'ds_reindex_indices', { data_stream: ds, state: 'in_progress' }) === 1
          )
            return text;
          const status = await h.service.status(ds);
          if (status.complete || status.successes > 0)
            abandonWait(`the first copy ended before the metrics showed it: ${JSON.stringify(status)}`);
          return undefined;
        },
        'the copy of the first index to show in the metrics',
        60_000,
      );
      expect(sampleValue(midCopy, 'ds_reindex_throttle_requests_per_second', copy)).toBe(250);
      expect(sampleValue(midCopy, 'ds_reindex_indices', { data_stream: ds, state: 'pending' })).toBe(2);
      expect(sampleValue(midCopy, 'ds_reindex_activity_retries_total', retry)).toBe(1);
      const progress = sampleValue(midCopy, 'ds_reindex_copy_progress_ratio', copy) ?? -1;
      expect(progress).toBeGreaterThan(0);
      expect(progress).toBeLessThan(1);

      await setMigrateSettings(h.es, { maxRequestsPerSecond: -1 });
      await expectSuccessesOnCluster(h.es, ds, await h.completion(ds, 60_000));
      // One index of a second data stream fails, so the failed-index series has something to show. It
      // fails after 3 s of copying: in the copy activity, past the quick copy's wait, so the SDK's
      // activity failure series (on the dashboard) shows too.
      const failing = 'failing-ds';
      const [broken] = await h.seed(failing, [{ docCount: 3500 }, { docCount: 50 }]);
      await setMigrateSettings(h.es, { maxRequestsPerSecond: 1000 });
      h.controls().failReindexAfter({ sourceIndex: broken, docs: 3000 });
      await h.service.start(h.es, failing);
      await expectSuccessesOnCluster(h.es, failing, await h.completion(failing, 60_000));
      const after = await eventually(async () => {
        const text = await scrape();
        const states = (dataStream: string) =>
          ['upgraded', 'failed', 'in_progress', 'pending'].map((state) =>
            sampleValue(text, 'ds_reindex_indices', { data_stream: dataStream, state }),
          );
        return JSON.stringify(states(ds)) === JSON.stringify([3, 0, 0, 0]) &&
          JSON.stringify(states(failing)) === JSON.stringify([1, 1, 0, 0])
          ? text
          : undefined;
      }, 'the final index counts');
      // Every document was copied by this worker, from a fresh task each time.
      expect(sampleValue(after, 'ds_reindex_documents_copied_total', { data_stream: ds })).toBe(4500);
      // A finished copy leaves no series behind that could look stalled.
      expect(sampleValue(after, 'ds_reindex_copy_seconds_since_progress', copy)).toBeUndefined();

      const exported = new Set([...sampledMetricNames(midCopy), ...sampledMetricNames(after)]);
      const used = metricNamesUsedByMonitoring();
      expect(used.alerts).toEqual(
        expect.arrayContaining(['ds_reindex_copy_seconds_since_progress', 'ds_reindex_indices']),
      );
      expect(used.dashboard.length).toBeGreaterThan(5);
      expect([...used.alerts, ...used.dashboard].filter((name) => !exported.has(name))).toEqual([]);
      // The SDK's own runtime metrics come through the same endpoint.
      expect([...exported].some((name) => name.startsWith('temporal_'))).toBe(true);

      expect(await stop(worker)).toBe(0);
    });
  });

  describe('graceful shutdown on SIGTERM', () => {
    it('hands a running copy over: the worker exits 0, the task keeps running, the next worker re-attaches and finishes', async () => {
      const ds = 'sigterm-ds';
      const [first] = await h.seed(ds, [{ docCount: 8000 }, { docCount: 100 }]);
      const seeded = await allDocumentIds(h.es, ds);
      // 28 s of copying (seven pauses of 1,000 documents / 250 per second): the task still runs after the
      // worker's 2 s grace and its exit, however slow this machine.
      await setMigrateSettings(h.es, { maxRequestsPerSecond: 250, maxConcurrentIndices: 1 });
      const reindexStarts = () => h.controls().requestCounts()['POST /_reindex'] ?? 0;
      const startsBefore = reindexStarts();

      const { worker, url } = await startServingWorker({ WORKER_SHUTDOWN_GRACE_MS: '2000' });
      await h.service.start(h.es, ds);
      await h.copying(ds, { index: first, atLeastDocs: 1000 });

      worker.child.kill('SIGTERM');
      await worker.waitForLine((line) => /^shutting down/.test(line.message ?? ''), 'the shutdown');
      // Not ready from the moment shutdown begins, while the copy still has its grace time (2 s).
      const readiness = await fetch(`${url}/readyz`);
      expect([readiness.status, await readiness.json()]).toEqual([503, { status: 'stopping' }]);
      expect(await worker.exited).toBe(0);
      const messages = worker.lines.map((line) => line.message);
      expect(messages).toEqual(
        expect.arrayContaining([expect.stringMatching(/^shutting down/), 'worker stopped']),
      );

      // The copy's attempt ended as "worker shutting down", to be retried, with its task id recorded in
      // its last heartbeat; nothing failed, and Elasticsearch's task carries on without a worker.
      const child = await h.env.client.workflow.getHandle(`reindex-data-stream-${ds}/${first}`).describe();
      expect(child.status.name).toBe('RUNNING');
      const [copying] = child.raw.pendingActivities ?? [];
      expect(copying?.activityType?.name).toBe('copyDocuments');
      expect(copying?.lastFailure?.applicationFailureInfo?.type).toBe('WorkerShutdown');
      expect(copying?.heartbeatDetails?.payloads?.length).toBe(1);
      expect(
        (await h.env.client.workflow.getHandle(`reindex-data-stream-${ds}`).describe()).status.name,
      ).toBe('RUNNING');
      expect(
        h
          .controls()
          .listTasks()
          .filter((task) => !task.completed).length,
      ).toBeGreaterThan(0);

      await setMigrateSettings(h.es, { maxRequestsPerSecond: -1 });
      const { worker: next, url: nextUrl } = await startServingWorker();
      const final = await h.completion(ds, 120_000);
      expect(final).toMatchObject({ successes: 2, errors: [] });
      await expectSuccessesOnCluster(h.es, ds, final);
      // Re-attached: one reindex task per index, not a second one for the interrupted copy.
      expect(reindexStarts() - startsBefore).toBe(2);
      const ids = await allDocumentIds(h.es, ds);
      expect(duplicates(ids)).toEqual([]);
      expect(new Set(ids)).toEqual(new Set(seeded));
      expect(await backingIndexNames(h.es, ds)).toContain(`.migrated-${first.slice(1)}`);

      // The retry is counted by its cause, and logged with the data stream, index, workflow id and attempt.
      const metrics = await (await fetch(`${nextUrl}/metrics`)).text();
      expect(
        sampleValue(metrics, 'ds_reindex_activity_retries_total', {
          data_stream: ds,
          activity: 'copyDocuments',
          cause: 'WorkerShutdown',
        }),
      ).toBe(1);
      const reattached = await next.waitForLine(
        (line) => line.message === 're-attached to reindex task',
        'the re-attach',
      );
      expect(reattached).toMatchObject({
        'log.level': 'info',
        'ecs.version': '8.10.0',
        'service.name': 'ds-reindex-worker',
        ds_reindex: {
          dataStream: ds,
          index: first,
          workflowId: `reindex-data-stream-${ds}/${first}`,
          attempt: 2,
          activityType: 'copyDocuments',
        },
      });
      expect(await stop(next)).toBe(0);
      expect([...worker.other, ...next.other]).toEqual([]);
    });

    it('lets the API finish a request in flight, refuses new connections meanwhile, then exits 0', async () => {
      const ds = 'api-drain-ds';
      await h.seed(ds, [{ docCount: 10 }]);
      const api = startEntryPoint('src/client/http-api/main.ts', {
        TEMPORAL_ADDRESS: h.env.address,
        TEMPORAL_NAMESPACE: h.env.namespace ?? 'default',
        // A queue no worker polls: the plan then asks no worker for its privileges, and only the
        // delayed read below holds it.
        TEMPORAL_TASK_QUEUE: `${h.taskQueue}-no-worker`,
        ES_URL: h.target.url,
        HTTP_API_PORT: '0',
      });
      started.push(api);
      const listening = await api.waitForLine(
        (line) => typeof line.ds_reindex?.url === 'string',
        'it listens',
      );
      const url = String(listening.ds_reindex?.url);
      const readyz = await fetch(`${url}/readyz`);
      expect([readyz.status, await readyz.json()]).toEqual([
        200,
        { status: 'ready', checks: { temporal: 'ok', elasticsearch: 'ok' } },
      ]);

      // The plan reads the data stream from Elasticsearch, which now takes 3 seconds to answer.
      h.controls().injectFault({ path: `/_data_stream/${ds}`, delayMs: 3000, count: 1 });
      // Counted by the data stream read itself: the API's own start-up calls may still be landing.
      const dataStreamReads = (): number => h.controls().requestCounts()['GET /_data_stream/{name}'] ?? 0;
      const readsBefore = dataStreamReads();
      const inFlight = fetch(`${url}/_migration/reindex/${ds}/_plan`);
      await eventually(
        () => Promise.resolve(dataStreamReads() > readsBefore ? true : undefined),
        'the request to reach Elasticsearch',
      );
      api.child.kill('SIGTERM');
      await api.waitForLine((line) => /^shutting down/.test(line.message ?? ''), 'the shutdown');
      await expect(fetch(`${url}/livez`)).rejects.toThrow();
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ data_stream: ds });
      expect(await api.exited).toBe(0);
      const requestLine = api.lines.find(
        (line: LogLine) => line.ds_reindex?.path === `/_migration/reindex/${ds}/_plan`,
      );
      expect(requestLine?.ds_reindex).toMatchObject({
        status: 200,
        dataStream: ds,
        workflowId: `reindex-data-stream-${ds}`,
        method: 'GET',
      });
      expect(api.lines.at(-1)?.message).toBe('HTTP API stopped');
    });
  });
});
