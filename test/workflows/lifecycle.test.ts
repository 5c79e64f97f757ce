import type { WorkflowExecutionDescription } from '@temporalio/client';
import { createWorkflowRig, CURRENT_INDEX_VERSION, type WorkflowRig } from './workflow-rig';
import { apiError, eventually } from '../support';
import { REINDEX_STATE_SEARCH_ATTRIBUTE } from '../../src/shared/search-attributes';
import { dataStreamWorkflowId } from '../../src/shared/names';
import { STATUS_DISMISSED_WORKFLOW_TYPE } from '../../src/client/service/reindex-service';

// The life of one upgrade as the API sees it, on the time-skipping test server: the first status, the
// close when finished, the status kept for 24 hours of (skipped) time, cancel before and after the end,
// and a new start replacing a finished run. Activities are stubs; the service plans with the sandbox.
const HOUR_MS = 60 * 60 * 1000;

describe('the lifecycle of an upgrade', () => {
  let rig: WorkflowRig;

  beforeAll(async () => {
    rig = await createWorkflowRig();
  });

  afterAll(async () => {
    await rig?.close();
  });

  const describeRun = (dataStream: string): Promise<WorkflowExecutionDescription> =>
    rig.client.workflow.getHandle(dataStreamWorkflowId(dataStream)).describe();

  const closed = (dataStream: string): Promise<WorkflowExecutionDescription> =>
    rig.closed(dataStreamWorkflowId(dataStream));

  it("answers Elasticsearch's first status before the workflow has run, then the same once it has", async () => {
    const t = rig.fresh('first-status');
    const ds = 'first-status-ds';
    await t.seed(ds, [{ docCount: 10, versionCreated: CURRENT_INDEX_VERSION }]);
    const before = await rig.env.currentTimeMs();
    await t.service.start(rig.es, ds);

    // No worker yet: the workflow has not run a single task, so it cannot answer a query.
    const first = await t.service.status(ds);
    expect(first).toEqual({
      start_time_millis: first.start_time_millis,
      complete: false,
      total_indices_in_data_stream: 1,
      total_indices_requiring_upgrade: 0,
      successes: 0,
      in_progress: [],
      pending: 0,
      errors: [],
    });
    expect(first.start_time_millis).toBeGreaterThanOrEqual(before);

    await t.withWorker({}, async () => {
      await closed(ds);
    });
    expect(await t.service.status(ds)).toEqual({ ...first, complete: true });
  });

  it('counts the indices to upgrade from the start, all pending until the workflow plans', async () => {
    const t = rig.fresh('counted');
    const ds = 'counted-ds';
    await t.seed(ds, [
      { docCount: 10 },
      { docCount: 10 },
      { docCount: 10, versionCreated: CURRENT_INDEX_VERSION },
    ]);
    await t.service.start(rig.es, ds);
    const first = await t.service.status(ds);
    expect(first).toMatchObject({
      complete: false,
      total_indices_in_data_stream: 3,
      total_indices_requiring_upgrade: 2,
      successes: 0,
      pending: 2,
    });
    t.cluster.holdCopies = true;
    await t.withWorker({}, async () => {
      const planned = await eventually(async () => {
        const status = await t.service.status(ds);
        return status.in_progress.length === 1 ? status : undefined;
      }, 'the first copy');
      expect(planned).toMatchObject({ start_time_millis: first.start_time_millis, successes: 0, pending: 1 });
      t.cluster.releaseAll();
      await closed(ds);
    });
    expect(await t.service.status(ds)).toMatchObject({ complete: true, successes: 2, pending: 0 });
  });

  it('closes a finished upgrade at once, keeps its status 24 hours, then answers 404', async () => {
    const t = rig.fresh('retention');
    const ds = 'retention-ds';
    await t.seed(ds, [{ docCount: 10 }, { docCount: 10 }]);
    await t.service.start(rig.es, ds);
    const description = await t.withWorker({}, () => closed(ds));
    expect(description.status.name).toBe('COMPLETED');
    expect(description.typedSearchAttributes.get(REINDEX_STATE_SEARCH_ATTRIBUTE)).toBe('completed');

    const final = await t.service.status(ds);
    expect(final).toMatchObject({
      complete: true,
      total_indices_requiring_upgrade: 2,
      successes: 2,
      errors: [],
    });
    // No worker runs now: the status comes from the closed execution, not from a query.
    await rig.env.sleep(23 * HOUR_MS);
    expect(await t.service.status(ds)).toEqual(final);
    await rig.env.sleep(HOUR_MS + 1000);
    const gone = await apiError(t.service.status(ds));
    expect(gone.toBody()).toEqual({
      error: {
        root_cause: [
          { type: 'resource_not_found_exception', reason: `No migration reindex status found for [${ds}]` },
        ],
        type: 'resource_not_found_exception',
        reason: `No migration reindex status found for [${ds}]`,
      },
      status: 404,
    });
    expect((await apiError(t.service.cancel(ds))).status).toBe(404);
    // An expired status does not block a new start. (Each test lets its runs close: the test server
    // skips no time while a workflow task waits for a worker.)
    await expect(t.service.start(rig.es, ds)).resolves.toEqual({ acknowledged: true });
    await t.withWorker({}, () => closed(ds));
  });

  it('dismisses a finished status on cancel, keeps the run Completed, and allows a new start', async () => {
    const t = rig.fresh('dismiss');
    const ds = 'dismiss-ds';
    await t.seed(ds, [{ docCount: 10 }]);
    await t.service.start(rig.es, ds);
    const finished = await t.withWorker({}, () => closed(ds));
    await rig.env.sleep(HOUR_MS);
    expect(await t.service.status(ds)).toMatchObject({ complete: true, successes: 1 });

    await expect(t.service.cancel(ds)).resolves.toEqual({ acknowledged: true });
    expect((await apiError(t.service.status(ds))).status).toBe(404);
    expect((await apiError(t.service.cancel(ds))).reason).toBe(
      `the task with id ${dataStreamWorkflowId(ds)} doesn't exist`,
    );
    // The upgrade itself is still shown as it ended, not relabelled as cancelled.
    const run = await rig.client.workflow.getHandle(finished.workflowId, finished.runId).describe();
    expect(run.status.name).toBe('COMPLETED');
    expect(run.typedSearchAttributes.get(REINDEX_STATE_SEARCH_ATTRIBUTE)).toBe('completed');
    const dismissal = await describeRun(ds);
    expect(dismissal.type).toBe(STATUS_DISMISSED_WORKFLOW_TYPE);
    expect(dismissal.status.name).toBe('TERMINATED');

    // Nothing is left to upgrade: the new run finds the index upgraded and completes at once.
    await t.service.start(rig.es, ds);
    await t.withWorker({}, () => closed(ds));
    expect(await t.service.status(ds)).toMatchObject({ complete: true, total_indices_requiring_upgrade: 0 });
  });

  it('refuses a second start while running, cancels a running upgrade (cancelled, rolled back), then starts again', async () => {
    const t = rig.fresh('cancel');
    const ds = 'cancel-ds';
    const [first, second] = await t.seed(ds, [{ docCount: 10 }, { docCount: 10 }]);
    const rolledBack: string[] = [];
    const prepared: string[] = [];
    t.cluster.holdCopies = true;
    await t.service.start(rig.es, ds);
    await t.withWorker(
      {
        createDestination: ({ sourceIndex }) => {
          prepared.push(sourceIndex);
          return Promise.resolve();
        },
        rollBackIndexUpgrade: ({ sourceIndex }) => {
          rolledBack.push(sourceIndex);
          return Promise.resolve('restored-source');
        },
      },
      async () => {
        await eventually(() => (t.cluster.copying.size === 1 ? true : undefined), 'the first copy');
        // The second (the old write index, rolled over) is prepared while the first copies.
        await eventually(() => (prepared.length === 2 ? true : undefined), 'the second prepared');
        expect(t.cluster.copiesStarted).toEqual([first]);
        const refused = await apiError(t.service.start(rig.es, ds));
        expect(refused.reason).toBe(`Reindex task for data stream [${ds}] already exists`);
        await expect(t.service.cancel(ds)).resolves.toEqual({ acknowledged: true });
      },
    );
    // Mid-overlap: the copying index and the one prepared ahead are both rolled back.
    expect([...rolledBack].sort()).toEqual([first, second].sort());
    const cancelled = await describeRun(ds);
    expect(cancelled.status.name).toBe('CANCELLED');
    expect(cancelled.typedSearchAttributes.get(REINDEX_STATE_SEARCH_ATTRIBUTE)).toBe('cancelled');
    expect((await apiError(t.service.status(ds))).status).toBe(404);

    t.cluster.releaseAll();
    await t.service.start(rig.es, ds);
    await t.withWorker({}, () => closed(ds));
    expect(await t.service.status(ds)).toMatchObject({ complete: true, successes: 2, errors: [] });
  });

  it('replaces a finished run with a new start, without an "already exists" error', async () => {
    const t = rig.fresh('replace');
    const ds = 'replace-ds';
    await t.seed(ds, [{ docCount: 10 }]);
    await t.service.start(rig.es, ds);
    const first = await t.withWorker({}, () => closed(ds));
    const firstStatus = await t.service.status(ds);
    await rig.env.sleep(1000);

    await expect(t.service.start(rig.es, ds)).resolves.toEqual({ acknowledged: true });
    const second = await t.withWorker({}, () => closed(ds));
    expect(second.runId).not.toBe(first.runId);
    const secondStatus = await t.service.status(ds);
    expect(secondStatus.start_time_millis).toBeGreaterThan(firstStatus.start_time_millis);
  });
});
