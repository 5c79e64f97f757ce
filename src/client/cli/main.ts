import { errors } from '@elastic/elasticsearch';
import { cancelCommand } from './commands/cancel';
import { reportCommand } from './commands/cluster-run';
import { pauseCommand, resumeCommand } from './commands/pause';
import { listCommand } from './commands/list';
import { planCommand } from './commands/plan';
import { readinessCommand } from './commands/readiness';
import { settingsCommand } from './commands/settings';
import { startCommand } from './commands/start';
import { statusCommand } from './commands/status';
import type { Command } from './command';
import { openConnections, TemporalUnreachableError, type Connections } from './connection';
import { EXIT_CODES, UsageError } from './exit-codes';
import { commandFlagsOf, environmentOf, outputFormatOf, secretFlagsGiven, FLAG_ENVIRONMENT } from './options';
import { buildProgram, type ChosenCommand } from './program';
import type { LiveViewOutput } from './output/live-view';
import { completionCommand } from './commands/completion';
import { CommanderError } from 'commander';
import { AuthenticationError } from '../service/access';
import { ElasticsearchApiError } from '../service/api-error';
import { ConfigError, LOG_LEVELS, type ElasticsearchConnectionConfig, type LogLevel } from '../../config';
import { describeElasticsearchFailure } from '../../observability/elasticsearch-diagnosis';
import { JsonLogger } from '../../observability/json-logger';

const COMMANDS: readonly Command[] = [
  startCommand,
  statusCommand,
  cancelCommand,
  planCommand,
  settingsCommand,
  listCommand,
  reportCommand,
  pauseCommand,
  resumeCommand,
  readinessCommand,
];

function isUnreachable(err: unknown): boolean {
  if (err instanceof TemporalUnreachableError) return true;
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError) return true;
  if (err instanceof errors.NoLivingConnectionsError) return true;
  // gRPC UNAVAILABLE from Temporal once connected.
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 14;
}

/** What to do about credentials a secured cluster refused; the flags show in `ps`, so the environment first. */
const CREDENTIALS_HINT =
  'Elasticsearch has security on and refused the credentials ds-reindex was given. Give it credentials ' +
  'in the environment: ES_API_KEY (an encoded API key), or ES_USERNAME and ES_PASSWORD, or from files: ' +
  'ES_API_KEY_FILE, ES_PASSWORD_FILE';

function exitCodeOfApiError(err: ElasticsearchApiError): number {
  if (err.status === 404) return EXIT_CODES.NOT_FOUND;
  return err.type === 'resource_already_exists_exception' ? EXIT_CODES.CONFLICT : EXIT_CODES.REFUSED;
}

/** Why Temporal or Elasticsearch could not be reached; Elasticsearch's in one line with what to change. */
function unreachable(err: unknown, esConfig?: ElasticsearchConnectionConfig): string {
  const elasticsearch = err instanceof errors.ConnectionError || err instanceof errors.TimeoutError;
  if (elasticsearch && esConfig) return describeElasticsearchFailure(esConfig, err);
  return err instanceof Error ? err.message : String(err);
}

/**
 * Maps a failure to an exit code and what to print: Elasticsearch's own error body with --json.
 * `esConfig`, once read: a failure to reach Elasticsearch is said in one line with what to change.
 */
function describeFailure(
  err: unknown,
  esConfig?: ElasticsearchConnectionConfig,
  helpOfCommand = '',
): { code: number; message: string; body?: unknown } {
  if (err instanceof UsageError || err instanceof ConfigError) {
    return {
      code: EXIT_CODES.USAGE,
      message: `${err.message}${helpOfCommand ? `\n\n${helpOfCommand}` : ''}`,
    };
  }
  if (err instanceof AuthenticationError) {
    return { code: EXIT_CODES.REFUSED, message: `${CREDENTIALS_HINT}: ${err.reason}`, body: err.toBody() };
  }
  if (err instanceof ElasticsearchApiError) {
    return { code: exitCodeOfApiError(err), message: err.reason, body: err.toBody() };
  }
  if (isUnreachable(err)) return { code: EXIT_CODES.CONNECTION_FAILURE, message: unreachable(err, esConfig) };
  if (err instanceof errors.ResponseError) {
    return {
      code: err.statusCode === 404 ? EXIT_CODES.NOT_FOUND : EXIT_CODES.REFUSED,
      message: err.message,
      body: err.body,
    };
  }
  return { code: EXIT_CODES.INTERNAL, message: err instanceof Error ? err.message : String(err) };
}

