import type { WorkflowExecutionDescription } from '@temporalio/client';
import { stubSourceFacts } from './stub-activities';
import { createWorkflowRig, type WorkflowRig } from './workflow-rig';
import { eventually } from '../support';
import { ApplicationFailure } from '@temporalio/common';
import type { CopyDocumentsInput } from '../../src/activities/copy-documents-activity';
import type { VerifyDocumentsInput } from '../../src/activities/verify-scans';
import { backingIndexWorkflowId, dataStreamWorkflowId, destinationIndexName } from '../../src/shared/names';

// How a backing index's workflow copies (beyond Elasticsearch's own steps): a quick copy first, inside the
// workflow task, and the heartbeated copy activity only for what outlasts it. Stub activities on the
// time-skipping test server.

describe('the quick copy of a backing index', () => {
  let rig: WorkflowRig;

  beforeAll(async () => {
    rig = await createWorkflowRig();
  });

  afterAll(async () => {
    await rig?.close();
  });

  const closed = (workflowId: string): Promise<WorkflowExecutionDescription> => rig.closed(workflowId);

  /** The activity types a workflow scheduled (not its local activities, which leave only markers). */
  async function scheduledActivities(workflowId: string): Promise<string[]> {
    const history = await rig.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((event) => {
      const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [name] : [];
    });
  }

  it("upgrades a small index in a workflow task to its copy's end and one after, no activity scheduled", async () => {
    const t = rig.fresh('quick');
    const ds = 'quick-ds';
    const names = t.cluster.addDataStream(ds, 2, 1);
    t.cluster.quickCopies = true;
    const factsReadFor: string[] = [];
    const handle = await t.startWorkflow(ds);
    await t.withWorker(
      {
        readSourceFacts: (index) => {
          factsReadFor.push(index);
          return Promise.resolve(stubSourceFacts(index));
        },
      },
      () => closed(handle.workflowId),
    );
    expect(await t.service.status(ds)).toMatchObject({ complete: true, successes: 2, errors: [] });
    expect(t.cluster.copiesStarted).toEqual(names.slice(0, 2));
    expect(factsReadFor).toEqual(names.slice(0, 2));
    const workflowTasks: number[] = [];
    for (const index of names.slice(0, 2)) {
      const child = backingIndexWorkflowId(ds, index);
      expect(await scheduledActivities(child)).toEqual([]);
      const history = await rig.client.workflow.getHandle(child).fetchHistory();
      workflowTasks.push(
        (history.events ?? []).filter((event) => event.workflowTaskCompletedEventAttributes).length,
      );
    }
    // The first copies at once; it tells the upgrade its copy ended (ending that task), then finishes.
    // The second started ahead, prepared, and copied on its permit, which may have come with its first task.
    expect(workflowTasks[0]).toBe(2);
    expect(workflowTasks[1]).toBeGreaterThanOrEqual(2);
    expect(workflowTasks[1]).toBeLessThanOrEqual(3);
    // The parent read the facts: as local activities, in the tasks that started the children.
    expect(await scheduledActivities(dataStreamWorkflowId(ds))).not.toContain('readSourceFacts');
  });

  it('hands a copy that outlasts the quick wait to the copy activity, which watches the same task', async () => {
    const t = rig.fresh('hand-over');
    const ds = 'hand-over-ds';
    const names = t.cluster.addDataStream(ds, 1, 1);
    t.cluster.handOverRunningTask = true;
    const copyInputs: CopyDocumentsInput[] = [];
    const handle = await t.startWorkflow(ds);
    await t.withWorker(
      {
        copyDocuments: (input) => {
          copyInputs.push(input);
          return Promise.resolve({ taskId: 'stub', tasksStarted: 1, totalDocCount: 1, reindexedDocCount: 1 });
        },
      },
      () => closed(handle.workflowId),
    );
    expect(await t.service.status(ds)).toMatchObject({ complete: true, successes: 1, errors: [] });
    expect(copyInputs).toEqual([
      expect.objectContaining({
        sourceIndex: names[0],
        runningTask: { taskId: `stub:${names[0]}`, tasksStarted: 1, requestsPerSecond: -1 },
      }),
    ]);
    expect(t.cluster.stoppedCopiesInto).toEqual([]);
  });

  it('stops a handed-over task when the upgrade is paused with now, and copies afresh on resume', async () => {
    const t = rig.fresh('hand-over-paused');
    const ds = 'hand-over-paused-ds';
    const names = t.cluster.addDataStream(ds, 1, 1);
    t.cluster.handOverRunningTask = true;
    t.cluster.holdCopies = true;
    const copyInputs: CopyDocumentsInput[] = [];
    const handle = await t.startWorkflow(ds);
    await t.withWorker(
      {
        copyDocuments: async (input) => {
          copyInputs.push(input);
          // The handed-over task copies on until the pause cancels this watch.
          if (input.runningTask !== undefined) await t.cluster.copy(input.sourceIndex);
          return { taskId: 'stub', tasksStarted: 2, totalDocCount: 1, reindexedDocCount: 1 };
        },
      },
      async () => {
        await eventually(() => (t.cluster.copying.size === 1 ? true : undefined), 'the handed-over copy');
        await t.service.pause(ds, true);
        await eventually(
          () => (t.cluster.stoppedCopiesInto.length === 1 ? true : undefined),
          'the handed-over task stopped',
        );
        await t.service.resume(ds);
        await closed(handle.workflowId);
      },
    );
    expect(t.cluster.stoppedCopiesInto).toEqual([destinationIndexName(names[0])]);
    // The copy after the resume starts a new task (it skips what the stopped one wrote).
    expect(copyInputs).toHaveLength(2);
    expect(copyInputs[0]).toHaveProperty('runningTask');
    expect(copyInputs[1]).not.toHaveProperty('runningTask');
    expect(await t.service.status(ds)).toMatchObject({ complete: true, successes: 1, errors: [] });
  });

  it('finishes an index whose swap a crashed chain already made: no copy, no second swap, the old index retired', async () => {
    const t = rig.fresh('already-swapped');
    const ds = 'already-swapped-ds';
    const names = t.cluster.addDataStream(ds, 2, 1);
    const swapped: string[] = [];
    const retired: string[] = [];
    const handle = await t.startWorkflow(ds);
    await t.withWorker(
      {
        // What a re-run of the first index's phases finds after a crash past its swap.
        prepareCopy: ({ sourceIndex }) =>
          Promise.resolve(
            sourceIndex === names[0]
              ? { alreadySwapped: true as const, documents: 42 }
              : { alreadySwapped: false as const },
          ),
        swapBackingIndex: ({ dataStream, sourceIndex }) => {
          swapped.push(sourceIndex);
          t.cluster.swap(dataStream, sourceIndex);
          return Promise.resolve();
        },
        retireSource: ({ sourceIndex }) => {
          retired.push(sourceIndex);
          return Promise.resolve();
        },
      },
      () => closed(handle.workflowId),
    );
    expect(await t.service.status(ds)).toMatchObject({ complete: true, successes: 2, errors: [] });
    expect(t.cluster.copiesStarted).toEqual([names[1]]);
    expect(swapped).toEqual([names[1]]);
    expect(retired).toEqual(names.slice(0, 2));
    const child = rig.client.workflow.getHandle(backingIndexWorkflowId(ds, names[0]));
    expect(await child.result()).toEqual({
      sourceIndex: names[0],
      destinationIndex: destinationIndexName(names[0]),
      documents: 42,
    });
  });

  it('follows a concurrency change made on the cluster, read as each index starts', async () => {
    const t = rig.fresh('cluster-concurrency');
    const ds = 'cluster-concurrency-ds';
    const names = t.cluster.addDataStream(ds, 5, 1);
    t.cluster.holdCopies = true;
    const handle = await t.startWorkflow(ds);
    await t.withWorker({}, async () => {
      await eventually(() => (t.cluster.copiesStarted.length === 1 ? true : undefined), 'the first copy');
      // Changed on the cluster, not through the API: no signal tells the upgrade.
      t.cluster.settings.maxConcurrentIndices = 3;
      t.cluster.release(names[0]);
      await eventually(() => (t.cluster.copying.size === 3 ? true : undefined), 'three copies at once');
      t.cluster.releaseAll();
      await closed(handle.workflowId);
    });
    expect(t.cluster.peakCopying).toBe(3);
    expect(await t.service.status(ds)).toMatchObject({ complete: true, successes: 5, errors: [] });
  });

  it('verifies ids or content in its own activity between the copy and the finish, and only when asked', async () => {
    const t = rig.fresh('verify');
    const ds = 'verify-ds';
    const names = t.cluster.addDataStream(ds, 2, 1);
    t.cluster.quickCopies = true;
    const verified: VerifyDocumentsInput[] = [];
    const handle = await t.startWorkflow(ds, { verify: 'content' });
    await t.withWorker(
      {
        verifyDocuments: (input) => {
          verified.push(input);
          if (input.sourceIndex !== names[1]) return Promise.resolve({ documents: 10 });
          return Promise.reject(
            ApplicationFailure.nonRetryable('documents differ: content differs [doc-1]', 'DocumentsDiffer'),
          );
        },
      },
      () => closed(handle.workflowId),
    );
    const status = await t.service.status(ds);
    expect(status).toMatchObject({ complete: true, successes: 1, verify: 'content' });
    expect(status.errors).toEqual([
      { index: names[1], message: 'documents differ: content differs [doc-1]' },
    ]);
    expect(verified.map((input) => [input.sourceIndex, input.mode])).toEqual([
      [names[0], 'content'],
      [names[1], 'content'],
    ]);
    expect(await scheduledActivities(backingIndexWorkflowId(ds, names[0]))).toEqual(['verifyDocuments']);
    // The failed index was rolled back, and never swapped: its old index is still in the data stream.
    expect(t.cluster.indicesOf(ds)).toContain(names[1]);

    const plain = rig.fresh('verify-count');
    const plainNames = plain.cluster.addDataStream('count-ds', 1, 1);
    plain.cluster.quickCopies = true;
    const started = await plain.startWorkflow('count-ds');
    await plain.withWorker({}, () => closed(started.workflowId));
    expect(await plain.service.status('count-ds')).not.toHaveProperty('verify');
    expect(await scheduledActivities(backingIndexWorkflowId('count-ds', plainNames[0]))).toEqual([]);
  });
});
