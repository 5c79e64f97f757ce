/**
 * `?human`: beside each number whose name says its unit, the readable twin Elasticsearch writes first
 * (`XContentBuilder.humanReadableField` and `timeField`):
 * - `<name>_in_bytes` → `<name>`: a byte size (`227b`, `1.5kb`, `10mb`, `ByteSizeValue`'s format);
 * - `<name>_in_millis`, and ds-reindex's own durations in `_millis` → `<name>`: a time value (`1.2s`, `3m`);
 * - other `<name>_millis` (epoch milliseconds) → `<name>`: the instant in ISO 8601, UTC.
 * A twin already present (the status service writes `start_time` itself) is left as it is.
 */

/** ds-reindex's fields that hold a duration in milliseconds although their names lack `_in_`. */
const DURATION_MILLIS = new Set(['duration_millis', 'estimated_copy_millis']);

/** Java's `Double.toString` kept to one decimal, without a `.0` (Elasticsearch's `format1Decimals`). */
function oneDecimal(value: number, suffix: string): string {
  const text = String(value);
  const [integral, fraction = ''] = text.split('.');
  const digit = fraction.charAt(0);
  return digit === '' || digit === '0' ? `${integral}${suffix}` : `${integral}.${digit}${suffix}`;
}

const BYTE_UNITS: ReadonlyArray<[number, string]> = [
  [1024 ** 5, 'pb'],
  [1024 ** 4, 'tb'],
  [1024 ** 3, 'gb'],
  [1024 ** 2, 'mb'],
  [1024, 'kb'],
];

/** `ByteSizeValue.toString`. */
export function byteSizeText(bytes: number): string {
  const unit = BYTE_UNITS.find(([size]) => bytes >= size);
  return unit ? oneDecimal(bytes / unit[0], unit[1]) : oneDecimal(bytes, 'b');
}

const TIME_UNITS: ReadonlyArray<[number, string]> = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1000, 's'],
];

/** `TimeValue.toString` of a number of milliseconds. */
export function timeValueText(millis: number): string {
  if (millis < 0) return String(millis);
  if (millis === 0) return '0s';
  const unit = TIME_UNITS.find(([size]) => millis >= size);
  return unit ? oneDecimal(millis / unit[0], unit[1]) : oneDecimal(millis, 'ms');
}

function readableTwin(key: string, value: number): [string, string] | undefined {
  if (key.endsWith('_in_bytes')) return [key.slice(0, -'_in_bytes'.length), byteSizeText(value)];
  if (key.endsWith('_in_millis')) return [key.slice(0, -'_in_millis'.length), timeValueText(value)];
  if (!key.endsWith('_millis') || key === '_millis') return undefined;
  const name = key.slice(0, -'_millis'.length);
  if (DURATION_MILLIS.has(key)) return [name, timeValueText(value)];
  // Beyond ±8.64e15 ms a Date is invalid; such a number is not an instant.
  return Math.abs(value) <= 8.64e15 ? [name, new Date(value).toISOString()] : undefined;
}

/** `body` with the readable twins added, recursively; a new value, `body` is left as it was. */
export function withHumanReadableFields(body: unknown): unknown {
  if (Array.isArray(body)) return body.map((item: unknown) => withHumanReadableFields(item));
  if (typeof body !== 'object' || body === null) return body;
  const source = body as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    const twin = typeof value === 'number' ? readableTwin(key, value) : undefined;
    if (twin !== undefined && !(twin[0] in source)) result[twin[0]] = twin[1];
    result[key] = withHumanReadableFields(value);
  }
  return result;
}
