import { parseArgs } from 'node:util';
import { UsageError } from './exit-codes';

/** Flags shared by every command: connection settings (overriding the environment) and output. */
export const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean', short: 'v' },
  'temporal-address': { type: 'string' },
  'temporal-namespace': { type: 'string' },
  'temporal-profile': { type: 'string' },
  'task-queue': { type: 'string' },
  'es-url': { type: 'string' },
  'es-api-key': { type: 'string' },
  'es-username': { type: 'string' },
  'es-password': { type: 'string' },
  'es-ca-file': { type: 'string' },
  // Command flags; each command says which it reads.
  wait: { type: 'boolean' },
  watch: { type: 'boolean' },
  transient: { type: 'boolean' },
  'interval-ms': { type: 'string' },
  // The whole-cluster upgrade (plan/start/status/cancel --all, report).
  all: { type: 'boolean' },
  pattern: { type: 'string' },
  'max-data-streams': { type: 'string' },
  'read-only': { type: 'boolean' },
  'read-only-older-than': { type: 'string' },
  'ilm-horizon': { type: 'string' },
  'include-system': { type: 'boolean' },
  window: { type: 'string' },
  // pause: also stop the copies in flight.
  now: { type: 'boolean' },
} as const;

/** Which flag sets which environment variable: the CLI reads the worker's and the server's names. */
export const FLAG_ENVIRONMENT = {
  'temporal-address': 'TEMPORAL_ADDRESS',
  'temporal-namespace': 'TEMPORAL_NAMESPACE',
  'temporal-profile': 'TEMPORAL_PROFILE',
  'task-queue': 'TEMPORAL_TASK_QUEUE',
  'es-url': 'ES_URL',
  'es-api-key': 'ES_API_KEY',
  'es-username': 'ES_USERNAME',
  'es-password': 'ES_PASSWORD',
  'es-ca-file': 'ES_CA_FILE',
} as const;

export interface ParsedCommandLine {
  command: string | undefined;
  positionals: string[];
  flags: {
    json: boolean;
    help: boolean;
    /** JSON log lines on stderr: each Temporal and Elasticsearch call, at `LOG_LEVEL` or DEBUG. */
    verbose: boolean;
    wait: boolean;
    watch: boolean;
    transient: boolean;
    intervalMs: number;
    /** The whole-cluster upgrade's flags, unchecked (`src/client/cli/commands/cluster-*.ts` check them). */
    cluster: ClusterFlags;
  };
  /** Environment overrides from connection flags. */
  environment: Record<string, string>;
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
  /** `pause --now`: stop the copies in flight too. */
  now: boolean;
}

export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: GLOBAL_OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  const environment: Record<string, string> = {};
  for (const [flag, variable] of Object.entries(FLAG_ENVIRONMENT)) {
    const value = values[flag as keyof typeof FLAG_ENVIRONMENT];
    if (typeof value === 'string') environment[variable] = value;
  }
  const intervalMs = values['interval-ms'] === undefined ? 1000 : Number(values['interval-ms']);
  if (!Number.isInteger(intervalMs) || intervalMs <= 0) {
    throw new UsageError(`--interval-ms must be a positive whole number, got [${values['interval-ms']}]`);
  }
  return {
    command: positionals[0],
    positionals: positionals.slice(1),
    flags: {
      json: values.json ?? false,
      help: values.help ?? false,
      verbose: values.verbose ?? false,
      wait: values.wait ?? false,
      watch: values.watch ?? false,
      transient: values.transient ?? false,
      intervalMs,
      cluster: clusterFlags(values),
    },
    environment,
  };
}

function clusterFlags(
  values: ReturnType<typeof parseArgs<{ options: typeof GLOBAL_OPTIONS }>>['values'],
): ClusterFlags {
  const given = [
    'pattern',
    'max-data-streams',
    'read-only',
    'read-only-older-than',
    'ilm-horizon',
    'include-system',
    'window',
  ].filter((name) => values[name as keyof typeof values] !== undefined);
  if (values.all !== true && given.length > 0) {
    throw new UsageError(`--${given[0]} goes with --all (the whole-cluster upgrade)`);
  }
  return {
    all: values.all ?? false,
    pattern: values.pattern,
    maxDataStreams: values['max-data-streams'],
    readOnly: values['read-only'] ?? false,
    readOnlyOlderThan: values['read-only-older-than'],
    ilmHorizon: values['ilm-horizon'],
    includeSystem: values['include-system'] ?? false,
    window: values.window,
    now: values.now ?? false,
  };
}
