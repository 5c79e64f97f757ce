/**
 * Figures the reliability work needs (issue 8), for docs/benchmarks-log.md and BENCHMARKS.md:
 *
 *   npm run bench:reliability [-- --only throttle,recovery --runs 3]
 *
 * - throttle: a bare `_reindex` task on the sandbox at requests_per_second 100, 1,000 and 10,000 (batches
 *   of rps/10, so each run has ~40 throttle waits); measured docs/s = documents / task running time.
 * - recovery: SIGKILL of the worker process mid-copy until the copy's progress moves again in the status.
 * Prints medians; paste them into docs/benchmarks-log.md. The scale case it had (2,000 backing indices) is now
 * `npm run bench:scale` (scripts/bench-scale.ts), with the many-data-stream runs.
 */
import { cpus, totalmem } from 'node:os';
import { createUpgradeHarness, type UpgradeHarness } from '../test/support/upgrade-harness';
import { setMigrateSettings } from '../test/support/settings';
import { kill, rigFrom, startWorkerProcess } from '../test/reliability/rig';
import { eventually, sleep } from '../test/support';
import { median, stringOption as option } from './bench-support';

async function throttle(h: UpgradeHarness, runs: number): Promise<void> {
  const rig = rigFrom(h);
  console.log('\n## throttle accuracy (bare _reindex task on the sandbox)\n');
  console.log('| requests_per_second | documents | batch | measured docs/s (median) | runs | error |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const rps of [100, 1_000, 10_000]) {
    const docs = rps * 4;
    const batch = Math.max(1, Math.round(rps / 10));
    const rates: number[] = [];
    for (let r = 0; r < runs; r += 1) {
      const source = `throttle-${rps}-${r}`;
      await rig.controls.seedIndex({ name: source, docCount: docs });
      const started = performance.now();
      const task = await h.es.reindex({
        source: { index: source, size: batch },
        dest: { index: `${source}-copy` },
        requests_per_second: rps,
        wait_for_completion: false,
      });
      const taskId = String(task.task);
      await eventually(
        async () => ((await h.es.tasks.get({ task_id: taskId })).completed ? true : undefined),
        `throttled task at ${rps}`,
        120_000,
        20,
      );
      rates.push(docs / ((performance.now() - started) / 1000));
    }
    const measured = median(rates);
    console.log(
      `| ${rps.toLocaleString('en-US')} | ${docs.toLocaleString('en-US')} | ${batch} | ${Math.round(measured).toLocaleString('en-US')} | ${runs} | ${(((measured - rps) / rps) * 100).toFixed(1)} % |`,
    );
  }
}

async function recovery(h: UpgradeHarness, runs: number): Promise<void> {
  const rig = rigFrom(h);
  const times: number[] = [];
  await setMigrateSettings(h.es, { maxRequestsPerSecond: 1000 });
  for (let r = 0; r < runs; r += 1) {
    const ds = `bench-recovery-${r}`;
    const taskQueue = `${ds}-queue`;
    const service = rig.service(taskQueue);
    await rig.controls.seedDataStream({ name: ds, backingIndices: [{ docCount: 60_000 }] });
    const spawn = () =>
      startWorkerProcess({ temporalAddress: h.env.address, taskQueue, esUrl: h.target.url });
    let worker = spawn();
    try {
      await service.start(h.es, ds);
      const atKill = await eventually(
        async () => {
          const done = (await service.status(ds)).in_progress[0]?.reindexed_doc_count ?? 0;
          return done > 2_000 ? done : undefined;
        },
        'the copy to be under way',
        60_000,
      );
      await kill(worker);
      const killedAt = performance.now();
      worker = spawn();
      // The last progress signal before the kill may lag the kill: wait for a figure beyond both.
      const frozen = Math.max(atKill, (await service.status(ds)).in_progress[0]?.reindexed_doc_count ?? 0);
      await eventually(
        async () =>
          ((await service.status(ds)).in_progress[0]?.reindexed_doc_count ?? 0) > frozen ? true : undefined,
        'the copy to move again',
        180_000,
        100,
      );
      times.push((performance.now() - killedAt) / 1000);
      console.log(`recovery run ${r + 1}: ${times[times.length - 1]?.toFixed(1)} s`);
      await service.cancel(ds);
    } finally {
      await kill(worker, 'SIGTERM');
    }
    await sleep(200);
  }
  console.log('\n## recovery after a worker SIGKILL mid-copy\n');
  console.log(`| runs | median s | min s | max s |\n| ---: | ---: | ---: | ---: |`);
  console.log(
    `| ${runs} | ${median(times).toFixed(1)} | ${Math.min(...times).toFixed(1)} | ${Math.max(...times).toFixed(1)} |`,
  );
}

async function run(): Promise<void> {
  const only = option('only', 'throttle,recovery').split(',');
  const runs = Number(option('runs', '3'));
  const unknown = only.filter((name) => name !== 'throttle' && name !== 'recovery');
  if (unknown.length > 0) {
    // `scale` was a case here once: say where it went rather than measure nothing.
    throw new Error(
      `--only ${unknown.join(',')}: the cases are throttle and recovery; the scale case is \`npm run bench:scale\``,
    );
  }
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, ${new Date().toISOString()}`,
  );
  const h = await createUpgradeHarness('bench-reliability');
  try {
    if (only.includes('throttle')) await throttle(h, runs);
    if (only.includes('recovery')) await recovery(h, runs);
  } finally {
    await h.close();
  }
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
