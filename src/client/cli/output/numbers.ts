/** Number and time formats for human output. */

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

export function bytes(value: number | null): string {
  if (value === null) return '-';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let scaled = value;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? scaled : scaled.toFixed(1)}${units[unit]}`;
}

/** `1:05`, `1:02:03`; `--:--` when unknown. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '--:--';
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

export function rate(docsPerSecond: number | undefined): string {
  return docsPerSecond === undefined ? '- docs/s' : `${count(Math.round(docsPerSecond))} docs/s`;
}
