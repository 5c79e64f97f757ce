/**
 * The worker's part of tracing: a span around every activity attempt, child of the span that scheduled
 * it (so the Elasticsearch client's spans of that attempt hang under it), and the sink through which the
 * workflow sandbox hands out the spans it records.
 */
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { OpenTelemetryWorkflowExporter } from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { Tracing } from '../observability/tracing';

/** A span per activity attempt; none when tracing is off. */
export function tracingActivityInterceptors(tracing: Tracing): ActivityInterceptorsFactory[] {
  if (!tracing.enabled) return [];
  return [
    (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
  ];
}

/**
 * The `exporter` sink the workflow interceptors send their spans to. Registered even with tracing off
 * (spans then dropped), since a run started by a traced client records spans whatever this worker does,
 * and a call to a sink the worker lacks is logged as an error at every workflow task.
 */
export function workflowSpanSinks(
  tracing: Tracing,
): InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }> {
  return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
}
