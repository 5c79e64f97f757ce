import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { bundleWorkflows, createTestEnvironment } from '../support/temporal-env';
import { eventually, TEST_WORKER_CONFIG } from '../support/upgrade-harness';
import {
  finishFakeUpgradeSignal,
  reindexCluster,
} from '../fixtures/workflows/cluster-with-fake-data-streams';
import { createClusterActivities, type PreparedDataStream } from '../../src/activities/cluster-activities';
import type { WindowState } from '../../src/shared/maintenance-window';
import { dataStreamWorkflowId } from '../../src/shared/names';
import { clusterStatusQuery, type ClusterUpgradeStatus, type ReindexClusterInput } from '../../src/workflows';

const FIXTURE = require.resolve('../fixtures/workflows/cluster-with-fake-data-streams');

/** A preparation that starts an upgrade of two indices; `overrides` change it. */
export const prepared = (overrides: Partial<PreparedDataStream> = {}): PreparedDataStream => ({
  next: 'start',
  indicesToReindex: 2,
  documentsToReindex: 100,
  bytesToReindex: 1000,
  indicesMarkedReadOnly: 0,
  indicesAlreadyReadOnly: 0,
  rolledOver: false,
  totalIndicesInDataStream: 3,
  totalIndicesRequiringUpgrade: 2,
  ...overrides,
});

/** One read of the maintenance window: open or not and the next change this many ms from now, or a failure. */
export type WindowAnswer = { open: boolean; changeInMs: number } | Error;

/**
 * The cluster workflow's own logic, with the data-stream workflow replaced by a stand-in the test ends by
 * signal, and the preparation and window steps stubbed; the watch activity is the real one.
 */
export interface ClusterRig {
  env: TestWorkflowEnvironment;
  /** What the stubbed preparation answers per data stream; `start` when absent. */
  preparations: Map<string, PreparedDataStream | Error>;
  /** What the stubbed window reads answer, in turn; open for an hour once they run out. */
  windowAnswers: WindowAnswer[];
  /** How many times the window was read. */
  windowReads(): number;
  start(
    id: string,
    dataStreams: string[],
    overrides?: Partial<ReindexClusterInput>,
  ): Promise<WorkflowHandleWithFirstExecutionRunId<typeof reindexCluster>>;
  /** Ends the stand-in upgrade of `dataStream` (once it exists), with this many failed indices. */
  finishUpgrade(dataStream: string, failedIndices?: number): Promise<true>;
  /** Waits until every one of `dataStreams` is being watched by the run; returns that status. */
  upgrading(clusterId: string, dataStreams: string[]): Promise<ClusterUpgradeStatus>;
  close(): Promise<void>;
}

export async function createClusterRig(options: {
  taskQueue: string;
  timeSkipping: boolean;
}): Promise<ClusterRig> {
  const { taskQueue } = options;
  const env = await createTestEnvironment({ timeSkipping: options.timeSkipping });
  const preparations = new Map<string, PreparedDataStream | Error>();
  const windowAnswers: WindowAnswer[] = [];
  let windowReads = 0;
  const real = createClusterActivities({
    // The watch uses only Temporal; nothing here may reach Elasticsearch.
    es: new ElasticsearchClient({ node: 'http://127.0.0.1:1' }),
    temporal: env.client,
    worker: TEST_WORKER_CONFIG,
  });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflows(FIXTURE),
    activities: {
      prepareDataStreamUpgrade({ dataStream }: { dataStream: string }): Promise<PreparedDataStream> {
        const answer = preparations.get(dataStream) ?? prepared();
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
      },
      awaitDataStreamUpgrade: (input: { dataStream: string; pollIntervalMs: number }) =>
        real.awaitDataStreamUpgrade(input),
      maintenanceWindowState(): Promise<WindowState> {
        windowReads += 1;
        const answer = windowAnswers.shift() ?? { open: true, changeInMs: 3_600_000 };
        if (answer instanceof Error) return Promise.reject(answer);
        return Promise.resolve({ open: answer.open, nextChangeMillis: Date.now() + answer.changeInMs });
      },
    },
  });
  const workerRun = worker.run();

  return {
    env,
    preparations,
    windowAnswers,
    windowReads: () => windowReads,
    start: (id, dataStreams, overrides = {}) =>
      env.client.workflow.start(reindexCluster, {
        workflowId: id,
        taskQueue,
        args: [
          {
            dataStreams,
            pattern: `${id}-*`,
            maxDataStreams: 2,
            readOnly: { kind: 'none' },
            dataStreamRun: { statusRetentionMs: 60_000, maxIndicesPerRun: 500 },
            watchPollIntervalMs: 100,
            ...overrides,
          },
        ],
      }),
    finishUpgrade: (dataStream, failedIndices = 0) =>
      eventually(
        () =>
          env.client.workflow
            .getHandle(dataStreamWorkflowId(dataStream))
            .signal(finishFakeUpgradeSignal, { failedIndices })
            .then(() => true as const),
        `the upgrade of ${dataStream} to start`,
      ),
    upgrading: (clusterId, dataStreams) =>
      eventually(
        async () => {
          const status = await env.client.workflow.getHandle(clusterId).query(clusterStatusQuery);
          const names = status.running
            .filter((entry) => entry.step === 'upgrading')
            .map((entry) => entry.data_stream);
          return dataStreams.every((name) => names.includes(name)) ? status : undefined;
        },
        `${dataStreams.join(', ')} upgrading`,
      ),
    async close() {
      worker.shutdown();
      await workerRun;
      await env.teardown();
    },
  };
}
