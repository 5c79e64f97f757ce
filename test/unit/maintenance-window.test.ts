import {
  formatMaintenanceWindow,
  InvalidWindowError,
  parseMaintenanceWindow,
  windowStateAt,
} from '../../src/shared/maintenance-window';

const iso = (millis: number) => new Date(millis).toISOString();
const at = (text: string) => Date.parse(text);

describe('maintenance windows', () => {
  it('reads HH:MM-HH:MM and an IANA time zone, and refuses anything else', () => {
    expect(parseMaintenanceWindow('01:00-05:00 Europe/Berlin')).toEqual({
      startMinute: 60,
      endMinute: 300,
      timeZone: 'Europe/Berlin',
    });
    expect(formatMaintenanceWindow(parseMaintenanceWindow(' 22:30-04:15  UTC '))).toBe('22:30-04:15 UTC');
    expect(parseMaintenanceWindow('00:00-24:00 UTC').endMinute).toBe(1440);
    for (const bad of [
      '01:00-05:00',
      '1:00-5:00 UTC',
      '25:00-05:00 UTC',
      '01:60-05:00 UTC',
      '03:00-03:00 UTC',
    ]) {
      expect(() => parseMaintenanceWindow(bad)).toThrow(InvalidWindowError);
    }
    expect(() => parseMaintenanceWindow('01:00-05:00 Mars/Olympus')).toThrow('not a time zone');
  });

  it('says whether it is open and when that changes, in the zone’s wall time', () => {
    const berlin = parseMaintenanceWindow('01:00-05:00 Europe/Berlin');
    // Winter: Berlin is UTC+1, so the window is 00:00-04:00 UTC.
    expect(windowStateAt(berlin, at('2026-01-15T12:00:00Z'))).toEqual({
      open: false,
      nextChangeMillis: at('2026-01-16T00:00:00Z'),
    });
    expect(windowStateAt(berlin, at('2026-01-16T00:00:00Z'))).toEqual({
      open: true,
      nextChangeMillis: at('2026-01-16T04:00:00Z'),
    });
    expect(windowStateAt(berlin, at('2026-01-16T03:59:00Z')).open).toBe(true);
    expect(windowStateAt(berlin, at('2026-01-16T04:00:00Z'))).toEqual({
      open: false,
      nextChangeMillis: at('2026-01-17T00:00:00Z'),
    });
    // Summer: UTC+2, so 23:00-03:00 UTC the day before.
    expect(iso(windowStateAt(berlin, at('2026-07-01T12:00:00Z')).nextChangeMillis)).toBe(
      '2026-07-01T23:00:00.000Z',
    );
  });

  it('follows daylight saving time changes', () => {
    // Berlin springs forward on 2026-03-29 at 02:00 (to 03:00) and falls back on 2026-10-25 at 03:00.
    const berlin = parseMaintenanceWindow('01:00-05:00 Europe/Berlin');
    const spring = windowStateAt(berlin, at('2026-03-29T00:30:00Z'));
    expect(spring).toEqual({ open: true, nextChangeMillis: at('2026-03-29T03:00:00Z') });
    const fall = windowStateAt(berlin, at('2026-10-25T00:30:00Z'));
    expect(fall).toEqual({ open: true, nextChangeMillis: at('2026-10-25T04:00:00Z') });
    // A start inside the skipped hour moves later by the gap; one in the repeated hour is its first time.
    const skipped = parseMaintenanceWindow('02:30-04:00 Europe/Berlin');
    expect(iso(windowStateAt(skipped, at('2026-03-28T12:00:00Z')).nextChangeMillis)).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    expect(iso(windowStateAt(skipped, at('2026-10-24T12:00:00Z')).nextChangeMillis)).toBe(
      '2026-10-25T00:30:00.000Z',
    );
  });

  it('crosses midnight, and a whole-day window never closes', () => {
    const night = parseMaintenanceWindow('22:00-04:00 UTC');
    expect(windowStateAt(night, at('2026-01-15T23:00:00Z'))).toEqual({
      open: true,
      nextChangeMillis: at('2026-01-16T04:00:00Z'),
    });
    expect(windowStateAt(night, at('2026-01-16T03:00:00Z'))).toEqual({
      open: true,
      nextChangeMillis: at('2026-01-16T04:00:00Z'),
    });
    expect(windowStateAt(night, at('2026-01-16T12:00:00Z'))).toEqual({
      open: false,
      nextChangeMillis: at('2026-01-16T22:00:00Z'),
    });
    expect(
      windowStateAt(parseMaintenanceWindow('00:00-24:00 Asia/Tokyo'), at('2026-01-16T12:00:00Z')).open,
    ).toBe(true);
  });
});
