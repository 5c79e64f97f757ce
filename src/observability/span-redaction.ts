import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** The attribute in which the Elasticsearch client records the node's URL, as configured. */
const URL_ATTRIBUTE = 'url.full';

/** `url` without a `user:password@` part; anything that is not a URL is left as it is. */
export function withoutCredentials(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}

/**
 * Hands every span on to `next` with credentials taken out of its URL. The Elasticsearch client records
 * each request's node URL as given, and `ES_URL` may carry `user:password@`: spans leave the process, so
 * no secret may ride in one. (The client records no headers, so `Authorization` never appears.)
 */
export class RedactingSpanProcessor implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const url = span.attributes[URL_ATTRIBUTE];
    if (typeof url === 'string') span.attributes[URL_ATTRIBUTE] = withoutCredentials(url);
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}
