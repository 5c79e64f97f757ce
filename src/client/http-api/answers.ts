import { ElasticsearchApiError } from '../service/api-error';
import type { ElasticsearchErrorBody } from '../../elasticsearch/errors';

/** One link of an Elasticsearch `caused_by` chain. */
export interface ErrorCause {
  type: string;
  reason: string;
  caused_by?: ErrorCause;
}

/**
 * An Elasticsearch error with a `caused_by` chain, as its parsers answer (`failed to parse field [source]`
 * caused by `Required [index]`). The root cause is the outer exception, as Elasticsearch reports for
 * parse errors, and it does not repeat the chain.
 */
export class CausedElasticsearchApiError extends ElasticsearchApiError {
  constructor(
    status: number,
    type: string,
    reason: string,
    readonly causedBy: ErrorCause,
  ) {
    super(status, type, reason);
  }

  override toBody(): ElasticsearchErrorBody {
    return {
      error: {
        root_cause: [{ type: this.type, reason: this.reason }],
        type: this.type,
        reason: this.reason,
        caused_by: this.causedBy,
      },
      status: this.status,
    };
  }
}

/**
 * Errors Elasticsearch's REST layer answers before any handler runs, with a bare string as `error`:
 * `no handler found for uri [..]` (without `status`), `Incorrect HTTP method ..` and the content-type
 * refusals (with it).
 */
export class PlainErrorAnswer extends Error {
  override readonly name = 'PlainErrorAnswer';
  constructor(
    readonly status: number,
    readonly text: string,
    readonly options: { includeStatus: boolean; headers?: Record<string, string> } = { includeStatus: true },
  ) {
    super(text);
  }

  toBody(): Record<string, unknown> {
    return this.options.includeStatus ? { error: this.text, status: this.status } : { error: this.text };
  }
}

/** Elasticsearch answers an oversized request with an empty 413 and closes the connection. */
export class RequestTooLargeAnswer extends Error {
  override readonly name = 'RequestTooLargeAnswer';
  readonly status = 413;
}
