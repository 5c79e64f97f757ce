/**
 * Durations as Elasticsearch writes them (`90d`, `12h`, `30m`, `45s`, `500ms`): ILM's `min_age`, and the
 * cluster upgrade's `--read-only-older-than` and `--ilm-horizon`, so an operator uses one notation.
 */

const UNIT_MS = {
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
  micros: 0.001,
  nanos: 0.000001,
} as const;

/** Thrown for a duration that is not a whole number followed by one of Elasticsearch's units. */
export class InvalidDurationError extends Error {
  override readonly name = 'InvalidDurationError';
}

/**
 * Milliseconds in `value`, such as `90d` or `0ms`. Whole numbers only, as Elasticsearch's time values
 * (fractions are refused there too); `-1` and bare `0` are Elasticsearch's "none" and zero.
 */
export function parseDurationMs(value: string): number {
  const text = value.trim().toLowerCase();
  if (text === '0' || text === '-1') return Number(text);
  const match = /^(\d+)\s*(nanos|micros|ms|d|h|m|s)$/.exec(text);
  if (match === null) {
    throw new InvalidDurationError(
      `[${value}] is not a duration: a whole number with one of the units d, h, m, s, ms (e.g. 90d)`,
    );
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** `90d`, `36h`, `15m`, `20s` or `250ms`: the largest unit that divides the duration exactly. */
export function formatDurationMs(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
