/**
 * Where copies run on a cluster of several nodes (issue 21, item 5): the upgrade with every request sent
 * to one node (what `ES_URL` alone gives: every reindex task runs on that node) against the upgrade with
 * `ES_URLS` and `COPY_PLACEMENT=least-loaded` (each copy on the node running the fewest).
 *
 *   npm run bench:placement [-- --runs 3 --indices 6 --docs 20000 --concurrency 3 --no-write]
 *
 * Elasticsearch: the nodes of `ES_URLS` (with `ES_USERNAME`/`ES_PASSWORD` or `ES_API_KEY`, `ES_CA_FILE`),
 * or else three nodes this script starts from `../shared/real-es/cluster.sh` (security off) and stops.
 * Temporal: a dev server from the test-environment factory. The worker runs in this process with
 * production intervals. Each run seeds `--indices` backing indices × `--docs` documents marked 7.17 and
 * upgrades them unthrottled, `--concurrency` at a time, once per placement, interleaved; it reports the
 * median time, and the most copies one node ran at once.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import { bundleWorkflows, createTestEnvironment } from '../test/support/temporal-env';
import { seedDataStreamOnCluster } from '../test/support/cluster-seed';
import { setMigrateSettings } from '../test/support/settings';
import { appendToBenchmarkLog, benchLogEntry, flag, median, numberOption } from './bench-support';
import { ReindexService } from '../src/client/service/reindex-service';
import { loadConfig, type CopyPlacement, type ElasticsearchConnectionConfig } from '../src/config';
import { createElasticsearchClient } from '../src/elasticsearch/client';
import { createReindexWorker } from '../src/worker/create-worker';
import { WORKFLOWS_PATH } from '../src/worker/workflow-modules';

const run = promisify(execFile);
const CLUSTER_SCRIPT = resolve(__dirname, '../../shared/real-es/cluster.sh');

interface Variant {
  name: string;
  /** The nodes the worker knows. */
  urls: 'first' | 'all';
  placement: CopyPlacement;
}

const VARIANTS: readonly Variant[] = [
  { name: 'ES_URL only: every copy on node 1', urls: 'first', placement: 'any' },
  { name: 'ES_URLS, least loaded', urls: 'all', placement: 'least-loaded' },
];

/** The cluster given in the environment, or three nodes of our own (and how to stop them). */
async function cluster(): Promise<{ config: ElasticsearchConnectionConfig; stop(): Promise<void> }> {
  const given = loadConfig(process.env).elasticsearch;
  if (process.env.ES_URLS) return { config: given, stop: () => Promise.resolve() };
  const env = { ...process.env, REAL_ES_HOME: mkdtempSync(join(tmpdir(), 'bench-placement-')) };
  const base = String(21000 + Math.floor(Math.random() * 8000));
  await run(resolve(__dirname, '../../shared/real-es/setup.sh'), [], { env });
  const started = await run(CLUSTER_SCRIPT, ['start', '3', '--base-port', base], { env, timeout: 300_000 });
  const urls = started.stdout.trim().split('\n');
  return {
    config: { url: urls[0], urls, requestTimeoutMs: 60_000 },
    async stop() {
      await run(CLUSTER_SCRIPT, ['stop'], { env });
      await run(CLUSTER_SCRIPT, ['wipe'], { env });
    },
  };
}

