/**
 * Scale (issue 15, item 4): many data streams of many old backing indices, upgraded at once by one or more
 * worker processes sharing the task queue.
 *
 *   npm run bench:scale [-- --data-streams 20 --indices-per-data-stream 500 --workers 1,3 --docs 1
 *                          --concurrency 1 --max-data-streams <data streams> --worker-heap-mib <MiB>
 *                          --timeout-minutes 90 --dev-server-db file|memory --dev-server-db-dir <dir>
 *                          --idle-seconds 0]
 *
 * One measured run per entry of `--workers`, each on a fresh Temporal dev server (its state in a SQLite file
 * in a new directory under `--dev-server-db-dir`, /dev/shm by default, removed after; `--dev-server-db
 * memory` keeps it in the server's memory) and a fresh sandbox (the harness's), with data stream names and
 * a task queue of its own:
 * - seeds N data streams × M backing indices created by 7.17, of `--docs` documents each; unthrottled, and
 *   `migrate.max_concurrent_indices_reindexed_per_data_stream` = `--concurrency` (so N × that at once);
 * - starts K processes of the real worker entry point, compiled as the image runs it (`dist/worker/main.js`),
 *   with production intervals and a pre-built workflow bundle (so K workers do not each run webpack), and
 *   `--worker-heap-mib` as `--max-old-space-size` when given; waits until all K poll the task queue, so
 *   worker start-up is not measured;
 * - starts every data stream at once the way an operator would, `ds-reindex start --all --pattern <run's>
 *   --max-data-streams N` (the same `ClusterUpgradeService` calls: plan, then one cluster workflow);
 * - waits for the cluster workflow's result and fails loudly on any failed index, data stream, worker exit
 *   or timeout; then checks every data stream's own status and counts the upgraded indices in Elasticsearch.
 * With `--idle-seconds N`, measures then for N s the CPU the workers and the dev server use with nothing
 * running: every worker's index-count metrics read each finished upgrade's status, kept for 24 hours.
 * Reports wall time (from the start command to the cluster workflow's end), each worker's peak RSS (VmHWM,
 * sampled from /proc) and the dev server's, the runs of the cluster and data-stream workflows
 * (continue-as-new) and the longest history of each kind, read in full: every cluster and data-stream run,
 * and the index workflows the server's listing shows as longest (reading 10,000 histories would take long).
 *
 * Issue 8's single data stream (2,000 one-document indices, 20 at a time), which bench-reliability had:
 *   npm run bench:scale -- --data-streams 1 --indices-per-data-stream 2000 --workers 1 --concurrency 20
 *
 * Prints one Markdown table per run and one comparing the runs; paste them into docs/benchmarks-log.md
 * (and the current figures into BENCHMARKS.md's table).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import type { Client as TemporalClient, WorkflowExecutionInfo } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { createUpgradeHarness, eventually, setMigrateSettings, type UpgradeHarness } from '../test/support';
import { kill } from '../test/reliability/rig';
import { ClusterUpgradeService } from '../src/client/service/cluster-upgrade-service';
import { ReindexService } from '../src/client/service/reindex-service';
import {
  CLUSTER_UPGRADE_WORKFLOW_ID,
  type ClusterUpgradeStatus,
  type reindexCluster,
} from '../src/workflows';
import { CLUSTER_TUNABLES, WORKFLOW_TUNABLES } from '../src/workflows/tunables';
import { machineDescription, numberOption, processCpuMs, stringOption, sum } from './bench-support';
import { startProductionWorker, prepareWorkerFiles, type WorkerProcess } from './bench-workers';

const MiB = 1024 * 1024;
const count = (value: number): string => value.toLocaleString('en-US');

/** Peak resident set of a process, in bytes, from the kernel's high-water mark; undefined once it is gone. */
function peakRssBytes(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Temporal dev server the harness started: the SDK's native runtime spawns it as a child of this
 * process, so it is the child whose command line says `start-dev`. Undefined if not found (then not reported).
 */
function devServerPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // `pid (comm) state ppid ...`; comm may hold spaces, so read after its closing parenthesis.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('start-dev')) return Number(entry);
    } catch {
      // The process ended while being read.
    }
  }
  return undefined;
}

