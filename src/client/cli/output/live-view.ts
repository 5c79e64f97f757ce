import { fitLine, lineText, type LiveLine } from './fit-width';

/** A terminal's size, when the output is one (`process.stdout` has `columns` and `rows` then). */
export type LiveViewOutput = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };

const ESC = '\x1b[';

/**
 * Redraws a block of lines in place on a terminal; when the output is not a terminal, prints a block only
 * when it changed, with no escape codes, so logs stay readable.
 *
 * On a terminal every line is cut to the width, one column short of it (an index name is shortened in
 * its middle first, so the progress after it still shows): a line that filled the last
 * column would wrap on terminals that wrap at once, and then take two rows. So each line is one screen
 * row and the redraw moves up exactly as many rows as it drew. A block taller than the screen is cut to
 * its height too, since the cursor cannot move up into the scrollback; the last row says how many lines
 * did not fit.
 */
export class LiveView {
  private drawnRows = 0;
  private lastBlock = '';

  constructor(private readonly out: LiveViewOutput) {}

  draw(lines: readonly LiveLine[]): void {
    const block = lines.map(lineText).join('\n');
    if (this.out.isTTY) {
      const rows = this.fitScreen(lines);
      const up = this.drawnRows > 0 ? `\r${ESC}${this.drawnRows}A` : '';
      // Erase below, then draw: no row of the previous block survives if the new one is shorter.
      this.out.write(`${up}${ESC}J${rows.join('\n')}\n`);
      this.drawnRows = rows.length;
    } else if (block !== this.lastBlock) {
      this.out.write(`${block}\n`);
    }
    this.lastBlock = block;
  }

  private fitScreen(lines: readonly LiveLine[]): string[] {
    const columns = Math.max(1, (this.out.columns ?? 80) - 1);
    const height = Math.max(2, (this.out.rows ?? 24) - 1);
    const shown =
      lines.length <= height
        ? lines
        : [
            ...lines.slice(0, height - 1),
            `… ${lines.length - height + 1} more line(s); a taller terminal shows them`,
          ];
    return shown.map((line) => fitLine(line, columns));
  }
}
