/**
 * The worker as production runs it, for the benchmarks that kill or count worker processes: the real
 * entry point compiled as the image has it (`dist/worker/main.js`) in a process of its own, default
 * intervals, `/metrics` on, and a pre-built workflow bundle (as the image has it), so that a worker starts
 * without webpack and SIGKILL is a real crash.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflows } from '../test/support/temporal-env';
import { freePort, ROOT } from '../test/reliability/rig';
import { WORKFLOWS_PATH } from '../src/worker/workflow-modules';

/** A worker process and the end of what it wrote to stderr, for the error if it dies. */
export interface WorkerProcess {
  child: ChildProcess;
  stderrTail: string;
}

/**
 * What a worker process runs, as the image runs it: the compiled entry point (`npm run build`, into the
 * git-ignored `dist/`, as the image's build stage does) and the workflow bundle, written to a temporary
 * file for the processes to load; `remove` deletes the bundle.
 */
export async function prepareWorkerFiles(name: string): Promise<{ path: string; remove(): void }> {
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status})`);
  const path = join(tmpdir(), `ds-reindex-${name}-${process.pid}.js`);
  writeFileSync(path, (await bundleWorkflows(WORKFLOWS_PATH)).code);
  return { path, remove: () => rmSync(path, { force: true }) };
}

export async function startProductionWorker(options: {
  temporalAddress: string;
  taskQueue: string;
  esUrl: string;
  bundlePath: string;
  /** V8's old-space limit for the process (`--max-old-space-size`); absent: Node's default. */
  heapMiB?: number;
}): Promise<WorkerProcess> {
  const sdkMetricsPort = await freePort();
  const child = spawn(process.execPath, ['dist/worker/main.js'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      ES_URL: options.esUrl,
      WORKFLOW_BUNDLE_PATH: options.bundlePath,
      // `/metrics` served as the image serves it, so each worker reads every upgrade's status for the
      // index-count metrics, as in production; on free ports, so that several workers can run.
      WORKER_HTTP_PORT: '0',
      WORKER_SDK_METRICS_PORT: String(sdkMetricsPort),
      ...(options.heapMiB !== undefined ? { NODE_OPTIONS: `--max-old-space-size=${options.heapMiB}` } : {}),
    },
    // Its JSON logs go to stdout and are not needed; stderr is kept for the error should it die.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const worker: WorkerProcess = { child, stderrTail: '' };
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    worker.stderrTail = (worker.stderrTail + text).slice(-4_000);
  });
  return worker;
}
