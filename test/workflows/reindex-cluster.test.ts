import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createClusterRig, prepared, type ClusterRig } from './cluster-rig';
import { eventually } from '../support/upgrade-harness';
import {
  finishFakeUpgradeSignal,
  reindexDataStream as fakeDataStreamUpgrade,
} from '../fixtures/workflows/cluster-with-fake-data-streams';
import {
  clusterStatusQuery,
  finishedPageWorkflowId,
  pauseClusterUpdate,
  type ReindexClusterInput,
  type reindexCluster,
  resumeClusterUpdate,
  upgradePauseQuery,
} from '../../src/workflows';
import { dataStreamWorkflowId } from '../../src/shared/names';
import { ReindexService } from '../../src/client/service/reindex-service';
import { FinishedPagesReader } from '../../src/client/service/finished-pages-reader';
import { buildClusterReport } from '../../src/client/service/cluster-report';
import { readOnlyView } from '../../src/client/service/cluster-plan';

// The cluster workflow's own logic, with the data-stream workflow replaced by a stand-in the test ends
// by signal, and the preparation step stubbed; the watch activity is the real one. Real dev server.
const TASK_QUEUE = 'cluster-logic';

describe('the cluster workflow', () => {
  let rig: ClusterRig;

  beforeAll(async () => {
    rig = await createClusterRig({ taskQueue: TASK_QUEUE, timeSkipping: false });
  });

  afterAll(async () => {
    await rig?.close();
  });

  const startCluster: ClusterRig['start'] = (...args) => rig.start(...args);
  const finishUpgrade: ClusterRig['finishUpgrade'] = (...args) => rig.finishUpgrade(...args);
  const upgrading: ClusterRig['upgrading'] = (...args) => rig.upgrading(...args);

  /** The run ids of a chain, oldest first (the id's earlier chains left out). */
  const runIdsOf = async (workflowId: string, firstRunId: string): Promise<string[]> => {
    const first = await rig.env.client.workflow.getHandle(workflowId, firstRunId).describe();
    const runs: { started: number; runId: string }[] = [];
    for await (const run of rig.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      if (run.startTime >= first.startTime) runs.push({ started: run.startTime.getTime(), runId: run.runId });
    }
    return runs.sort((a, b) => a.started - b.started).map((run) => run.runId);
  };

  /** The input each run of a chain was started with, oldest first. */
  const runsOf = async (workflowId: string, firstRunId: string): Promise<ReindexClusterInput[]> => {
    const { payloadConverter } = rig.env.client.options.loadedDataConverter;
    const inputs: ReindexClusterInput[] = [];
    for (const runId of await runIdsOf(workflowId, firstRunId)) {
      const history = await rig.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
      const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      inputs.push(payloadConverter.fromPayload<ReindexClusterInput>(payload ?? {}));
    }
    return inputs;
  };

  const exists = (dataStream: string) =>
    rig.env.client.workflow
      .getHandle(dataStreamWorkflowId(dataStream))
      .describe()
      .then(
        () => true,
        () => false,
      );

  it('runs at most N data streams at once, in order, and records each outcome', async () => {
    rig.preparations.set('cap-d', prepared({ next: 'done', indicesToReindex: 0, indicesMarkedReadOnly: 2 }));
    const handle = await startCluster('cap', ['cap-a', 'cap-b', 'cap-c', 'cap-d']);
    const first = await upgrading('cap', ['cap-a', 'cap-b']);
    expect(first.running).toHaveLength(2);
    expect(first.pending).toEqual(['cap-c', 'cap-d']);
    expect(await exists('cap-c')).toBe(false);

    await finishUpgrade('cap-a');
    const second = await upgrading('cap', ['cap-b', 'cap-c']);
    expect(second.running.map((entry) => entry.data_stream).sort()).toEqual(['cap-b', 'cap-c']);
    await finishUpgrade('cap-b', 1);
    await finishUpgrade('cap-c');

    const final = await handle.result();
    expect(final.state).toBe('completed_with_errors');
    const byName = new Map(final.finished.map((entry) => [entry.data_stream, entry]));
    expect(Object.fromEntries([...byName].map(([name, entry]) => [name, entry.outcome]))).toEqual({
      'cap-a': 'upgraded',
      'cap-b': 'upgraded_with_errors',
      'cap-c': 'upgraded',
      'cap-d': 'read_only',
    });
    expect(byName.get('cap-b')).toMatchObject({
      indices_reindexed: 1,
      indices_failed: 1,
      documents: 100,
      errors: [{ index: '.ds-cap-b-000001', message: 'copy failed' }],
    });
    // Nothing to reindex: its data-stream upgrade was never started.
    expect(await exists('cap-d')).toBe(false);
  });

  it('records a data stream that cannot be prepared as failed and goes on with the others', async () => {
    rig.preparations.set(
      'fail-gone',
      ApplicationFailure.nonRetryable('Data stream named [fail-gone] does not exist', 'DataStreamMissing'),
    );
    const handle = await startCluster('fail', ['fail-gone', 'fail-ok'], { maxDataStreams: 1 });
    await finishUpgrade('fail-ok');
    const final = await handle.result();
    expect(final.state).toBe('completed_with_errors');
    expect(final.finished).toEqual([
      expect.objectContaining({
        data_stream: 'fail-gone',
        outcome: 'failed',
        exception: 'Data stream named [fail-gone] does not exist',
      }),
      expect.objectContaining({ data_stream: 'fail-ok', outcome: 'upgraded' }),
    ]);
  });

  it('on cancel, cancels the upgrades it started, leaves the one it only watched running, starts no more', async () => {
    rig.preparations.set('cancel-adopted', prepared({ next: 'adopt' }));
    const adopted = await rig.env.client.workflow.start(fakeDataStreamUpgrade, {
      workflowId: dataStreamWorkflowId('cancel-adopted'),
      taskQueue: TASK_QUEUE,
      args: [{ dataStream: 'cancel-adopted' }],
    });
    const handle = await startCluster('cancel', ['cancel-adopted', 'cancel-own', 'cancel-later']);
    await upgrading('cancel', ['cancel-adopted', 'cancel-own']);

    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const final = await handle.query(clusterStatusQuery);
    expect(final).toMatchObject({
      state: 'cancelled',
      complete: true,
      pending: ['cancel-later'],
      running: [],
    });
    const outcomes = Object.fromEntries(final.finished.map((entry) => [entry.data_stream, entry.outcome]));
    expect(outcomes).toEqual({ 'cancel-adopted': 'left_running', 'cancel-own': 'cancelled' });
    const own = await rig.env.client.workflow.getHandle(dataStreamWorkflowId('cancel-own')).describe();
    expect(own.status.name).toBe('CANCELLED');
    expect((await adopted.describe()).status.name).toBe('RUNNING');
    expect(await exists('cancel-later')).toBe(false);
    await adopted.signal(finishFakeUpgradeSignal, { failedIndices: 0 });
  });

  it('continues as new while upgrades run, and the next run watches them to the end', async () => {
    const handle = await startCluster('can', ['can-a', 'can-b', 'can-c'], { maxDataStreamsPerRun: 1 });
    await upgrading('can', ['can-a', 'can-b']);
    // can-a and can-b were started by two different runs, both still upgrading in the third.
    await finishUpgrade('can-b');
    await finishUpgrade('can-a');
    await finishUpgrade('can-c');
    const final = await handle.result();
    expect(final.state).toBe('completed');
    expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
    expect(final.finished.map((entry) => entry.data_stream).sort()).toEqual(['can-a', 'can-b', 'can-c']);
  });

  it('hands each run what it finished as a page, and the status reads every page back', async () => {
    const handle = await startCluster('page', ['page-a', 'page-b', 'page-c'], {
      maxDataStreams: 1,
      maxDataStreamsPerRun: 1,
    });
    // One at a time, one started per run: a run hands over once its data stream is upgrading, so each
    // finishes in the next run, which writes it as a page when it hands over in turn.
    for (const name of ['page-a', 'page-b', 'page-c']) {
      await upgrading('page', [name]);
      await finishUpgrade(name);
    }
    const final = await handle.result();
    expect(final.state).toBe('completed');
    const earlier = final.earlier_finished;
    expect(earlier).toMatchObject({ first_run_id: handle.firstExecutionRunId, data_streams_unsuccessful: 0 });
    expect(earlier?.pages).toBeGreaterThanOrEqual(1);
    expect((earlier?.data_streams ?? 0) + final.finished.length).toBe(3);
    // Each run was handed counts and the pending data streams, never a report.
    const everyRun = await runsOf(handle.workflowId, handle.firstExecutionRunId);
    expect(everyRun.map((input) => input.dataStreams)).toEqual([
      ['page-a', 'page-b', 'page-c'],
      ['page-b', 'page-c'],
      ['page-c'],
    ]);
    for (const input of everyRun) expect(JSON.stringify(input)).not.toContain('"outcome"');
    // What the service does to every status it answers (this rig's run has an id of its own).
    const status = await new FinishedPagesReader(rig.env.client).complete(final);
    expect(status.finished.map((entry) => entry.data_stream)).toEqual(['page-a', 'page-b', 'page-c']);
    expect(status.total_data_streams).toBe(3);
    expect(status).not.toHaveProperty('earlier_finished');
    expect(
      buildClusterReport({ ...status, read_only: readOnlyView(status.read_only), running: [] }).totals,
    ).toMatchObject({
      data_streams: 3,
      upgraded: 3,
    });
    // The run released its pages as it ended: they close with it, and their retention starts with its own.
    for (let page = 1; page <= (earlier?.pages ?? 0); page += 1) {
      const description = await rig.env.client.workflow
        .getHandle(finishedPageWorkflowId({ first_run_id: handle.firstExecutionRunId }, page))
        .describe();
      expect(description.status.name).toBe('COMPLETED');
    }
  });
  it('after an operator resets it to an earlier run, names the pages it writes again anew and loses none', async () => {
    const names = ['reset-a', 'reset-b', 'reset-c'];
    const handle = await startCluster('reset', names, { maxDataStreams: 1, maxDataStreamsPerRun: 1 });
    await upgrading('reset', ['reset-a']);
    await finishUpgrade('reset-a');
    // The second run watched reset-a to its end, started reset-b and wrote reset-a in page 1.
    await eventually(async () => {
      const status = await rig.env.client.workflow.getHandle('reset').query(clusterStatusQuery);
      return status.earlier_finished?.pages === 1 && status.running.length === 1 ? true : undefined;
    }, 'page 1 written');
    const second = await eventually(
      async () => (await runIdsOf('reset', handle.firstExecutionRunId))[1],
      'the second run listed',
    );
    const abandonedPage = finishedPageWorkflowId({ first_run_id: handle.firstExecutionRunId }, 1);

    // As `temporal workflow reset --type FirstWorkflowTask` does: the third run is terminated, and a new
    // second run writes page 1 again, whose id the abandoned second run's page holds.
    const reset = await resetToFirstWorkflowTask('reset', second);
    // The new second run watches reset-a's end again and finds reset-b's upgrade running: it watches that
    // one (it cannot start another), writes page 1 under its own id and hands over.
    await eventually(async () => {
      const status = await rig.env.client.workflow.getHandle('reset').query(clusterStatusQuery);
      return status.earlier_finished?.renamed !== undefined ? true : undefined;
    }, 'page 1 written again');
    await upgrading('reset', ['reset-b']);
    await finishUpgrade('reset-b');
    await upgrading('reset', ['reset-c']);
    await finishUpgrade('reset-c');
    const final = await rig.env.client.workflow.getHandle<typeof reindexCluster>('reset').result();

    expect(final.state).toBe('completed');
    expect(final.earlier_finished?.renamed).toEqual([{ from_page: 1, run_id: reset }]);
    const status = await new FinishedPagesReader(rig.env.client).complete(final);
    expect(status.finished.map((entry) => entry.data_stream)).toEqual(names);
    // Every page closed: the abandoned one as the new run found it, the new ones as the upgrade ended.
    const pageIds = Array.from({ length: final.earlier_finished?.pages ?? 0 }, (_, at) =>
      finishedPageWorkflowId(final.earlier_finished ?? { first_run_id: '' }, at + 1),
    );
    expect(pageIds).not.toContain(abandonedPage);
    for (const id of [abandonedPage, ...pageIds]) {
      expect((await rig.env.client.workflow.getHandle(id).describe()).status.name).toBe('COMPLETED');
    }
  });

  /** Resets run `runId` of `workflowId` to its first workflow task; answers the new run's id. */
  const resetToFirstWorkflowTask = async (workflowId: string, runId: string): Promise<string> => {
    const history = await rig.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const firstTask = history.events?.find(
      (event) => event.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    );
    if (firstTask?.eventId === undefined || firstTask.eventId === null)
      throw new Error(`run ${runId} has no completed workflow task`);
    const answer = await rig.env.client.workflowService.resetWorkflowExecution({
      namespace: rig.env.client.options.namespace,
      workflowExecution: { workflowId, runId },
      reason: 'test: a reset of a cluster run',
      workflowTaskFinishEventId: firstTask.eventId,
      requestId: `reset-${runId}`,
    });
    return answer.runId ?? '';
  };

  const pauseOf = (dataStream: string) =>
    rig.env.client.workflow.getHandle(dataStreamWorkflowId(dataStream)).query(upgradePauseQuery);

  it('pause stops new data streams from starting and pauses the ones it started; resume undoes both', async () => {
    const handle = await startCluster('pause', ['pause-a', 'pause-b'], { maxDataStreams: 1 });
    await upgrading('pause', ['pause-a']);
    // An update: answered once the run has applied it, with the pause as it then is.
    const answer = await handle.executeUpdate(pauseClusterUpdate, { args: [{ now: true }] });
    expect(answer).toMatchObject({ acknowledged: true, paused: true, now: true });
    const paused = await handle.query(clusterStatusQuery);
    expect(paused.paused).toEqual({ now: true, since_millis: answer.paused ? answer.since_millis : -1 });
    expect(paused.running[0]).toMatchObject({ data_stream: 'pause-a', hold: 'paused_now' });
    // The hold was sent to pause-a before the answer.
    expect(await pauseOf('pause-a')).toMatchObject({ now: true });

    // pause-a ends while paused; pause-b must not start until the run is resumed.
    await finishUpgrade('pause-a');
    await eventually(async () => {
      const status = await handle.query(clusterStatusQuery);
      return status.finished.length === 1 ? status : undefined;
    }, 'pause-a finished');
    expect((await handle.query(clusterStatusQuery)).pending).toEqual(['pause-b']);
    expect(await exists('pause-b')).toBe(false);

    expect(await handle.executeUpdate(resumeClusterUpdate)).toEqual({ acknowledged: true, paused: false });
    // Validated by the run: a resume of a run that is not paused is refused, saying why.
    await expect(handle.executeUpdate(resumeClusterUpdate)).rejects.toMatchObject({
      cause: { message: 'the cluster upgrade is not paused; there is nothing to resume' },
    });
    await upgrading('pause', ['pause-b']);
    expect(await pauseOf('pause-b')).toBeNull();
    expect((await handle.query(clusterStatusQuery)).paused).toBeNull();
    await finishUpgrade('pause-b');
    expect((await handle.result()).state).toBe('completed');
  });

  it('pauses and resumes an upgrade whose worker has only the pause signals (an older version), with the resulting state', async () => {
    // The stand-in data-stream workflow has the signals and the pause query, and no update handler: as a
    // run on a worker from before pause and resume were updates.
    const ds = 'signal-only';
    const old = await rig.env.client.workflow.start(fakeDataStreamUpgrade, {
      workflowId: dataStreamWorkflowId(ds),
      taskQueue: TASK_QUEUE,
      args: [{ dataStream: ds }],
    });
    const service = new ReindexService({ temporal: rig.env.client, taskQueue: TASK_QUEUE });
    const paused = await service.pause(ds, true);
    const applied = await old.query(upgradePauseQuery);
    expect(applied).toMatchObject({ now: true });
    expect(paused).toEqual({
      acknowledged: true,
      paused: true,
      now: true,
      since_millis: applied?.since_millis,
    });
    expect(await service.resume(ds)).toEqual({ acknowledged: true, paused: false });
    expect(await old.query(upgradePauseQuery)).toBeNull();
    await old.signal(finishFakeUpgradeSignal, { failedIndices: 0 });
    await old.result();
  });

  it('waits outside the maintenance window, says until when, and stops copies when it closes', async () => {
    rig.windowAnswers.push(
      { open: false, changeInMs: 1_500 },
      { open: true, changeInMs: 1_500 },
      { open: false, changeInMs: 3_600_000 },
    );
    const handle = await startCluster('win', ['win-a'], {
      window: { startMinute: 60, endMinute: 300, timeZone: 'Europe/Berlin' },
    });
    const waiting = await eventually(async () => {
      const status = await handle.query(clusterStatusQuery);
      return status.window !== null ? status : undefined;
    }, 'the window read');
    expect(waiting.window).toMatchObject({ open: false, timeZone: 'Europe/Berlin' });
    expect(waiting.window?.next_change_millis).toBeGreaterThan(waiting.start_time_millis);
    expect(waiting.pending).toEqual(['win-a']);
    expect(await exists('win-a')).toBe(false);

    // The window opens: win-a starts; then it closes, and win-a is paused with its copies stopped.
    await upgrading('win', ['win-a']);
    const closed = await eventually(
      async () => ((await pauseOf('win-a'))?.now === true ? true : undefined),
      'win-a stopped',
    );
    expect(closed).toBe(true);
    expect((await handle.query(clusterStatusQuery)).window).toMatchObject({ open: false });
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
  });
});
