import { spawn, type ChildProcess } from 'node:child_process';
import { temporal } from '@temporalio/proto';
import { resolve } from 'node:path';
import { allDocumentIds, backingIndexNames, duplicates } from '../support/documents';
import { setMigrateSettings } from '../support/settings';
import {
  createUpgradeHarness,
  eventually,
  TEST_WORKER_CONFIG,
  type UpgradeHarness,
} from '../support/upgrade-harness';

const ROOT = resolve(__dirname, '../..');
const describeWithSandbox = process.env.ES_URL ? describe.skip : describe;

/** The real worker entry point (`npm run worker`), in its own process, so it can be killed for real. */
function startWorkerProcess(h: UpgradeHarness): ChildProcess {
  // `--import tsx` keeps the worker in this one process (the tsx CLI would fork a child that SIGKILL misses).
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: h.env.address,
      TEMPORAL_NAMESPACE: h.env.namespace ?? 'default',
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      ES_URL: h.target.url,
      REINDEX_POLL_INTERVAL_MS: String(TEST_WORKER_CONFIG.reindexPollIntervalMs),
      PROGRESS_SIGNAL_INTERVAL_MS: String(TEST_WORKER_CONFIG.progressSignalIntervalMs),
      SETTINGS_POLL_INTERVAL_MS: String(TEST_WORKER_CONFIG.settingsPollIntervalMs),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) resolveExit();
    else child.once('exit', () => resolveExit());
  });
}

describeWithSandbox('a worker killed in the middle of a copy', () => {
  let h: UpgradeHarness;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    h = await createUpgradeHarness('worker-kill');
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await h?.close();
  });

  it('completes after a restart, re-attaching to the running reindex task, losing and duplicating nothing', async () => {
    const controls = h.controls();
    const ds = 'killed-ds';
    await controls.seedDataStream({ name: ds, backingIndices: [{ docCount: 12000 }, { docCount: 500 }] });
    const [first] = await backingIndexNames(h.es, ds);
    const seeded = await allDocumentIds(h.es, ds);
    await setMigrateSettings(h.es, { maxRequestsPerSecond: 1000 });
    const reindexStarts = () => controls.requestCounts()['POST /_reindex'] ?? 0;
    const startsBefore = reindexStarts();

    const doomed = startWorkerProcess(h);
    children.push(doomed);
    await h.service.start(h.es, ds);
    await eventually(
      async () => {
        const status = await h.service.status(ds);
        const copying = status.in_progress.find((entry) => entry.index === first);
        return copying && copying.reindexed_doc_count >= 2000 ? copying : undefined;
      },
      'the first copy to be under way',
      60_000,
    );
    doomed.kill('SIGKILL');
    await exited(doomed);
    expect(reindexStarts() - startsBefore).toBe(1);

    // The Elasticsearch task carries on without any worker; let it finish while nobody watches.
    await setMigrateSettings(h.es, { maxRequestsPerSecond: -1 });
    const survivor = startWorkerProcess(h);
    children.push(survivor);
    const final = await h.completion(ds, 120_000);
    expect(final).toMatchObject({ successes: 2, errors: [] });
    // One task per index: the first copy was re-attached to, not started again.
    expect(reindexStarts() - startsBefore).toBe(2);

    const ids = await allDocumentIds(h.es, ds);
    expect(duplicates(ids)).toEqual([]);
    expect(new Set(ids)).toEqual(new Set(seeded));
    survivor.kill('SIGTERM');
    await exited(survivor);
    // The heartbeat timeout (30 s) must pass before the killed attempt is retried.
  }, 300_000);

  it('notices a worker killed inside a short step by its heartbeat, not by the step timeout', async () => {
    const ds = 'killed-step-ds';
    await h.controls().seedDataStream({ name: ds, backingIndices: [{ docCount: 100 }, { docCount: 100 }] });
    const [first] = await backingIndexNames(h.es, ds);
    await setMigrateSettings(h.es, { maxRequestsPerSecond: -1 });
    // The refresh after blocking writes hangs, so the worker dies inside `blockSourceWrites`.
    h.controls().injectFault({ path: `/${first}/_refresh`, delayMs: 20_000, count: 1 });
    const refreshes = () => {
      const counts = h.controls().requestCounts();
      return (counts['GET /{index}/_refresh'] ?? 0) + (counts['POST /{index}/_refresh'] ?? 0);
    };
    const refreshesBefore = refreshes();

    const doomed = startWorkerProcess(h);
    children.push(doomed);
    await h.service.start(h.es, ds);
    await eventually(
      () => Promise.resolve(refreshes() > refreshesBefore ? true : undefined),
      'the step to be under way',
      60_000,
    );
    doomed.kill('SIGKILL');
    await exited(doomed);

    const survivor = startWorkerProcess(h);
    children.push(survivor);
    const final = await h.completion(ds, 110_000);
    expect(final).toMatchObject({ successes: 2, errors: [] });

    const history = await h.env.client.workflow
      .getHandle(`reindex-data-stream-${ds}/${first}`)
      .fetchHistory();
    // A retried attempt's start event carries why the previous attempt ended.
    const retriedAfter = (history.events ?? []).flatMap((event) => {
      const started = event.activityTaskStartedEventAttributes;
      return started && (started.attempt ?? 1) > 1
        ? [started.lastFailure?.timeoutFailureInfo?.timeoutType]
        : [];
    });
    expect(retriedAfter).toEqual([temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT]);
    survivor.kill('SIGTERM');
    await exited(survivor);
  }, 200_000);
});
