/**
 * The workflow side of OpenTelemetry tracing, bundled with the workflows (`WORKFLOW_INTERCEPTOR_MODULES`
 * in src/worker/workflow-modules.ts). Not a workflow: interceptors, registered on every workflow run.
 *
 * A run is traced only when its start carries a trace context, which a traced client (or a traced parent,
 * or the previous run of a continue-as-new) puts in its `_tracer-data` header. Then Temporal's own
 * interceptors make the workflow, child and activity spans and pass the context on in the headers of
 * what the run schedules. Otherwise every call goes straight through: no span, no header, no SDK flag, so
 * an untraced run's history is exactly what it was before tracing existed, and so is its replay.
 */
import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type {
  ActivityInput,
  ContinueAsNewInput,
  DisposeInput,
  GetLogAttributesInput,
  LocalActivityInput,
  Next,
  QueryInput,
  SignalInput,
  SignalWorkflowInput,
  StartChildWorkflowExecutionInput,
  UpdateInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import type * as TemporalOpenTelemetry from '@temporalio/interceptors-opentelemetry/lib/workflow';

/** The header Temporal's OpenTelemetry interceptors carry the trace context in. */
const TRACE_HEADER = '_tracer-data';

/** Whether `headers` carry a W3C trace context (a `traceparent`), not just the header. */
export function carriesTraceContext(headers: Headers): boolean {
  const payload = headers[TRACE_HEADER];
  if (payload === undefined) return false;
  const carrier = defaultPayloadConverter.fromPayload<unknown>(payload);
  return (
    typeof carrier === 'object' &&
    carrier !== null &&
    typeof (carrier as Record<string, unknown>).traceparent === 'string'
  );
}

/**
 * Temporal's OpenTelemetry workflow module, loaded by the first traced call of a run. The SDK evaluates a
 * workflow's modules again for every workflow it creates, and this one is most of the bundle (about 150
 * of its 270 modules): imported at the top, every untraced workflow paid for it, 4 % of a worker's CPU
 * per index (docs/benchmarks-log.md, 2026-12-07).
 */
function loadTemporalOpenTelemetry(): typeof TemporalOpenTelemetry {
  // A require, not an import: webpack bundles it, and runs it only when this line runs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@temporalio/interceptors-opentelemetry/lib/workflow') as typeof TemporalOpenTelemetry;
}

/** Temporal's interceptors, made only when first needed: making them registers a tracer in the sandbox. */
class Tracer {
  private made?: {
    inbound: TemporalOpenTelemetry.OpenTelemetryInboundInterceptor;
    outbound: TemporalOpenTelemetry.OpenTelemetryOutboundInterceptor;
    internals: TemporalOpenTelemetry.OpenTelemetryInternalsInterceptor;
  };
  /** Whether this run's own start was traced: then what it schedules is traced too. */
  runTraced = false;

  get otel() {
    if (this.made === undefined) {
      const otel = loadTemporalOpenTelemetry();
      this.made = {
        inbound: new otel.OpenTelemetryInboundInterceptor(),
        outbound: new otel.OpenTelemetryOutboundInterceptor(),
        internals: new otel.OpenTelemetryInternalsInterceptor(),
      };
    }
    return this.made;
  }

  get used(): boolean {
    return this.made !== undefined;
  }
}

/** Calls into the run: traced when the call itself carries a trace context. */
function inbound(tracer: Tracer): WorkflowInboundCallsInterceptor {
  return {
    execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
      if (!carriesTraceContext(input.headers)) return next(input);
      tracer.runTraced = true;
      return tracer.otel.inbound.execute(input, next);
    },
    handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) {
      if (!carriesTraceContext(input.headers)) return next(input);
      return tracer.otel.inbound.handleSignal(input, next);
    },
    handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>) {
      if (!carriesTraceContext(input.headers)) return next(input);
      return tracer.otel.inbound.handleUpdate(input, next);
    },
    validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>) {
      if (!carriesTraceContext(input.headers)) return next(input);
      return tracer.otel.inbound.validateUpdate(input, next);
    },
    handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>) {
      if (!carriesTraceContext(input.headers)) return next(input);
      return tracer.otel.inbound.handleQuery(input, next);
    },
  };
}

type Outbound = Required<WorkflowOutboundCallsInterceptor>;

/** Calls out of the run: traced (and given the trace context) when the run is. */
function outbound(tracer: Tracer): WorkflowOutboundCallsInterceptor {
  return {
    scheduleActivity: (input: ActivityInput, next: Next<Outbound, 'scheduleActivity'>) =>
      tracer.runTraced ? tracer.otel.outbound.scheduleActivity(input, next) : next(input),
    scheduleLocalActivity: (input: LocalActivityInput, next: Next<Outbound, 'scheduleLocalActivity'>) =>
      tracer.runTraced ? tracer.otel.outbound.scheduleLocalActivity(input, next) : next(input),
    startChildWorkflowExecution: (
      input: StartChildWorkflowExecutionInput,
      next: Next<Outbound, 'startChildWorkflowExecution'>,
    ) => (tracer.runTraced ? tracer.otel.outbound.startChildWorkflowExecution(input, next) : next(input)),
    signalWorkflow: (input: SignalWorkflowInput, next: Next<Outbound, 'signalWorkflow'>) =>
      tracer.runTraced ? tracer.otel.outbound.signalWorkflow(input, next) : next(input),
    continueAsNew: (input: ContinueAsNewInput, next: Next<Outbound, 'continueAsNew'>) =>
      tracer.runTraced ? tracer.otel.outbound.continueAsNew(input, next) : next(input),
    // Log lines of a traced run carry its trace and span ids.
    getLogAttributes: (input: GetLogAttributesInput, next: Next<Outbound, 'getLogAttributes'>) =>
      tracer.used ? tracer.otel.outbound.getLogAttributes(input, next) : next(input),
  };
}

function internals(tracer: Tracer): WorkflowInternalsInterceptor {
  return {
    dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>) {
      if (!tracer.used) return next(input);
      // Temporal's is async in name only: it releases the sandbox's context manager, then calls next.
      void tracer.otel.internals.dispose(input, next);
    },
  };
}

export const interceptors = (): WorkflowInterceptors => {
  const tracer = new Tracer();
  return { inbound: [inbound(tracer)], outbound: [outbound(tracer)], internals: [internals(tracer)] };
};
