import { elasticsearchErrorBody, type ElasticsearchErrorBody } from '../../elasticsearch/errors';

/** An error the API answers in Elasticsearch's shape: the status, `error.type` and `error.reason`. */
export class ElasticsearchApiError extends Error {
  override readonly name = 'ElasticsearchApiError';
  constructor(
    readonly status: number,
    readonly type: string,
    readonly reason: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(reason);
  }

  toBody(): ElasticsearchErrorBody {
    return elasticsearchErrorBody(this.status, this.type, this.reason, this.extra);
  }
}

/** Elasticsearch's action names for the three endpoints, as its 400s and 403s name them. */
export const REINDEX_ACTIONS = {
  start: 'indices:admin/data_stream/reindex',
  status: 'indices:admin/migration/reindex_status',
  cancel: 'indices:admin/data_stream/reindex_cancel',
} as const;

/**
 * The three endpoints take one concrete data stream name. Elasticsearch refuses `_all` and wildcards
 * while it authorizes the request (so only with security on; without it they are a 404), with these
 * messages. No data stream can be named with a `*` or `_all`, so ds-reindex refuses them the same way
 * whether or not the cluster has security. A comma is left alone: the name is never split, and a
 * comma-separated name is simply a data stream (or task) that does not exist.
 */
export function requireConcreteDataStreamName(action: string, name: string): void {
  if (name === '_all') {
    throw new ElasticsearchApiError(
      400,
      'illegal_argument_exception',
      `the action ${action} does not support accessing all indices; the provided index expression [${name}] is not allowed`,
    );
  }
  if (name.includes('*')) {
    throw new ElasticsearchApiError(
      400,
      'illegal_argument_exception',
      `the action ${action} does not support wildcards; the provided index expression(s) [${name}] are not allowed`,
    );
  }
}

export const apiErrors = {
  dataStreamNotFound: (name: string) =>
    new ElasticsearchApiError(
      404,
      'resource_not_found_exception',
      `Data stream named [${name}] does not exist`,
    ),
  taskAlreadyExists: (name: string) =>
    new ElasticsearchApiError(
      400,
      'resource_already_exists_exception',
      `Reindex task for data stream [${name}] already exists`,
    ),
  noStatus: (name: string) =>
    new ElasticsearchApiError(
      404,
      'resource_not_found_exception',
      `No migration reindex status found for [${name}]`,
    ),
  noTaskToCancel: (taskId: string) =>
    new ElasticsearchApiError(
      404,
      'resource_not_found_exception',
      `the task with id ${taskId} doesn't exist`,
    ),
  /** Pause and resume are ds-reindex's own; they answer in Elasticsearch's shape all the same. */
  noRunningUpgrade: (name: string) =>
    new ElasticsearchApiError(
      404,
      'resource_not_found_exception',
      `No running migration reindex found for [${name}] to pause or resume`,
    ),
  /** The upgrade's workflow refused a pause or resume (e.g. a resume of what is not paused), in its words. */
  pauseRefused: (name: string, action: 'pause' | 'resume', reason: string) =>
    new ElasticsearchApiError(
      409,
      'status_exception',
      `cannot ${action} the migration reindex of [${name}]: ${reason}`,
    ),
  /** A `verify` that is not a mode, from the request or the cluster's default. */
  invalidVerifyMode: (reason: string) => new ElasticsearchApiError(400, 'illegal_argument_exception', reason),
  cannotPause: (name: string) =>
    new ElasticsearchApiError(
      400,
      'illegal_argument_exception',
      `the migration reindex of [${name}] was started by an older ds-reindex that cannot pause; cancel and start it again to pause it`,
    ),
};
