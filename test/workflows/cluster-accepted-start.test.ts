import { createClusterActivities, type PreparedDataStream } from '../../src/activities/cluster-activities';
import { dataStreamWorkflowId } from '../../src/shared/names';
import { reindexCluster } from '../../src/workflows';
import { eventually, TEST_WORKER_CONFIG } from '../support';
import { createStubActivities } from './stub-activities';
import { createWorkflowRig, type WorkflowRig } from './workflow-rig';

// The data-stream upgrades a cluster run starts answer their very first `_status` with Elasticsearch's
// totals, as those started through the API do. Real cluster and data-stream workflows, stub activities,
// time-skipping test server; the data stream's own plan is held, so the status read is the one the
// upgrade has before it has counted anything itself.
describe('a data stream started by the cluster run', () => {
  let rig: WorkflowRig;

  beforeAll(async () => {
    rig = await createWorkflowRig();
  });

  afterAll(async () => {
    await rig?.close();
  });

  it("answers its first status with the totals the cluster run's preparation counted", async () => {
    const t = rig.fresh('cluster-accepted');
    const ds = 'accepted-ds';
    // Three backing indices, the two oldest to reindex; the write index is current.
    t.cluster.addDataStream(ds, 2, 1);
    let releasePlan = (): void => undefined;
    const planHeld = new Promise<void>((resolve) => {
      releasePlan = resolve;
    });
    const stubs = createStubActivities(t.cluster);
    const watch = createClusterActivities({ es: rig.es, temporal: rig.client, worker: TEST_WORKER_CONFIG });
    const prepared: PreparedDataStream = {
      next: 'start',
      indicesToReindex: 2,
      documentsToReindex: 20,
      bytesToReindex: 200,
      indicesMarkedReadOnly: 0,
      indicesAlreadyReadOnly: 0,
      rolledOver: false,
      totalIndicesInDataStream: 3,
      totalIndicesRequiringUpgrade: 2,
    };

    await t.withWorker(
      {
        prepareDataStreamUpgrade: () => Promise.resolve(prepared),
        awaitDataStreamUpgrade: (input) => watch.awaitDataStreamUpgrade(input),
        async planUpgrade(dataStream) {
          await planHeld;
          return stubs.planUpgrade(dataStream);
        },
      },
      async () => {
        const clusterStart = await rig.env.currentTimeMs();
        const cluster = await rig.client.workflow.start(reindexCluster, {
          workflowId: 'cluster-accepted-run',
          taskQueue: t.taskQueue,
          args: [
            {
              dataStreams: [ds],
              pattern: ds,
              maxDataStreams: 1,
              readOnly: { kind: 'none' },
              dataStreamRun: { statusRetentionMs: 60_000, maxIndicesPerRun: 500 },
              watchPollIntervalMs: 100,
            },
          ],
        });
        const first = await eventually(() => t.service.status(ds), `the upgrade of ${ds} to start`);
        expect(first).toEqual({
          start_time_millis: first.start_time_millis,
          complete: false,
          total_indices_in_data_stream: 3,
          total_indices_requiring_upgrade: 2,
          successes: 0,
          in_progress: [],
          pending: 2,
          errors: [],
        });
        // The workflow clock's time when the cluster run started it.
        expect(first.start_time_millis).toBeGreaterThanOrEqual(clusterStart);
        const started = await rig.client.workflow.getHandle(dataStreamWorkflowId(ds)).describe();
        expect(first.start_time_millis).toBeLessThanOrEqual(started.startTime.getTime());

        releasePlan();
        const final = await cluster.result();
        expect(final.finished).toEqual([
          expect.objectContaining({ data_stream: ds, outcome: 'upgraded', indices_reindexed: 2 }),
        ]);
        // Its own plan then counted the same totals, and the start time stayed.
        expect(await t.service.status(ds)).toMatchObject({
          start_time_millis: first.start_time_millis,
          complete: true,
          total_indices_in_data_stream: 3,
          total_indices_requiring_upgrade: 2,
          successes: 2,
        });
      },
    );
  });
});
