/**
 * Redraws a block of lines in place on a terminal (cursor up, clear line), or, when the output is not a
 * terminal, prints a block only when it changed, with no escape codes, so logs stay readable.
 */
export class LiveView {
  private drawnLines = 0;
  private lastBlock = '';

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean }) {}

  draw(lines: readonly string[]): void {
    const block = lines.join('\n');
    if (this.out.isTTY) {
      const erase = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A` : '';
      this.out.write(`${erase}${lines.map((line) => `\x1b[2K${line}`).join('\n')}\n\x1b[J`);
      this.drawnLines = lines.length;
    } else if (block !== this.lastBlock) {
      this.out.write(`${block}\n`);
    }
    this.lastBlock = block;
  }
}
