/**
 * Temporal cost per backing index: history events, history bytes and Temporal Cloud billable actions.
 *
 *   npm run bench:cost [-- --indices 20 --docs 1000]
 *
 * Starts its own Temporal dev server (with its Prometheus endpoint on), an in-process sandbox with a data
 * stream of N old backing indices, and the real worker with production intervals; upgrades the data stream
 * through the service (unthrottled, one index at a time) and then reads every workflow history of the
 * upgrade (each data-stream run and each child). Actions are counted from the histories as the Temporal
 * Cloud Actions page defines them (https://docs.temporal.io/evaluate/cloud/actions); heartbeats and queries,
 * which leave no event, come from the dev server's own `action` counter, read before and after the upgrade.
 * Prints tables to paste into docs/benchmarks-log.md (and the current figures into BENCHMARKS.md's table).
 */
import { Client } from '@elastic/elasticsearch';
import type { Client as TemporalClient } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { startSandbox } from '@ds-reindex/es-sandbox';
import { bundleWorkflows, installQuietRuntime, LOCAL_TEMPORAL_CLI } from '../test/support/temporal-env';
import { loadConfig } from '../src/config';
import { ReindexService } from '../src/client/service/reindex-service';
import { MAX_REQUESTS_PER_SECOND_SETTING } from '../src/shared/migrate-settings';
import { dataStreamWorkflowId } from '../src/shared/names';
import { ALL_SEARCH_ATTRIBUTES } from '../src/shared/search-attributes';
import { createReindexWorker } from '../src/worker/create-worker';
import { WORKFLOWS_PATH } from '../src/worker/workflow-modules';
import type { reindexDataStream } from '../src/workflows';
import { freePort } from '../test/reliability/rig';
import { machineDescription, numberOption as option } from './bench-support';

const EventType = temporal.api.enums.v1.EventType;
type History = temporal.api.history.v1.IHistory;

/** The search attribute `patched()` sets; the Actions page exempts it. */
const CHANGE_VERSION_ATTRIBUTE = 'TemporalChangeVersion';

