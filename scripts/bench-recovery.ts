/**
 * Recovery after a worker SIGKILL (issue 15, item 2): how long until the upgrade moves again.
 *
 *   npm run bench:recovery [-- --runs 5 --only copy,step]
 *
 * A real Temporal dev server, the sandbox in this process, and the real worker entry point
 * (compiled, `dist/worker/main.js`) in a process of its own with production intervals and a pre-built workflow bundle
 * (as the image runs it), so SIGKILL is a real crash.
 * - `copy`: one backing index of 60,000 documents copied at 1,000 docs/s; once the status shows the copy
 *   under way the worker is killed and a new one started at once; measured from the kill until the
 *   status reports more documents than it did at the kill.
 * - `step`: the refresh inside `blockSourceWrites` (a short step) is held for 60 s by the sandbox; once
 *   the step has started the worker is killed and a new one started at once; measured from the kill
 *   until the index workflow's history records the step as completed.
 * Prints the medians to paste into docs/benchmarks-log.md (and into BENCHMARKS.md's table).
 */
import { createUpgradeHarness, eventually, setMigrateSettings, type UpgradeHarness } from '../test/support';
import type { ChildProcess } from 'node:child_process';
import { kill } from '../test/reliability/rig';
import { ReindexService } from '../src/client/service/reindex-service';
import { destinationIndexName } from '../src/shared/names';
import { WORKFLOW_TUNABLES } from '../src/workflows/tunables';
import { machineDescription, median, numberOption, stringOption } from './bench-support';
import { startProductionWorker, prepareWorkerFiles } from './bench-workers';

/** The workflow bundle's file, written once; the worker processes load it. */
let bundlePath = '';

async function startWorker(h: UpgradeHarness, taskQueue: string): Promise<ChildProcess> {
  const worker = await startProductionWorker({
    temporalAddress: h.env.address,
    taskQueue,
    esUrl: h.target.url,
    bundlePath,
  });
  return worker.child;
}

async function reindexedDocs(service: ReindexService, dataStream: string): Promise<number> {
  return (await service.status(dataStream)).in_progress[0]?.reindexed_doc_count ?? 0;
}

async function killMidCopy(h: UpgradeHarness, run: number): Promise<number> {
  const ds = `recovery-copy-${run}`;
  const taskQueue = `${ds}-queue`;
  const service = new ReindexService({ temporal: h.env.client, taskQueue, statusRetentionMs: 600_000 });
  await h.controls().seedDataStream({ name: ds, backingIndices: [{ docCount: 60_000 }] });
  let worker = await startWorker(h, taskQueue);
  try {
    await service.start(h.es, ds);
    const atKill = await eventually(
      async () => {
        const done = await reindexedDocs(service, ds);
        return done > 2_000 ? done : undefined;
      },
      'the copy to be under way',
      60_000,
    );
    await kill(worker);
    const killedAt = performance.now();
    worker = await startWorker(h, taskQueue);
    // The last progress signal before the kill may lag the kill: wait for a figure beyond both.
    const frozen = Math.max(atKill, await reindexedDocs(service, ds));
    await eventually(
      async () => ((await reindexedDocs(service, ds)) > frozen ? true : undefined),
      'the copy to move again',
      180_000,
      50,
    );
    const seconds = (performance.now() - killedAt) / 1000;
    await service.cancel(ds);
    return seconds;
  } finally {
    await kill(worker, 'SIGTERM');
  }
}

async function killInShortStep(h: UpgradeHarness, run: number): Promise<number> {
  const ds = `recovery-step-${run}`;
  const taskQueue = `${ds}-queue`;
  const service = new ReindexService({ temporal: h.env.client, taskQueue, statusRetentionMs: 600_000 });
  const seeded = await h.controls().seedDataStream({ name: ds, backingIndices: [{ docCount: 100 }] });
  const source = seeded.backingIndices[0] ?? '';
  // Holds the first refresh of the source, which only `blockSourceWrites` makes, far past any timeout.
  h.controls().injectFault({ path: `^/${source}/_refresh$`, delayMs: 60_000, count: 1 });
  let worker = await startWorker(h, taskQueue);
  try {
    h.controls().resetCounters();
    await service.start(h.es, ds);
    // Killed only once the held refresh has arrived: a kill before it would leave the delay to the retry.
    const refreshArrived = (): boolean =>
      Object.entries(h.controls().requestCounts()).some(
        ([route, count]) => route.endsWith('/_refresh') && count > 0,
      );
    // blockSourceWrites is a local activity: it shows in history only once done, so the held refresh
    // (which only it makes) says it is running.
    await eventually(
      () => (refreshArrived() ? true : undefined),
      'blockSourceWrites to be holding its refresh',
      60_000,
      50,
    );
    await kill(worker);
    const killedAt = performance.now();
    worker = await startWorker(h, taskQueue);
    // Done on the new worker once the steps after it have created the destination.
    await eventually(
      async () => ((await h.es.indices.exists({ index: destinationIndexName(source) })) ? true : undefined),
      'blockSourceWrites to complete on the new worker',
      180_000,
      50,
    );
    const seconds = (performance.now() - killedAt) / 1000;
    await service.cancel(ds);
    return seconds;
  } finally {
    await kill(worker, 'SIGTERM');
    h.controls().clearFaults();
  }
}

async function run(): Promise<void> {
  const runs = numberOption('runs', 5);
  const only = stringOption('only', 'copy,step').split(',');
  const bundle = await prepareWorkerFiles('bench-recovery');
  bundlePath = bundle.path;
  const h = await createUpgradeHarness('bench-recovery');
  const results = new Map<string, number[]>();
  try {
    await setMigrateSettings(h.es, { maxRequestsPerSecond: 1000 });
    for (let r = 0; r < runs; r += 1) {
      for (const scenario of only) {
        const seconds = scenario === 'copy' ? await killMidCopy(h, r) : await killInShortStep(h, r);
        results.set(scenario, [...(results.get(scenario) ?? []), seconds]);
        console.log(`run ${r + 1}, ${scenario}: ${seconds.toFixed(1)} s`);
      }
    }
  } finally {
    await h.close();
    bundle.remove();
  }
  const T = WORKFLOW_TUNABLES;
  console.log(`\nmachine: ${machineDescription()}`);
  console.log(
    `copy heartbeat timeout ${T.REINDEX_HEARTBEAT_TIMEOUT_MS} ms; short steps are local activities, noticed by ` +
      `the index workflow's task timeout of ${T.BACKING_INDEX_WORKFLOW_TASK_TIMEOUT_MS} ms; ` +
      `first retry after ${T.RETRY_INITIAL_INTERVAL_MS} ms\n`,
  );
  console.log('| SIGKILL of the worker | runs | median s | min s | max s |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const label: Record<string, string> = {
    copy: 'mid-copy, until the status shows more documents',
    step: 'inside `blockSourceWrites`, until the step completes',
  };
  for (const [scenario, times] of results) {
    console.log(
      `| ${label[scenario] ?? scenario} | ${times.length} | ${median(times).toFixed(1)} | ` +
        `${Math.min(...times).toFixed(1)} | ${Math.max(...times).toFixed(1)} |`,
    );
  }
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
