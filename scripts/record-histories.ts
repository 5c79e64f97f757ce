/**
 * Records workflow histories for the replay test: runs each scenario on a real Temporal dev server
 * (real workers, real activities, the Elasticsearch sandbox) and writes every history, with its
 * workflow id, to test/histories/<set>/<name>.json. A set is rewritten as a whole, so a renamed or
 * dropped scenario leaves no stale file behind.
 *
 *   npm run histories:record             # every set
 *   npm run histories:record -- reindex  # only the named sets
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflows, createTestEnvironment } from '../test/support/temporal-env';
import { backingIndexNames } from '../test/support/documents';
import { resetMigrateSettings, setMigrateSettings } from '../test/support/settings';
import { createUpgradeHarness, eventually, type UpgradeHarness } from '../test/support/upgrade-harness';
import {
  HISTORIES_DIR,
  HISTORY_SETS,
  type HistorySetName,
  type RecordedHistory,
} from '../test/replay/histories';
import * as smokeActivities from '../test/fixtures/smoke-activities';
import { smokeWorkflow } from '../test/fixtures/workflows/smoke';
import type { SeedIndexContent } from '@ds-reindex/es-sandbox';
import {
  ClusterUpgradeService,
  type ClusterStartRequest,
} from '../src/client/service/cluster-upgrade-service';
import { ReindexService } from '../src/client/service/reindex-service';
import { CLUSTER_UPGRADE_WORKFLOW_ID } from '../src/workflows/cluster-definitions';
import { standaloneIndexWorkflowId } from '../src/shared/names';
import { backingIndexWorkflowId, dataStreamWorkflowId } from '../src/shared/names';
import {
  pauseUpgradeSignal,
  resumeUpgradeSignal,
  upgradePauseQuery,
} from '../src/workflows/pause-definitions';

/** One execution (one run) whose history becomes `<name>.json`. */
interface Execution {
  name: string;
  workflowId: string;
  /** Omitted: the latest run. */
  runId?: string;
  /**
   * Event types that must occur in this order: a scenario that ran differently (a cancel that came
   * after the copy finished, children that never overlapped) fails the recording instead of committing
   * a history that no longer covers what its name says.
   */
  expect?: string[];
}

/** Long enough that a finished scenario's status is still readable while the recording runs. */
const LONG_RETENTION_MS = 10 * 60 * 1000;
/** Fixed creation dates, so backing index names (and so child workflow ids) are the same every time. */
const SEED_EPOCH_MS = Date.parse('2024-03-01T00:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;

async function recordSmoke(env: TestWorkflowEnvironment): Promise<Execution[]> {
  const taskQueue = 'record-smoke';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflows(HISTORY_SETS.smoke),
    activities: smokeActivities,
  });
  const workflowId = 'smoke-greet';
  await worker.runUntil(
    env.client.workflow.execute(smokeWorkflow, { taskQueue, workflowId, args: ['replay'] }),
  );
  return [{ name: 'greet', workflowId }];
}

