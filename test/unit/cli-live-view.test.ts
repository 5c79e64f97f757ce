/**
 * The live view (`start --wait`, `status --watch`) on a terminal of any size: what it writes, replayed
 * through a terminal model, must never wrap a line nor repeat the header; off a terminal, plain lines.
 */
import { PassThrough } from 'node:stream';
import {
  displayWidth,
  fitLine,
  fitWidth,
  lineText,
  type LiveLine,
} from '../../src/client/cli/output/fit-width';
import { LiveView } from '../../src/client/cli/output/live-view';
import { TerminalModel } from '../support/terminal-model';

/** What a terminal gets: its driver turns each newline into carriage return and newline (`onlcr`). */
const throughTtyDriver = (text: string): string => text.replace(/\n/g, '\r\n');

/** A stream that says it is a terminal of this size, and keeps what is written to it. */
function terminal(
  columns: number,
  rows: number,
): { out: PassThrough & { isTTY: boolean; columns: number; rows: number }; written: () => string } {
  let written = '';
  const out = Object.assign(new PassThrough(), { isTTY: true, columns, rows });
  out.on('data', (chunk: Buffer) => (written += chunk.toString()));
  return { out, written: () => written };
}

// As long as the longest backing index the integration tests make, and one with wide characters.
const INDICES = [
  '.ds-cluster-concurrency-ds-2026.12.06-000001',
  '.ds-ログ-データストリーム-2026.12.06-000002',
];

function frame(poll: number): LiveLine[] {
  const figures = `${poll * 100}/3,000 ${poll}.0%  300 docs/s  ETA 0:0${9 - poll}`;
  return [
    'Data stream  cluster-concurrency-ds',
    `State        running (${poll * 10}%)`,
    `Indices      3 in the data stream, 2 to upgrade: 0 done, 2 copying, 0 pending, 0 failed`,
    ...INDICES.map((index) => ({
      before: '  ',
      name: index,
      after: `  [${'#'.repeat(poll)}${'.'.repeat(24 - poll)}] ${figures}`,
      shortAfter: `  ${figures}`,
    })),
  ];
}

describe('the live view on a terminal', () => {
  it.each([
    [40, 30],
    [80, 30],
    [200, 50],
  ])('at %i columns: every line fits, redraws replace rows, the header shows once', async (columns, rows) => {
    const { out, written } = terminal(columns, rows);
    const view = new LiveView(out);
    for (let poll = 1; poll <= 6; poll += 1) view.draw(frame(poll));
    await new Promise((resolve) => setImmediate(resolve));
    const model = new TerminalModel(columns, rows);
    model.write(throughTtyDriver(written()));
    expect(model.wraps).toBe(0);
    expect(model.movesAboveTop).toBe(0);
    const transcript = model.transcript();
    expect(transcript.filter((row) => row.startsWith('Data stream'))).toHaveLength(1);
    expect(transcript).toHaveLength(frame(6).length);
    expect(transcript[1]).toBe(fitWidth('State        running (60%)', columns - 1));
    // Every line written, between the cursor movements, fits in the width.
    for (const line of written()
      .split(String.fromCharCode(27))
      .join('')
      .split(/\[\d*[AJ]|\n|\r/))
      expect(displayWidth(line)).toBeLessThan(columns);
    // Wide enough, the whole line; at 80 columns, the names are shortened in the middle and the
    // figures stay; at 40, the line is cut at its end.
    const indexRows = transcript.slice(3);
    if (columns >= 200)
      expect(indexRows[1]).toBe(
        `  ${INDICES[1]}  [######${'.'.repeat(18)}] 600/3,000 6.0%  300 docs/s  ETA 0:03`,
      );
    if (columns === 80) {
      expect(indexRows[0]).toMatch(
        /^ {2}\.ds-cluster-con\S*…\S*2026\.12\.06-000001 {2}600\/3,000 6\.0% {2}300 docs\/s {2}ETA 0:03$/,
      );
    }
    if (columns === 40) expect(indexRows.every((row) => row.endsWith('…'))).toBe(true);
  });

  it('cuts a block taller than the screen to its height, so the redraw never reaches into the scrollback', async () => {
    const { out, written } = terminal(60, 6);
    const view = new LiveView(out);
    const lines = (poll: number) => [
      `Header ${poll}`,
      ...Array.from({ length: 9 }, (_, i) => `line ${i} of poll ${poll}`),
    ];
    for (let poll = 1; poll <= 3; poll += 1) view.draw(lines(poll));
    await new Promise((resolve) => setImmediate(resolve));
    const model = new TerminalModel(60, 6);
    model.write(throughTtyDriver(written()));
    expect(model.movesAboveTop).toBe(0);
    expect(model.transcript()).toEqual([
      'Header 3',
      'line 0 of poll 3',
      'line 1 of poll 3',
      'line 2 of poll 3',
      '… 6 more line(s); a taller terminal shows them',
    ]);
  });

  it('off a terminal, prints each changed block as plain lines, with no escape codes', async () => {
    let written = '';
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const view = new LiveView(out);
    view.draw(frame(1));
    view.draw(frame(1));
    view.draw(frame(2));
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).not.toContain('\x1b');
    expect(written).toBe(`${frame(1).map(lineText).join('\n')}\n${frame(2).map(lineText).join('\n')}\n`);
  });
});

describe('fitting a line to a width', () => {
  it.each([
    ['plain text', 'abcdefghij', 6, 'abcde…'],
    ['a line that fits', 'abc', 3, 'abc'],
    ['wide characters, never cut in half', 'ab日本語', 5, 'ab日…'],
    ['a wide character at the edge', 'ab日本語', 4, 'ab…'],
    ['combining marks, kept with their letter', 'cafe\u0301 au lait', 5, 'cafe\u0301…'],
  ])('%s', (_case, line, columns, expected) => {
    expect(fitWidth(line, columns)).toBe(expected);
    expect(displayWidth(fitWidth(line, columns))).toBeLessThanOrEqual(columns);
  });
});

describe('fitting a progress line: the name shortened in its middle, then the bar dropped, then cut', () => {
  const line = {
    before: '  ',
    name: '.ds-logs-app-2026.12.06-000001',
    after: '  [####....] 1/4 25%',
    shortAfter: '  1/4 25%',
  };

  it.each([
    [52, '  .ds-logs-app-2026.12.06-000001  [####....] 1/4 25%'],
    [45, '  .ds-logs-ap…2.06-000001  [####....] 1/4 25%'],
    [35, '  .ds-logs-ap…12.06-000001  1/4 25%'],
    [20, '  .ds-logs-app-2026…'],
  ])('at %i columns', (columns, expected) => {
    const fitted = fitLine(line, columns);
    expect(displayWidth(fitted)).toBeLessThanOrEqual(columns);
    expect(fitted).toBe(expected);
  });
});
