import { elasticsearchErrorBody, type ElasticsearchErrorBody } from '../elasticsearch/errors';

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
};
