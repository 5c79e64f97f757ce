import { ElasticsearchApiError } from '../service/api-error';
import { CausedElasticsearchApiError, type ErrorCause } from './answers';
import { tokenName, type LocatedValue, type Location } from './located-json';

/** What `POST /_migration/reindex` asks for, once its body is valid. */
export interface MigrationReindexRequest {
  mode: 'upgrade';
  dataStream: string;
}

const PARSER_NAME = 'migration_reindex';
const SOURCE_PARSER_NAME = 'source';
const MODES = ['UPGRADE'] as const;

/** A failure inside one field's value, before the outer parser wraps it. */
class FieldFailure extends Error {
  constructor(readonly detail: ErrorCause) {
    super(detail.reason);
  }
}

function at(location: Location): string {
  return `[${location.line}:${location.column}]`;
}

function parseError(reason: string): ElasticsearchApiError {
  return new ElasticsearchApiError(400, 'x_content_parse_exception', reason);
}

/** Elasticsearch wraps any failure in a field's value as `failed to parse field [name]`. */
function wrapFieldFailure(location: Location, field: string, cause: ErrorCause): ElasticsearchApiError {
  return new CausedElasticsearchApiError(
    400,
    'x_content_parse_exception',
    `${at(location)} [${PARSER_NAME}] failed to parse field [${field}]`,
    cause,
  );
}

function sourceIndex(value: LocatedValue): string {
  if (value.kind !== 'object') {
    throw new FieldFailure({
      type: 'x_content_parse_exception',
      reason: `${at(value.start)} [${PARSER_NAME}] source doesn't support values of type: ${tokenName(value)}`,
    });
  }
  let index: string | undefined;
  for (const entry of value.entries) {
    if (entry.key !== 'index') {
      throw new FieldFailure({
        type: 'x_content_parse_exception',
        reason: `${at(entry.keyLocation)} [${SOURCE_PARSER_NAME}] unknown field [${entry.key}]`,
      });
    }
    if (entry.value.kind !== 'string') {
      throw new FieldFailure({
        type: 'x_content_parse_exception',
        reason: `${at(entry.value.start)} [${SOURCE_PARSER_NAME}] index doesn't support values of type: ${tokenName(entry.value)}`,
      });
    }
    index = entry.value.value;
  }
  if (index === undefined)
    throw new FieldFailure({ type: 'illegal_argument_exception', reason: 'Required [index]' });
  return index;
}

/** The `mode` field's value, or `x_content_parse_exception` for anything but a string. */
function modeOf(value: LocatedValue): string {
  if (value.kind !== 'string') {
    throw parseError(
      `${at(value.start)} [${PARSER_NAME}] mode doesn't support values of type: ${tokenName(value)}`,
    );
  }
  return value.value;
}

/** The `source` field's index, its failures wrapped as Elasticsearch wraps a failed field. */
function sourceOf(key: string, value: LocatedValue): string {
  try {
    return sourceIndex(value);
  } catch (err) {
    if (err instanceof FieldFailure) throw wrapFieldFailure(value.end, key, err.detail);
    throw err;
  }
}

/**
 * Elasticsearch builds the request as soon as the last required field arrives; an unknown mode fails
 * there, wrapped as a failure of that field (`key`, ending at `end`).
 */
function checkMode(mode: string, key: string, end: LocatedValue['end']): void {
  const upper = mode.toUpperCase();
  if ((MODES as readonly string[]).includes(upper)) return;
  throw wrapFieldFailure(end, key, {
    type: 'x_content_parse_exception',
    reason: `Failed to build [${PARSER_NAME}] after last required field arrived`,
    caused_by: {
      type: 'illegal_argument_exception',
      reason: `No enum constant org.elasticsearch.xpack.migrate.action.ReindexDataStreamAction.Mode.${upper}`,
    },
  });
}

/**
 * Reads the body the way Elasticsearch's `migration_reindex` parser does, field by field in order:
 * unknown fields, wrong value types and a missing `source.index` are `x_content_parse_exception`s naming
 * the field; `mode` is upper-cased and must name a known mode once both required fields have arrived;
 * a missing `mode` or `source` is `Required [..]`.
 */
export function parseMigrationReindexRequest(body: LocatedValue): MigrationReindexRequest {
  if (body.kind !== 'object') {
    throw parseError(`${at(body.start)} [${PARSER_NAME}] Expected START_OBJECT but was: ${tokenName(body)}`);
  }
  let mode: string | undefined;
  let dataStream: string | undefined;
  for (const entry of body.entries) {
    const bothBefore = mode !== undefined && dataStream !== undefined;
    if (entry.key === 'mode') mode = modeOf(entry.value);
    else if (entry.key === 'source') dataStream = sourceOf(entry.key, entry.value);
    else throw parseError(`${at(entry.keyLocation)} [${PARSER_NAME}] unknown field [${entry.key}]`);
    if (!bothBefore && mode !== undefined && dataStream !== undefined)
      checkMode(mode, entry.key, entry.value.end);
  }
  const missing = [mode === undefined ? 'mode' : undefined, dataStream === undefined ? 'source' : undefined];
  const names = missing.filter((name): name is string => name !== undefined);
  if (names.length > 0 || dataStream === undefined) {
    throw new ElasticsearchApiError(400, 'illegal_argument_exception', `Required [${names.join(', ')}]`);
  }
  return { mode: 'upgrade', dataStream };
}
