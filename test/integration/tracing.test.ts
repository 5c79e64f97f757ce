import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { call } from './http-api-helpers';
import { bundleWorkflows, eventually, useUpgradeHarness } from '../support';
import { createHttpApi, type HttpApi } from '../../src/client/http-api/server';
import { ReindexService } from '../../src/client/service/reindex-service';
import { temporalClientInterceptors } from '../../src/observability/temporal-client-tracing';
import { startTracing, type Tracing } from '../../src/observability/tracing';
import { backingIndexWorkflowId, dataStreamWorkflowId } from '../../src/shared/names';
import { WORKFLOWS_PATH } from '../../src/worker/workflow-modules';
import { workflowSpanSinks } from '../../src/worker/worker-tracing';

const START_ROUTE = 'POST /_migration/reindex';
const TRACED_DS = 'traced-ds';

/** `span` and its ancestors, nearest first, by name, as far as the recorded spans reach. */
function ancestry(span: ReadableSpan, byId: ReadonlyMap<string, ReadableSpan>): string[] {
  const names: string[] = [];
  for (let at: ReadableSpan | undefined = span; at; at = byId.get(at.parentSpanId ?? '')) {
    names.push(at.name);
  }
  return names;
}

// One trace from the HTTP request that starts an upgrade to the Elasticsearch `_reindex` request that
// copies an index, through the workflow start, the data-stream workflow, the backing-index child and
// the activity: what an operator sees in Jaeger or Kibana APM when OTLP export is on.
describe('OpenTelemetry tracing', () => {
  const h = useUpgradeHarness('tracing', { worker: false });
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let api: HttpApi;
  /** The backing index the traced upgrade copied. */
  let tracedIndex = '';

  beforeAll(async () => {
    tracing = startTracing({ enabled: true, otlpTracesUrl: 'http://unused' }, 'ds-reindex-test', {
      exporter,
    });
    const { env, taskQueue } = h();
    const traced = new Client({
      connection: env.connection,
      namespace: env.namespace ?? 'default',
      interceptors: temporalClientInterceptors(tracing),
    });
    // Stopped by the harness, before it tears the server down.
    await h().startWorker({}, h().es, { tracing });
    api = await createHttpApi({
      service: new ReindexService({ temporal: traced, taskQueue, statusRetentionMs: 60_000 }),
      esConfig: { url: h().target.url, requestTimeoutMs: 30_000 },
      port: 0,
    });
  });

  afterAll(async () => {
    await api?.close();
    await tracing?.shutdown();
  });

  it('follows POST /_migration/reindex to the _reindex request in one tree', async () => {
    const ds = TRACED_DS;
    [tracedIndex] = await h().seed(ds, [{ docCount: 20 }]);
    const started = await call(api.url, 'POST', '/_migration/reindex', {
      body: JSON.stringify({ mode: 'upgrade', source: { index: ds } }),
    });
    expect(started.status).toBe(200);
    await h().completion(ds);

    // Workflow spans leave the sandbox when their workflow task completes: wait for the last one.
    const spans = await eventually(async () => {
      await tracing.spanProcessor.forceFlush();
      const all = exporter.getFinishedSpans();
      const done = all.some((span) => span.name === 'RunWorkflow:reindexDataStream');
      return done ? all : undefined;
    }, 'the data-stream workflow span');

    const http = spans.find((span) => span.name === START_ROUTE);
    expect(http).toBeDefined();
    if (!http) return;
    expect(http.kind).toBe(SpanKind.SERVER);
    expect(http.parentSpanId).toBeUndefined();
    expect(http.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/_migration/reindex',
      'http.response.status_code': 200,
    });
    const trace = spans.filter((span) => span.spanContext().traceId === http.spanContext().traceId);
    const byId = new Map(trace.map((span) => [span.spanContext().spanId, span]));
    // One tree: every span of the trace but the request's has its parent in the trace.
    for (const span of trace) {
      if (span !== http) expect(byId.has(span.parentSpanId ?? '')).toBe(true);
    }
    const names = new Set(trace.map((span) => span.name));
    for (const name of [
      'StartWorkflow:reindexDataStream',
      'RunWorkflow:reindexDataStream',
      'StartChildWorkflow:reindexBackingIndex',
      'RunWorkflow:reindexBackingIndex',
    ]) {
      expect(names).toContain(name);
    }
    const start = trace.find((span) => span.name === 'StartWorkflow:reindexDataStream');
    expect(start?.attributes.temporalWorkflowId).toBe(dataStreamWorkflowId(ds));

    // The client's own span for the copy, under the activity attempt that sent it.
    const reindex = trace.find((span) => span.name === 'reindex');
    expect(reindex?.kind).toBe(SpanKind.CLIENT);
    expect(reindex?.attributes).toMatchObject({
      'db.system': 'elasticsearch',
      'db.operation.name': 'reindex',
      'http.request.method': 'POST',
      'db.response.status_code': '200',
    });
    if (!reindex) return;
    const path = ancestry(reindex, byId);
    const activity = path[1].replace(/^RunActivity:/, '');
    expect(path).toEqual([
      'reindex',
      `RunActivity:${activity}`,
      `StartActivity:${activity}`,
      'RunWorkflow:reindexBackingIndex',
      'StartChildWorkflow:reindexBackingIndex',
      'RunWorkflow:reindexDataStream',
      'StartWorkflow:reindexDataStream',
      START_ROUTE,
    ]);
    expect(path[1]).toMatch(/^RunActivity:/);

    // No span of the run holds a credential: the client records no headers.
    for (const span of spans) {
      expect(
        Object.keys(span.attributes).filter((key) => /authorization|password|api.?key/i.test(key)),
      ).toEqual([]);
    }
  });

  it('adds no trace header to an upgrade started without tracing', async () => {
    const ds = 'untraced-ds';
    await h().seed(ds, [{ docCount: 5 }]);
    // The harness's service: a Temporal client without the tracing interceptors.
    await h().service.start(h().es, ds);
    await h().completion(ds);
    const history = await h().env.client.workflow.getHandle(dataStreamWorkflowId(ds)).fetchHistory();
    expect(JSON.stringify(history)).not.toContain('_tracer-data');
    const traced = await h().env.client.workflow.getHandle(dataStreamWorkflowId(TRACED_DS)).fetchHistory();
    expect(JSON.stringify(traced)).toContain('_tracer-data');
  });

  it("replays a traced run's history: the interceptors' commands are deterministic", async () => {
    const workflowBundle = await bundleWorkflows(WORKFLOWS_PATH);
    for (const workflowId of [
      dataStreamWorkflowId(TRACED_DS),
      backingIndexWorkflowId(TRACED_DS, tracedIndex),
    ]) {
      const history = await h().env.client.workflow.getHandle(workflowId).fetchHistory();
      await Worker.runReplayHistory(
        { workflowBundle, sinks: workflowSpanSinks(tracing) },
        history,
        workflowId,
      );
    }
  });
});
