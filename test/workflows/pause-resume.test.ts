import type { WorkflowExecutionDescription } from '@temporalio/client';
import { createWorkflowRig, type TestScope, type WorkflowRig } from './workflow-rig';
import { stubSourceFacts } from './stub-activities';
import { apiError, eventually } from '../support';
import type { ReindexDataStreamStatus } from '../../src/shared/status';

// Pausing and resuming one data stream's upgrade (beyond Elasticsearch), with stub activities on the
// time-skipping test server: what a pause holds back, what `now` stops, and that a resume picks up.

describe('pausing and resuming an upgrade', () => {
  let rig: WorkflowRig;

  beforeAll(async () => {
    rig = await createWorkflowRig();
  });

  afterAll(async () => {
    await rig?.close();
  });

  const closed = (workflowId: string): Promise<WorkflowExecutionDescription> => rig.closed(workflowId);

  const statusWhere = (
    t: TestScope,
    ds: string,
    what: string,
    check: (status: ReindexDataStreamStatus) => boolean,
  ): Promise<ReindexDataStreamStatus> =>
    eventually(async () => {
      const status = await t.service.status(ds);
      return check(status) ? status : undefined;
    }, what);

  it('lets the copy in flight finish, starts nothing new until resumed, and shows since when it is paused', async () => {
    const t = rig.fresh('pause');
    const ds = 'pause-ds';
    const names = t.cluster.addDataStream(ds, 3, 1);
    t.cluster.holdCopies = true;
    const handle = await t.startWorkflow(ds);

    await t.withWorker({}, async () => {
      await eventually(() => (t.cluster.copiesStarted.length === 1 ? true : undefined), 'the first copy');
      const before = await rig.env.currentTimeMs();
      // Answered once the workflow has applied it, with the pause as it then is: the status shows it at once.
      const answer = await t.service.pause(ds, false);
      expect(answer).toMatchObject({ acknowledged: true, paused: true, now: false });
      const paused = await t.service.status(ds);
      expect(paused.paused).toEqual({ now: false, since_millis: answer.paused ? answer.since_millis : -1 });
      expect(paused.paused?.since_millis).toBeGreaterThanOrEqual(before - 1000);
      // A second pause keeps the first one's time.
      expect(await t.service.pause(ds, false)).toEqual(answer);
      expect((await t.service.status(ds)).paused).toEqual(paused.paused);

      t.cluster.release(names[0]);
      const held = await statusWhere(t, ds, 'the first index done', (s) => s.successes === 1);
      expect(held).toMatchObject({ complete: false, in_progress: [], pending: 2 });
      expect(t.cluster.copiesStarted).toEqual([names[0]]);
      expect((await t.service.status(ds, true)).paused?.since).toBe(
        new Date(paused.paused?.since_millis ?? 0).toISOString(),
      );

      expect(await t.service.resume(ds)).toEqual({ acknowledged: true, paused: false });
      expect((await t.service.status(ds)).paused).toBeUndefined();
      // Validated by the workflow: a resume of an upgrade that is not paused is refused, saying why.
      const refused = await apiError(t.service.resume(ds));
      expect([refused.status, refused.type, refused.reason]).toEqual([
        409,
        'status_exception',
        `cannot resume the migration reindex of [${ds}]: the upgrade is not paused; there is nothing to resume`,
      ]);
      await eventually(() => (t.cluster.copiesStarted.length === 2 ? true : undefined), 'the next copy');
      t.cluster.releaseAll();
      await closed(handle.workflowId);
    });
    const final = await t.service.status(ds);
    expect(final).toMatchObject({ complete: true, successes: 3, errors: [] });
    expect(final).not.toHaveProperty('paused');
    expect(t.cluster.copiesStarted).toEqual(names.slice(0, 3));
  });

  it('with now, stops the copies in flight and continues them on resume', async () => {
    const t = rig.fresh('pause-now');
    const ds = 'pause-now-ds';
    const names = t.cluster.addDataStream(ds, 3, 1);
    t.cluster.settings.maxConcurrentIndices = 2;
    t.cluster.holdCopies = true;
    const handle = await t.startWorkflow(ds);

    await t.withWorker({}, async () => {
      await eventually(() => (t.cluster.copying.size === 2 ? true : undefined), 'two copies in flight');
      // A plain pause first: `now` then upgrades it.
      await t.service.pause(ds, false);
      // `now` upgrades the plain pause, and says so.
      expect(await t.service.pause(ds, true)).toMatchObject({ paused: true, now: true });
      await eventually(() => (t.cluster.copying.size === 0 ? true : undefined), 'both copies stopped');
      const paused = await t.service.status(ds);
      expect(paused.paused?.now).toBe(true);
      // Stopped, not failed or rolled back: both still in progress, nothing else started.
      expect(paused.in_progress.map((entry) => entry.index).sort()).toEqual(names.slice(0, 2).sort());
      expect(paused).toMatchObject({ successes: 0, pending: 1, errors: [] });
      expect(t.cluster.copiesStarted).toHaveLength(2);

      await t.service.resume(ds);
      await eventually(() => (t.cluster.copying.size === 2 ? true : undefined), 'both copies continued');
      expect(new Set(t.cluster.copiesStarted.slice(2))).toEqual(new Set(names.slice(0, 2)));
      t.cluster.releaseAll();
      await closed(handle.workflowId);
    });
    expect(await t.service.status(ds)).toMatchObject({ complete: true, successes: 3, errors: [] });
    // Each index was swapped once: the stopped copies were neither rolled back nor redone from scratch.
    expect(t.cluster.indicesOf(ds).filter((index) => index.startsWith('.migrated-'))).toHaveLength(3);
  });

  it('holds a run at its continue-as-new point while paused, and carries the pause into the next run', async () => {
    const t = rig.fresh('pause-continue', { maxIndicesPerRun: 1 });
    const ds = 'pause-continue-ds';
    t.cluster.addDataStream(ds, 3, 1);
    t.cluster.holdCopies = true;
    const handle = await t.startWorkflow(ds);

    await t.withWorker({}, async () => {
      await eventually(() => (t.cluster.copying.size === 1 ? true : undefined), 'the first copy');
      await t.service.pause(ds, false);
      await statusWhere(t, ds, 'the pause', (s) => s.paused !== undefined);
      t.cluster.releaseAll();
      t.cluster.holdCopies = false;
      await statusWhere(t, ds, 'the first index done', (s) => s.successes === 1);
      // Paused with indices left: neither a new copy nor a new run.
      expect(t.cluster.copiesStarted).toHaveLength(1);
      expect((await handle.describe()).runId).toBe(handle.firstExecutionRunId);

      await t.service.resume(ds);
      await closed(handle.workflowId);
    });
    expect(await t.service.status(ds)).toMatchObject({ complete: true, successes: 3, errors: [] });
    expect(t.cluster.copiesStarted).toHaveLength(3);
  });

  it('cancels a paused upgrade like a running one, and refuses to pause what is not running', async () => {
    const t = rig.fresh('pause-cancel');
    const ds = 'pause-cancel-ds';
    const names = t.cluster.addDataStream(ds, 2, 1);
    t.cluster.holdCopies = true;
    const handle = await t.startWorkflow(ds);
    const rolledBack: string[] = [];
    const prepared: string[] = [];

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
        await eventually(() => (prepared.length === 2 ? true : undefined), 'the second prepared ahead');
        await t.service.pause(ds, true);
        await eventually(() => (t.cluster.copying.size === 0 ? true : undefined), 'the copy stopped');
        await t.service.cancel(ds);
        expect((await closed(handle.workflowId)).status.name).toBe('CANCELLED');
      },
    );
    expect([...rolledBack].sort()).toEqual(names.slice(0, 2).sort());
    expect((await apiError(t.service.status(ds))).status).toBe(404);
    for (const call of [() => t.service.pause(ds, false), () => t.service.resume(ds)]) {
      const refused = await apiError(call());
      expect([refused.status, refused.type]).toEqual([404, 'resource_not_found_exception']);
    }
    expect((await apiError(t.service.pause('logs-*', true))).status).toBe(400);
  });

  it('does not let an index started before its turn to prepare block writes while paused, and does on resume', async () => {
    const t = rig.fresh('pause-early');
    const ds = 'pause-early-ds';
    const names = t.cluster.addDataStream(ds, 4, 1);
    t.cluster.holdCopies = true;
    const blocked: string[] = [];
    const started: string[] = [];
    const handle = await t.startWorkflow(ds);
    // The upgrade's word to each index started before its turn to prepare, as its history records it.
    const preparationTurnsTold = async (): Promise<number> => {
      const history = await rig.client.workflow.getHandle(handle.workflowId).fetchHistory();
      return (history.events ?? []).filter(
        (event) =>
          event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'preparationTurn',
      ).length;
    };

    await t.withWorker(
      {
        // The copy ahead outlasts the quick wait: only the upgrade's word lets the index prepare.
        awaitCopyEnd: () => Promise.resolve(false),
        // Read as the upgrade starts each index's workflow.
        readSourceFacts: (index) => {
          started.push(index);
          return Promise.resolve(stubSourceFacts(index));
        },
        blockSourceWrites: (index) => {
          blocked.push(index);
          return Promise.resolve();
        },
      },
      async () => {
        await eventually(() => (t.cluster.copying.has(names[0]) ? true : undefined), 'the first copy');
        await eventually(() => (blocked.includes(names[1]) ? true : undefined), 'the second prepared ahead');
        await eventually(() => (started.includes(names[2]) ? true : undefined), 'the third started');
        await t.service.pause(ds, false);
        t.cluster.release(names[0]);
        await statusWhere(t, ds, 'the first index done', (s) => s.successes === 1);
        // The first copy's end was handled before its index finished: no word went out, no block was taken.
        expect(await preparationTurnsTold()).toBe(0);
        expect(blocked).not.toContain(names[2]);
        await t.service.resume(ds);
        await eventually(
          () => (blocked.includes(names[2]) ? true : undefined),
          'the third prepared on resume',
        );
        t.cluster.releaseAll();
        await rig.closed(handle.workflowId);
      },
    );
    expect(await preparationTurnsTold()).toBeGreaterThanOrEqual(1);
    expect(await t.service.status(ds)).toMatchObject({ complete: true, successes: 4, errors: [] });
  });

  it('finishes an upgrade whose last copy ends while a plain pause is on, and drops the pause', async () => {
    const t = rig.fresh('pause-last');
    const ds = 'pause-last-ds';
    const names = t.cluster.addDataStream(ds, 1, 1);
    t.cluster.holdCopies = true;
    const handle = await t.startWorkflow(ds);

    await t.withWorker({}, async () => {
      await eventually(() => (t.cluster.copying.size === 1 ? true : undefined), 'the only copy');
      await t.service.pause(ds, false);
      await statusWhere(t, ds, 'the pause', (s) => s.paused !== undefined);
      t.cluster.release(names[0]);
      await rig.closed(handle.workflowId);
    });
    const final = await t.service.status(ds);
    expect(final).toMatchObject({ complete: true, successes: 1, pending: 0 });
    expect(final).not.toHaveProperty('paused');
  });
});
