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