/** The upgrade scenarios, all on one dev server and sandbox; each uses a data stream of its own. */
async function recordReindex(h: UpgradeHarness): Promise<Execution[]> {
  const controls = h.target.controls;
  if (!controls) throw new Error('recording seeds the in-process sandbox: unset ES_URL');
  const client = h.env.client;
  await h.startWorker();

  const seed = async (name: string, docCounts: number[]): Promise<string[]> => {
    await controls.seedDataStream({
      name,
      backingIndices: docCounts.map((docCount, i) => ({
        docCount,
        creationDate: SEED_EPOCH_MS + i * DAY_MS,
      })),
    });
    return backingIndexNames(h.es, name);
  };
  const service = (statusRetentionMs: number, maxIndicesPerRun?: number): ReindexService =>
    new ReindexService({ temporal: client, taskQueue: h.taskQueue, statusRetentionMs, maxIndicesPerRun });
  const complete = (svc: ReindexService, ds: string): Promise<true> =>
    eventually(async () => ((await svc.status(ds)).complete ? true : undefined), `${ds} to complete`, 60_000);
  const runId = async (workflowId: string): Promise<string> =>
    (await client.workflow.getHandle(workflowId).describe()).runId;
  const closed = async (handle: WorkflowHandle): Promise<void> => {
    await handle.result().catch(() => undefined);
  };

  const executions: Execution[] = [];
  const long = service(LONG_RETENTION_MS);
  await setMigrateSettings(h.es, { maxRequestsPerSecond: -1 });

  // Happy path: three old backing indices, the old write index rolled over first; the run closes at once.
  {
    const ds = 'happy-ds';
    const before = await seed(ds, [50, 50, 50]);
    await long.start(h.es, ds);
    await complete(long, ds);
    executions.push(
      {
        name: 'happy-path',
        workflowId: dataStreamWorkflowId(ds),
        expect: ['WORKFLOW_EXECUTION_COMPLETED'],
      },
      { name: 'happy-path.child', workflowId: backingIndexWorkflowId(ds, before[0]) },
    );
  }

  // Cancel while the second index is being copied (throttled so the copy is in flight), then restart.
  {
    const ds = 'cancel-ds';
    const before = await seed(ds, [20, 5000, 20]);
    await setMigrateSettings(h.es, { maxRequestsPerSecond: 500 });
    await long.start(h.es, ds);
    const cancelledRun = await runId(dataStreamWorkflowId(ds));
    await h.copying(ds, { index: before[1], atLeastDocs: 1 });
    await long.cancel(ds);
    await closed(client.workflow.getHandle(dataStreamWorkflowId(ds), cancelledRun));
    const cancelledChildRun = await runId(backingIndexWorkflowId(ds, before[1]));
    await setMigrateSettings(h.es, { maxRequestsPerSecond: -1 });
    await long.start(h.es, ds);
    await complete(long, ds);
    executions.push(
      { name: 'cancel-mid-run', workflowId: dataStreamWorkflowId(ds), runId: cancelledRun },
      {
        name: 'cancel-mid-run.child',
        workflowId: backingIndexWorkflowId(ds, before[1]),
        runId: cancelledChildRun,
        expect: ['ACTIVITY_TASK_CANCEL_REQUESTED', 'ACTIVITY_TASK_CANCELED', 'WORKFLOW_EXECUTION_CANCELED'],
      },
      { name: 'restart-after-cancel', workflowId: dataStreamWorkflowId(ds) },
    );
  }

  // Paused with `now` while the second index is copied, then resumed: its copy is stopped and continued.
  {
    const ds = 'pause-ds';
    const before = await seed(ds, [20, 5000, 20]);
    const childId = backingIndexWorkflowId(ds, before[1]);
    await setMigrateSettings(h.es, { maxRequestsPerSecond: 500 });
    await long.start(h.es, ds);
    await h.copying(ds, { index: before[1], atLeastDocs: 1 });
    await long.pause(ds, true);
    await eventually(async () => {
      const events = (await client.workflow.getHandle(childId).fetchHistory()).events ?? [];
      return events.some((event) => event.activityTaskCanceledEventAttributes) ? true : undefined;
    }, 'the copy in flight to stop');
    await setMigrateSettings(h.es, { maxRequestsPerSecond: -1 });
    await long.resume(ds);
    await complete(long, ds);
    executions.push(
      {
        name: 'pause-resume',
        workflowId: dataStreamWorkflowId(ds),
        // Pause and resume are updates, each answered once its signal to the child is sent.
        expect: [
          'WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
          'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
          'WORKFLOW_EXECUTION_UPDATE_COMPLETED',
          'WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
          'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
          'WORKFLOW_EXECUTION_UPDATE_COMPLETED',
          'WORKFLOW_EXECUTION_COMPLETED',
        ],
      },
      {
        name: 'pause-resume.child',
        workflowId: childId,
        expect: [
          'MARKER_RECORDED',
          'WORKFLOW_EXECUTION_SIGNALED',
          'ACTIVITY_TASK_CANCEL_REQUESTED',
          'ACTIVITY_TASK_CANCELED',
          'WORKFLOW_EXECUTION_SIGNALED',
          'ACTIVITY_TASK_COMPLETED',
          'WORKFLOW_EXECUTION_COMPLETED',
        ],
      },
    );
  }

  // The same pause and resume as signals, as the cluster run and an older service send them: the signal
  // handlers issue the same commands as the updates.
  {
    const ds = 'signal-pause-ds';
    const before = await seed(ds, [20, 5000, 20]);
    const handle = client.workflow.getHandle(dataStreamWorkflowId(ds));
    await setMigrateSettings(h.es, { maxRequestsPerSecond: 500 });
    await long.start(h.es, ds);
    await h.copying(ds, { index: before[1], atLeastDocs: 1 });
    await handle.signal(pauseUpgradeSignal, { now: true });
    await eventually(async () => {
      const paused = await handle.query(upgradePauseQuery);
      return paused?.now === true ? true : undefined;
    }, 'the pause by signal to apply');
    await setMigrateSettings(h.es, { maxRequestsPerSecond: -1 });
    await handle.signal(resumeUpgradeSignal);
    await complete(long, ds);
    executions.push({
      name: 'signal-pause-resume',
      workflowId: dataStreamWorkflowId(ds),
      expect: [
        'WORKFLOW_EXECUTION_SIGNALED',
        'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
        'WORKFLOW_EXECUTION_SIGNALED',
        'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
        'WORKFLOW_EXECUTION_COMPLETED',
      ],
    });
  }

  // The first index's own workflow is cancelled from outside the upgrade while it copies: it rolls back
  // and is an error in the status; the others finish.
  {
    const ds = 'outside-cancel-ds';
    const before = await seed(ds, [3000, 20, 20]);
    const childId = backingIndexWorkflowId(ds, before[0]);
    await setMigrateSettings(h.es, { maxRequestsPerSecond: 200 });
    await long.start(h.es, ds);
    await h.copying(ds, { index: before[0] });
    await client.workflow.getHandle(childId).cancel();
    // Lifted only once the child has ended: a faster copy could finish before the cancel reached it.
    await closed(client.workflow.getHandle(childId));
    await setMigrateSettings(h.es, { maxRequestsPerSecond: -1 });
    await complete(long, ds);
    const final = await long.status(ds);
    if (final.successes !== 2 || final.errors[0]?.index !== before[0])
      throw new Error(`child cancelled from outside: ended ${JSON.stringify(final)}`);
    executions.push(
      {
        name: 'child-cancelled-outside',
        workflowId: dataStreamWorkflowId(ds),
        expect: [
          'CHILD_WORKFLOW_EXECUTION_CANCELED',
          'CHILD_WORKFLOW_EXECUTION_COMPLETED',
          'WORKFLOW_EXECUTION_COMPLETED',
        ],
      },
      {
        name: 'child-cancelled-outside.child',
        workflowId: childId,
        expect: [
          'WORKFLOW_EXECUTION_CANCEL_REQUESTED',
          'ACTIVITY_TASK_CANCELED',
          'WORKFLOW_EXECUTION_CANCELED',
        ],
      },
    );
  }

  // One index fails its copy (rolled back, recorded as an error); the others finish.
  {
    const ds = 'failure-ds';
    const before = await seed(ds, [100, 30, 30]);
    controls.failReindexAfter({ sourceIndex: before[0], docs: 20, reason: 'disk full' });
    await long.start(h.es, ds);
    await complete(long, ds);
    controls.clearFaults();
    executions.push(
      { name: 'index-failure', workflowId: dataStreamWorkflowId(ds) },
      { name: 'index-failure.child', workflowId: backingIndexWorkflowId(ds, before[0]) },
    );
  }

  // Three children at once.
  {
    const ds = 'parallel-ds';
    await seed(ds, [30, 30, 30, 30]);
    await setMigrateSettings(h.es, { maxConcurrentIndices: 3 });
    await long.start(h.es, ds);
    await complete(long, ds);
    await setMigrateSettings(h.es, { maxConcurrentIndices: null });
    executions.push({
      name: 'concurrency-3',
      workflowId: dataStreamWorkflowId(ds),
      expect: [
        ...Array<string>(3).fill('CHILD_WORKFLOW_EXECUTION_STARTED'),
        'CHILD_WORKFLOW_EXECUTION_COMPLETED',
      ],
    });
  }

  // Two indices per run, five indices: three runs chained by continue-as-new, each its own history.
  {
    const ds = 'continued-ds';
    const workflowId = dataStreamWorkflowId(ds);
    await seed(ds, [20, 20, 20, 20, 20]);
    const svc = service(LONG_RETENTION_MS, 2);
    await svc.start(h.es, ds);
    await complete(svc, ds);
    const description = await client.workflow.getHandle(workflowId).describe();
    let next: string | undefined = description.raw.workflowExecutionInfo?.firstRunId ?? undefined;
    for (let run = 1; next; run += 1) {
      executions.push({ name: `continue-as-new.run-${run}`, workflowId, runId: next });
      const history = await client.workflow.getHandle(workflowId, next).fetchHistory();
      const last = history.events?.[history.events.length - 1];
      next = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    if (executions.filter((e) => e.workflowId === workflowId).length !== 3)
      throw new Error('continue-as-new: expected three runs (2 + 2 + 1 indices)');
  }

  // The rollover is refused: the whole task fails, and the run closes Failed with the status in its failure.
  {
    const ds = 'rollover-failure-ds';
    await seed(ds, [20, 20]);
    controls.injectFault({ method: 'POST', path: `^/${ds}/_rollover`, status: 403 });
    await long.start(h.es, ds);
    await closed(client.workflow.getHandle(dataStreamWorkflowId(ds)));
    controls.clearFaults();
    executions.push({
      name: 'rollover-failure',
      workflowId: dataStreamWorkflowId(ds),
      expect: ['WORKFLOW_EXECUTION_FAILED'],
    });
  }

  await resetMigrateSettings(h.es);
  return executions;
}

/** The run a run continued as new into, or `undefined` when it ended otherwise. */
async function continuedRunOf(
  env: TestWorkflowEnvironment,
  workflowId: string,
  runId: string,
): Promise<string | undefined> {
  const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
  const last = history.events?.[history.events.length - 1];
  return last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
}

/** Polls the cluster status until the run has ended. */
function clusterEnded(service: ClusterUpgradeService): Promise<true> {
  return eventually(
    async () => ((await service.status()).complete ? true : undefined),
    'the cluster run to end',
    120_000,
    200,
  );
}

/**
 * The cluster workflow's scenarios, on one dev server and sandbox; one cluster run at a time, each over
 * data streams of its own. Only the cluster workflow's runs are recorded: the data-stream workflows it
 * starts are the same ones the `reindex` set records.
 */
async function recordCluster(h: UpgradeHarness): Promise<Execution[]> {
  const controls = h.target.controls;
  if (!controls) throw new Error('recording seeds the in-process sandbox: unset ES_URL');
  await h.startWorker();
  const seed = async (name: string, backingIndices: SeedIndexContent[]): Promise<void> => {
    await controls.seedDataStream({
      name,
      backingIndices: backingIndices.map((content, i) => ({
        creationDate: SEED_EPOCH_MS + i * DAY_MS,
        ...content,
      })),
    });
  };
  const start = async (
    pattern: string,
    options: Partial<Pick<ClusterStartRequest, 'readOnly' | 'window' | 'maxDataStreams' | 'indices'>> = {},
    serviceOptions: { maxDataStreamsPerRun?: number } = {},
  ): Promise<{ service: ClusterUpgradeService; runId: string }> => {
    const service = new ClusterUpgradeService(h.service, {
      watchPollIntervalMs: 200,
      cancelWaitMs: 60_000,
      ...serviceOptions,
    });
    await service.start(
      await service.prepareStart(h.es, {
        pattern,
        includeSystem: false,
        readOnly: { kind: 'none' },
        maxDataStreams: 1,
        ...options,
      }),
    );
    const runId = (await h.env.client.workflow.getHandle(CLUSTER_UPGRADE_WORKFLOW_ID).describe()).runId;
    return { service, runId };
  };
  const upgrading = (service: ClusterUpgradeService, dataStream: string): Promise<true> =>
    eventually(async () => {
      const status = await service.status();
      return status.running.some((entry) => entry.data_stream === dataStream && entry.step === 'upgrading')
        ? true
        : undefined;
    }, `${dataStream} upgrading in the cluster run`);

  const executions: Execution[] = [];
  const workflowId = CLUSTER_UPGRADE_WORKFLOW_ID;
  await setMigrateSettings(h.es, { maxRequestsPerSecond: -1 });

  // A normal run: two data streams one at a time; the first marks its oldest index read-only (by age)
  // and reindexes the rest, the second is only marked read-only (nothing to reindex, no upgrade started).
  {
    await seed('cl-normal-a', [
      {
        docCount: 30,
        settings: { 'index.lifecycle.origination_date': String(SEED_EPOCH_MS - 400 * DAY_MS) },
      },
      { docCount: 30 },
      { docCount: 30 },
    ]);
    await seed('cl-normal-b', [
      {
        docCount: 20,
        settings: { 'index.lifecycle.origination_date': String(SEED_EPOCH_MS - 400 * DAY_MS) },
      },
    ]);
    // Older than the seeded origination dates, younger than the seeded creation dates.
    const olderThanMs = Date.now() - (SEED_EPOCH_MS - 200 * DAY_MS);
    const { service, runId } = await start('cl-normal-*', { readOnly: { kind: 'older-than', olderThanMs } });
    await clusterEnded(service);
    const final = await service.status();
    if (final.state !== 'completed') throw new Error(`normal run: ended ${final.state}`);
    executions.push({
      name: 'normal-run',
      workflowId,
      runId,
      expect: [
        'ACTIVITY_TASK_COMPLETED',
        'START_CHILD_WORKFLOW_EXECUTION_INITIATED',
        'CHILD_WORKFLOW_EXECUTION_STARTED',
        'ACTIVITY_TASK_COMPLETED',
        'WORKFLOW_EXECUTION_COMPLETED',
      ],
    });
  }

  // Paused while the first data stream copies its only index (the second waits), then resumed. A pause
  // also holds the data stream's own next index, so the first has just one: it finishes while paused.
  {
    await seed('cl-pause-a', [{ docCount: 2000 }]);
    await seed('cl-pause-b', [{ docCount: 20 }]);
    // Seconds of copying, so that a loaded machine still sees the copy under way before it ends.
    await setMigrateSettings(h.es, { maxRequestsPerSecond: 300 });
    const { service, runId } = await start('cl-pause-*');
    await upgrading(service, 'cl-pause-a');
    await h.copying('cl-pause-a');
    await service.pause(false);
    await setMigrateSettings(h.es, { maxRequestsPerSecond: -1 });
    await eventually(
      async () => {
        const status = await service.status();
        return status.finished.length === 1 && status.pending.length === 1 ? true : undefined;
      },
      'cl-pause-a to finish while the run is paused',
      60_000,
    );
    await service.resume();
    await clusterEnded(service);
    executions.push({
      name: 'pause-resume',
      workflowId,
      runId,
      // Pause and resume are updates; the pause is passed on to cl-pause-a by signal.
      expect: [
        'WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
        'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
        'WORKFLOW_EXECUTION_UPDATE_COMPLETED',
        'WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
        'WORKFLOW_EXECUTION_UPDATE_COMPLETED',
        'START_CHILD_WORKFLOW_EXECUTION_INITIATED',
        'WORKFLOW_EXECUTION_COMPLETED',
      ],
    });
  }

  // Outside its maintenance window: the run waits for it (a timer to the next minute), then upgrades.
  {
    await seed('cl-window', [{ docCount: 20 }]);
    const nowMillis = Date.now();
    // Opens at the next full minute (UTC), unless that is too close to see the run waiting first.
    const opensAt = Math.ceil((nowMillis + 5_000) / 60_000) * 60_000;
    const startMinute = new Date(opensAt).getUTCHours() * 60 + new Date(opensAt).getUTCMinutes();
    const { service, runId } = await start('cl-window', {
      window: { startMinute, endMinute: startMinute + 30, timeZone: 'UTC' },
    });
    await clusterEnded(service);
    executions.push({
      name: 'window-wait',
      workflowId,
      runId,
      expect: [
        'ACTIVITY_TASK_COMPLETED',
        'TIMER_FIRED',
        'ACTIVITY_TASK_COMPLETED',
        'START_CHILD_WORKFLOW_EXECUTION_INITIATED',
        'WORKFLOW_EXECUTION_COMPLETED',
      ],
    });
  }

  // Cancelled while the first data stream copies: its upgrade is cancelled and rolled back, the second
  // never starts.
  {
    await seed('cl-cancel-a', [{ docCount: 3000 }, { docCount: 20 }]);
    await seed('cl-cancel-b', [{ docCount: 20 }]);
    await setMigrateSettings(h.es, { maxRequestsPerSecond: 500 });
    const { service, runId } = await start('cl-cancel-*');
    await upgrading(service, 'cl-cancel-a');
    await h.copying('cl-cancel-a');
    await service.cancel();
    await setMigrateSettings(h.es, { maxRequestsPerSecond: -1 });
    executions.push({
      name: 'cancel',
      workflowId,
      runId,
      expect: [
        'WORKFLOW_EXECUTION_CANCEL_REQUESTED',
        'REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
        'WORKFLOW_EXECUTION_CANCELED',
      ],
    });
  }

  // A standalone index beside a data stream (`--indices`): the data stream first, then the index under
  // its own workflow, whose switch moves its two aliases and its name to the new index in one request.
  {
    await seed('cl-standalone-ds', [{ docCount: 20 }]);
    await h.es.indices.create({
      index: 'cl-standalone-index',
      aliases: { 'cl-standalone-write': { is_write_index: true }, 'cl-standalone-read': {} },
    });
    await h.es.bulk({
      refresh: true,
      operations: Array.from({ length: 20 }, (_, n) => [{ create: { _id: `d${n}` } }, { n }]).flat(),
      index: 'cl-standalone-index',
    });
    controls.setVersionCreated('cl-standalone-index', 7_170_099);
    const { service, runId } = await start('cl-standalone-ds', { indices: 'cl-standalone-*' });
    await clusterEnded(service);
    const final = await service.status();
    if (final.state !== 'completed') throw new Error(`standalone run: ended ${final.state}`);
    executions.push({
      name: 'standalone',
      workflowId,
      runId,
      expect: [
        'START_CHILD_WORKFLOW_EXECUTION_INITIATED',
        'ACTIVITY_TASK_COMPLETED',
        'START_CHILD_WORKFLOW_EXECUTION_INITIATED',
        'CHILD_WORKFLOW_EXECUTION_COMPLETED',
        'WORKFLOW_EXECUTION_COMPLETED',
      ],
    });
    executions.push({
      name: 'standalone.child',
      workflowId: standaloneIndexWorkflowId('cl-standalone-index'),
      expect: ['ACTIVITY_TASK_COMPLETED', 'MARKER_RECORDED', 'WORKFLOW_EXECUTION_COMPLETED'],
    });
  }

  // Three data streams, one at a time and one started per run: three runs chained by continue-as-new,
  // each watching the upgrade the run before started to its end and writing its report as a page.
  {
    for (const name of ['cl-can-1', 'cl-can-2', 'cl-can-3']) await seed(name, [{ docCount: 20 }]);
    const { service, runId } = await start('cl-can-*', { maxDataStreams: 1 }, { maxDataStreamsPerRun: 1 });
    await clusterEnded(service);
    let next: string | undefined = runId;
    let run = 1;
    for (; next; run += 1) {
      executions.push({ name: `continue-as-new.run-${run}`, workflowId, runId: next });
      next = await continuedRunOf(h.env, workflowId, next);
    }
    if (run - 1 !== 3) throw new Error(`continue-as-new: expected three runs, got ${run - 1}`);
  }

  await resetMigrateSettings(h.es);
  return executions;
}

async function fetchRecorded(
  env: TestWorkflowEnvironment,
  execution: Execution,
): Promise<Omit<RecordedFile, 'name'>> {
  const history = await env.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
  const json = JSON.parse(historyToJSON(history)) as { events?: { eventType?: string }[] };
  const types = (json.events ?? []).map((event) => (event.eventType ?? '').replace(/^EVENT_TYPE_/, ''));
  const missing = missingInOrder(types, execution.expect ?? []);
  if (missing !== undefined)
    throw new Error(`${execution.name}: no ${missing} where expected in its history: ${types.join(', ')}`);
  return {
    recorded: { workflowId: execution.workflowId, scenario: execution.name, history: json },
    events: history.events?.length ?? 0,
  };
}

/** The first expected event type not found after the previous one, or `undefined` when all are. */
function missingInOrder(types: string[], expected: string[]): string | undefined {
  let from = 0;
  for (const type of expected) {
    const at = types.indexOf(type, from);
    if (at < 0) return type;
    from = at + 1;
  }
  return undefined;
}

/** Replaces every history of a set at once, after all its scenarios succeeded. */
function writeSet(set: HistorySetName, files: RecordedFile[]): void {
  const dir = join(HISTORIES_DIR, set);
  mkdirSync(dir, { recursive: true });
  for (const old of readdirSync(dir).filter((file) => file.endsWith('.json'))) rmSync(join(dir, old));
  for (const { name, recorded } of files) {
    writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(recorded, null, 2)}\n`);
  }
}

interface RecordedFile {
  name: string;
  recorded: RecordedHistory;
  events: number;
}

async function fetchAll(env: TestWorkflowEnvironment, executions: Execution[]): Promise<RecordedFile[]> {
  const files: RecordedFile[] = [];
  for (const execution of executions)
    files.push({ name: execution.name, ...(await fetchRecorded(env, execution)) });
  return files;
}

/**
 * Each set's recorder owns its server, and fetches the histories before that server goes away. A set
 * without one (histories kept from an older workflow version, see docs/REPLAY.md) is only replayed.
 */
const RECORDERS: Partial<Record<HistorySetName, () => Promise<RecordedFile[]>>> = {
  smoke: async () => {
    const env = await createTestEnvironment();
    try {
      return await fetchAll(env, await recordSmoke(env));
    } finally {
      await env.teardown();
    }
  },
  cluster: async () => {
    const harness = await createUpgradeHarness('record-cluster', { statusRetentionMs: LONG_RETENTION_MS });
    try {
      return await fetchAll(harness.env, await recordCluster(harness));
    } finally {
      await harness.close();
    }
  },
  reindex: async () => {
    const harness = await createUpgradeHarness('record-reindex', { statusRetentionMs: LONG_RETENTION_MS });
    try {
      return await fetchAll(harness.env, await recordReindex(harness));
    } finally {
      await harness.close();
    }
  },
};

async function record(): Promise<void> {
  const wanted = new Set(process.argv.slice(2));
  const unknown = [...wanted].filter((set) => !(set in RECORDERS));
  if (unknown.length > 0) throw new Error(`no recorder for ${unknown.join(', ')}`);
  const sets = (Object.keys(RECORDERS) as HistorySetName[]).filter(
    (set) => wanted.size === 0 || wanted.has(set),
  );
  for (const set of sets) {
    const recorder = RECORDERS[set];
    if (!recorder) continue;
    const started = Date.now();
    const files = await recorder();
    writeSet(set, files);
    for (const file of files) console.log(`recorded ${set}/${file.name}.json (${file.events} events)`);
    console.log(`${set}: ${files.length} histories in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

record().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
