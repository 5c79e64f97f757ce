import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { SandboxControls, SeedIndexContent } from '@ds-reindex/es-sandbox';
import { bundleWorkflows, createTestEnvironment } from './temporal-env';
import { resetMigrateSettings } from './settings';
import { createEsTarget, type EsTarget } from './target';
import { abandonWait, eventually } from './wait';
import type { InProgressIndex, ReindexDataStreamStatus } from '../../src/shared/status';
import { ReindexService } from '../../src/client/service/reindex-service';
import type { WorkerConfig } from '../../src/config';
import type { Tracing } from '../../src/observability/tracing';
import { createReindexWorker } from '../../src/worker/create-worker';
import { WORKFLOWS_PATH } from '../../src/worker/workflow-modules';
import { WORKFLOW_TUNABLES } from '../../src/workflows/tunables';

// Scripts that record histories import the wait helper from here.
export { eventually };

/** Fast polling so tests watch progress in real time without waiting on production intervals. */
export const TEST_WORKER_CONFIG: WorkerConfig = {
  reindexPollIntervalMs: 100,
  progressSignalIntervalMs: 200,
  settingsPollIntervalMs: 200,
  healthWaitTimeoutMs: 5_000,
  sourceShardWaitMs: 5 * 60_000,
  destinationShardWaitMs: 30_000,
  // A batch waits this long for a lost shard of the new index before shard recovery takes over.
  copyShardTimeoutMs: 10_000,
  copyPlacement: 'least-loaded',
  verifyBatchDocuments: 1_000,
  verifyKeepAliveMs: 60_000,
};

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  statusRetentionMs?: number;
  maxIndicesPerRun?: number;
  /** A Temporal server of the test's own (e.g. one it restarts); default: a dev server per harness. */
  temporalAddress?: string;
  /** The harness's dev server keeps its state in this SQLite file (default: in memory). */
  devServerDbFile?: string;
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
  /**
   * A worker on the harness's task queue; `es`: the worker's own client (default: the administrator's);
   * `tracing`: its spans (default: off).
   */
  startWorker(
    config?: Partial<WorkerConfig>,
    es?: ElasticsearchClient,
    options?: { tracing?: Tracing },
  ): Promise<RunningWorker>;
  /** The sandbox's test controls; throws against a real cluster (those tests run on the sandbox only). */
  controls(): SandboxControls;
  /** Seeds a data stream of old backing indices on either target; returns their names, oldest first. */
  seed(name: string, backingIndices: readonly SeedIndexContent[]): Promise<string[]>;
  /** Polls the status until the upgrade of `dataStream` is complete. */
  completion(dataStream: string, timeoutMs?: number): Promise<ReindexDataStreamStatus>;
  /**
   * Polls the status until a copy of `dataStream` (of `index`, when given) has copied at least
   * `atLeastDocs` documents (default 1); returns its entry. Only a copy that outlasts the quick copy's
   * wait (`QUICK_COPY_WAIT_MS`) reports progress, so the test must make it last (documents and
   * `maxRequestsPerSecond`); if that copy ends first (or the upgrade completes), the wait fails at once
   * saying so, instead of timing out.
   */
  copying(
    dataStream: string,
    options?: { index?: string; atLeastDocs?: number; timeoutMs?: number },
  ): Promise<InProgressIndex>;
  close(): Promise<void>;
}

async function testEnvironment(
  temporalAddress: string | undefined,
  dbFilename: string | undefined,
): Promise<TestWorkflowEnvironment> {
  if (temporalAddress === undefined)
    return createTestEnvironment(dbFilename !== undefined ? { dbFilename } : {});
  const saved = process.env.TEMPORAL_ADDRESS;
  process.env.TEMPORAL_ADDRESS = temporalAddress;
  try {
    return await createTestEnvironment();
  } finally {
    if (saved === undefined) delete process.env.TEMPORAL_ADDRESS;
    else process.env.TEMPORAL_ADDRESS = saved;
  }
}

export async function createUpgradeHarness(
  taskQueue: string,
  options: HarnessOptions = {},
): Promise<UpgradeHarness> {
  const { temporalAddress, devServerDbFile, ...serviceOptions } = options;
  const env = await testEnvironment(temporalAddress, devServerDbFile);
  const target = await createEsTarget();
  const workers: RunningWorker[] = [];
  const workflowBundle = await bundleWorkflows(WORKFLOWS_PATH);
  const service = new ReindexService({
    temporal: env.client,
    taskQueue,
    statusRetentionMs: 60_000,
    ...serviceOptions,
  });
  return {
    env,
    target,
    es: target.client,
    taskQueue,
    service,
    controls: () => target.sandboxControls(),
    seed: (name, backingIndices) => target.seedDataStream(name, backingIndices),
    completion(dataStream, timeoutMs = 60_000) {
      return eventually(
        async () => {
          const status = await service.status(dataStream);
          return status.complete ? status : undefined;
        },
        `${dataStream} to complete`,
        timeoutMs,
        100,
      );
    },
    copying(dataStream, { index, atLeastDocs = 1, timeoutMs = 60_000 } = {}) {
      let lastSeen: InProgressIndex | undefined;
      return eventually(
        async () => {
          const status = await service.status(dataStream);
          const entries = status.in_progress.filter((entry) => index === undefined || entry.index === index);
          const far = entries.find((entry) => entry.reindexed_doc_count >= atLeastDocs);
          if (far !== undefined) return far;
          const gone =
            status.complete ||
            (index !== undefined &&
              ((lastSeen !== undefined && entries.length === 0) ||
                status.errors.some((error) => error.index === index)));
          if (gone)
            abandonWait(
              `the copy of ${index ?? `every index of ${dataStream}`} ended before it reported ${atLeastDocs} ` +
                `documents copied (last seen: ${lastSeen ? `${lastSeen.reindexed_doc_count}/${lastSeen.total_doc_count}` : 'never'}; ` +
                `status: ${JSON.stringify(status)}). A copy that ends within the quick copy's ` +
                `${WORKFLOW_TUNABLES.QUICK_COPY_WAIT_MS} ms wait reports no progress: seed more documents or ` +
                'lower maxRequestsPerSecond so that it lasts well past that wait',
            );
          lastSeen = entries[0] ?? lastSeen;
          return undefined;
        },
        `a copy of ${index ?? dataStream} to be under way`,
        timeoutMs,
        100,
      );
    },
    async startWorker(config = {}, es = target.client, { tracing } = {}) {
      const worker = await createReindexWorker({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        es,
        temporal: env.client,
        worker: { ...TEST_WORKER_CONFIG, ...config },
        workflowBundle,
        tracing,
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

export interface UseHarnessOptions extends Omit<HarnessOptions, 'temporalAddress'> {
  /** Start one in-process worker with the harness (default); off for tests that run worker processes. */
  worker?: boolean;
  /** Read when the harness starts, so a server started by an earlier `beforeAll` can be named. */
  temporalAddress?: () => string;
}

/**
 * The one harness lifecycle: a harness for the enclosing `describe` block, created before its tests
 * (with one worker unless `worker: false`) and closed after them; injected faults and the migrate
 * settings are reset after each test. Returns the harness getter.
 */
export function useUpgradeHarness(taskQueue: string, options: UseHarnessOptions = {}): () => UpgradeHarness {
  const { worker = true, temporalAddress, ...harnessOptions } = options;
  let harness: UpgradeHarness | undefined;
  beforeAll(async () => {
    harness = await createUpgradeHarness(taskQueue, {
      ...harnessOptions,
      temporalAddress: temporalAddress?.(),
    });
    if (worker) await harness.startWorker();
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
