/**
 * Orchestration overhead: how much longer an upgrade takes than the bare copies it makes.
 *
 *   npm run bench:orchestration [-- --indices 20 --docs 1000 --runs 3 --dev-server-poll-rps 1000]
 *
 * Each run seeds a fresh sandbox with a data stream of N old backing indices and upgrades it through
 * Temporal (real dev server, real worker with production poll intervals, unthrottled, one index at a
 * time), then seeds the same data again and copies each index with a bare `_reindex` call in a loop.
 * Overhead per index = (upgrade time − bare copy time) / N. Prints medians; paste them into
 * docs/benchmarks-log.md (and the current figure into BENCHMARKS.md's table).
 */
import { cpus } from 'node:os';
import { Client } from '@elastic/elasticsearch';
import { bundleWorkflows, createTestEnvironment } from '../test/support/temporal-env';
import { startSandbox } from '@ds-reindex/es-sandbox';
import { ReindexService } from '../src/client/service/reindex-service';
import { loadConfig } from '../src/config';
import { MAX_REQUESTS_PER_SECOND_SETTING } from '../src/shared/migrate-settings';
import { createReindexWorker } from '../src/worker/create-worker';
import type { reindexDataStream } from '../src/workflows';
import { WORKFLOWS_PATH } from '../src/worker/workflow-modules';
import {
  devServerDescription,
  devServerDynamicConfig,
  median,
  numberOption as option,
} from './bench-support';

async function seededSandbox(indices: number, docs: number) {
  const sandbox = await startSandbox({ port: 0 });
  const es = new Client({ node: sandbox.url, maxRetries: 0 });
  const seeded = await sandbox.controls.seedDataStream({
    name: 'bench-ds',
    backingIndices: Array.from({ length: indices }, () => ({ docCount: docs })),
  });
  await es.cluster.putSettings({ persistent: { [MAX_REQUESTS_PER_SECOND_SETTING]: -1 } });
  return { sandbox, es, backingIndices: seeded.backingIndices };
}

async function run(): Promise<void> {
  const indices = option('indices', 20);
  const docs = option('docs', 1000);
  const runs = option('runs', 3);
  const env = await createTestEnvironment({ dynamicConfig: devServerDynamicConfig() });
  const workflowBundle = await bundleWorkflows(WORKFLOWS_PATH);
  const workerConfig = loadConfig({}).worker;
  const upgradeTimes: number[] = [];
  const bareTimes: number[] = [];

  try {
    for (let i = 0; i < runs; i += 1) {
      const taskQueue = `bench-orchestration-${i}`;
      const upgrade = await seededSandbox(indices, docs);
      const worker = await createReindexWorker({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        es: upgrade.es,
        temporal: env.client,
        worker: workerConfig,
        workflowBundle,
      });
      const service = new ReindexService({ temporal: env.client, taskQueue, statusRetentionMs: 1 });
      const upgradeMs = await worker.runUntil(async () => {
        const started = performance.now();
        await service.start(upgrade.es, 'bench-ds');
        const result = await env.client.workflow
          .getHandle<typeof reindexDataStream>('reindex-data-stream-bench-ds')
          .result();
        if (result.successes !== indices)
          throw new Error(`upgrade finished ${result.successes} of ${indices}`);
        return performance.now() - started;
      });
      await upgrade.es.close();
      await upgrade.sandbox.close();

      const bare = await seededSandbox(indices, docs);
      const started = performance.now();
      for (const index of bare.backingIndices) {
        await bare.es.reindex({
          source: { index },
          dest: { index: `bare-${index}`, op_type: 'create' },
          refresh: true,
        });
      }
      const bareMs = performance.now() - started;
      await bare.es.close();
      await bare.sandbox.close();

      upgradeTimes.push(upgradeMs);
      bareTimes.push(bareMs);
      console.log(
        `run ${i + 1}: upgrade ${(upgradeMs / 1000).toFixed(2)} s, bare _reindex loop ${(bareMs / 1000).toFixed(2)} s`,
      );
    }
  } finally {
    await env.teardown();
  }

  const upgradeMs = median(upgradeTimes);
  const bareMs = median(bareTimes);
  console.log(`\nmachine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
  console.log(
    `${indices} backing indices × ${docs} documents, unthrottled, concurrency 1, medians of ${runs} runs; ${devServerDescription()}\n`,
  );
  console.log('| measure | median |');
  console.log('| --- | ---: |');
  console.log(`| upgrade through Temporal | ${(upgradeMs / 1000).toFixed(2)} s |`);
  console.log(`| bare \`_reindex\` loop | ${(bareMs / 1000).toFixed(2)} s |`);
  console.log(`| ratio upgrade / bare | ${(upgradeMs / bareMs).toFixed(1)} |`);
  console.log(
    `| orchestration overhead per index | ${((upgradeMs - bareMs) / indices / 1000).toFixed(2)} s |`,
  );
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
