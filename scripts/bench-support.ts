/**
 * What the benchmark scripts share: command-line options, medians, the machine line, and writing a
 * result into the benchmark log, docs/benchmarks-log.md (BENCHMARKS.md holds only the current figures).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Client as TemporalClient } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { format, resolveConfig } from 'prettier';
import { bundleWorkflows } from '../test/support/temporal-env';
import type { ActivityDependencies } from '../src/activities/dependencies';
import { loadConfig, type WorkerConfig } from '../src/config';
import { createElasticsearchClient } from '../src/elasticsearch/client';
import { createReindexWorker } from '../src/worker/create-worker';
import { WORKFLOWS_PATH } from '../src/worker/workflow-modules';

/** `--name value` from the command line, or the fallback. */
export function stringOption(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

export function numberOption(name: string, fallback: number): number {
  const value = Number(stringOption(name, String(fallback)));
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number`);
  return value;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** `../shared/real-es`, or `REAL_ES_DIR`: the real node's scripts and its seeder. */
export const REAL_ES_DIR = process.env.REAL_ES_DIR ?? resolve(__dirname, '../../shared/real-es');

/**
 * Seeds data stream `name` on the real node at `url` with one old (7.17) backing index per count, through
 * the real-es seeder; returns the backing indices' names.
 */
export async function seedOldDataStream(url: string, name: string, counts: number[]): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(REAL_ES_DIR, 'seed-old-data-stream.mjs'), url, name, ...counts.map(String)],
    { maxBuffer: 16 * 2 ** 20 },
  );
  const last = stdout.trim().split('\n').pop() ?? '';
  return (JSON.parse(last) as { backingIndices: string[] }).backingIndices;
}

/**
 * What a benchmark that runs the worker's activity functions against the real node at `ES_URL` starts
 * from: the node's URL, `--indices`, `--docs` and `--runs`, and the activities' dependencies (they read
 * only `es` and `worker` there; nothing signals a workflow).
 */
export function realNodeActivityBench(): {
  url: string;
  indices: number;
  docs: number;
  runs: number;
  deps: ActivityDependencies;
} {
  const url = process.env.ES_URL;
  if (!url)
    throw new Error(
      'set ES_URL to a real 8.19 node with the real-es test module (../shared/real-es/start.sh)',
    );
  const config = loadConfig({ ES_URL: url });
  return {
    url,
    indices: numberOption('indices', 20),
    docs: numberOption('docs', 20_000),
    runs: numberOption('runs', 1),
    deps: {
      es: createElasticsearchClient(config.elasticsearch),
      worker: config.worker,
      temporal: {} as TemporalClient,
    },
  };
}

/** A real Elasticsearch node for a benchmark. */
export interface RealEsNode {
  url: string;
  /** How the node was obtained, for the report. */
  origin: string;
  stop(): Promise<void>;
}

async function realEsScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await promisify(execFile)(join(REAL_ES_DIR, script), args, {
    env,
    maxBuffer: 16 * 2 ** 20,
  });
  return stdout;
}

/**
 * The node at `ES_URL`, or a fresh one built and started from ../shared/real-es on `--es-port`
 * (`defaultPort`), in its own home, stopped by `stop`.
 */
export async function realEsNode(defaultPort: number): Promise<RealEsNode> {
  const external = process.env.ES_URL;
  if (external) return { url: external.replace(/\/+$/, ''), origin: `ES_URL`, stop: async () => {} };
  if (!existsSync(join(REAL_ES_DIR, 'start.sh'))) {
    throw new Error(
      `no real Elasticsearch: ${REAL_ES_DIR} does not exist. Set ES_URL to an 8.19 node that has the ` +
        'real-es test module, or REAL_ES_DIR to the real-es folder.',
    );
  }
  const port = numberOption('es-port', defaultPort);
  const env = {
    ...process.env,
    REAL_ES_HOME: process.env.REAL_ES_HOME ?? join(tmpdir(), `real-es-bench-${port}`),
  };
  console.log(`building and starting a real node in ${env.REAL_ES_HOME} on port ${port}...`);
  await realEsScript('setup.sh', [], env);
  const stop = async () => {
    await realEsScript('stop.sh', [], env);
  };
  try {
    const started = await realEsScript('start.sh', [String(port)], env);
    const url = /http:\/\/\S+/.exec(started)?.[0];
    if (url === undefined) throw new Error(`start.sh printed no URL:\n${started}`);
    return { url, origin: `\`../shared/real-es\` (setup.sh, start.sh ${port})`, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** The real worker, in the benchmark's process, against the node at `esUrl` and the test environment's server. */
export async function benchWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  esUrl: string,
  worker: WorkerConfig,
): Promise<Worker> {
  return createReindexWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    es: createElasticsearchClient(loadConfig({ ES_URL: esUrl }).elasticsearch),
    temporal: env.client,
    worker,
    workflowBundle: await bundleWorkflows(WORKFLOWS_PATH),
  });
}

