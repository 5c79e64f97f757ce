import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { createWorkflowRig, type WorkflowRig } from './workflow-rig';
import { eventually } from '../support';
import { stubSourceFacts } from './stub-activities';
import type { Activities } from '../../src/activities';
import { backingIndexWorkflowId, dataStreamWorkflowId, destinationIndexName } from '../../src/shared/names';
import { REINDEX_STATE_SEARCH_ATTRIBUTE } from '../../src/shared/search-attributes';
import { maxConcurrentIndicesChangedSignal } from '../../src/workflows';

// The data-stream and backing-index workflows' own logic, with stub activities on the time-skipping
// test server: the concurrency cap, continue-as-new, a failed plan, and the two child outcomes that only
// a misbehaving cluster produces.

/** A failure no retry would fix, so the workflow sees it at once. */
const refused = (message: string): Promise<never> =>
  Promise.reject(ApplicationFailure.nonRetryable(message, 'ElasticsearchRefused'));

describe('the upgrade workflows', () => {
  let rig: WorkflowRig;

  beforeAll(async () => {
    rig = await createWorkflowRig();
  });

  afterAll(async () => {
    await rig?.close();
  });

  const closed = (workflowId: string): Promise<WorkflowExecutionDescription> => rig.closed(workflowId);

  it('never has more copies in flight than the concurrency setting, and follows a change mid-run', async () => {
    const t = rig.fresh('concurrency');
    const ds = 'concurrency-ds';
    const names = t.cluster.addDataStream(ds, 6, 1);
    t.cluster.settings.maxConcurrentIndices = 2;
    t.cluster.holdCopies = true;
    const handle = await t.startWorkflow(ds);
    const copies = (count: number) => (t.cluster.copiesStarted.length === count ? true : undefined);

    await t.withWorker({}, async () => {
      await eventually(() => copies(2), 'two copies');
      expect(await t.service.status(ds)).toMatchObject({ successes: 0, pending: 4 });
      expect((await t.service.status(ds)).in_progress.map((entry) => entry.index)).toEqual(names.slice(0, 2));
      t.cluster.release(names[0]);
      await eventually(() => copies(3), 'a third copy once the first is done');
      expect(t.cluster.copying.size).toBe(2);
      expect(t.cluster.peakCopying).toBe(2);

      await handle.signal(maxConcurrentIndicesChangedSignal, 3);
      await eventually(() => copies(4), 'a third copy at once after widening');
      expect(t.cluster.peakCopying).toBe(3);

      await handle.signal(maxConcurrentIndicesChangedSignal, 1);
      t.cluster.release(names[1]);
      t.cluster.release(names[2]);
      // Both finished and were counted: with one allowed and one in flight, nothing new may start.
      await eventually(
        async () => ((await t.service.status(ds)).successes === 3 ? true : undefined),
        '3 done',
      );
      expect(t.cluster.copiesStarted).toHaveLength(4);
      t.cluster.resetPeak();
      for (const index of names.slice(3, 5)) {
        t.cluster.release(index);
        await eventually(() => copies(names.indexOf(index) + 2), `the copy after ${index}`);
      }
      t.cluster.release(names[5]);
      await closed(handle.workflowId);
    });
    expect(t.cluster.peakCopying).toBe(1);
    // Oldest first; the first two started together, in either order.
    expect(new Set(t.cluster.copiesStarted.slice(0, 2))).toEqual(new Set(names.slice(0, 2)));
    expect(t.cluster.copiesStarted.slice(2)).toEqual(names.slice(2, 6));
    expect(await t.service.status(ds)).toMatchObject({ complete: true, successes: 6, errors: [] });
  });

  it('at concurrency 1, prepares the next index during a copy and finishes one during the next: one copy at a time, oldest first', async () => {
    const t = rig.fresh('overlap');
    const ds = 'overlap-ds';
    const names = t.cluster.addDataStream(ds, 5, 1);
    const writeIndex = names[5];
    t.cluster.holdCopies = true;
    const blocked: string[] = [];
    const copyEnded = (index: string): boolean =>
      t.cluster.copiesStarted.includes(index) && !t.cluster.copying.has(index);
    let mostBlockedAheadOfTheirCopy = 0;
    let firstFinish: () => void = () => undefined;
    const firstFinishHeld = new Promise<void>((resolve) => {
      firstFinish = resolve;
    });
    // Whose running copy a prepared index waited on, and which it saw end (then it copied at once).
    const watched: string[] = [];
    const followed: string[] = [];
    // The copies that had ended when each index's workflow was started (its source read) and blocked writes.
    const endedAtStart = new Map<string, string[]>();
    const endedAtBlock = new Map<string, string[]>();
    const copiesEnded = (): string[] => names.filter(copyEnded);
    const handle = await t.startWorkflow(ds);
    await t.withWorker(
      {
        copyDocumentsQuickly: async ({ after }) => {
          if (after === undefined) return { finished: false };
          const { sourceIndex } = after;
          // Held copies run in the copy activity, which may start after this index was prepared.
          await eventually(
            () => (t.cluster.copiesStarted.includes(sourceIndex) ? true : undefined),
            `${sourceIndex}'s copy`,
          );
          if (!t.cluster.copying.has(sourceIndex)) return { finished: false, turnNotYet: true };
          watched.push(sourceIndex);
          await t.cluster.copyEnded(sourceIndex);
          followed.push(sourceIndex);
          return { finished: false };
        },
        readSourceFacts: (index) => {
          // The first read is the one at its start; an index told its turn later is read again then.
          if (!endedAtStart.has(index)) endedAtStart.set(index, copiesEnded());
          return Promise.resolve(stubSourceFacts(index));
        },
        blockSourceWrites: (index) => {
          endedAtBlock.set(index, copiesEnded());
          blocked.push(index);
          const ahead = blocked.filter((each) => !copyEnded(each)).length;
          mostBlockedAheadOfTheirCopy = Math.max(mostBlockedAheadOfTheirCopy, ahead);
          return Promise.resolve();
        },
        // The first index's finish waits until the second has started copying.
        waitForDestinationHealth: ({ destinationIndex }) =>
          destinationIndex === destinationIndexName(names[0]) ? firstFinishHeld : Promise.resolve(),
      },
      async () => {
        await eventually(() => (t.cluster.copying.has(names[0]) ? true : undefined), 'the first copy');
        await eventually(() => (blocked.includes(names[1]) ? true : undefined), 'the second prepared');
        await eventually(() => (watched.includes(names[0]) ? true : undefined), 'the second watching');
        expect((await t.service.status(ds)).in_progress.map((entry) => entry.index)).toEqual([names[0]]);
        t.cluster.release(names[0]);
        // Only possible while the first index still finishes: its finish is held until then.
        await eventually(() => (t.cluster.copying.has(names[1]) ? true : undefined), 'the second copy');
        expect(await t.service.status(ds)).toMatchObject({ successes: 0, pending: 4 });
        firstFinish();
        t.cluster.releaseAll();
        await closed(handle.workflowId);
      },
    );
    expect(t.cluster.peakCopying).toBe(1);
    expect(t.cluster.copiesStarted).toEqual(names.slice(0, 5));
    // The second saw the first copy end in Elasticsearch and copied without waiting for its permit.
    expect(followed).toContain(names[0]);
    // A write block is taken at most one index ahead of the copy, and never on the write index.
    expect(mostBlockedAheadOfTheirCopy).toBe(2);
    // The third index started while the first copied, and blocked writes only once that copy had ended
    // (the second's may have ended too by then, on a slow machine).
    expect(endedAtStart.get(names[2])).toEqual([]);
    expect(endedAtBlock.get(names[2])).toContain(names[0]);
    expect(blocked).not.toContain(writeIndex);
    expect(await t.service.status(ds)).toMatchObject({ complete: true, successes: 5, errors: [] });
  });

  it('continues as new with its start time, totals, pending list, errors and concurrency intact', async () => {
    const t = rig.fresh('continue', { maxIndicesPerRun: 2 });
    const ds = 'continue-ds';
    const names = t.cluster.addDataStream(ds, 5);
    t.cluster.holdCopies = true;
    const handle = await t.startWorkflow(ds);
    const copyFailing = (sourceIndex: string) => sourceIndex === names[1];

    await t.withWorker(
      {
        copyDocuments: async (input) => {
          if (copyFailing(input.sourceIndex)) return refused('disk full');
          await t.cluster.copy(input.sourceIndex);
          return { taskId: 'stub', tasksStarted: 1, totalDocCount: 10, reindexedDocCount: 10 };
        },
      },
      async () => {
        await eventually(() => (t.cluster.copying.has(names[0]) ? true : undefined), 'the first copy');
        const first = await t.service.status(ds);
        // Run 1 takes its two indices (one fails at once), then hands over. The setting says 1 at once;
        // the signal's 2 must reach the next run, which does not read the setting again.
        await handle.signal(maxConcurrentIndicesChangedSignal, 2);
        await eventually(
          async () => ((await t.service.status(ds)).errors.length === 1 ? true : undefined),
          'error',
        );
        t.cluster.release(names[0]);
        await eventually(
          () => (t.cluster.copying.size === 2 ? true : undefined),
          'two copies in the second run',
        );
        expect(new Set(t.cluster.copying)).toEqual(new Set([names[2], names[3]]));
        expect(await t.service.status(ds)).toEqual({
          start_time_millis: first.start_time_millis,
          complete: false,
          total_indices_in_data_stream: 6,
          total_indices_requiring_upgrade: 5,
          successes: 1,
          in_progress: [
            { index: names[2], total_doc_count: 0, reindexed_doc_count: 0 },
            { index: names[3], total_doc_count: 0, reindexed_doc_count: 0 },
          ],
          pending: 1,
          errors: [{ index: names[1], message: 'disk full' }],
        });
        t.cluster.releaseAll();
        await closed(handle.workflowId);
        expect(await t.service.status(ds)).toEqual({
          start_time_millis: first.start_time_millis,
          complete: true,
          total_indices_in_data_stream: 6,
          total_indices_requiring_upgrade: 5,
          successes: 4,
          in_progress: [],
          pending: 0,
          errors: [{ index: names[1], message: 'disk full' }],
        });
      },
    );

    const runs: string[] = [];
    for (let runId: string | undefined = handle.firstExecutionRunId; runId;) {
      runs.push(runId);
      const history: temporal.api.history.v1.IHistory = await rig.client.workflow
        .getHandle(handle.workflowId, runId)
        .fetchHistory();
      const last = history.events?.[history.events.length - 1];
      runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    expect(runs).toHaveLength(3);
  });

  it('ends a run whose plan failed as Failed, with the exception in its status', async () => {
    const t = rig.fresh('failed-plan');
    const ds = 'failed-plan-ds';
    t.cluster.addDataStream(ds, 2, 1);
    const accepted = {
      startTimeMillis: 1_700_000_000_000,
      totalIndicesInDataStream: 3,
      totalIndicesRequiringUpgrade: 2,
    };
    const handle = await t.startWorkflow(ds, { accepted });
    const description = await t.withWorker({ planUpgrade: () => refused(`no such index [${ds}]`) }, () =>
      closed(handle.workflowId),
    );
    expect(description.status.name).toBe('FAILED');
    expect(description.typedSearchAttributes.get(REINDEX_STATE_SEARCH_ATTRIBUTE)).toBe('failed');
    expect(t.cluster.copiesStarted).toEqual([]);
    expect(await t.service.status(ds)).toEqual({
      start_time_millis: accepted.startTimeMillis,
      complete: true,
      total_indices_in_data_stream: 3,
      total_indices_requiring_upgrade: 2,
      successes: 0,
      in_progress: [],
      pending: 2,
      errors: [],
      exception: `no such index [${ds}]`,
    });
  });

  it('counts an index whose swap took effect although its answer was lost as upgraded', async () => {
    const t = rig.fresh('after-swap');
    const ds = 'after-swap-ds';
    const names = t.cluster.addDataStream(ds, 2, 1);
    const handle = await t.startWorkflow(ds);
    await t.withWorker(
      {
        swapBackingIndex: ({ dataStream, sourceIndex }) => {
          t.cluster.swap(dataStream, sourceIndex);
          return refused('connection reset after the swap');
        },
        rollBackIndexUpgrade: ({ dataStream, destinationIndex }) =>
          Promise.resolve(
            t.cluster.indicesOf(dataStream).includes(destinationIndex)
              ? 'completed-after-swap'
              : 'restored-source',
          ),
      },
      () => closed(handle.workflowId),
    );
    expect(await t.service.status(ds)).toMatchObject({ complete: true, successes: 2, errors: [] });
    const child = await rig.client.workflow.getHandle(backingIndexWorkflowId(ds, names[0])).describe();
    expect(child.status.name).toBe('COMPLETED');
    expect(t.cluster.indicesOf(ds).slice(0, 2)).toEqual([names[1], names[0]].map(destinationIndexName));
  });

  const X = '.ds-rollback-ds-2024.03.01-000001';
  const D = destinationIndexName(X);
  it.each([
    {
      what: 'a failed copy of an open, writable index',
      facts: stubSourceFacts(X),
      failAt: 'copyDocuments',
      message:
        `disk full; rolling back failed too: no route to host. The source index [${X}] may be still ` +
        `write-blocked; the copy [${D}] may be left behind. To put it back: ` +
        `PUT /${X}/_settings {"index.blocks.write":null} then DELETE /${D}.`,
    },
    {
      what: 'a failed copy of a closed index with a read_only block',
      facts: {
        ...stubSourceFacts(X),
        closed: true,
        blocks: { ...stubSourceFacts(X).blocks, read_only: true },
      },
      failAt: 'copyDocuments',
      message:
        `disk full; rolling back failed too: no route to host. The source index [${X}] may be still ` +
        `write-blocked, open (it was closed) and without its index.blocks.read_only; the copy [${D}] may be ` +
        `left behind. To put it back: POST /${X}/_close then ` +
        `PUT /${X}/_settings {"index.blocks.write":null,"index.blocks.read_only":true} then DELETE /${D}.`,
    },
    {
      what: 'a failed swap',
      facts: stubSourceFacts(X),
      failAt: 'swapBackingIndex',
      message:
        `disk full; rolling back failed too: no route to host. The source index [${X}] may be still ` +
        `write-blocked; the copy [${D}] may be left behind. The swap may have taken effect: if ` +
        `GET /_data_stream/rollback-ds lists [${D}] and not [${X}], the upgrade went through and only ` +
        `DELETE /${X} is left to do. Otherwise, to put it back: ` +
        `PUT /${X}/_settings {"index.blocks.write":null} then DELETE /${D}.`,
    },
  ])('reports a failed rollback after $what in errors, with what is left and how to fix it', async (c) => {
    const t = rig.fresh(`rollback-${c.failAt}-${c.facts.closed}`);
    const ds = 'rollback-ds';
    const names = t.cluster.addDataStream(ds, 2, 1);
    expect(names[0]).toBe(X);
    const overrides: Partial<Activities> = {
      readSourceFacts: (index) => Promise.resolve(index === X ? c.facts : stubSourceFacts(index)),
      rollBackIndexUpgrade: ({ sourceIndex }) =>
        sourceIndex === X ? refused('no route to host') : Promise.resolve('restored-source'),
    };
    if (c.failAt === 'copyDocuments') {
      overrides.copyDocuments = async ({ sourceIndex }) => {
        if (sourceIndex === X) return refused('disk full');
        await t.cluster.copy(sourceIndex);
        return { taskId: 'stub', tasksStarted: 1, totalDocCount: 10, reindexedDocCount: 10 };
      };
    } else {
      overrides.swapBackingIndex = ({ dataStream, sourceIndex }) => {
        if (sourceIndex === X) return refused('disk full');
        t.cluster.swap(dataStream, sourceIndex);
        return Promise.resolve();
      };
    }
    const handle = await t.startWorkflow(ds);
    await t.withWorker(overrides, () => closed(handle.workflowId));
    expect(await t.service.status(ds)).toMatchObject({
      complete: true,
      successes: 1,
      errors: [{ index: X, message: c.message }],
    });
    expect((await rig.client.workflow.getHandle(dataStreamWorkflowId(ds)).describe()).status.name).toBe(
      'COMPLETED',
    );
  });
});