/** Keeps each process's highest VmHWM seen, since a process that exits takes its figure with it. */
class PeakSampler {
  private readonly peaks = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: () => number[]) {
    this.timer = setInterval(() => this.sample(), 1_000);
  }

  sample(): void {
    for (const pid of this.pids()) {
      const bytes = peakRssBytes(pid);
      if (bytes !== undefined) this.peaks.set(pid, Math.max(bytes, this.peaks.get(pid) ?? 0));
    }
  }

  peak(pid: number | undefined): number | undefined {
    return pid === undefined ? undefined : this.peaks.get(pid);
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}

/** How many distinct workers poll the task queue for activities (every worker polls for both kinds). */
async function pollingWorkers(client: TemporalClient, taskQueue: string): Promise<number> {
  const { TaskQueueKind, TaskQueueType } = temporal.api.enums.v1;
  const response = await client.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return new Set((response.pollers ?? []).map((poller) => poller.identity)).size;
}

/** The longest history among the runs of one workflow type. */
interface HistoryFigures {
  runs: number;
  /** Distinct workflow ids: runs − ids is how many times they continued as new. */
  workflows: number;
  maxEvents: number;
  maxBytes: number;
  /** Bytes of each read run's input (its state handed over by continue-as-new), in start order. */
  inputBytes: number[];
  /** Server time of the first start and the last close, epoch ms. */
  firstStartMillis: number;
  lastCloseMillis: number;
}

function timesOf(
  runs: WorkflowExecutionInfo[],
): Pick<HistoryFigures, 'firstStartMillis' | 'lastCloseMillis'> {
  return {
    firstStartMillis: Math.min(...runs.map((run) => run.startTime.getTime())),
    lastCloseMillis: Math.max(...runs.map((run) => run.closeTime?.getTime() ?? 0)),
  };
}

