import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { TEST_WORKER_CONFIG, type UpgradeHarness } from './upgrade-harness';

const ROOT = resolve(__dirname, '../..');

/** The real worker entry point (`npm run worker`), in its own process, so it can be killed for real. */
export function startWorkerProcess(h: UpgradeHarness): ChildProcess {
  // `--import tsx` keeps the worker in this one process (the tsx CLI would fork a child that SIGKILL misses).
  return spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: h.env.address,
      TEMPORAL_NAMESPACE: h.env.namespace ?? 'default',
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      ES_URL: h.target.url,
      REINDEX_POLL_INTERVAL_MS: String(TEST_WORKER_CONFIG.reindexPollIntervalMs),
      PROGRESS_SIGNAL_INTERVAL_MS: String(TEST_WORKER_CONFIG.progressSignalIntervalMs),
      SETTINGS_POLL_INTERVAL_MS: String(TEST_WORKER_CONFIG.settingsPollIntervalMs),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Resolves once the process has exited. */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) resolveExit();
    else child.once('exit', () => resolveExit());
  });
}
