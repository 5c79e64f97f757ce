/**
 * A daily maintenance window such as `01:00-05:00 Europe/Berlin`: copies run only inside it. Wall-clock
 * times in an IANA time zone, so the window follows daylight saving time; a window may cross midnight
 * (`22:00-04:00 UTC`), and `00:00-24:00` is always open.
 *
 * The time-zone arithmetic uses `Intl.DateTimeFormat`, whose answers depend on the time-zone database
 * the process carries. Workflows therefore never call it: an activity computes when the window next
 * opens or closes, and that answer, recorded in history, is what the workflow waits for.
 */
export interface MaintenanceWindow {
  /** Minutes after local midnight when the window opens (0-1439). */
  startMinute: number;
  /** Minutes after local midnight when it closes (1-1440); before `startMinute` when it crosses midnight. */
  endMinute: number;
  /** An IANA time zone, e.g. `Europe/Berlin`, or `UTC`. */
  timeZone: string;
}

/** Whether the window is open at an instant, and when that changes next (epoch ms). */
export interface WindowState {
  open: boolean;
  nextChangeMillis: number;
}

export class InvalidWindowError extends Error {
  override readonly name = 'InvalidWindowError';
}

const MINUTES_PER_DAY = 24 * 60;
const MINUTE_MS = 60_000;

function minuteOfDay(text: string, allowEndOfDay: boolean): number | undefined {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  if (match === null) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59) return undefined;
  const total = hours * 60 + minutes;
  if (total < MINUTES_PER_DAY || (allowEndOfDay && total === MINUTES_PER_DAY)) return total;
  return undefined;
}

/** `01:00-05:00 Europe/Berlin`: start, end and time zone; the time zone must be one this process knows. */
export function parseMaintenanceWindow(text: string): MaintenanceWindow {
  const match = /^\s*(\S+)-(\S+)\s+(\S+)\s*$/.exec(text);
  const startMinute = match ? minuteOfDay(match[1], false) : undefined;
  const endMinute = match ? minuteOfDay(match[2], true) : undefined;
  if (match === null || startMinute === undefined || endMinute === undefined || startMinute === endMinute) {
    throw new InvalidWindowError(
      `[${text}] is not a maintenance window: HH:MM-HH:MM and a time zone, e.g. 01:00-05:00 Europe/Berlin`,
    );
  }
  const timeZone = match[3];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone }).format(0);
  } catch {
    throw new InvalidWindowError(
      `[${timeZone}] is not a time zone this process knows (e.g. Europe/Berlin, UTC)`,
    );
  }
  return { startMinute, endMinute, timeZone };
}

/** `01:00-05:00 Europe/Berlin`. */
export function formatMaintenanceWindow(window: MaintenanceWindow): string {
  const time = (minute: number) =>
    `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
  return `${time(window.startMinute)}-${time(window.endMinute)} ${window.timeZone}`;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  minute: number;
}

function wallClock(formatter: Intl.DateTimeFormat, instant: number): WallClock {
  const parts = Object.fromEntries(
    formatter.formatToParts(instant).map((part) => [part.type, part.value]),
  ) as Record<string, string>;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    minute: (Number(parts.hour) % 24) * 60 + Number(parts.minute),
  };
}

/** The zone's offset from UTC at an instant, in ms (local wall time minus UTC). */
function offsetAt(formatter: Intl.DateTimeFormat, instant: number): number {
  const wall = wallClock(formatter, instant);
  const wallAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day, 0, wall.minute);
  return wallAsUtc - (instant - (instant % MINUTE_MS));
}

/**
 * The instant a local wall time occurs on a local date. A time skipped by a daylight-saving change is
 * moved later by the length of the gap (02:30 on the spring-forward night becomes 03:30), as java.time
 * does; a time that occurs twice (fall back) is its first occurrence.
 */
function instantOf(
  formatter: Intl.DateTimeFormat,
  year: number,
  month: number,
  day: number,
  minute: number,
): number {
  const wallAsUtc = Date.UTC(year, month - 1, day, 0, minute);
  const firstGuess = wallAsUtc - offsetAt(formatter, wallAsUtc);
  const before = wallAsUtc - offsetAt(formatter, firstGuess - 3 * 3_600_000);
  const after = wallAsUtc - offsetAt(formatter, firstGuess + 3 * 3_600_000);
  // The offsets before and after a nearby change give the candidates: the earlier one that reads as this
  // wall time wins; when neither does, the time was skipped and the later one is it, shifted by the gap.
  for (const candidate of [Math.min(before, after), Math.max(before, after)]) {
    if (wallClock(formatter, candidate).minute === minute % MINUTES_PER_DAY) return candidate;
  }
  return Math.max(before, after);
}

function isOpenAt(window: MaintenanceWindow, minute: number): boolean {
  if (window.endMinute - window.startMinute >= MINUTES_PER_DAY) return true;
  return window.startMinute < window.endMinute
    ? minute >= window.startMinute && minute < window.endMinute
    : minute >= window.startMinute || minute < window.endMinute;
}

/** Whether the window is open at `nowMillis`, and the next instant it opens or closes. */
export function windowStateAt(window: MaintenanceWindow, nowMillis: number): WindowState {
  const formatter = new Intl.DateTimeFormat('en-US', {
    timeZone: window.timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  const now = wallClock(formatter, nowMillis);
  const open = isOpenAt(window, now.minute);
  if (open && window.endMinute - window.startMinute >= MINUTES_PER_DAY) {
    return { open, nextChangeMillis: Number.MAX_SAFE_INTEGER };
  }
  const boundary = open ? window.endMinute : window.startMinute;
  // The boundary today, else tomorrow, else (a day shortened by a clock change) the day after.
  for (let days = 0; days <= 2; days += 1) {
    const date = new Date(Date.UTC(now.year, now.month - 1, now.day + days));
    const at = instantOf(
      formatter,
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      boundary,
    );
    if (at > nowMillis) return { open, nextChangeMillis: at };
  }
  throw new Error(`no boundary of ${formatMaintenanceWindow(window)} within two days of ${nowMillis}`);
}
