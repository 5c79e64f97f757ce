import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import type { Tracing } from './tracing';

/**
 * A Temporal client's interceptors for `tracing`: with it on, each workflow start, signal, query, update
 * and cancel is a span, and the start carries the trace context to the workflow in a header (which is
 * what turns the workflow side's tracing on). With it off, none: no header, so workflows run untraced.
 */
export function temporalClientInterceptors(tracing: Tracing): ClientInterceptors {
  return tracing.enabled ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : {};
}
