import { errors } from '@elastic/elasticsearch';

/** Elasticsearch's error body, as every REST error carries it. */
export interface ElasticsearchErrorBody {
  error: { root_cause: ElasticsearchErrorCause[]; type: string; reason: string; [key: string]: unknown };
  status: number;
}

export interface ElasticsearchErrorCause {
  type: string;
  reason: string;
  [key: string]: unknown;
}

/** Builds Elasticsearch's error body; `extra` adds fields such as `index` to the cause. */
export function elasticsearchErrorBody(
  status: number,
  type: string,
  reason: string,
  extra: Record<string, unknown> = {},
): ElasticsearchErrorBody {
  const cause = { type, reason, ...extra };
  return { error: { root_cause: [cause], ...cause }, status };
}

/** The HTTP status of an Elasticsearch client error, if it got as far as a response. */
export function statusCodeOf(err: unknown): number | undefined {
  return err instanceof errors.ResponseError ? err.statusCode : undefined;
}

/** The `error.type` of an Elasticsearch response error, e.g. `index_not_found_exception`. */
export function errorTypeOf(err: unknown): string | undefined {
  if (!(err instanceof errors.ResponseError)) return undefined;
  const body: unknown = err.body;
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'object' && error !== null && typeof (error as { type?: unknown }).type === 'string') {
    return (error as { type: string }).type;
  }
  return undefined;
}

/** The `error` of a response body: its `reason` when it is an object, itself when it is a string. */
function bodyReason(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'string') return error;
  if (typeof error !== 'object' || error === null) return undefined;
  const reason = (error as { reason?: unknown }).reason;
  return typeof reason === 'string' ? reason : undefined;
}

/** A one-line reason for any error: Elasticsearch's own `reason` when there is one. */
export function reasonOf(err: unknown): string {
  if (err instanceof errors.ResponseError) {
    return bodyReason(err.body) ?? `HTTP ${err.statusCode ?? '?'} from Elasticsearch`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Failures worth retrying: the cluster is busy (429), restarting or unreachable (502/503/504, lost
 * connections, timeouts). Everything else is an answer that a retry would only repeat.
 */
export function isTransientElasticsearchError(err: unknown): boolean {
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError) return true;
  if (err instanceof errors.NoLivingConnectionsError) return true;
  const status = statusCodeOf(err);
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/**
 * `GET _tasks/<id>?wait_for_completion=true&timeout=...` on a task that is still running when the timeout
 * ends: 8.19 answers 500 `timeout_exception`. Asked of another node than the task's, the node forwards
 * the wait with the same timeout and answers 500 `receive_timeout_transport_exception` for its
 * `[cluster:monitor/task/get]` request instead (seen on a real three-node 8.19.21). Exactly those, and
 * nothing else, mean "still running".
 */
export function isTaskWaitTimeout(err: unknown): boolean {
  if (statusCodeOf(err) !== 500) return false;
  const type = errorTypeOf(err);
  if (type === 'timeout_exception') return true;
  return (
    type === 'receive_timeout_transport_exception' && reasonOf(err).includes('[cluster:monitor/task/get]')
  );
}

export function isIndexNotFound(err: unknown): boolean {
  return errorTypeOf(err) === 'index_not_found_exception';
}

export function isNotFound(err: unknown): boolean {
  return statusCodeOf(err) === 404;
}
