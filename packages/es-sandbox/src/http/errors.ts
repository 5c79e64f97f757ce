import type { Json, JsonObject } from './json';

/** Extra fields ES puts beside `type` and `reason` (index, index_uuid, resource.id, ...). */
export type ErrorFields = { [key: string]: Json };

export interface ErrorCause extends ErrorFields {
  type: string;
  reason: string;
}

/** An error the sandbox answers with, shaped exactly like Elasticsearch's. */
export class EsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly reason: string,
    readonly extra: ErrorFields = {},
    readonly causedBy?: ErrorCause,
  ) {
    super(reason);
  }

  /** The cause object as it appears inside `error`, bulk items and reindex failures. */
  toCause(): ErrorCause {
    const cause: ErrorCause = { type: this.type, reason: this.reason, ...this.extra };
    if (this.causedBy) cause.caused_by = this.causedBy;
    return cause;
  }

  body(): JsonObject {
    const rootCause: ErrorCause = { type: this.type, reason: this.reason, ...this.extra };
    return { error: { root_cause: [rootCause], ...this.toCause() }, status: this.status };
  }
}

export const illegalArgument = (reason: string, causedBy?: ErrorCause): EsError =>
  new EsError(400, 'illegal_argument_exception', reason, {}, causedBy);

export const indexNotFound = (name: string): EsError =>
  new EsError(404, 'index_not_found_exception', `no such index [${name}]`, {
    'resource.type': 'index_or_alias',
    'resource.id': name,
    index_uuid: '_na_',
    index: name,
  });

/** What the delete-index API answers for a data stream's name: it resolves indices only. */
export const dataStreamExcluded = (name: string): EsError =>
  new EsError(404, 'index_not_found_exception', `no such index [${name}]`, {
    'resource.type': 'index_or_alias',
    excluded_ds: 'true',
    'resource.id': name,
    index_uuid: '_na_',
    index: name,
  });

export const indexClosed = (name: string, uuid: string): EsError =>
  new EsError(400, 'index_closed_exception', 'closed', { index_uuid: uuid, index: name });

export const resourceNotFound = (reason: string): EsError =>
  new EsError(404, 'resource_not_found_exception', reason);

export const resourceAlreadyExists = (reason: string, extra: ErrorFields = {}): EsError =>
  new EsError(400, 'resource_already_exists_exception', reason, extra);

export const parseError = (reason: string): EsError => new EsError(400, 'parse_exception', reason);

export const xContentParseError = (reason: string): EsError =>
  new EsError(400, 'x_content_parse_exception', reason);

export const actionRequestValidation = (problems: string[]): EsError =>
  new EsError(
    400,
    'action_request_validation_exception',
    `Validation Failed: ${problems.map((p, i) => `${i + 1}: ${p};`).join('')}`,
  );

/** ES's `ValidationException` (e.g. private settings on index creation): a different type, same text. */
export const validationFailed = (problems: string[]): EsError =>
  new EsError(
    400,
    'validation_exception',
    `Validation Failed: ${problems.map((p, i) => `${i + 1}: ${p};`).join('')}`,
  );

/** Anything unexpected becomes a 500 with ES's generic shape rather than a dead connection. */
export function toEsError(err: unknown): EsError {
  if (err instanceof EsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EsError(500, 'exception', message);
}