/** `--verbose`: DEBUG, or a lower `LOG_LEVEL` (TRACE) if one is set; to stderr, so stdout stays output. */
function verboseLogger(env: NodeJS.ProcessEnv, err: NodeJS.WritableStream): JsonLogger {
  const wanted = env.LOG_LEVEL?.toUpperCase();
  const level: LogLevel =
    LOG_LEVELS.find((candidate) => candidate === wanted) === 'TRACE' ? 'TRACE' : 'DEBUG';
  return new JsonLogger({ level, fields: { service: 'ds-reindex-cli' }, write: (line) => err.write(line) });
}

/**
 * Reads the command line. `undefined` when commander answered it itself: `--help`, `--version`, or a
 * mistake it already reported on `err` (unknown command or flag, with a suggestion; missing argument).
 */
async function chooseCommand(
  argv: readonly string[],
  out: LiveViewOutput,
  err: NodeJS.WritableStream,
): Promise<{ choice?: ChosenCommand; help: () => string; code: number }> {
  let choice: ChosenCommand | undefined;
  const program = buildProgram(
    [...COMMANDS, completionCommand(() => program)],
    { out, err },
    (chosen) => (choice = chosen),
  );
  const help = (): string => {
    const found = choice?.path
      .split(' ')
      .reduce((command, name) => command.commands.find((sub) => sub.name() === name) ?? command, program);
    return (found ?? program).helpInformation();
  };
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (failure) {
    if (!(failure instanceof CommanderError)) throw failure;
    return { help, code: failure.exitCode === 0 ? EXIT_CODES.OK : EXIT_CODES.USAGE };
  }
  return { choice, help, code: EXIT_CODES.OK };
}

/** Secrets given as flags work, but anyone on the machine can read them in `ps`: say so, on stderr. */
function warnAboutSecretFlags(choice: ChosenCommand, err: NodeJS.WritableStream): void {
  for (const flag of secretFlagsGiven(choice.options)) {
    const variable = FLAG_ENVIRONMENT[flag];
    err.write(
      `ds-reindex: warning: --${flag} shows in \`ps\` and in the shell history; prefer ${variable} or ${variable}_FILE\n`,
    );
  }
}

export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: LiveViewOutput,
  err: NodeJS.WritableStream,
): Promise<number> {
  let connections: Connections | undefined;
  let logger: JsonLogger | undefined;
  let help = (): string => '';
  let output = argv.includes('--json') ? 'json' : 'text';
  try {
    const chosen = await chooseCommand(argv, out, err);
    help = chosen.help;
    const choice = chosen.choice;
    if (choice === undefined) return chosen.code;
    output = outputFormatOf(choice.options);
    const { command } = choice;
    const flags = commandFlagsOf(choice.options);
    warnAboutSecretFlags(choice, err);
    logger = flags.verbose ? verboseLogger(env, err) : undefined;
    logger?.debug(`ds-reindex ${choice.path}`, { command: choice.path, args: choice.args });
    const environment = environmentOf(choice.options);
    // Opened when first used, so a command that needs no connection (completion) reads no configuration.
    const lazy = (): Connections => (connections ??= openConnections(env, environment, logger));
    // Every other command acts as its credentials, so a secured cluster that refuses them stops it here.
    if (command.local !== true) await lazy().caller();
    return await (command.run ?? (() => Promise.resolve(EXIT_CODES.OK)))({
      args: choice.args,
      flags,
      get connections() {
        return lazy();
      },
      out,
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
  } catch (failure) {
    const { code, message, body } = describeFailure(failure, connections?.config.elasticsearch, help());
    logger?.error(message, { exitCode: code, error: failure });
    if (output !== 'text' && body !== undefined) {
      out.write(`${output === 'jsonl' ? JSON.stringify(body) : JSON.stringify(body, null, 2)}\n`);
    }
    err.write(`ds-reindex: ${message}\n`);
    return code;
  } finally {
    await connections?.close().catch(() => undefined);
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), process.env, process.stdout, process.stderr)
    .then((code) => process.exit(code))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(EXIT_CODES.INTERNAL);
    });
}
