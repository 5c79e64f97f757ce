/**
 * A server span around each request the HTTP API answers, so a trace starts at `POST /_migration/reindex`
 * (or continues the caller's, when its request carries a `traceparent`). With tracing off the span is the
 * API's no-op. Records the method, the path, the matched route and the status: never headers, never a
 * query string, never a body.
 */
import type { IncomingMessage } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const TRACER_NAME = 'ds-reindex';

/** Runs `answer` (which returns the status sent) inside a server span for `req`. */
export function traceRequest(req: IncomingMessage, answer: () => Promise<number>): Promise<number> {
  const method = req.method ?? 'GET';
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const attributes = {
    'http.request.method': method,
    'url.path': new URL(req.url ?? '/', 'http://localhost').pathname,
    'url.scheme': 'http',
  };
  return trace
    .getTracer(TRACER_NAME)
    .startActiveSpan(method, { kind: SpanKind.SERVER, attributes }, parent, async (span) => {
      try {
        const status = await answer();
        span.setAttribute('http.response.status_code', status);
        // Server spans fail on 5xx only: a 4xx is the caller's mistake, answered as designed.
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        return status;
      } catch (err) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    });
}

/** Names the current request's span after the route it matched (`POST /_migration/reindex/{name}/_cancel`). */
export function requestRouted(method: string, route: string): void {
  const span = trace.getSpan(context.active());
  span?.updateName(`${method} ${route}`);
  span?.setAttribute('http.route', route);
}