/** The dev server's `action` counter for the `default` namespace, by `action_type`. */
async function serverActions(metricsUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('action{')) continue;
    const labels = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    if (!labels.includes('namespace="default"') || !labels.includes('service_name="frontend"')) continue;
    const type = /action_type="([^"]+)"/.exec(labels)?.[1] ?? '?';
    counts.set(type, (counts.get(type) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** The counter once it has stopped moving: the server reports its metrics on an interval, not at once. */
async function settledServerActions(metricsUrl: string): Promise<Map<string, number>> {
  let previous = await serverActions(metricsUrl);
  for (let attempt = 0; attempt < 20; attempt += 1) {
    await new Promise((done) => setTimeout(done, 1000));
    const current = await serverActions(metricsUrl);
    const total = (counts: Map<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);
    if (total(current) === total(previous)) return current;
    previous = current;
  }
  return previous;
}

function difference(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const result = new Map<string, number>();
  for (const [type, count] of after) {
    const delta = count - (before.get(type) ?? 0);
    if (delta !== 0) result.set(type, delta);
  }
  return result;
}

/** Actions by what caused them. */
type Ledger = Map<string, number>;

function charge(ledger: Ledger, what: string, actions = 1): void {
  if (actions !== 0) ledger.set(what, (ledger.get(what) ?? 0) + actions);
}

/**
 * The billable actions that one history shows, by cause, per the Temporal Cloud Actions page:
 * a workflow start (client, continue-as-new, child), a child start's intent, each activity scheduled and
 * each retry, one per workflow task that recorded markers (local activities, `patched()`), each timer, each signal
 * received, each search-attribute upsert (not `TemporalChangeVersion` alone), each update accepted.
 */
function historyActions(history: History, workflowKind: string, ledger: Ledger): void {
  const events = history.events ?? [];
  const activityTypes = new Map<string, string>();
  let markersSinceTaskCompleted = false;
  for (const event of events) {
    const type = event.eventType;
    if (type === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) {
      const attributes = event.workflowExecutionStartedEventAttributes;
      const how = attributes?.parentWorkflowExecution
        ? 'child workflow started (the start attempt)'
        : attributes?.continuedExecutionRunId
          ? 'workflow continued as new'
          : 'workflow started by the client';
      charge(ledger, `${workflowKind}: ${how}`);
    } else if (type === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) {
      charge(ledger, `${workflowKind}: child workflow start recorded (the intent)`);
    } else if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const name = event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
      activityTypes.set(String(event.eventId), name);
      charge(ledger, `${workflowKind}: activity ${name}`);
    } else if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const attributes = event.activityTaskStartedEventAttributes;
      const name = activityTypes.get(String(attributes?.scheduledEventId)) ?? '?';
      charge(
        ledger,
        `${workflowKind}: activity ${name} retried`,
        Math.max(0, (attributes?.attempt ?? 1) - 1),
      );
    } else if (type === EventType.EVENT_TYPE_MARKER_RECORDED) {
      markersSinceTaskCompleted = true;
    } else if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
      // Markers follow the task that recorded them; one action per task however many it recorded.
      const retries =
        Number(
          event.workflowTaskCompletedEventAttributes?.meteringMetadata
            ?.nonfirstLocalActivityExecutionAttempts,
        ) || 0;
      charge(ledger, `${workflowKind}: local activities retried`, retries);
    } else if (type === EventType.EVENT_TYPE_TIMER_STARTED) {
      charge(ledger, `${workflowKind}: timer`);
    } else if (type === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) {
      charge(
        ledger,
        `${workflowKind}: signal ${event.workflowExecutionSignaledEventAttributes?.signalName ?? '?'}`,
      );
    } else if (type === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES) {
      const fields = Object.keys(
        event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
      );
      if (fields.some((field) => field !== CHANGE_VERSION_ATTRIBUTE))
        charge(ledger, `${workflowKind}: search attributes upserted`);
    } else if (type === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) {
      charge(ledger, `${workflowKind}: update accepted`);
    }
    if (
      type !== EventType.EVENT_TYPE_MARKER_RECORDED &&
      type !== EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    ) {
      if (markersSinceTaskCompleted)
        charge(ledger, `${workflowKind}: markers: local activities, patches (one per workflow task)`);
      markersSinceTaskCompleted = false;
    }
  }
  if (markersSinceTaskCompleted)
    charge(ledger, `${workflowKind}: markers: local activities, patches (one per workflow task)`);
}

interface Execution {
  workflowId: string;
  runId: string;
  kind: 'data-stream workflow' | 'index workflow';
  history: History;
  bytes: number;
  events: number;
}

async function upgradeExecutions(client: TemporalClient, dataStream: string): Promise<Execution[]> {
  const parentId = dataStreamWorkflowId(dataStream);
  const executions: Execution[] = [];
  for await (const listed of client.workflow.list()) {
    if (listed.workflowId !== parentId && !listed.workflowId.startsWith(`${parentId}/`)) continue;
    const history = await client.workflow.getHandle(listed.workflowId, listed.runId).fetchHistory();
    executions.push({
      workflowId: listed.workflowId,
      runId: listed.runId,
      kind: listed.workflowId === parentId ? 'data-stream workflow' : 'index workflow',
      history,
      bytes: temporal.api.history.v1.History.encode(history).finish().length,
      events: history.events?.length ?? 0,
    });
  }
  return executions;
}

const perIndex = (value: number, indices: number): string => (value / indices).toFixed(2);

