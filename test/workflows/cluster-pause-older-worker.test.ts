import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { bundleWorkflows, createTestEnvironment } from '../support/temporal-env';
import { ClusterUpgradeService } from '../../src/client/service/cluster-upgrade-service';
import { ReindexService } from '../../src/client/service/reindex-service';
import { CLUSTER_UPGRADE_WORKFLOW_ID, clusterStatusQuery } from '../../src/workflows';

const FIXTURE = require.resolve('../fixtures/workflows/cluster-signal-pause-only');
const TASK_QUEUE = 'cluster-pause-older-worker';

// A cluster run on a worker from before pause and resume were updates (a stand-in with only the signals):
// the service still pauses and resumes it, and answers with the resulting state. Real dev server.
describe('pausing a cluster run whose worker predates the updates', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await createTestEnvironment({ timeSkipping: false });
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('falls back to the signals and answers with the pause as the run then has it', async () => {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: await bundleWorkflows(FIXTURE),
    });
    await worker.runUntil(async () => {
      const run = await env.client.workflow.start('reindexCluster', {
        workflowId: CLUSTER_UPGRADE_WORKFLOW_ID,
        taskQueue: TASK_QUEUE,
        args: [{ pattern: 'older-*' }],
      });
      const service = new ClusterUpgradeService(
        new ReindexService({ temporal: env.client, taskQueue: TASK_QUEUE }),
      );

      const paused = await service.pause(true);
      const applied = (await run.query(clusterStatusQuery)).paused;
      expect(applied).toMatchObject({ now: true });
      expect(paused).toEqual({
        acknowledged: true,
        paused: true,
        now: true,
        since_millis: applied?.since_millis,
      });
      expect(await service.resume()).toEqual({ acknowledged: true, paused: false });
      expect((await run.query(clusterStatusQuery)).paused).toBeNull();
      await run.cancel();
    });
  });
});