/** Polls `_tasks` while an upgrade runs: the most copies one node ran at once, and how many nodes ran any. */
function watchNodes(es: Client): { stop(): Promise<{ mostOnOneNode: number; nodesUsed: number }> } {
  let running = true;
  let mostOnOneNode = 0;
  const used = new Set<string>();
  const loop = (async () => {
    while (running) {
      const response = await es.tasks
        .list({ actions: 'indices:data/write/reindex', detailed: true })
        .catch(() => undefined);
      for (const [id, node] of Object.entries(response?.nodes ?? {})) {
        const copies = Object.values(node.tasks).filter((task) => task.parent_task_id === undefined).length;
        if (copies > 0) used.add(id);
        mostOnOneNode = Math.max(mostOnOneNode, copies);
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { mostOnOneNode, nodesUsed: used.size };
    },
  };
}

async function main(): Promise<void> {
  const runs = numberOption('runs', 3);
  const indices = numberOption('indices', 6);
  const docs = numberOption('docs', 20_000);
  const concurrency = numberOption('concurrency', 3);
  const es = await cluster();
  const admin = createElasticsearchClient(es.config, { retryOnOtherNodes: true });
  const env = await createTestEnvironment();
  const workflowBundle = await bundleWorkflows(WORKFLOWS_PATH);
  const times = new Map<string, number[]>(VARIANTS.map((variant) => [variant.name, []]));
  const spread = new Map<string, string>();
  try {
    for (let round = 1; round <= runs; round += 1) {
      for (const variant of VARIANTS) {
        const taskQueue = `bench-placement-${round}-${variant.placement}`;
        const urls = variant.urls === 'first' ? [es.config.urls?.[0] ?? es.config.url] : es.config.urls;
        const workerEs = createElasticsearchClient({ ...es.config, url: urls?.[0] ?? es.config.url, urls });
        const worker = await createReindexWorker({
          connection: env.nativeConnection,
          namespace: env.namespace ?? 'default',
          taskQueue,
          es: workerEs,
          temporal: env.client,
          worker: { ...loadConfig({}).worker, copyPlacement: variant.placement },
          workflowBundle,
        });
        const running = worker.run();
        const ds = `bp-${round}-${variant.urls}`;
        await seedDataStreamOnCluster(
          admin,
          ds,
          Array.from({ length: indices }, () => ({ docCount: docs })),
        );
        await setMigrateSettings(admin, { maxRequestsPerSecond: -1, maxConcurrentIndices: concurrency });
        const service = new ReindexService({ temporal: env.client, taskQueue });
        const nodes = watchNodes(admin);
        const started = Date.now();
        await service.start(admin, ds);
        for (;;) {
          const status = await service.status(ds);
          if (status.complete) {
            if (status.errors.length > 0) throw new Error(`${ds}: ${JSON.stringify(status.errors)}`);
            break;
          }
          await new Promise((done) => setTimeout(done, 100));
        }
        times.get(variant.name)?.push((Date.now() - started) / 1000);
        const seen = await nodes.stop();
        spread.set(
          variant.name,
          `${seen.nodesUsed} ${seen.nodesUsed === 1 ? 'node' : 'nodes'} used, at most ${seen.mostOnOneNode} ` +
            `${seen.mostOnOneNode === 1 ? 'copy' : 'copies'} on one node at once`,
        );
        await admin.indices.deleteDataStream({ name: ds });
        worker.shutdown();
        await running;
        await workerEs.close();
        console.log(`round ${round} ${variant.name}: ${times.get(variant.name)?.at(-1)?.toFixed(1)} s`);
      }
    }
  } finally {
    await setMigrateSettings(admin, { maxRequestsPerSecond: null, maxConcurrentIndices: null }).catch(
      () => undefined,
    );
    await admin.close();
    await env.teardown();
    await es.stop();
  }
  const table = [
    `| placement | median upgrade time (runs) | where the copies ran |`,
    `| --- | --- | --- |`,
    ...VARIANTS.map((variant) => {
      const values = times.get(variant.name) ?? [];
      return `| ${variant.name} | **${median(values).toFixed(1)} s** (${values.map((value) => value.toFixed(1)).join(', ')}) | ${spread.get(variant.name) ?? '?'} |`;
    }),
  ].join('\n');
  const entry = benchLogEntry({
    title: `${indices} × ${docs.toLocaleString('en-US')} documents, ${concurrency} at once, 3 nodes`,
    command: `npm run bench:placement -- --runs ${runs} --indices ${indices} --docs ${docs} --concurrency ${concurrency}`,
    body: table,
  });
  console.log(`\n${entry}\n`);
  if (!flag('no-write')) {
    await appendToBenchmarkLog(
      'Copies over several nodes',
      'Where the reindex tasks run on a three-node cluster on this one machine (`scripts/bench-placement.ts`).',
      entry,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
