import { errors } from '@elastic/elasticsearch';
import { cancelCommand } from './commands/cancel';
import { reportCommand } from './commands/cluster-run';
import { pauseCommand, resumeCommand } from './commands/pause';
import { listCommand } from './commands/list';
import { planCommand } from './commands/plan';
import { settingsCommand } from './commands/settings';
import { startCommand } from './commands/start';
import { statusCommand } from './commands/status';
import type { Command } from './command';
import { openConnections, TemporalUnreachableError, type Connections } from './connection';
import { EXIT_CODES, UsageError } from './exit-codes';
import { FLAG_ENVIRONMENT, parseCommandLine } from './options';
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
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.usage.length));
  return [
    'Usage: ds-reindex <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.usage.padEnd(width)}  ${command.summary}`),
    '',
    'Options:',
    '  --json                        machine-readable output (--wait/--watch: one JSON status per line)',
    '  -v, --verbose                 JSON log lines on stderr: every Temporal and Elasticsearch call',
    '  --interval-ms <ms>            how often --wait and --watch poll (default 1000)',
    '  --transient                   settings set: a transient setting instead of a persistent one',
    '  --all                         plan/start/status/cancel the whole-cluster upgrade instead of one data stream',
    '  --pattern <glob>              --all: which data streams (default *, as GET _data_stream/<pattern> reads it)',
    '  --max-data-streams <n>        --all: data streams upgraded at once (default 1)',
    '  --read-only                   --all: mark every old index read-only (_block/write) instead of reindexing',
    '  --read-only-older-than <age>  --all: mark old indices older than <age> (e.g. 90d) read-only, reindex newer',
    '  --include-system              --all: include system data streams (default: listed, not upgraded)',
    '  --ilm-horizon <age>           plan --all: ILM deletions within <age> count as soon (default 7d)',
    "  --window '<HH:MM-HH:MM zone>' start --all: copy only inside this daily window, e.g. '01:00-05:00 Europe/Berlin'",
    '  --now                         pause: also stop the copies in flight (resume continues them)',
    ...Object.entries(FLAG_ENVIRONMENT).map(
      ([flag, variable]) => `  ${`--${flag} <value>`.padEnd(30)}overrides ${variable}`,
    ),
    '',
    'Exit codes: 0 ok, 1 usage, 2 not found, 3 conflict (an upgrade is already running),',
    '            4 completed with errors, 5 cannot reach Temporal or Elasticsearch, 6 refused by Elasticsearch,',
    '            7 unexpected error',
  ].join('\n');
}

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
  'in the environment: ES_API_KEY (an encoded API key), or ES_USERNAME and ES_PASSWORD';

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
): { code: number; message: string; body?: unknown } {
  if (err instanceof UsageError || err instanceof ConfigError) {
    return { code: EXIT_CODES.USAGE, message: `${err.message}\n\n${usage()}` };
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
function verboseLogger(env: NodeJS.ProcessEnv, err: NodeJS.WriteStream): JsonLogger {
  const wanted = env.LOG_LEVEL?.toUpperCase();
  const level: LogLevel =
    LOG_LEVELS.find((candidate) => candidate === wanted) === 'TRACE' ? 'TRACE' : 'DEBUG';
  return new JsonLogger({ level, fields: { service: 'ds-reindex-cli' }, write: (line) => err.write(line) });
}

export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: NodeJS.WriteStream,
  err: NodeJS.WriteStream,
): Promise<number> {
  let connections: Connections | undefined;
  let logger: JsonLogger | undefined;
  let json = argv.includes('--json');
  try {
    const commandLine = parseCommandLine(argv);
    json = commandLine.flags.json;
    if (commandLine.flags.help || commandLine.command === undefined || commandLine.command === 'help') {
      out.write(`${usage()}\n`);
      return commandLine.command === undefined && !commandLine.flags.help ? EXIT_CODES.USAGE : EXIT_CODES.OK;
    }
    const command = COMMANDS.find((candidate) => candidate.name === commandLine.command);
    if (!command) throw new UsageError(`unknown command [${commandLine.command}]`);
    logger = commandLine.flags.verbose ? verboseLogger(env, err) : undefined;
    logger?.debug(`ds-reindex ${command.name}`, { command: command.name, args: commandLine.positionals });
    connections = openConnections(env, commandLine.environment, logger);
    // Every command acts as its credentials, so a secured cluster that refuses them stops it here.
    await connections.caller();
    return await command.run({
      args: commandLine.positionals,
      flags: commandLine.flags,
      connections,
      out,
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
  } catch (failure) {
    const { code, message, body } = describeFailure(failure, connections?.config.elasticsearch);
    logger?.error(message, { exitCode: code, error: failure });
    if (json && body !== undefined) out.write(`${JSON.stringify(body, null, 2)}\n`);
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
