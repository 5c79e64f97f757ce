/**
 * `ds-reindex start --wait` in a real pseudo-terminal of 80 and of 200 columns, with backing index names
 * longer than any other test's: what the live view writes is replayed through a terminal model, which
 * must show no wrapped line, no move above the screen, and the header once.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { CLI_EXECUTABLE, setMigrateSettings, useUpgradeHarness } from '../support';
import { TerminalModel } from '../support/terminal-model';
import { displayWidth } from '../../src/client/cli/output/fit-width';

const ROOT = resolve(__dirname, '../..');
const ESCAPE = String.fromCharCode(27);

/**
 * Runs a command in a new pseudo-terminal of `columns` × `rows` (python3's pty module: the child sets its
 * terminal's size before it execs) and returns all it wrote there, as the terminal received it.
 */
const PTY_RUNNER = `
import fcntl, os, pty, struct, sys, termios
columns, rows, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, columns, 0, 0))
    os.execvp(argv[0], argv)
written = bytearray()
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    written += data
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(written)
sys.exit(os.waitstatus_to_exitcode(status))
`;

function runInTerminal(
  columns: number,
  rows: number,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; written: string }> {
  return new Promise((done, fail) => {
    const cli = [CLI_EXECUTABLE];
    const child = spawn('python3', ['-c', PTY_RUNNER, String(columns), String(rows), ...cli, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color', ...env },
    });
    let written = '';
    child.stdout.on('data', (chunk: Buffer) => (written += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, written }));
  });
}

describe('the live view in a real terminal', () => {
  const h = useUpgradeHarness('cli-terminal');

  it.each([
    [80, 30],
    [200, 50],
  ])(
    'start --wait at %i columns: lines cut to the width, redrawn in place, the header once',
    async (columns, rows) => {
      // Longer than any data stream name the other tests use (cluster-concurrency-ds), so the backing
      // index names are the longest too.
      const ds = `cli-terminal-${columns}-cols-cluster-concurrency-ds`;
      // The first copy takes seconds (3,000 documents at 300 a second), so many frames are drawn.
      const seeded = await h().seed(ds, [{ docCount: 3000 }, { docCount: 300 }, { docCount: 5 }]);
      await setMigrateSettings(h().es, { maxRequestsPerSecond: 300 });
      const run = await runInTerminal(columns, rows, ['start', ds, '--wait', '--interval-ms', '250'], {
        TEMPORAL_ADDRESS: h().env.address,
        TEMPORAL_NAMESPACE: 'default',
        TEMPORAL_TASK_QUEUE: h().taskQueue,
        ES_URL: h().target.url,
      });
      expect(run.code).toBe(0);

      // The live view ends where the summary table starts; the table may wrap, as any printed table.
      const summaryAt = run.written.search(/index +result +documents/);
      expect(summaryAt).toBeGreaterThan(0);
      const live = run.written.slice(0, summaryAt);
      const model = new TerminalModel(columns, rows);
      model.write(live);
      expect({ wraps: model.wraps, movesAboveTop: model.movesAboveTop }).toEqual({
        wraps: 0,
        movesAboveTop: 0,
      });
      expect(live.split(`${ESCAPE}[`).length - 1).toBeGreaterThan(2); // it redrew in place

      const lines = live
        .split(ESCAPE)
        .join('')
        .split(/\[\d*[AJ]|\r\n|\r/);
      for (const line of lines) expect(displayWidth(line)).toBeLessThan(columns);
      // The first index's progress: whole at 200 columns; at 80, its name shortened in the middle so that
      // the figures after it still show.
      const generation = seeded[0].slice(-'2026.12.06-000001'.length);
      const progress = lines.filter((line) => line.includes(generation) && / docs\/s {2}ETA \S+$/.test(line));
      expect(progress.length).toBeGreaterThan(0);
      const whole = (line: string): boolean => line.startsWith(`  ${seeded[0]}  [`);
      const squeezed = (line: string): boolean => line.startsWith('  .ds-cli-terminal') && line.includes('…');
      expect(progress.filter((line) => !(columns === 80 ? squeezed(line) : whole(line)))).toEqual([]);

      model.write(run.written.slice(summaryAt));
      const transcript = model.transcript();
      expect(transcript.filter((row) => row === `Data stream  ${ds}`)).toHaveLength(1);
      expect(transcript.filter((row) => row.startsWith('State        '))).toEqual([
        'State        complete (100%)',
      ]);
      expect(transcript).toContain('Upgraded 3 of 3, 0 failed: complete');
    },
  );
});