async function listRuns(client: TemporalClient, workflowType: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowType = '${workflowType}'` })) {
    runs.push(execution);
  }
  return runs;
}

/** Events and bytes of one run's full history, as the bytes its events encode to. */
async function historySize(
  client: TemporalClient,
  run: WorkflowExecutionInfo,
): Promise<{ events: number; bytes: number; inputBytes: number }> {
  const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
  const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  return {
    events: history.events?.length ?? 0,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    inputBytes: input.reduce((sum, payload) => sum + (payload.data?.length ?? 0), 0),
  };
}

/**
 * The longest history among the runs of a workflow type. With `all`, every run's history is read (the few
 * long-lived workflows); otherwise the listing's own length and size (the server's) pick the longest runs
 * and only those are read, so thousands of index workflows cost a few list pages.
 */
async function historyFigures(
  client: TemporalClient,
  workflowType: string,
  all: boolean,
): Promise<HistoryFigures> {
  const runs = await listRuns(client, workflowType);
  const byListing = (key: (run: WorkflowExecutionInfo) => number): WorkflowExecutionInfo[] =>
    runs.length === 0 ? [] : [runs.reduce((best, run) => (key(run) > key(best) ? run : best))];
  const read = all
    ? runs
    : [...new Set([...byListing((run) => run.historyLength), ...byListing((run) => run.historySize ?? 0)])];
  let maxEvents = 0;
  let maxBytes = 0;
  const inputBytes: number[] = [];
  const inStartOrder = [...read].sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  for (const run of inStartOrder) {
    const size = await historySize(client, run);
    maxEvents = Math.max(maxEvents, size.events);
    maxBytes = Math.max(maxBytes, size.bytes);
    inputBytes.push(size.inputBytes);
  }
  return {
    runs: runs.length,
    workflows: new Set(runs.map((run) => run.workflowId)).size,
    maxEvents,
    maxBytes,
    inputBytes,
    ...timesOf(runs),
  };
}

interface RunOptions {
  dataStreams: number;
  /** `start --all --max-data-streams`: data streams upgraded at once. */
  maxDataStreams: number;
  /** Each worker's V8 old-space limit (`--worker-heap-mib`); absent: Node's default. */
  workerHeapMiB: number | undefined;
  indicesPerDataStream: number;
  workers: number;
  docs: number;
  concurrency: number;
  timeoutMs: number;
  bundlePath: string;
  /** `--dev-server-db`: the dev server's state in a SQLite file (default), or in memory. */
  devServerDb: 'file' | 'memory';
  /** `--idle-seconds`: how long to measure the CPU used with nothing running, after the run; 0: not. */
  idleSeconds: number;
}

interface RunResult {
  options: RunOptions;
  seedSeconds: number;
  planSeconds: number;
  seconds: number;
  successes: number;
  /** Bytes of the cluster run's final status, as its last run returned it. */
  finalStatusBytes: number;
  workerPeaks: number[];
  serverPeak: number | undefined;
  /** Bytes of the dev server's SQLite file and its write-ahead log at the end; absent in memory. */
  serverDbBytes: number | undefined;
  cluster: HistoryFigures;
  dataStream: HistoryFigures;
  index: HistoryFigures;
  idle: StandingCpu | undefined;
}

/** CPU the workers (summed) and the dev server used per second with nothing running, in ms. */
interface StandingCpu {
  seconds: number;
  workersMsPerSecond: number;
  serverMsPerSecond: number;
}

/**
 * What finished upgrades cost while nothing runs: every worker's index-count metrics read each status
 * kept (every `STATUS_METRICS_INTERVAL_MS`, 15 s), and the dev server answers them.
 */
async function standingCpu(
  serverPid: number | undefined,
  workerPids: number[],
  seconds: number,
): Promise<StandingCpu> {
  const cpuMs = (pids: number[]) => sum(pids.map((pid) => processCpuMs(pid) ?? 0));
  const server = serverPid === undefined ? [] : [serverPid];
  const before = { workers: cpuMs(workerPids), server: cpuMs(server) };
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return {
    seconds,
    workersMsPerSecond: (cpuMs(workerPids) - before.workers) / seconds,
    serverMsPerSecond: (cpuMs(server) - before.server) / seconds,
  };
}

/** The cluster workflow's result, or a loud failure: timeout, or a worker process that exited. */
async function clusterResult(
  h: UpgradeHarness,
  cluster: ClusterUpgradeService,
  workers: WorkerProcess[],
  options: RunOptions,
  started: number,
): Promise<ClusterUpgradeStatus> {
  const total = options.dataStreams * options.indicesPerDataStream;
  let failed: (reason: Error) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => {
    failed = reject;
  });
  const onExit = (worker: WorkerProcess, at: number) => (code: number | null, signal: string | null) =>
    failed(
      new Error(
        `worker ${at + 1} exited (code ${code}, signal ${signal}) mid-run; its stderr ended:\n${worker.stderrTail}`,
      ),
    );
  const dead = workers.findIndex(
    (worker) => worker.child.exitCode !== null || worker.child.signalCode !== null,
  );
  if (dead >= 0)
    throw new Error(
      `worker ${dead + 1} exited before the run; its stderr ended:\n${workers[dead]?.stderrTail}`,
    );
  const listeners = workers.map((worker, at) => {
    const listener = onExit(worker, at);
    worker.child.once('exit', listener);
    return listener;
  });
  const timeout = setTimeout(
    () => failed(new Error(`the run did not finish in ${options.timeoutMs / 60_000} minutes`)),
    options.timeoutMs,
  );
  // A line every 30 s shows it moving; read through the service as `ds-reindex status --all` reads it.
  const progress = setInterval(() => {
    cluster
      .status()
      .then((status) => {
        const upgraded =
          status.finished.reduce((sum, entry) => sum + entry.indices_reindexed, 0) +
          status.running.reduce((sum, entry) => sum + (entry.status?.successes ?? 0), 0);
        console.log(
          `  ${((performance.now() - started) / 1000).toFixed(0)} s: ${status.finished.length} of ` +
            `${options.dataStreams} data streams done, ${count(upgraded)} of ${count(total)} indices upgraded`,
        );
      })
      .catch(() => undefined);
  }, 30_000);
  try {
    return await Promise.race([
      h.env.client.workflow.getHandle<typeof reindexCluster>(CLUSTER_UPGRADE_WORKFLOW_ID).result(),
      failure,
    ]);
  } finally {
    clearTimeout(timeout);
    clearInterval(progress);
    workers.forEach((worker, at) => worker.child.off('exit', listeners[at] ?? (() => undefined)));
  }
}

/** Each data stream's backing indices that Elasticsearch shows upgraded (the `.migrated-` copies). */
async function upgradedInElasticsearch(es: Client, pattern: string): Promise<Map<string, number>> {
  const { data_streams: dataStreams } = await es.indices.getDataStream({ name: pattern });
  return new Map(
    dataStreams.map((stream) => [
      stream.name,
      stream.indices.filter((index) => index.index_name.startsWith('.migrated-')).length,
    ]),
  );
}

async function measure(options: RunOptions): Promise<RunResult> {
  const { dataStreams, indicesPerDataStream, workers: workerCount } = options;
  const total = dataStreams * indicesPerDataStream;
  const prefix = `bench-scale-${workerCount}w`;
  const taskQueue = `${prefix}-queue`;
  const store = devServerStore(options.devServerDb);
  const h = await createUpgradeHarness(
    taskQueue,
    store.file !== undefined ? { devServerDbFile: store.file } : {},
  ).catch((error: unknown) => {
    store.remove();
    throw error;
  });
  const serverPid = devServerPid();
  const workers: WorkerProcess[] = [];
  const sampler = new PeakSampler(() =>
    [serverPid, ...workers.map((worker) => worker.child.pid)].filter(
      (pid): pid is number => pid !== undefined,
    ),
  );
  try {
    const seedStarted = performance.now();
    const names = Array.from({ length: dataStreams }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
    for (const name of names) {
      await h.target.seedDataStream(
        name,
        Array.from({ length: indicesPerDataStream }, () => ({ docCount: options.docs })),
      );
    }
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    await setMigrateSettings(h.es, { maxRequestsPerSecond: -1, maxConcurrentIndices: options.concurrency });

    for (let i = 0; i < workerCount; i += 1)
      workers.push(
        await startProductionWorker({
          temporalAddress: h.env.address,
          taskQueue,
          esUrl: h.target.url,
          bundlePath: options.bundlePath,
          ...(options.workerHeapMiB !== undefined ? { heapMiB: options.workerHeapMiB } : {}),
        }),
      );
    await eventually(
      async () => ((await pollingWorkers(h.env.client, taskQueue)) >= workerCount ? true : undefined),
      `${workerCount} worker(s) to poll ${taskQueue}`,
      120_000,
      200,
    );

    // What `ds-reindex start --all` does, with the CLI's service (default retention, runs per workflow).
    const cluster = new ClusterUpgradeService(new ReindexService({ temporal: h.env.client, taskQueue }));
    const started = performance.now();
    const prepared = await cluster.prepareStart(h.es, {
      pattern: `${prefix}-*`,
      includeSystem: false,
      readOnly: { kind: 'none' },
      maxDataStreams: options.maxDataStreams,
    });
    if (prepared.dataStreams.length !== dataStreams) {
      throw new Error(`the plan selected ${prepared.dataStreams.length} data streams, not ${dataStreams}`);
    }
    await cluster.start(prepared);
    const planSeconds = (performance.now() - started) / 1000;
    const final = await clusterResult(h, cluster, workers, options, started);
    const seconds = (performance.now() - started) / 1000;
    sampler.sample();

    // The whole report, with what earlier runs finished read back from their pages, as the CLI reads it.
    const { finished } = await cluster.status();
    const notUpgraded = finished.filter((entry) => entry.outcome !== 'upgraded');
    if (final.state !== 'completed' || notUpgraded.length > 0 || finished.length !== dataStreams) {
      // What the cluster shows, so that a failed report can be told from a failed upgrade.
      const shown = await upgradedInElasticsearch(h.es, `${prefix}-*`);
      const firstNotUpgraded = notUpgraded.slice(0, 5).map((entry) => entry.data_stream);
      throw new Error(
        `the cluster run ended ${final.state}: ${finished.length} of ${dataStreams} data streams finished, ` +
          `${notUpgraded.length} not upgraded; the first: ${JSON.stringify(notUpgraded.slice(0, 5))}\n` +
          `Elasticsearch shows ${count(sum([...shown.values()]))} of ${count(total)} backing indices upgraded; ` +
          firstNotUpgraded
            .map((name) => `${name}: ${shown.get(name) ?? 0} of ${indicesPerDataStream}`)
            .join(', '),
      );
    }
    // Each data stream's own status (what `_status` answers) is the record of its indices.
    let successes = 0;
    for (const name of names) {
      const status = await cluster.reindex.status(name);
      if (!status.complete || status.errors.length > 0 || status.successes !== indicesPerDataStream) {
        throw new Error(
          `${name}: complete ${status.complete}, ${status.successes} of ${indicesPerDataStream} upgraded, ` +
            `errors ${JSON.stringify(status.errors.slice(0, 3))}`,
        );
      }
      successes += status.successes;
    }
    const upgraded = sum([...(await upgradedInElasticsearch(h.es, `${prefix}-*`)).values()]);
    if (upgraded !== total) {
      throw new Error(`Elasticsearch has ${upgraded} upgraded backing indices, not ${total}`);
    }

    const idle =
      options.idleSeconds > 0
        ? await standingCpu(
            serverPid,
            workers.map((worker) => worker.child.pid).filter((pid): pid is number => pid !== undefined),
            options.idleSeconds,
          )
        : undefined;

    const client = h.env.client;
    return {
      options,
      seedSeconds,
      planSeconds,
      seconds,
      successes,
      finalStatusBytes: Buffer.byteLength(JSON.stringify(final)),
      workerPeaks: workers.map((worker) => sampler.peak(worker.child.pid) ?? 0),
      serverPeak: sampler.peak(serverPid),
      serverDbBytes: store.bytes(),
      cluster: await historyFigures(client, 'reindexCluster', true),
      dataStream: await historyFigures(client, 'reindexDataStream', true),
      index: await historyFigures(client, 'reindexBackingIndex', false),
      idle,
    };
  } finally {
    sampler.stop();
    for (const worker of workers) await kill(worker.child, 'SIGTERM');
    await h.close();
    store.remove();
  }
}

/**
 * Where the run's dev server keeps its state. In memory, a run of 100,000 indices grew the dev server by
 * about 84 MiB per 1,000 indices (2.4 GiB at 29,484), and it crashed inside its SQLite library at 53,220
 * (2026-12-07); a file keeps the server's memory bounded, as a production server's database does.
 */
function devServerStore(kind: RunOptions['devServerDb']): {
  file: string | undefined;
  bytes(): number | undefined;
  remove(): void;
} {
  if (kind === 'memory') return { file: undefined, bytes: () => undefined, remove: () => undefined };
  // Memory-backed where there is one: a file on disk made the dev server 40 % slower (8.8 against 14.7
  // indices per second, 20 × 100 indices), and the run would measure the disk, not the upgrade.
  const parent = stringOption('dev-server-db-dir', existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  const directory = mkdtempSync(join(parent, 'ds-reindex-bench-scale-'));
  const file = join(directory, 'temporal.db');
  const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);
  return {
    file,
    bytes: () => size(file) + size(`${file}-wal`),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}

const mib = (bytes: number | undefined): string =>
  bytes === undefined ? 'n/a' : `${(bytes / MiB).toFixed(0)} MiB`;

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

/** The state each cluster run was handed: constant-size, or growing with the data streams finished. */
function clusterInputs(figures: HistoryFigures): string {
  const sizes = figures.inputBytes;
  if (sizes.length === 0) return 'n/a';
  return [sizes[0] ?? 0, Math.max(...sizes), sizes[sizes.length - 1] ?? 0].map(kib).join(' / ');
}

function longest(figures: HistoryFigures): string {
  const limit = 51_200;
  return (
    `${count(figures.maxEvents)} events (${((100 * figures.maxEvents) / limit).toFixed(1)} % of ${count(limit)}), ` +
    `${(figures.maxBytes / 1024).toFixed(0)} KiB`
  );
}

/** One run's figures, as rows of `measure | value`. */
function rows(result: RunResult): Array<[string, string]> {
  const { options } = result;
  const total = options.dataStreams * options.indicesPerDataStream;
  const peaks = result.workerPeaks;
  // Server clock: how long the cluster run went on after the last data-stream run closed.
  const tailSeconds = (result.cluster.lastCloseMillis - result.dataStream.lastCloseMillis) / 1000;
  return [
    [
      'completed',
      `yes: ${options.dataStreams} data streams, ${count(result.successes)} of ${count(total)} indices, 0 errors`,
    ],
    [
      "wall time (from `start --all` to the cluster run's end)",
      `${result.seconds.toFixed(0)} s (${((result.seconds * 1000) / total).toFixed(0)} ms per index)`,
    ],
    ['of which the plan and the start command', `${result.planSeconds.toFixed(1)} s`],
    [
      'of which after the last data-stream run closed (the cluster run notices at its next status poll)',
      `${tailSeconds.toFixed(1)} s`,
    ],
    ['indices per second', (total / result.seconds).toFixed(1)],
    ['worker peak RSS (VmHWM)', peaks.map((peak) => mib(peak)).join(', ')],
    ['worker peak RSS, max / sum', `${mib(Math.max(...peaks))} / ${mib(sum(peaks))}`],
    ['Temporal dev server peak RSS (VmHWM)', mib(result.serverPeak)],
    [
      'Temporal dev server state',
      result.serverDbBytes === undefined
        ? 'in memory'
        : `SQLite file, ${mib(result.serverDbBytes)} at the end`,
    ],
    ['cluster workflow runs (continue-as-new)', `${result.cluster.runs}`],
    ["cluster run's own size: input of its first, largest and last run", clusterInputs(result.cluster)],
    ["cluster run's own size: its final status", kib(result.finalStatusBytes)],
    [
      'data-stream workflow runs (continue-as-new)',
      `${count(result.dataStream.runs)} for ${result.dataStream.workflows} data streams`,
    ],
    ['index workflows', count(result.index.runs)],
    ['longest history: cluster run', longest(result.cluster)],
    ['longest history: data-stream run', longest(result.dataStream)],
    ['longest history: index workflow', longest(result.index)],
    ['seeding the sandbox (not in the wall time)', `${result.seedSeconds.toFixed(0)} s`],
    ...idleRows(result),
  ];
}

function idleRows({ idle, options }: RunResult): Array<[string, string]> {
  if (idle === undefined) return [];
  return [
    [
      `CPU with nothing running, over ${idle.seconds} s after the run (${count(options.dataStreams)} finished ` +
        'upgrades whose statuses the metrics read): workers / dev server',
      `${idle.workersMsPerSecond.toFixed(0)} / ${idle.serverMsPerSecond.toFixed(0)} ms per second`,
    ],
  ];
}

const label = (result: RunResult): string =>
  `${result.options.workers} worker${result.options.workers === 1 ? '' : 's'}`;

function printRun(result: RunResult): void {
  console.log(`\n### ${label(result)}\n`);
  console.log('| measure | value |');
  console.log('| --- | ---: |');
  for (const [measure, value] of rows(result)) console.log(`| ${measure} | ${value} |`);
}

function printComparison(results: RunResult[]): void {
  if (results.length < 2) return;
  console.log(`\n### ${results.map(label).join(' vs ')}\n`);
  console.log(`| measure | ${results.map(label).join(' | ')} |`);
  console.log(`| --- | ${results.map(() => '---:').join(' | ')} |`);
  const table = results.map(rows);
  (table[0] ?? []).forEach(([measure], at) => {
    console.log(`| ${measure} | ${table.map((run) => run[at]?.[1] ?? '').join(' | ')} |`);
  });
}

function workerCounts(): number[] {
  const counts = stringOption('workers', '1,3')
    .split(',')
    .map((entry) => Number(entry.trim()));
  if (counts.length === 0 || counts.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new Error('--workers must be a comma-separated list of whole numbers of at least 1, e.g. 1,3');
  }
  return counts;
}

async function run(): Promise<void> {
  const dataStreams = numberOption('data-streams', 20);
  const maxDataStreams = numberOption('max-data-streams', dataStreams);
  const workerHeapMiB = process.argv.includes('--worker-heap-mib')
    ? numberOption('worker-heap-mib', 0)
    : undefined;
  const indicesPerDataStream = numberOption('indices-per-data-stream', 500);
  const docs = numberOption('docs', 1);
  const concurrency = numberOption('concurrency', 1);
  const timeoutMs = numberOption('timeout-minutes', 90) * 60_000;
  const devServerDb = stringOption('dev-server-db', 'file');
  const idleSeconds = numberOption('idle-seconds', 0);
  if (devServerDb !== 'file' && devServerDb !== 'memory') {
    throw new Error(`--dev-server-db is file or memory, not ${devServerDb}`);
  }
  const counts = workerCounts();
  const total = dataStreams * indicesPerDataStream;
  // The harness bundles the same module (cached); the worker processes load it from the file.
  const bundle = await prepareWorkerFiles('bench-scale');
  const bundlePath = bundle.path;
  const description =
    `${dataStreams} data streams × ${count(indicesPerDataStream)} backing indices (7.17) = ${count(total)} ` +
    `indices of ${count(docs)} document${docs === 1 ? '' : 's'}; unthrottled, ${concurrency} at a time per data ` +
    `stream (${count(maxDataStreams * concurrency)} at once); \`start --all --max-data-streams ${maxDataStreams}\`; ` +
    `production intervals, pre-built bundle; continue-as-new every ${WORKFLOW_TUNABLES.DEFAULT_MAX_INDICES_PER_RUN} ` +
    `indices (data stream) and ${CLUSTER_TUNABLES.DEFAULT_MAX_DATA_STREAMS_PER_RUN} data streams (cluster)`;
  console.log(`machine: ${machineDescription()}, ${new Date().toISOString()}`);
  console.log(description);
  const results: RunResult[] = [];
  try {
    for (const workers of counts) {
      console.log(`\nrun: ${workers} worker process${workers === 1 ? '' : 'es'}`);
      const result = await measure({
        dataStreams,
        maxDataStreams,
        workerHeapMiB,
        indicesPerDataStream,
        workers,
        docs,
        concurrency,
        timeoutMs,
        bundlePath,
        devServerDb,
        idleSeconds,
      });
      results.push(result);
      printRun(result);
    }
  } finally {
    bundle.remove();
  }
  const processes = `${counts.join(' and ')} worker process${counts.length === 1 && counts[0] === 1 ? '' : 'es'}`;
  console.log(`\n## Scale: ${count(total)} backing indices, ${processes}\n`);
  console.log(`machine: ${machineDescription()}\n`);
  console.log(`${description}.`);
  results.forEach(printRun);
  printComparison(results);
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
