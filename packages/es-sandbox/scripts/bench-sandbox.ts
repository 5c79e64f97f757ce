/**
 * Benchmark of the Elasticsearch sandbox: bulk-index N small documents over HTTP with the real client,
 * then `_reindex` them unthrottled. The sandbox runs in its own process (as `npm run sandbox` does), so
 * the client and the server each get a core. Prints docs/s per phase and the sandbox's peak RSS.
 *
 *   npm run bench:sandbox                # 1,000,000 documents, bulk batches of 5,000
 *   BENCH_DOCS=200000 npm run bench:sandbox
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from '@elastic/elasticsearch';

const DOCS = Number(process.env.BENCH_DOCS ?? 1_000_000);
const BULK_SIZE = Number(process.env.BENCH_BULK_SIZE ?? 5_000);
/** Two bulk requests in flight keep the server busy while the client builds the next one. */
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 2);

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '../src/main.ts')], {
    env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_DATA_DIR: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolveUrl, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolveUrl({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited early with code ${String(code)}`)));
  });
}

/** Peak resident memory of a Linux process (VmHWM), in MiB; the tsx wrapper's node child holds the heap. */
function peakRssMiB(pid: number): number {
  const read = (p: number): number => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const kb = /VmHWM:\s+(\d+)/.exec(status)?.[1];
      return kb ? Number(kb) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  let peak = read(pid);
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    for (const c of children) peak = Math.max(peak, peakRssMiB(Number(c)));
  } catch {
    // no children listed
  }
  return peak;
}

async function bulkIndex(es: Client, index: string): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < DOCS) {
      const from = next;
      next = Math.min(DOCS, next + BULK_SIZE);
      const operations: object[] = [];
      for (let n = from; n < next; n++) {
        operations.push({ create: { _index: index, _id: `doc-${n}` } });
        operations.push({ '@timestamp': 1_700_000_000_000 + n, message: `message ${n}`, n });
      }
      const res = await es.bulk({ operations });
      if (res.errors) throw new Error('bulk reported errors');
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, () => worker()));
  return performance.now() - started;
}

async function reindex(es: Client, source: string, dest: string): Promise<number> {
  const started = performance.now();
  const res = await es.reindex({
    source: { index: source },
    dest: { index: dest },
    wait_for_completion: false,
  });
  const taskId = String(res.task);
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const task = await es.tasks.get({ task_id: taskId });
    if (task.completed) {
      const response = task.response as unknown as { created: number; failures: unknown[] };
      if (response.created !== DOCS || response.failures.length > 0)
        throw new Error(`reindex incomplete: ${JSON.stringify(response).slice(0, 500)}`);
      return performance.now() - started;
    }
  }
}

async function run(): Promise<void> {
  const { child, url } = await startServer();
  const es = new Client({ node: url, requestTimeout: 120_000 });
  try {
    await es.indices.create({
      index: 'bench-src',
      settings: { number_of_replicas: 0, refresh_interval: '-1' },
    });
    const bulkMs = await bulkIndex(es, 'bench-src');
    await es.indices.refresh({ index: 'bench-src' });
    const count = (await es.count({ index: 'bench-src' })).count;
    if (count !== DOCS) throw new Error(`expected ${DOCS} documents, counted ${count}`);
    await es.indices.create({
      index: 'bench-dest',
      settings: { number_of_replicas: 0, refresh_interval: '-1' },
    });
    const reindexMs = await reindex(es, 'bench-src', 'bench-dest');
    const peak = child.pid === undefined ? 0 : peakRssMiB(child.pid);
    const rate = (ms: number): number => Math.round(DOCS / (ms / 1000));
    const figures = {
      docs: DOCS,
      bulk_seconds: Number((bulkMs / 1000).toFixed(2)),
      bulk_docs_per_second: rate(bulkMs),
      reindex_seconds: Number((reindexMs / 1000).toFixed(2)),
      reindex_docs_per_second: rate(reindexMs),
      sandbox_peak_rss_mib: Math.round(peak),
    };
    console.log(JSON.stringify(figures));
  } finally {
    await es.close();
    child.kill('SIGTERM');
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
