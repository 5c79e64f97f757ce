import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createClusterRig, prepared, type ClusterRig } from './cluster-rig';
import { reindexDataStream as fakeDataStreamUpgrade } from '../fixtures/workflows/cluster-with-fake-data-streams';
import { dataStreamWorkflowId } from '../../src/shared/names';
import { clusterStatusQuery } from '../../src/workflows';
import { CLUSTER_TUNABLES as C } from '../../src/workflows/tunables';

// What the cluster run reports when a data stream's upgrade ends in a way the run did not ask for, and
// when its maintenance window cannot be read. The data-stream workflow is a stand-in, the preparation and
// window steps are stubbed, the watch is real. On the dev server, not the time-skipping one: nothing here
// waits long (the window's retries add about 15 s), and under load the time-skipping server once dropped
// the client's connection ("excess pings") and never let the worker shut down.
describe('the cluster workflow, when something outside it ends an upgrade or its window cannot be read', () => {
  let rig: ClusterRig;

  beforeAll(async () => {
    rig = await createClusterRig({ taskQueue: 'cluster-outside', timeSkipping: false });
  });

  afterAll(async () => {
    await rig?.close();
  });

  const upgradeOf = (dataStream: string) =>
    rig.env.client.workflow.getHandle(dataStreamWorkflowId(dataStream));

  it('reports an upgrade cancelled from outside as cancelled, with why, never as a success', async () => {
    const handle = await rig.start('out-cancel', ['out-cancel-a', 'out-cancel-b']);
    await rig.upgrading('out-cancel', ['out-cancel-a', 'out-cancel-b']);
    await upgradeOf('out-cancel-a').cancel();
    await rig.finishUpgrade('out-cancel-b');
    const final = await handle.result();
    expect(final.state).toBe('completed_with_errors');
    expect(final.finished.find((entry) => entry.data_stream === 'out-cancel-a')).toMatchObject({
      outcome: 'cancelled',
      exception:
        'its upgrade was cancelled from outside this cluster run; the backing indices it was upgrading ' +
        'were rolled back and keep their old version',
    });
    expect(final.finished.find((entry) => entry.data_stream === 'out-cancel-b')?.outcome).toBe('upgraded');
  });

  it('reports an upgrade terminated from outside as failed, saying what may be left', async () => {
    const handle = await rig.start('out-term', ['out-term-a']);
    await rig.upgrading('out-term', ['out-term-a']);
    await upgradeOf('out-term-a').terminate('by hand');
    const final = await handle.result();
    expect(final.state).toBe('completed_with_errors');
    expect(final.finished).toEqual([
      expect.objectContaining({
        data_stream: 'out-term-a',
        outcome: 'failed',
        exception:
          'its upgrade was terminated from outside this cluster run, so the backing indices it was ' +
          'upgrading could not roll back: they may still be write-blocked, with partial copies left ' +
          "behind (see the data stream's status)",
      }),
    ]);
  });

  it('reports an upgrade that timed out as failed, saying what may be left', async () => {
    rig.preparations.set('out-timeout-a', prepared({ next: 'adopt' }));
    // Found running by the run (so watched, not started by it), with an execution timeout of its own.
    await rig.env.client.workflow.start(fakeDataStreamUpgrade, {
      workflowId: dataStreamWorkflowId('out-timeout-a'),
      taskQueue: 'cluster-outside',
      args: [{ dataStream: 'out-timeout-a' }],
      workflowExecutionTimeout: '2s',
    });
    const handle = await rig.start('out-timeout', ['out-timeout-a']);
    const final = await handle.result();
    expect((await upgradeOf('out-timeout-a').describe()).status.name).toBe('TIMED_OUT');
    expect(final.state).toBe('completed_with_errors');
    expect(final.finished).toEqual([
      expect.objectContaining({
        data_stream: 'out-timeout-a',
        outcome: 'failed',
        adopted: true,
        exception:
          'its upgrade timed out, so the backing indices it was upgrading could not roll back: they may ' +
          "still be write-blocked, with partial copies left behind (see the data stream's status)",
      }),
    ]);
  });

  it('fails the run with a clear error when its window cannot be read, after a few tries, never waiting', async () => {
    const before = rig.windowReads();
    rig.windowAnswers.push(
      ...Array.from(
        { length: C.WINDOW_READ_MAXIMUM_ATTEMPTS },
        () => new RangeError('Invalid time zone specified: Mars/Olympus'),
      ),
    );
    const handle = await rig.start('win-broken', ['win-broken-a'], {
      window: { startMinute: 60, endMinute: 300, timeZone: 'Europe/Berlin' },
    });
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    const message =
      'the maintenance window (01:00-05:00 Europe/Berlin) could not be read after 5 attempts: Invalid time ' +
      'zone specified: Mars/Olympus. No data stream starts without it; upgrades this run started are left ' +
      'as they are (see their status, and resume one it paused with `ds-reindex resume <data stream>`)';
    expect(cause?.message).toBe(message);
    expect(rig.windowReads() - before).toBe(C.WINDOW_READ_MAXIMUM_ATTEMPTS);
    const status = await handle.query(clusterStatusQuery);
    expect(status).toMatchObject({
      state: 'failed',
      complete: true,
      exception: message,
      pending: ['win-broken-a'],
      running: [],
      window: null,
    });
    await expect(upgradeOf('win-broken-a').describe()).rejects.toThrow();
  });

  it('goes on when a failed window read succeeds on a retry', async () => {
    rig.windowAnswers.push(new Error('worker lost its time-zone data for a moment'));
    const handle = await rig.start('win-retry', ['win-retry-a'], {
      window: { startMinute: 60, endMinute: 300, timeZone: 'Europe/Berlin' },
    });
    await rig.upgrading('win-retry', ['win-retry-a']);
    await rig.finishUpgrade('win-retry-a');
    const final = await handle.result();
    expect(final).toMatchObject({ state: 'completed', window: { open: true } });
    expect(final.finished.map((entry) => entry.outcome)).toEqual(['upgraded']);
  });
});
