import { ElasticsearchApiError } from '../service/api-error';
import { CausedElasticsearchApiError } from './answers';
import { invalidVerifyModeReason, parseVerifyMode, type VerifyMode } from '../../shared/verify-mode';

/**
 * Query parameter readers with Elasticsearch's rules and refusals, for handlers that read more than a
 * flag: the values and messages are those of its `RestRequest` and `TimeValue` parsers.
 */

function illegalArgument(reason: string): ElasticsearchApiError {
  return new ElasticsearchApiError(400, 'illegal_argument_exception', reason);
}

/** A strict boolean (`paramAsBoolean`): present without a value means true; anything but true/false is refused. */
export function strictBooleanParam(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = query.get(name);
  if (value === null) return fallback;
  if (value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw illegalArgument(`Failed to parse value [${value}] as only [true] or [false] are allowed.`);
}

/** `?verify=count|ids|content` (ds-reindex's own); absent leaves the choice to the cluster's default. */
export function verifyModeParam(query: URLSearchParams): VerifyMode | undefined {
  const value = query.get('verify');
  if (value === null) return undefined;
  const mode = parseVerifyMode(value);
  if (mode === undefined) throw illegalArgument(invalidVerifyModeReason('verify', value));
  return mode;
}

/** A comma-separated list (`paramAsStringArray`), empty entries dropped. */
export function stringArrayParam(query: URLSearchParams, name: string): string[] {
  return (query.get(name) ?? '').split(',').filter((entry) => entry !== '');
}

const JAVA_DOUBLE = /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/;
const LONG_MAX = 2n ** 63n - 1n;
const LONG_MIN = -(2n ** 63n);

/**
 * A time value such as `30s` (`TimeValue.parseTimeValue`): whole numbers with a unit, or the bare `-1`
 * and `0`. Only validated; ds-reindex waits on nothing a timeout would bound.
 */
export function checkTimeValueParam(query: URLSearchParams, name: string): void {
  const value = query.get(name);
  if (value === null) return;
  const normalized = value.toLowerCase().trim();
  // `ms` before `m` and `s`, as Elasticsearch checks them.
  const unit = ['nanos', 'micros', 'ms', 's', 'm', 'h', 'd'].find((suffix) => normalized.endsWith(suffix));
  if (unit === undefined) {
    if (normalized === '-1' || normalized === '0') return;
    throw illegalArgument(
      `failed to parse setting [${name}] with value [${value}] as a time value: unit is missing or unrecognized`,
    );
  }
  const number = normalized.slice(0, -unit.length).trim();
  const notALong = { type: 'number_format_exception', reason: `For input string: "${number}"` };
  if (/^[+-]?\d+$/.test(number) && BigInt(number) <= LONG_MAX && BigInt(number) >= LONG_MIN) {
    // -1 means "no timeout"; every other negative duration is refused.
    if (BigInt(number) < -1n) {
      throw illegalArgument(
        `failed to parse setting [${name}] with value [${value}] as a time value: negative durations are not supported`,
      );
    }
    return;
  }
  if (JAVA_DOUBLE.test(number)) {
    throw new CausedElasticsearchApiError(
      400,
      'illegal_argument_exception',
      `failed to parse [${value}], fractional time values are not supported`,
      notALong,
    );
  }
  throw new CausedElasticsearchApiError(
    400,
    'illegal_argument_exception',
    `failed to parse [${value}]`,
    notALong,
  );
}

/** Two characters after a `%` as Java's `Integer.parseInt(.., 16)` reads them, sign included. */
function escapedByte(hex: string): number {
  const signed = /^[+-]/.test(hex);
  const bad = [...hex].findIndex((char, index) => !(signed && index === 0) && !/[0-9a-fA-F]/.test(char));
  if (bad !== -1) {
    throw illegalArgument(
      `URLDecoder: Illegal hex characters in escape (%) pattern - Error at index ${bad} in: "${hex}"`,
    );
  }
  const value = Number.parseInt(hex, 16);
  if (value < 0)
    throw illegalArgument('URLDecoder: Illegal hex characters in escape (%) pattern - negative value');
  return value;
}

/**
 * Decodes a value the way Java's `URLDecoder.decode(.., UTF_8)` does, which Elasticsearch applies to an
 * already decoded parameter (`path` of `_capabilities`): `+` is a space, `%xx` runs are UTF-8 bytes.
 */
export function javaUrlDecode(value: string): string {
  let decoded = '';
  let i = 0;
  while (i < value.length) {
    const char = value[i];
    if (char === '+') {
      decoded += ' ';
      i += 1;
    } else if (char !== '%') {
      decoded += char;
      i += 1;
    } else {
      const bytes: number[] = [];
      while (i + 2 < value.length && value[i] === '%') {
        bytes.push(escapedByte(value.slice(i + 1, i + 3)));
        i += 3;
      }
      if (i < value.length && value[i] === '%') {
        throw illegalArgument('URLDecoder: Incomplete trailing escape (%) pattern');
      }
      decoded += Buffer.from(bytes).toString('utf8');
    }
  }
  return decoded;
}
