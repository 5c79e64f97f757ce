import { Option, type OptionValues } from 'commander';
import { UsageError } from './exit-codes';

/** `-o`: human text, one pretty JSON document, or compact JSON one document a line (as `temporal -o`). */
export const OUTPUT_FORMATS = ['text', 'json', 'jsonl'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Which flag sets which environment variable: the CLI reads the worker's and the server's names. */
export const FLAG_ENVIRONMENT = {
  'temporal-address': 'TEMPORAL_ADDRESS',
  'temporal-namespace': 'TEMPORAL_NAMESPACE',
  'temporal-profile': 'TEMPORAL_PROFILE',
  'task-queue': 'TEMPORAL_TASK_QUEUE',
  'es-url': 'ES_URL',
  'es-api-key': 'ES_API_KEY',
  'es-api-key-file': 'ES_API_KEY_FILE',
  'es-username': 'ES_USERNAME',
  'es-password': 'ES_PASSWORD',
  'es-password-file': 'ES_PASSWORD_FILE',
  'es-ca-file': 'ES_CA_FILE',
} as const;
type ConnectionFlag = keyof typeof FLAG_ENVIRONMENT;

/** Flags whose value is a secret: they show in `ps` and in shell history, so the CLI warns when used. */
export const SECRET_FLAGS: readonly ConnectionFlag[] = ['es-api-key', 'es-password'];

/** A secret flag and its file flag exclude each other; the one given clears the other's variable. */
const SECRET_PAIRS: readonly (readonly [ConnectionFlag, ConnectionFlag])[] = [
  ['es-api-key', 'es-api-key-file'],
  ['es-password', 'es-password-file'],
];

/** The options every command takes: output, logging and the connection (overriding the environment). */
export function globalOptions(): Option[] {
  return [
    new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('text'),
    new Option('--json', 'the same as -o json'),
    new Option('-v, --verbose', 'JSON log lines on stderr: every Temporal and Elasticsearch call'),
    ...Object.entries(FLAG_ENVIRONMENT).map(([flag, variable]) => {
      const secret = (SECRET_FLAGS as readonly string[]).includes(flag);
      return new Option(
        `--${flag} <${flag.endsWith('-file') ? 'path' : 'value'}>`,
        secret
          ? `overrides ${variable} (shows in ps: prefer ${variable} or --${flag}-file)`
          : `overrides ${variable}`,
      );
    }),
  ];
}

/** The options a command may take; each command lists the ones it reads (`Command.options`). */
export const COMMAND_OPTIONS = {
  wait: () => new Option('--wait', 'follow the upgrade to the end, live'),
  watch: () => new Option('--watch', 'follow the status live until the upgrade ends'),
  intervalMs: () => new Option('--interval-ms <ms>', 'how often --wait and --watch poll (default 1000)'),
  transient: () => new Option('--transient', 'a transient setting instead of a persistent one'),
  all: () => new Option('--all', 'the whole-cluster upgrade instead of one data stream'),
  pattern: () =>
    new Option(
      '--pattern <glob>',
      '--all: which data streams, as GET _data_stream/<pattern> reads it (default *)',
    ),
  maxDataStreams: () =>
    new Option('--max-data-streams <n>', '--all: data streams upgraded at once (default 1)'),
  readOnly: () =>
    new Option('--read-only', '--all: mark every old index read-only (_block/write), no reindex'),
  readOnlyOlderThan: () =>
    new Option('--read-only-older-than <age>', '--all: mark old indices older than <age> (90d) read-only'),
  includeSystem: () =>
    new Option('--include-system', '--all: include system data streams (default: listed only)'),
  indices: () =>
    new Option(
      '--indices <pattern>',
      '--all: also upgrade the old standalone indices this index pattern names (logs-*,-logs-tmp; * for all)',
    ),
  reindexReadOnly: () =>
    new Option(
      '--reindex-read-only',
      '--all: reindex the old indices marked read-only too, backing and standalone (not once the cluster is on the next major)',
    ),
  ilmHorizon: () =>
    new Option('--ilm-horizon <age>', '--all: ILM deletions within <age> count as soon (default 7d)'),
  window: () =>
    new Option(
      '--window <HH:MM-HH:MM zone>',
      "--all: copy only inside this daily window ('01:00-05:00 Europe/Berlin')",
    ),
  verify: () =>
    new Option(
      '--verify <mode>',
      'count, ids or content: how each copy is proven before its swap (default: the cluster setting cluster.metadata.ds_reindex.verify, else count)',
    ),
  now: () => new Option('--now', 'also stop the copies in flight (resume continues them)'),
  allowDiskRisk: () =>
    new Option(
      '--allow-disk-risk',
      "start even if the plan's disk estimate would pass a node's flood-stage watermark",
    ),
} as const;
export type CommandOptionName = keyof typeof COMMAND_OPTIONS;

export interface CommandFlags {
  output: OutputFormat;
  /** `output` is json or jsonl. */
  json: boolean;
  /** JSON log lines on stderr: each Temporal and Elasticsearch call, at `LOG_LEVEL` or DEBUG. */
  verbose: boolean;
  wait: boolean;
  watch: boolean;
  transient: boolean;
  intervalMs: number;
  /** `--verify`, unchecked: `start` and `start --all` check it. */
  verify?: string;
  /** `start --allow-disk-risk`: start even when the disk plan passes a flood stage. */
  allowDiskRisk: boolean;
  /** The whole-cluster upgrade's flags, unchecked (`src/client/cli/commands/cluster-*.ts` check them). */
  cluster: ClusterFlags;
}

export interface ClusterFlags {
  all: boolean;
  pattern?: string;
  maxDataStreams?: string;
  readOnly: boolean;
  readOnlyOlderThan?: string;
  ilmHorizon?: string;
  includeSystem: boolean;
  window?: string;
  /** `--indices <pattern>`: standalone indices too. */
  indices?: string;
  reindexReadOnly: boolean;
  /** `pause --now`: stop the copies in flight too. */
  now: boolean;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The output format: `--json` stands for `-o json` unless `-o` names another machine format. */
export function outputFormatOf(options: OptionValues): OutputFormat {
  const output = OUTPUT_FORMATS.find((format) => format === options.output) ?? 'text';
  return options.json === true && output === 'text' ? 'json' : output;
}

/** A command's flags from commander's option values (the command's own and the global ones). */
export function commandFlagsOf(options: OptionValues): CommandFlags {
  const intervalMs = Number(options.intervalMs ?? '1000');
  if (!Number.isInteger(intervalMs) || intervalMs <= 0) {
    throw new UsageError(
      `--interval-ms must be a positive whole number, got [${String(options.intervalMs)}]`,
    );
  }
  const output = outputFormatOf(options);
  return {
    output,
    json: output !== 'text',
    verbose: options.verbose === true,
    wait: options.wait === true,
    watch: options.watch === true,
    transient: options.transient === true,
    intervalMs,
    ...(text(options.verify) !== undefined ? { verify: text(options.verify) } : {}),
    allowDiskRisk: options.allowDiskRisk === true,
    cluster: clusterFlagsOf(options),
  };
}

function clusterFlagsOf(options: OptionValues): ClusterFlags {
  const given = [
    'pattern',
    'maxDataStreams',
    'readOnly',
    'readOnlyOlderThan',
    'ilmHorizon',
    'includeSystem',
    'window',
    'indices',
    'reindexReadOnly',
  ]
    .filter((name) => options[name] !== undefined)
    .map((name) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`));
  if (options.all !== true && given.length > 0) {
    throw new UsageError(`--${given[0]} goes with --all (the whole-cluster upgrade)`);
  }
  return {
    all: options.all === true,
    pattern: text(options.pattern),
    maxDataStreams: text(options.maxDataStreams),
    readOnly: options.readOnly === true,
    readOnlyOlderThan: text(options.readOnlyOlderThan),
    ilmHorizon: text(options.ilmHorizon),
    includeSystem: options.includeSystem === true,
    window: text(options.window),
    indices: text(options.indices),
    reindexReadOnly: options.reindexReadOnly === true,
    now: options.now === true,
  };
}

const camelCase = (flag: string): string =>
  flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * Environment overrides from the connection flags. A secret given one way clears the other way's
 * variable (`--es-password-file` clears ES_PASSWORD), so a flag always wins over the environment.
 */
export function environmentOf(options: OptionValues): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [flag, variable] of Object.entries(FLAG_ENVIRONMENT)) {
    const value = text(options[camelCase(flag)]);
    if (value !== undefined) environment[variable] = value;
  }
  for (const [secret, file] of SECRET_PAIRS) {
    const given = [secret, file].filter((flag) => environment[FLAG_ENVIRONMENT[flag]] !== undefined);
    if (given.length === 2) throw new UsageError(`--${secret} and --${file} exclude each other`);
    if (given.length === 1) {
      const other = given[0] === secret ? file : secret;
      environment[FLAG_ENVIRONMENT[other]] = '';
    }
  }
  return environment;
}

/** The secret flags given, for the warning that they show in `ps`. */
export function secretFlagsGiven(options: OptionValues): ConnectionFlag[] {
  return SECRET_FLAGS.filter((flag) => text(options[camelCase(flag)]) !== undefined);
}
