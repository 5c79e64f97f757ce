/**
 * The CLI's command line, run in-process as `ds-reindex` runs it: commander's parsing, help, version,
 * suggestions and completion scripts need no Temporal or Elasticsearch.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/client/cli/main';
import { EXIT_CODES } from '../../src/client/cli/exit-codes';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await runCli(args, env, out, err);
  return { code, stdout, stderr };
}

const VERSION = (
  JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }
).version;
const COMMANDS = [
  'start',
  'status',
  'cancel',
  'plan',
  'settings',
  'list',
  'report',
  'pause',
  'resume',
  'readiness',
  'completion',
];

describe('the CLI command line', () => {
  it('prints the package version with --version', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('lists every command, the credentials and the exit codes in the global help', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(EXIT_CODES.OK);
    expect(help.stdout).toContain('Usage: ds-reindex <command> [options]');
    for (const command of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(help.stdout).toContain('ES_PASSWORD_FILE');
    expect(help.stdout).toContain('Exit codes: 0 ok, 1 usage, 2 not found, 3 conflict');
    expect(help.stdout).toContain('8 not ready for the next major (readiness)');
  });

  it.each([
    [
      'start',
      ['--wait', '--interval-ms', '--window', '--pattern'],
      ['--transient', '--now', '--ilm-horizon'],
    ],
    ['status', ['--watch', '--all'], ['--wait', '--pattern', '--transient']],
    ['plan', ['--all', '--ilm-horizon', '--pattern'], ['--wait', '--window']],
    ['pause', ['--now', '--all'], ['--wait', '--watch']],
    ['list', [], ['--wait', '--watch', '--all']],
    ['readiness', [], ['--wait', '--watch', '--all', '--pattern']],
  ])('gives %s its own help, with its own flags only', async (command, has, hasNot) => {
    const help = await cli([command, '--help']);
    expect(help.code).toBe(EXIT_CODES.OK);
    expect(help.stdout).toContain(`Usage: ds-reindex ${command} [options]`);
    // The options listed before the global ones are the command's own.
    const own = help.stdout.split('Global Options:')[0];
    const listed = (flag: string): RegExp => new RegExp(`^ {2}${flag}\\b`, 'm');
    for (const flag of has) expect(own).toMatch(listed(flag));
    for (const flag of hasNot) expect(own).not.toMatch(listed(flag));
    expect(help.stdout).toContain('--es-url <value>');
  });

  it('gives the settings subcommands their own help: set takes --transient, get does not', async () => {
    const set = await cli(['settings', 'set', '--help']);
    expect(set.stdout).toContain('Usage: ds-reindex settings set [options] <name> <value>');
    expect(set.stdout).toContain('--transient');
    expect((await cli(['settings', 'get', '--transient'])).code).toBe(EXIT_CODES.USAGE);
    expect((await cli(['help', 'settings'])).stdout).toMatch(/^ {2}get /m);
  });

  it.each([
    ['a flag another command takes', ['list', '--wait'], "unknown option '--wait'"],
    ['a misspelt flag, with a suggestion', ['status', 'x', '--jsn'], '(Did you mean --json?)'],
    [
      'a misspelt command, with a suggestion',
      ['stats', 'x'],
      "unknown command 'stats'\n(Did you mean status?)",
    ],
    [
      'an output format that does not exist',
      ['status', 'x', '-o', 'yaml'],
      'Allowed choices are text, json, jsonl',
    ],
    ['too many arguments', ['pause', 'a', 'b'], 'too many arguments'],
    ['a cluster flag without --all', ['plan', 'x', '--pattern', 'logs-*'], '--pattern goes with --all'],
    [
      'a bad --interval-ms',
      ['status', 'x', '--watch', '--interval-ms', '0'],
      '--interval-ms must be a positive',
    ],
    [
      'an unknown completion shell',
      ['completion', 'tcsh'],
      'completion supports bash, zsh, fish, not [tcsh]',
    ],
    ['settings without get or set', ['settings'], 'Usage: ds-reindex settings [options] [command]'],
  ])('refuses %s with exit 1 and says why', async (_mistake, args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(EXIT_CODES.USAGE);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });

  it('warns that a secret given as a flag shows in ps, and not when it comes from the environment', async () => {
    const run = await cli(['plan', 'x', '--es-url', 'http://127.0.0.1:1', '--es-api-key', 'c2VjcmV0']);
    expect(run.stderr).toContain(
      'warning: --es-api-key shows in `ps` and in the shell history; prefer ES_API_KEY or ES_API_KEY_FILE',
    );
    expect(run.stderr).not.toContain('c2VjcmV0');
    expect(run.code).toBe(EXIT_CODES.CONNECTION_FAILURE);
    const fromEnvironment = await cli(['plan', 'x', '--es-url', 'http://127.0.0.1:1'], {
      ES_API_KEY: 'c2VjcmV0',
    });
    expect(fromEnvironment.stderr).not.toContain('warning');
  });

  it('refuses a secret flag and its file flag together', async () => {
    const run = await cli(['plan', 'x', '--es-password', 'p', '--es-password-file', '/nonexistent']);
    expect(run.code).toBe(EXIT_CODES.USAGE);
    expect(run.stderr).toContain('--es-password and --es-password-file exclude each other');
  });
});

describe('completion scripts', () => {
  const script = async (shell: string): Promise<string> => {
    const run = await cli(['completion', shell]);
    expect(run.code).toBe(EXIT_CODES.OK);
    return run.stdout;
  };

  /** What bash offers for `line` (the last word being completed), with the script sourced. */
  function bashCompletes(source: string, line: string): string[] {
    const program = [
      source,
      `read -ra COMP_WORDS <<< ${JSON.stringify(line)}`,
      line.endsWith(' ') ? 'COMP_WORDS+=("")' : ':',
      'COMP_CWORD=$((${#COMP_WORDS[@]} - 1))',
      '_ds_reindex',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    return execFileSync('bash', ['-c', program], { encoding: 'utf8' }).split('\n').filter(Boolean);
  }

  it('writes a bash script that parses and completes commands, flags and values', async () => {
    const bash = await script('bash');
    execFileSync('bash', ['-n'], { input: bash });
    expect(bashCompletes(bash, 'ds-reindex st')).toEqual(['start', 'status']);
    expect(bashCompletes(bash, 'ds-reindex ')).toEqual(
      expect.arrayContaining([...COMMANDS, 'help', '--version']),
    );
    expect(bashCompletes(bash, 'ds-reindex start --w')).toEqual(['--wait', '--window']);
    expect(bashCompletes(bash, 'ds-reindex -o json sta')).toEqual(['start', 'status']);
    expect(bashCompletes(bash, 'ds-reindex settings ')).toEqual(expect.arrayContaining(['get', 'set']));
    expect(bashCompletes(bash, 'ds-reindex settings set --tr')).toEqual(['--transient']);
    expect(bashCompletes(bash, 'ds-reindex settings get --tr')).toEqual([]);
    expect(bashCompletes(bash, 'ds-reindex status x -o js')).toEqual(['json', 'jsonl']);
    expect(bashCompletes(bash, 'ds-reindex list --w')).toEqual([]);
  });

  it('writes zsh and fish scripts that name every command', async () => {
    for (const shell of ['zsh', 'fish']) {
      const text = await script(shell);
      for (const command of COMMANDS) expect(text).toContain(command);
    }
  });

  // zsh and fish are not on every machine; where they are, their own parsers check the scripts.
  const hasShell = (shell: string): boolean => {
    try {
      execFileSync('sh', ['-c', `command -v ${shell}`]);
      return true;
    } catch {
      return false;
    }
  };
  (hasShell('zsh') ? it : it.skip)('writes a zsh script that zsh parses', async () => {
    execFileSync('zsh', ['-n'], { input: await script('zsh') });
  });
  (hasShell('fish') ? it : it.skip)('writes a fish script that fish parses and completes with', async () => {
    const fish = await script('fish');
    const file = join(mkdtempSync(join(tmpdir(), 'ds-reindex-fish-')), 'ds-reindex.fish');
    writeFileSync(file, fish);
    execFileSync('fish', ['-n', file]);
    const offered = execFileSync('fish', ['-c', `${fish}\ncomplete -C 'ds-reindex st'`], {
      encoding: 'utf8',
    });
    expect(offered.split('\n').map((line) => line.split('\t')[0])).toEqual(['start', 'status', '']);
  });
});
