import stringWidth from 'string-width';

/** Graphemes, so a cut never splits an accented letter, an emoji or a flag in two. */
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Columns `text` takes on a terminal: wide (CJK, emoji) characters take two, combining marks none. */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/**
 * `line` cut to at most `columns` terminal columns, ending in `…` when it was cut. Wide characters count
 * two columns, so a cut never leaves half of one.
 */
export function fitWidth(line: string, columns: number): string {
  if (columns <= 0) return '';
  if (displayWidth(line) <= columns) return line;
  let kept = '';
  let width = 0;
  for (const { segment } of graphemes.segment(line)) {
    const segmentWidth = displayWidth(segment);
    if (width + segmentWidth > columns - 1) break;
    kept += segment;
    width += segmentWidth;
  }
  return `${kept}…`;
}

/**
 * A line whose `name` (an index name, often most of the line) may be shortened in the middle, so that
 * what follows it (a progress bar, counts, ETA) still shows on a narrow terminal.
 */
export interface SqueezableLine {
  before: string;
  name: string;
  after: string;
  /** A shorter `after` (no bar) for when even a squeezed name leaves too little room. */
  shortAfter?: string;
}

export type LiveLine = string | SqueezableLine;

/** The narrowest a squeezed name gets; narrower than this, the line is cut at the end instead. */
const MIN_NAME_COLUMNS = 16;

/** `text` cut to `columns` in the middle: `.ds-logs-app…2026.12.06-000001`, the end being what differs. */
function middleEllipsis(text: string, columns: number): string {
  const parts = [...graphemes.segment(text)].map(({ segment }) => segment);
  const tailColumns = Math.ceil((columns - 1) / 2);
  let tail = '';
  let tailWidth = 0;
  while (parts.length > 0 && tailWidth + displayWidth(parts[parts.length - 1]) <= tailColumns) {
    const last = parts.pop() ?? '';
    tail = `${last}${tail}`;
    tailWidth += displayWidth(last);
  }
  return `${fitWidth(parts.join(''), columns - tailWidth).replace(/…$/, '')}…${tail}`;
}

/** A live line fitted to `columns`: its name squeezed first if it has one, then cut at the end. */
export function fitLine(line: LiveLine, columns: number): string {
  if (typeof line === 'string') return fitWidth(line, columns);
  const whole = `${line.before}${line.name}${line.after}`;
  if (displayWidth(whole) <= columns) return whole;
  for (const after of [line.after, line.shortAfter ?? line.after]) {
    const room = columns - displayWidth(line.before) - displayWidth(after);
    if (displayWidth(line.name) <= room) return `${line.before}${line.name}${after}`;
    if (room >= MIN_NAME_COLUMNS) return `${line.before}${middleEllipsis(line.name, room)}${after}`;
  }
  return fitWidth(whole, columns);
}

/** The line as plain text, for output that is not a terminal. */
export function lineText(line: LiveLine): string {
  return typeof line === 'string' ? line : `${line.before}${line.name}${line.after}`;
}
