/**
 * How the whole-cluster plan scales with the number of data streams: requests made and time taken.
 *
 *   npm run bench:cluster-plan [-- --data-streams 300 --indices 5 --docs 20 --runs 3]
 *   ES_URL=http://127.0.0.1:9255 npm run bench:cluster-plan [-- --pattern 'logs-*' --runs 3]
 *
 * Without ES_URL it seeds a fresh sandbox with N data streams of M old backing indices each, then plans
 * the whole cluster `runs` times, counting the requests the sandbox received. With ES_URL it plans that
 * cluster as it is (nothing is seeded or changed) and prints the time only. Prints medians; paste them
 * into docs/benchmarks-log.md (and the current figure into BENCHMARKS.md's table).
 */
import { Client } from '@elastic/elasticsearch';
import { startSandbox } from '@ds-reindex/es-sandbox';
import { planCluster } from '../src/client/service/cluster-plan';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function run(): Promise<void> {
  const dataStreams = Number(option('data-streams', '300'));
  const indices = Number(option('indices', '5'));
  const docs = Number(option('docs', '20'));
  const runs = Number(option('runs', '3'));
  const pattern = option('pattern', '*');
  const external = process.env.ES_URL;
  const sandbox = external ? undefined : await startSandbox({ port: 0 });
  const es = new Client({ node: external ?? sandbox?.url ?? '', maxRetries: 0, requestTimeout: 120_000 });
  try {
    if (sandbox) {
      const seedStart = Date.now();
      for (let i = 0; i < dataStreams; i += 1) {
        await sandbox.controls.seedDataStream({
          name: `bench-${String(i).padStart(4, '0')}`,
          backingIndices: Array.from({ length: indices }, () => ({ docCount: docs })),
        });
      }
      console.log(
        `seeded ${dataStreams} data streams x ${indices} backing indices in ${Date.now() - seedStart} ms`,
      );
    }
    const times: number[] = [];
    const requests: number[] = [];
    let listed = 0;
    let oldIndices = 0;
    for (let i = 0; i < runs; i += 1) {
      sandbox?.controls.resetCounters();
      const started = process.hrtime.bigint();
      const plan = await planCluster(es, {
        pattern,
        includeSystem: false,
        readOnly: { kind: 'none' },
        ilmHorizonMs: 7 * 86_400_000,
        maxDataStreams: 1,
        nowMillis: Date.now(),
      });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      listed = plan.data_streams.length;
      oldIndices = plan.totals.old_indices;
      if (sandbox) {
        requests.push(Object.values(sandbox.controls.requestCounts()).reduce((sum, count) => sum + count, 0));
      }
    }
    console.log(
      `plan of ${listed} data streams, ${oldIndices} old backing indices (${external ?? 'sandbox'}): ` +
        `median ${median(times).toFixed(0)} ms over ${runs} runs` +
        (requests.length > 0 ? `, ${median(requests)} requests per plan` : ''),
    );
  } finally {
    await es.close();
    await sandbox?.close();
  }
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
