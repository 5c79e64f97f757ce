/**
 * The worker as production runs it, for the benchmarks that kill or count worker processes: the real
 * entry point (`src/worker/main.ts`) in a process of its own, default intervals, and a pre-built workflow
 * bundle (as the image has it), so that a worker starts without webpack and SIGKILL is a real crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflows } from '../test/support/temporal-env';
import { ROOT } from '../test/reliability/rig';
import { WORKFLOWS_PATH } from '../src/worker/workflow-modules';

/** A worker process and the end of what it wrote to stderr, for the error if it dies. */
export interface WorkerProcess {
  child: ChildProcess;
  stderrTail: string;
}

/** Writes the workflow bundle to a temporary file for worker processes to load; `remove` deletes it. */
export async function writeWorkflowBundle(name: string): Promise<{ path: string; remove(): void }> {
  const path = join(tmpdir(), `ds-reindex-${name}-${process.pid}.js`);
  writeFileSync(path, (await bundleWorkflows(WORKFLOWS_PATH)).code);
  return { path, remove: () => rmSync(path, { force: true }) };
}

export function startProductionWorker(options: {
  temporalAddress: string;
  taskQueue: string;
  esUrl: string;
  bundlePath: string;
}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      ES_URL: options.esUrl,
      WORKFLOW_BUNDLE_PATH: options.bundlePath,
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
