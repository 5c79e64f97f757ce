import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  BasicTracerProvider,
} from '@opentelemetry/sdk-trace-base';
import { ConfigError, loadConfig } from '../../src/config';
import { RedactingSpanProcessor, withoutCredentials } from '../../src/observability/span-redaction';

describe('tracing configuration (OTEL_*)', () => {
  it('is off by default, and on only when an OTLP exporter is asked for', () => {
    expect(loadConfig({}).tracing).toEqual({
      enabled: false,
      otlpTracesUrl: 'http://localhost:4318/v1/traces',
      serviceName: undefined,
    });
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp' }).tracing.enabled).toBe(true);
    const byEndpoint = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing;
    expect(byEndpoint).toMatchObject({ enabled: true, otlpTracesUrl: 'http://collector:4318/v1/traces' });
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://apm:8200/v1/traces', OTEL_SERVICE_NAME: 'x' })
        .tracing,
    ).toEqual({ enabled: true, otlpTracesUrl: 'https://apm:8200/v1/traces', serviceName: 'x' });
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing
        .enabled,
    ).toBe(false);
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).tracing.enabled).toBe(
      false,
    );
  });

  it('refuses what it cannot honour', () => {
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(
      'OTEL_TRACES_EXPORTER must be otlp or none, got [zipkin]',
    );
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(ConfigError);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      'OTEL_EXPORTER_OTLP_ENDPOINT [collector:4318] must be http:// or https://',
    );
  });
});

describe('spans leave the process without credentials', () => {
  it('takes user and password out of a URL', () => {
    expect(withoutCredentials('https://elastic:s3cret@es:9200/')).toBe('https://es:9200/');
    expect(withoutCredentials('http://es:9200/')).toBe('http://es:9200/');
    expect(withoutCredentials('not a url')).toBe('not a url');
  });

  it("redacts the Elasticsearch client's url.full before any exporter sees it", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new RedactingSpanProcessor(new SimpleSpanProcessor(exporter))],
    });
    const span = provider.getTracer('t').startSpan('search');
    span.setAttribute('url.full', 'http://elastic:s3cret@es:9200/');
    span.end();
    await provider.forceFlush();
    expect(exporter.getFinishedSpans()[0].attributes['url.full']).toBe('http://es:9200/');
    await provider.shutdown();
  });
});
