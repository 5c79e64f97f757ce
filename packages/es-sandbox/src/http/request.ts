import { parseError, xContentParseError } from './errors';
import { truncatedJsonError } from './json-eof';

import { isObject, type JsonObject } from './json';

export { isObject, type Json, type JsonObject } from './json';

/** What a handler sees: the matched route parameters, query string and raw body. */
export interface SandboxRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  rawBody: Buffer;
}

/** What a handler returns; the server adds ES's headers. `body: undefined` sends no body (HEAD). */
export interface SandboxResponse {
  status: number;
  body?: unknown;
  /** Already-serialised body, for the few answers that are not JSON (cat without format=json). */
  text?: string;
}

export const ok = (body: unknown, status = 200): SandboxResponse => ({ status, body });

/** Parses the body as one JSON object; ES answers a malformed body with a parse error, never a 500. */
export function jsonBody(req: SandboxRequest, required = false): JsonObject | undefined {
  const raw = req.rawBody.toString('utf8');
  if (raw.trim() === '') {
    if (required) throw parseError('request body is required');
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    const truncated = truncatedJsonError(raw);
    if (truncated) throw truncated;
    const detail = err instanceof Error ? err.message : String(err);
    throw xContentParseError(`[1:1] Unexpected character: ${detail}`);
  }
  if (!isObject(parsed)) throw parseError('request body must be a JSON object');
  return parsed;
}

export function queryBool(req: SandboxRequest, name: string, fallback: boolean): boolean {
  const raw = req.query.get(name);
  if (raw === null) return fallback;
  if (raw === '' || raw === 'true') return true;
  if (raw === 'false') return false;
  throw parseError(`Failed to parse value [${raw}] as only [true] or [false] are allowed.`);
}

/** ES time values ("30s", "1m", "500ms") in milliseconds. */
export function parseTimeValue(raw: string, setting: string): number {
  const match = /^(-?\d+(?:\.\d+)?)(nanos|micros|ms|s|m|h|d)?$/.exec(raw.trim());
  if (!match) {
    throw parseError(
      `failed to parse setting [${setting}] with value [${raw}] as a time value: unit is missing or unrecognized`,
    );
  }
  const unit = match[2] ?? 'ms';
  const factor: Record<string, number> = {
    nanos: 1e-6,
    micros: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
    d: 86_400_000,
  };
  return Number(match[1]) * (factor[unit] ?? 1);
}

/**
 * A duration as Elasticsearch's `TimeValue.toString()` prints it: the largest unit that is at least one,
 * with at most one decimal (`300ms`, `1s`, `1.5s`, `2m`).
 */
export function formatTimeValue(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
    ['micros', 1e-3],
  ];
  const [suffix, size] = units.find(([, unit]) => ms >= unit) ?? ['nanos', 1e-6];
  const value = Math.round((ms / size) * 10) / 10;
  return `${Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1)}${suffix}`;
}

export function queryTime(req: SandboxRequest, name: string, fallbackMs: number): number {
  const raw = req.query.get(name);
  return raw === null ? fallbackMs : parseTimeValue(raw, name);
}
