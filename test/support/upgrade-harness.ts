import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { bundleWorkflows, createTestEnvironment } from './temporal-env';
import { backingIndexNames } from './documents';
import { resetMigrateSettings } from './settings';
import { createEsTarget, type EsTarget } from './es-target';
import type { SandboxControls, SeedIndexContent } from '@ds-reindex/es-sandbox';
import type { ReindexDataStreamStatus } from '../../src/shared/status';
import { ReindexService } from '../../src/service/reindex-service';
import type { WorkerConfig } from '../../src/config';
import { createReindexWorker } from '../../src/worker/create-worker';
import { WORKFLOWS_PATH } from '../../src/worker/workflow-modules';

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
  /** The sandbox's test controls; throws against a real cluster (those tests are skipped there). */
  controls(): SandboxControls;
  /** Seeds a data stream of old backing indices and returns their names, oldest first. */
  seed(name: string, backingIndices: SeedIndexContent[]): Promise<string[]>;
  /** Polls the status until the upgrade of `dataStream` is complete. */
  completion(dataStream: string, timeoutMs?: number): Promise<ReindexDataStreamStatus>;
  close(): Promise<void>;
}

export async function createUpgradeHarness(
  taskQueue: string,
  serviceOptions: { statusRetentionMs?: number; maxIndicesPerRun?: number } = {},
): Promise<UpgradeHarness> {
  const env = await createTestEnvironment();
  const target = await createEsTarget();
  const workers: RunningWorker[] = [];
  const workflowBundle = await bundleWorkflows(WORKFLOWS_PATH);
  const service = new ReindexService({
    temporal: env.client,
    taskQueue,
    statusRetentionMs: 60_000,
    ...serviceOptions,
  });
  const controls = (): SandboxControls => {
    if (!target.controls) throw new Error('this test seeds the sandbox; it cannot run against ES_URL');
    return target.controls;
  };
  return {
    env,
    target,
    es: target.client,
    taskQueue,
    service,
    controls,
    async seed(name, backingIndices) {
      await controls().seedDataStream({ name, backingIndices });
      return backingIndexNames(target.client, name);
    },
    completion(dataStream, timeoutMs = 60_000) {
      return eventually(
        async () => {
          const status = await service.status(dataStream);
          return status.complete ? status : undefined;
        },
        `${dataStream} to complete`,
        timeoutMs,
      );
    },
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
  let lastError: string | undefined;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err instanceof Error ? err.message : JSON.stringify(err);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
}

/**
 * A harness with one worker for the enclosing `describe` block: started before its tests, closed after
 * them, with injected faults and the migrate settings reset after each test. Returns the harness getter.
 */
export function useUpgradeHarness(taskQueue: string): () => UpgradeHarness {
  let harness: UpgradeHarness | undefined;
  beforeAll(async () => {
    harness = await createUpgradeHarness(taskQueue);
    await harness.startWorker();
  });
  afterAll(async () => {
    await harness?.close();
  });
  afterEach(async () => {
    if (!harness) return;
    harness.target.controls?.clearFaults();
    await resetMigrateSettings(harness.es);
  });
  return () => {
    if (!harness) throw new Error('the harness starts in beforeAll');
    return harness;
  };
}