async function run(): Promise<void> {
  const indices = option('indices', 20);
  const docs = option('docs', 1000);
  const dataStream = 'bench-cost';
  installQuietRuntime();
  const metricsPort = await freePort();
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: process.env.TEMPORAL_CLI_PATH ?? LOCAL_TEMPORAL_CLI },
      searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
      extraArgs: ['--headless', '--log-level', 'error', '--metrics-port', String(metricsPort)],
    },
  });
  const sandbox = await startSandbox({ port: 0 });
  const es = new Client({ node: sandbox.url, maxRetries: 0 });
  try {
    await sandbox.controls.seedDataStream({
      name: dataStream,
      backingIndices: Array.from({ length: indices }, () => ({ docCount: docs })),
    });
    await es.cluster.putSettings({ persistent: { [MAX_REQUESTS_PER_SECOND_SETTING]: -1 } });
    const taskQueue = 'bench-cost';
    const worker = await createReindexWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      es,
      temporal: env.client,
      worker: loadConfig({}).worker,
      workflowBundle: await bundleWorkflows(WORKFLOWS_PATH),
    });
    const service = new ReindexService({ temporal: env.client, taskQueue, statusRetentionMs: 1 });
    sandbox.controls.resetCounters();
    const before = await settledServerActions(metricsUrl);
    await worker.runUntil(async () => {
      await service.start(es, dataStream);
      const result = await env.client.workflow
        .getHandle<typeof reindexDataStream>(dataStreamWorkflowId(dataStream))
        .result();
      if (result.successes !== indices) throw new Error(`upgrade finished ${result.successes} of ${indices}`);
    });
    const fromServer = difference(await settledServerActions(metricsUrl), before);
    const esRequests = Object.values(sandbox.controls.requestCounts()).reduce((a, b) => a + b, 0);

    const executions = await upgradeExecutions(env.client, dataStream);
    const children = executions.filter((execution) => execution.kind === 'index workflow');
    if (children.length !== indices)
      throw new Error(`found ${children.length} index workflows of ${indices}`);
    const ledger: Ledger = new Map();
    for (const execution of executions) historyActions(execution.history, execution.kind, ledger);
    const heartbeats = fromServer.get('grpc_RecordActivityTaskHeartbeat') ?? 0;
    const queries = fromServer.get('grpc_QueryWorkflow') ?? 0;
    charge(ledger, 'activity heartbeats that reached the server (no event; server counter)', heartbeats);
    charge(ledger, 'queries (no event; server counter)', queries);

    const total = [...ledger.values()].reduce((a, b) => a + b, 0);
    const sumOf = (list: Execution[], key: 'bytes' | 'events'): number =>
      list.reduce((a, execution) => a + execution[key], 0);
    const parents = executions.filter((execution) => execution.kind === 'data-stream workflow');
    const longest = Math.max(...executions.map((execution) => execution.events));

    console.log(`\nmachine: ${machineDescription()}`);
    console.log(
      `${indices} backing indices × ${docs} documents, sandbox, unthrottled, concurrency 1, production intervals; ` +
        `${parents.length} data-stream run(s), ${children.length} index workflows\n`,
    );
    console.log('| per backing index | value |');
    console.log('| --- | ---: |');
    console.log(`| **billable actions** (goal ≤ 15) | **${perIndex(total, indices)}** |`);
    console.log(`| history events, all workflows | ${perIndex(sumOf(executions, 'events'), indices)} |`);
    console.log(`| of which in the index workflow | ${perIndex(sumOf(children, 'events'), indices)} |`);
    console.log(`| history bytes, all workflows | ${perIndex(sumOf(executions, 'bytes'), indices)} |`);
    console.log(`| of which in the index workflow | ${perIndex(sumOf(children, 'bytes'), indices)} |`);
    console.log(`| Elasticsearch requests | ${perIndex(esRequests, indices)} |`);
    console.log(`| longest history of any run (events) | ${longest} |`);
    console.log('\nWhere the actions go (per backing index):\n');
    console.log('| cause | actions per index | share |');
    console.log('| --- | ---: | ---: |');
    for (const [what, count] of [...ledger].sort((a, b) => b[1] - a[1])) {
      console.log(`| ${what} | ${perIndex(count, indices)} | ${((100 * count) / total).toFixed(1)} % |`);
    }
    console.log(`| **total** | **${perIndex(total, indices)}** | 100 % |`);
    const serverTotal = [...fromServer.values()].reduce((a, b) => a + b, 0);
    console.log(
      `\nThe dev server's own \`action\` counter (frontend, namespace default), for comparison: ` +
        `${perIndex(serverTotal, indices)} per index\n`,
    );
    console.log('| action_type | per index |');
    console.log('| --- | ---: |');
    for (const [type, count] of [...fromServer].sort((a, b) => b[1] - a[1])) {
      console.log(`| ${type} | ${perIndex(count, indices)} |`);
    }
  } finally {
    await es.close();
    await sandbox.close();
    await env.teardown();
  }
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
