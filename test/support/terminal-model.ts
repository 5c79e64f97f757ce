import stringWidth from 'string-width';

const ESCAPE = String.fromCharCode(27);

/**
 * A small model of a VT100-like terminal, enough to replay what the CLI writes: printable text with
 * auto-wrap (deferred, as xterm does it), CR, LF, cursor up (`CSI n A`), erase below (`CSI J`) and erase
 * line (`CSI K`, `CSI 2K`). Rows that scroll off the top go to the scrollback, as on a real terminal, so
 * `transcript()` is everything a user could scroll back through at the end.
 */
export class TerminalModel {
  private screen: string[][];
  private readonly scrollback: string[] = [];
  private row = 0;
  private column = 0;
  /** Times a line ran past the last column and went on in the next row. */
  wraps = 0;
  /** Cursor moves up that asked for more rows than there were above the cursor (into the scrollback). */
  movesAboveTop = 0;

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    this.screen = Array.from({ length: rows }, () => this.blankRow());
  }

  private blankRow(): string[] {
    return Array.from({ length: this.columns }, () => ' ');
  }

  private lineFeed(): void {
    if (this.row < this.rows - 1) {
      this.row += 1;
      return;
    }
    this.scrollback.push(this.screen[0].join('').trimEnd());
    this.screen = [...this.screen.slice(1), this.blankRow()];
  }

  private print(grapheme: string): void {
    const width = stringWidth(grapheme);
    if (width === 0) return;
    if (this.column + width > this.columns) {
      this.wraps += 1;
      this.column = 0;
      this.lineFeed();
    }
    this.screen[this.row][this.column] = grapheme;
    // A wide character takes its second column too.
    for (let extra = 1; extra < width; extra += 1) this.screen[this.row][this.column + extra] = '';
    this.column += width;
  }

  private control(final: string, parameter: string): void {
    const count = parameter === '' ? 1 : Number(parameter);
    if (final === 'A') {
      if (count > this.row) this.movesAboveTop += 1;
      this.row = Math.max(0, this.row - count);
      this.column = Math.min(this.column, this.columns - 1);
    } else if (final === 'J') {
      this.screen[this.row] = [...this.screen[this.row].slice(0, this.column), ...this.blankRow()].slice(
        0,
        this.columns,
      );
      for (let below = this.row + 1; below < this.rows; below += 1) this.screen[below] = this.blankRow();
    } else if (final === 'K') {
      this.screen[this.row] =
        parameter === '2'
          ? this.blankRow()
          : [...this.screen[this.row].slice(0, this.column), ...this.blankRow()].slice(0, this.columns);
    }
  }

  write(data: string): void {
    const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
    let rest = data;
    while (rest.length > 0) {
      const escape = rest.startsWith(ESCAPE) ? /^\[([?\d;]*)([A-Za-z])/.exec(rest.slice(1)) : null;
      if (escape) {
        this.control(escape[2], escape[1]);
        rest = rest.slice(1 + escape[0].length);
        continue;
      }
      const [{ segment }] = segmenter.segment(rest);
      if (segment === '\r') this.column = 0;
      else if (segment === '\n' || segment === '\r\n') {
        if (segment === '\r\n') this.column = 0;
        this.lineFeed();
      } else if (segment !== ESCAPE) this.print(segment);
      rest = rest.slice(segment.length);
    }
  }

  /** The scrollback and the screen, one string per row, without the blank rows at the end. */
  transcript(): string[] {
    const rows = [...this.scrollback, ...this.screen.map((row) => row.join('').trimEnd())];
    while (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
    return rows;
  }
}
