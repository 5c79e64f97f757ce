import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { bundleWorkflows, createTestEnvironment } from './temporal-env';
import { createEsTarget, type EsTarget } from '../sandbox/es-target';
import { ReindexService } from '../../src/client/reindex-service';
import type { WorkerConfig } from '../../src/config';
import { createReindexWorker } from '../../src/worker/create-worker';

/** Fast polling so tests watch progress in real time without waiting on production intervals. */
export const TEST_WORKER_CONFIG: WorkerConfig = {
  reindexPollIntervalMs: 100,
  progressSignalIntervalMs: 200,
  settingsPollIntervalMs: 200,
  healthWaitTimeoutMs: 5_000,
};

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

/**
 * Everything an end-to-end upgrade test needs: a real Temporal dev server, Elasticsearch (the sandbox,
 * or the cluster at ES_URL), the service the HTTP API and CLI use, and real workers on a task queue
 * of the test's own.
 */
export interface UpgradeHarness {
  env: TestWorkflowEnvironment;
  target: EsTarget;
  es: ElasticsearchClient;
  taskQueue: string;
  service: ReindexService;
  startWorker(config?: Partial<WorkerConfig>): Promise<RunningWorker>;
  close(): Promise<void>;
}

export async function createUpgradeHarness(
  taskQueue: string,
  serviceOptions: { statusRetentionMs?: number; maxIndicesPerRun?: number } = {},
): Promise<UpgradeHarness> {
  const env = await createTestEnvironment();
  const target = await createEsTarget();
  const workers: RunningWorker[] = [];
  const workflowBundle = await bundleWorkflows(require.resolve('../../src/workflows'));
  return {
    env,
    target,
    es: target.client,
    taskQueue,
    service: new ReindexService({
      temporal: env.client,
      taskQueue,
      statusRetentionMs: 60_000,
      ...serviceOptions,
    }),
    async startWorker(config = {}) {
      const worker = await createReindexWorker({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        es: target.client,
        temporal: env.client,
        worker: { ...TEST_WORKER_CONFIG, ...config },
        workflowBundle,
      });
      const running = worker.run();
      const handle: RunningWorker = {
        worker,
        async stop() {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
        },
      };
      workers.push(handle);
      return handle;
    },
    async close() {
      for (const worker of workers) await worker.stop().catch(() => undefined);
      await target.close();
      await env.teardown();
    },
  };
}

/** Polls `check` until it returns a value other than `undefined`, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}
