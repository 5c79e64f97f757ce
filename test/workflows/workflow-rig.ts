import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import {
  Client,
  type WorkflowExecutionDescription,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { startSandbox, type RunningSandbox, type SeedIndexContent } from '@ds-reindex/es-sandbox';
import { bundleWorkflows, createTestEnvironment, eventually } from '../support';
import { createStubActivities, StubCluster } from './stub-activities';
import type { Activities } from '../../src/activities';
import { ReindexService } from '../../src/client/service/reindex-service';
import { dataStreamWorkflowId } from '../../src/shared/names';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../../src/worker/workflow-modules';
import { reindexDataStream, type ReindexDataStreamInput } from '../../src/workflows';

const DAY_MS = 24 * 60 * 60 * 1000;
/** A current (8.x) index version, which needs no upgrade. */
export const CURRENT_INDEX_VERSION = 8_519_000;

/**
 * The real workflows with stub activities, on one Temporal server per test file: the time-skipping test
 * server by default. The service under test reads through a plain client (the environment's own client
 * would let the test server skip time whenever the service waits for a result) and measures retention
 * with the server's clock. An in-memory Elasticsearch sandbox answers the service's read-only planning.
 */
export interface WorkflowRig {
  env: TestWorkflowEnvironment;
  client: Client;
  es: ElasticsearchClient;
  /** Waits until the latest run of `workflowId` has closed, and describes it. */
  closed(workflowId: string): Promise<WorkflowExecutionDescription>;
  /** A fresh stub cluster, task queue and service for one test. */
  fresh(name: string, options?: { maxIndicesPerRun?: number }): TestScope;
  close(): Promise<void>;
}

export interface TestScope {
  cluster: StubCluster;
  taskQueue: string;
  service: ReindexService;
  /**
   * Seeds the sandbox (which the service plans with) and the stub cluster (which the activities see)
   * with the same data stream; returns the backing index names, oldest first.
   */
  seed(dataStream: string, backingIndices: SeedIndexContent[]): Promise<string[]>;
  /** Runs a worker with the stub activities (and `overrides`) until `body` settles. */
  withWorker<T>(overrides: Partial<Activities>, body: () => Promise<T>): Promise<T>;
  /** Starts the data-stream workflow directly, with the input the service would send. */
  startWorkflow(
    dataStream: string,
    input?: Partial<ReindexDataStreamInput>,
  ): Promise<WorkflowHandleWithFirstExecutionRunId<typeof reindexDataStream>>;
}

export async function createWorkflowRig(
  options: {
    timeSkipping?: boolean;
    /** Workflow interceptor modules bundled with the real workflows (test fixtures that alter a call). */
    workflowInterceptorModules?: string[];
  } = {},
): Promise<WorkflowRig> {
  const env = await createTestEnvironment({ timeSkipping: options.timeSkipping ?? true });
  let sandbox: RunningSandbox | undefined;
  try {
    sandbox = await startSandbox({ port: 0 });
  } catch (err) {
    await env.teardown();
    throw err;
  }
  const es = new ElasticsearchClient({ node: sandbox.url, maxRetries: 0 });
  const client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
  const { workflowInterceptorModules } = options;
  const workflowBundle = workflowInterceptorModules
    ? await bundleWorkflowCode({
        workflowsPath: WORKFLOWS_PATH,
        // The worker's own interceptor modules, then the fixture's.
        workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES, ...workflowInterceptorModules],
        logger: new DefaultLogger('WARN'),
      })
    : await bundleWorkflows(WORKFLOWS_PATH);
  const controls = sandbox.controls;

  return {
    env,
    client,
    es,
    closed: (workflowId) =>
      eventually(async () => {
        const description = await client.workflow.getHandle(workflowId).describe();
        return description.status.name === 'RUNNING' ? undefined : description;
      }, `${workflowId} to close`),
    fresh(name, scopeOptions = {}) {
      const cluster = new StubCluster();
      const taskQueue = `workflows-${name}`;
      const service = new ReindexService({
        temporal: client,
        taskQueue,
        statusRetentionMs: DAY_MS,
        maxIndicesPerRun: scopeOptions.maxIndicesPerRun,
        now: () => env.currentTimeMs(),
      });
      const scope: TestScope = {
        cluster,
        taskQueue,
        service,
        async seed(dataStream, backingIndices) {
          const seeded = await controls.seedDataStream({ name: dataStream, backingIndices });
          const old = seeded.backingIndices.filter(
            (_, i) => (backingIndices[i].versionCreated ?? 0) < 8_000_000,
          );
          cluster.setDataStream(dataStream, seeded.backingIndices, old);
          return seeded.backingIndices;
        },
        async withWorker(overrides, body) {
          const worker = await Worker.create({
            connection: env.nativeConnection,
            namespace: env.namespace ?? 'default',
            taskQueue,
            workflowBundle,
            activities: createStubActivities(cluster, overrides),
          });
          return worker.runUntil(body);
        },
        startWorkflow(dataStream, input = {}) {
          return client.workflow.start(reindexDataStream, {
            workflowId: dataStreamWorkflowId(dataStream),
            taskQueue,
            args: [
              {
                dataStream,
                statusRetentionMs: DAY_MS,
                ...(scopeOptions.maxIndicesPerRun ? { maxIndicesPerRun: scopeOptions.maxIndicesPerRun } : {}),
                ...input,
              },
            ],
          });
        },
      };
      return scope;
    },
    async close() {
      await es.close();
      await sandbox?.close();
      await env.teardown();
    },
  };
}
