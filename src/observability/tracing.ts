/**
 * OpenTelemetry tracing for one process. When the configuration turns it on, a tracer provider exporting
 * over OTLP/HTTP is registered globally, so the Elasticsearch client's own spans, Temporal's interceptors
 * and the HTTP API's request spans all reach it. Otherwise nothing is registered: every span is the API's
 * no-op, and nothing is sent anywhere.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { TracingConfig } from '../config';
import { RedactingSpanProcessor } from './span-redaction';

export interface Tracing {
  /** Whether spans are recorded and exported. */
  readonly enabled: boolean;
  /** Where finished spans go; the worker hands it the workflow spans recorded in the sandbox too. */
  readonly spanProcessor: SpanProcessor;
  /** `service.name` and the SDK's attributes, on every span of this process. */
  readonly resource: Resource;
  /** Sends what is still buffered and unregisters the provider; call before the process exits. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Where spans go instead of OTLP (tests use an in-memory exporter); only when tracing is enabled. */
  exporter?: SpanExporter;
}

/** No tracing: spans are the API's no-ops, and any that arrive (workflow spans) are dropped. */
export const TRACING_OFF: Tracing = {
  enabled: false,
  spanProcessor: new NoopSpanProcessor(),
  resource: Resource.default(),
  shutdown: async () => {},
};

/** Tracing as `config` asks for it, for the process named `service` (`ds-reindex-worker`, ...). */
export function startTracing(config: TracingConfig, service: string, options: TracingOptions = {}): Tracing {
  if (!config.enabled) return TRACING_OFF;
  const resource = Resource.default().merge(new Resource({ 'service.name': config.serviceName ?? service }));
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: config.otlpTracesUrl });
  const spanProcessor = new RedactingSpanProcessor(new BatchSpanProcessor(exporter));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Also installs the async-hooks context manager (so an activity's span is the parent of the client
  // spans it causes) and the W3C trace-context propagator.
  provider.register();
  return {
    enabled: true,
    spanProcessor,
    resource,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