/** Linux's clock tick (`USER_HZ`), in which `/proc` counts CPU time. */
const CLOCK_TICK_MS = 10;

/** CPU time (user + system) a process on this machine has used so far, in ms; undefined once it is gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command, which may hold spaces: state is the 1st field, utime the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
  } catch {
    return undefined;
  }
}

export function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** One line saying what the figures were measured on, for the report. */
export function machineDescription(): string {
  return (
    `${cpus().length} cores (\`nproc\`; ${cpus()[0]?.model.trim() ?? '?'}), ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node.js ${process.version}`
  );
}

/**
 * One dated entry of the benchmark log: `### <date>[: title]`, the machine and the command that made it,
 * then `body` (its table).
 */
export function benchLogEntry(entry: { title?: string; command: string; body: string }): string {
  const date = new Date().toISOString().slice(0, 10);
  return [
    `### ${date}${entry.title === undefined ? '' : `: ${entry.title}`}`,
    '',
    `Machine: ${machineDescription()}. Command: \`${entry.command}\`.`,
    '',
    entry.body,
  ].join('\n');
}

export const BENCHMARKS_LOG_FILE = resolve(__dirname, '../docs/benchmarks-log.md');

/**
 * Appends `entry` at the end of the `## <heading>` section of docs/benchmarks-log.md, creating the section (with
 * `intro` under its heading) at the end of the file if it is not there, and formats the file as
 * `prettier --write` would, so the tree stays `prettier --check` clean.
 */
export async function appendToBenchmarkLog(heading: string, intro: string, entry: string): Promise<void> {
  const text = await readFile(BENCHMARKS_LOG_FILE, 'utf8');
  const lines = text.trimEnd().split('\n');
  const start = lines.indexOf(`## ${heading}`);
  let updated: string;
  if (start < 0) {
    updated = `${lines.join('\n')}\n\n## ${heading}\n\n${intro.trim()}\n\n${entry.trim()}\n`;
  } else {
    const next = lines.findIndex((line, at) => at > start && line.startsWith('## '));
    const end = next < 0 ? lines.length : next;
    const before = lines.slice(0, end).join('\n').trimEnd();
    const after = lines.slice(end).join('\n');
    updated = `${before}\n\n${entry.trim()}\n${after ? `\n${after}\n` : ''}`;
  }
  const options = (await resolveConfig(BENCHMARKS_LOG_FILE)) ?? {};
  await writeFile(BENCHMARKS_LOG_FILE, await format(updated, { ...options, filepath: BENCHMARKS_LOG_FILE }));
}

/**
 * The dev server's history service polls its transfer queue (which starts children and schedules tasks
 * after an event) at most 20 times a second per shard, and the dev server has one shard: past a short
 * burst, every child start and every workflow task after a child's end waits up to 50 ms. A production
 * cluster spreads workflows over hundreds of shards, so one upgrade never meets that limit.
 * `--dev-server-poll-rps N` raises it, to measure what a production server would show; the default
 * leaves the dev server as it is.
 */
export function devServerDynamicConfig(): Record<string, number> {
  const rps = numberOption('dev-server-poll-rps', 0);
  return rps > 0 ? { 'history.transferProcessorMaxPollRPS': rps } : {};
}

/** One line for the report: which dev server configuration the figures come from. */
export function devServerDescription(): string {
  const rps = numberOption('dev-server-poll-rps', 0);
  return rps > 0
    ? `dev server with \`history.transferProcessorMaxPollRPS\` = ${rps} (one shard, as a production cluster's many shards would not limit one upgrade)`
    : 'dev server as it ships (one history shard, its transfer queue polled at most 20 times a second)';
}

/**
 * `--split-cores`: Elasticsearch on core 0 alone, this process and what it starts afterwards (the Temporal
 * dev server, the worker) on the other cores, as in production, where the cluster and the worker run on
 * different machines. Linux `taskset`; returns what puts Elasticsearch back on every core.
 */
export async function splitCores(esPid: number): Promise<() => Promise<void>> {
  const last = cpus().length - 1;
  if (last < 1) throw new Error('--split-cores needs at least 2 cores');
  const taskset = (cores: string, pid: number) =>
    promisify(execFile)('taskset', ['-a', '-pc', cores, String(pid)]);
  await taskset('0', esPid);
  await taskset(`1-${last}`, process.pid);
  return async () => {
    await taskset(`0-${last}`, esPid);
  };
}
