import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import { upgradeOfWorkflowId } from './upgrade-of-workflow';

const SEVERITY: Readonly<Record<LogLevel, number>> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };
/** Where the Temporal SDK puts the moment a message was emitted (nanoseconds, a bigint). */
const SDK_LOG_TIMESTAMP = Symbol.for('log_timestamp');

export interface JsonLoggerOptions {
  /** Messages below this level are dropped. */
  level: LogLevel;
  /** Fields on every line, e.g. `{ service: 'worker' }`. */
  fields?: Readonly<Record<string, unknown>>;
  /** Receives one JSON line, newline included. @default writes to stdout */
  write?: (line: string) => void;
}

/** The ECS version the lines follow (the one `@elastic/ecs-pino-format` 1.5 writes too). */
export const ECS_VERSION = '8.10.0';
/** Our own fields go under this key: outside ECS's reserved names, so they never clash with a mapping. */
export const OWN_FIELDS = 'ds_reindex';

/** Bigints as strings, and errors inside our fields as their type and message: what JSON.stringify would drop. */
function jsonValue(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { type: value.name, message: value.message };
  return typeof value === 'bigint' ? value.toString() : value;
}

/** ECS's `error.*`: an Error as its type, message and stack; a string as the message. */
function ecsError(error: unknown): Record<string, string> | undefined {
  if (error instanceof Error) {
    return { type: error.name, message: error.message, ...(error.stack ? { stack_trace: error.stack } : {}) };
  }
  return typeof error === 'string' ? { message: error } : undefined;
}

/**
 * Structured logs in ECS (Elastic Common Schema), one JSON object per line: `@timestamp`, `log.level`,
 * `message`, `ecs.version`, `service.name`, `error.*`, and everything else under `ds_reindex.*`, so
 * the lines go into Elasticsearch as they are. Any line that carries a `workflowId` of an upgrade gets
 * its `dataStream` and `index` too, so activity, workflow and SDK lines can be filtered by data stream
 * without every call site adding them. It is the Temporal SDK's `Logger`, so the worker's runtime,
 * workflow and activity logs all come through here.
 */
export class JsonLogger implements Logger {
  private readonly minimum: number;
  private readonly write: (line: string) => void;

  constructor(private readonly options: JsonLoggerOptions) {
    this.minimum = SEVERITY[options.level];
    this.write = options.write ?? ((line) => process.stdout.write(line));
  }

  /** Whether a message at `level` would be written (to skip building costly metadata). */
  isEnabled(level: LogLevel): boolean {
    return SEVERITY[level] >= this.minimum;
  }

  /** A logger that adds `fields` to every line. */
  child(fields: Readonly<Record<string, unknown>>): JsonLogger {
    return new JsonLogger({ ...this.options, fields: { ...this.options.fields, ...fields } });
  }

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    if (!this.isEnabled(level)) return;
    const { [SDK_LOG_TIMESTAMP]: timestampNanos, ...fields } = meta as LogMetadata & {
      [SDK_LOG_TIMESTAMP]?: unknown;
    };
    const time =
      typeof timestampNanos === 'bigint' ? new Date(Number(timestampNanos / 1_000_000n)) : new Date();
    const workflowId = typeof fields.workflowId === 'string' ? fields.workflowId : undefined;
    const upgrade = fields.dataStream === undefined ? upgradeOfWorkflowId(workflowId) : undefined;
    const merged: Record<string, unknown> = { ...this.options.fields, ...upgrade, ...fields };
    const { service, error, ...own } = merged;
    const errorFields = ecsError(error);
    const record = {
      '@timestamp': time.toISOString(),
      'log.level': level.toLowerCase(),
      message,
      'ecs.version': ECS_VERSION,
      ...(typeof service === 'string' ? { 'service.name': service } : {}),
      ...(errorFields ? { error: errorFields } : {}),
      [OWN_FIELDS]: error !== undefined && !errorFields ? { ...own, error } : own,
    };
    this.write(`${JSON.stringify(record, jsonValue)}\n`);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
