import { ElasticsearchApiError } from '../service/api-error';
import { PlainErrorAnswer } from './answers';
import { applyFilterPath } from './filter-path';
import { withHumanReadableFields } from './human-readable';
import { jsonText } from './json-text';

/**
 * The parameters every Elasticsearch endpoint takes, applied here to every answer of every route
 * (Elasticsearch's and ds-reindex's own), errors included, as Elasticsearch's REST layer applies them.
 */
export interface CommonParams {
  pretty: boolean;
  human: boolean;
  errorTrace: boolean;
  /** The raw `filter_path`, or null. */
  filterPath: string | null;
}

/** The query parameters every route accepts. */
export const COMMON_QUERY_PARAMS = ['pretty', 'human', 'error_trace', 'filter_path'] as const;

const NOT_A_BOOLEAN = (value: string): string =>
  `Failed to parse value [${value}] as only [true] or [false] are allowed.`;

/** `paramAsBoolean`: absent is false, present without a value or `true` is true, `false` is false. */
function strictFlag(query: URLSearchParams, name: string): boolean | string {
  const value = query.get(name);
  if (value === null || value === 'false') return false;
  if (value === '' || value === 'true') return true;
  return value;
}

/**
 * Reads the four parameters with Elasticsearch's refusals: a bad `error_trace` is its REST controller's
 * plain 400, a bad `pretty` or `human` its channel's `illegal_argument_exception`, both answered compact.
 */
export function readCommonParams(query: URLSearchParams): CommonParams {
  const errorTrace = strictFlag(query, 'error_trace');
  if (typeof errorTrace === 'string') throw new PlainErrorAnswer(400, NOT_A_BOOLEAN(errorTrace));
  const pretty = strictFlag(query, 'pretty');
  const human = strictFlag(query, 'human');
  for (const flag of [pretty, human]) {
    if (typeof flag === 'string') {
      throw new ElasticsearchApiError(400, 'illegal_argument_exception', NOT_A_BOOLEAN(flag));
    }
  }
  return {
    pretty: pretty === true,
    human: human === true,
    errorTrace: errorTrace === true,
    filterPath: query.get('filter_path'),
  };
}

/** The parameters as far as they can be read, for answering the refusal of a bad one. */
export const PLAIN_PARAMS: CommonParams = {
  pretty: false,
  human: false,
  errorTrace: false,
  filterPath: null,
};

/** A success body as sent: readable twins with `human`, then `filter_path`, then `pretty`. */
export function successText(body: unknown, params: CommonParams): string {
  const readable = params.human ? withHumanReadableFields(body) : body;
  return jsonText(applyFilterPath(readable, params.filterPath), params.pretty);
}

/** An error object of Elasticsearch's shape, with `stack_trace` last on it and on each of its causes. */
function withStackTrace(error: unknown, stack: string): unknown {
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return error;
  const traced: Record<string, unknown> = { ...(error as Record<string, unknown>) };
  if (Array.isArray(traced.root_cause)) {
    traced.root_cause = traced.root_cause.map((cause: unknown) => withStackTrace(cause, stack));
  }
  if (traced.caused_by !== undefined) traced.caused_by = withStackTrace(traced.caused_by, stack);
  if (traced.stack_trace === undefined) traced.stack_trace = stack;
  return traced;
}

function stackOf(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

/**
 * An error body as sent: never filtered (Elasticsearch builds error bodies without `filter_path`), pretty
 * when asked, and with `error_trace` the stack trace where the error was raised; without it none.
 */
export function errorText(body: unknown, params: CommonParams, err: unknown): string {
  let sent = body;
  if (params.errorTrace && typeof body === 'object' && body !== null && 'error' in body) {
    const { error, ...rest } = body as { error: unknown } & Record<string, unknown>;
    sent = { error: withStackTrace(error, stackOf(err)), ...rest };
  }
  return jsonText(sent, params.pretty);
}
