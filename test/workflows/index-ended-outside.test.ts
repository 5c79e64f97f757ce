import {
  CHILD_EXECUTION_TIMEOUT_MS,
  TIMED_OUT_CHILD_ID,
} from '../fixtures/workflows/child-timeout-interceptor';
import { createWorkflowRig, type TestScope, type WorkflowRig } from './workflow-rig';
import { eventually } from '../support';
import { backingIndexWorkflowId, dataStreamWorkflowId, destinationIndexName } from '../../src/shared/names';
import { statusQuery } from '../../src/workflows';

// A backing index's workflow that someone else cancels, terminates, or that times out, while its data
// stream's upgrade goes on: the index is an error that says so, never a success. Stub activities; an
// interceptor gives one child a short execution timeout.

/**
 * Three old indices and a current write index; every copy is held except those of the later two, so
 * the first is still copying when the test acts on it. Records which indices were rolled back.
 */
function threeOldIndices(t: TestScope, ds: string): { names: string[]; rolledBack: string[] } {
  const names = t.cluster.addDataStream(ds, 3, 1);
  t.cluster.holdCopies = true;
  t.cluster.release(names[1]);
  t.cluster.release(names[2]);
  return { names, rolledBack: [] };
}

const copying = (t: TestScope, index: string): Promise<true> =>
  eventually(() => t.cluster.copying.has(index), `${index} to be copying`);

describe('a backing index whose workflow ends from outside the upgrade (time-skipping server)', () => {
  let rig: WorkflowRig;

  beforeAll(async () => {
    rig = await createWorkflowRig({
      workflowInterceptorModules: [require.resolve('../fixtures/workflows/child-timeout-interceptor')],
    });
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('reports a child cancelled from outside as an error, rolled back, and upgrades the others', async () => {
    const t = rig.fresh('outside-cancel');
    const ds = 'outside-cancel-ds';
    const { names, rolledBack } = threeOldIndices(t, ds);
    const handle = await t.startWorkflow(ds);
    await t.withWorker(
      {
        rollBackIndexUpgrade: ({ sourceIndex }) => {
          rolledBack.push(sourceIndex);
          return Promise.resolve('restored-source');
        },
      },
      async () => {
        await copying(t, names[0]);
        await rig.client.workflow.getHandle(backingIndexWorkflowId(ds, names[0])).cancel();
        await rig.closed(handle.workflowId);
      },
    );
    expect(await t.service.status(ds)).toMatchObject({
      complete: true,
      total_indices_requiring_upgrade: 3,
      successes: 2,
      pending: 0,
      errors: [
        {
          index: names[0],
          message:
            `the workflow of [${names[0]}] was cancelled from outside this upgrade; the index was rolled ` +
            'back and keeps its old version',
        },
      ],
    });
    expect(rolledBack).toEqual([names[0]]);
    expect(t.cluster.oldIndices.has(names[0])).toBe(true);
    expect((await rig.client.workflow.getHandle(handle.workflowId).describe()).status.name).toBe('COMPLETED');
  });

  it('reports a child that timed out as an error that says what may be left', async () => {
    const t = rig.fresh('outside-timeout');
    const ds = 'timed-out-ds';
    const { names } = threeOldIndices(t, ds);
    expect(backingIndexWorkflowId(ds, names[0])).toBe(TIMED_OUT_CHILD_ID);
    const handle = await t.startWorkflow(ds);
    // Its copy is held for good: the child's execution timeout ends it.
    await t.withWorker({}, () => rig.closed(handle.workflowId));
    const child = await rig.client.workflow.getHandle(TIMED_OUT_CHILD_ID).describe();
    expect(child.status.name).toBe('TIMED_OUT');
    expect((child.closeTime?.getTime() ?? 0) - child.startTime.getTime()).toBeGreaterThanOrEqual(
      CHILD_EXECUTION_TIMEOUT_MS,
    );
    expect(await t.service.status(ds)).toMatchObject({
      complete: true,
      successes: 2,
      errors: [
        {
          index: names[0],
          message:
            `the workflow of [${names[0]}] timed out, so it could not roll back: [${names[0]}] may still ` +
            `be write-blocked and a partial copy [${destinationIndexName(names[0])}] may be left behind; ` +
            'check both before starting the upgrade again',
        },
      ],
    });
  });

  it('counts an index rolled back by a cancel of the whole upgrade as pending, not as a success', async () => {
    const t = rig.fresh('upgrade-cancel');
    const ds = 'upgrade-cancel-ds';
    const names = t.cluster.addDataStream(ds, 3, 1);
    t.cluster.holdCopies = true;
    t.cluster.release(names[0]);
    const handle = await t.startWorkflow(ds);
    // What the cluster run's watch reads from the closed run (a worker answers it from its history).
    const final = await t.withWorker({}, async () => {
      await copying(t, names[1]);
      await handle.cancel();
      await rig.closed(handle.workflowId);
      return rig.client.workflow.getHandle(dataStreamWorkflowId(ds)).query(statusQuery);
    });
    // One upgraded, two not: the one rolled back is pending again, not a success.
    expect(final).toMatchObject({
      total_indices_requiring_upgrade: 3,
      successes: 1,
      in_progress: [],
      pending: 2,
      errors: [],
    });
  });
});

// The time-skipping test server never tells a parent that its child was terminated (temporalio/sdk-java
// pull request 2921), so the parent would wait forever: this case runs on a real dev server.
describe('a backing index whose workflow is terminated from outside the upgrade (dev server)', () => {
  let devRig: WorkflowRig;

  beforeAll(async () => {
    devRig = await createWorkflowRig({ timeSkipping: false });
  });

  afterAll(async () => {
    await devRig?.close();
  });

  it('reports a child terminated from outside as an error that says what may be left', async () => {
    const t = devRig.fresh('outside-terminate');
    const ds = 'outside-terminate-ds';
    const { names, rolledBack } = threeOldIndices(t, ds);
    const handle = await t.startWorkflow(ds);
    await t.withWorker(
      {
        rollBackIndexUpgrade: ({ sourceIndex }) => {
          rolledBack.push(sourceIndex);
          return Promise.resolve('restored-source');
        },
      },
      async () => {
        await copying(t, names[0]);
        await devRig.client.workflow.getHandle(backingIndexWorkflowId(ds, names[0])).terminate('by hand');
        await devRig.closed(handle.workflowId);
      },
    );
    expect(await t.service.status(ds)).toMatchObject({
      complete: true,
      successes: 2,
      errors: [
        {
          index: names[0],
          message:
            `the workflow of [${names[0]}] was terminated from outside this upgrade, so it could not roll ` +
            `back: [${names[0]}] may still be write-blocked and a partial copy ` +
            `[${destinationIndexName(names[0])}] may be left behind; check both before starting the ` +
            'upgrade again',
        },
      ],
    });
    // Terminated, it could not roll back; nothing else did either.
    expect(rolledBack).toEqual([]);
  });
});
