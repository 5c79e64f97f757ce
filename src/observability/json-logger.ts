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

/** Errors as their type and message (and stack), bigints as strings: what JSON.stringify would drop. */
function jsonValue(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { type: value.name, message: value.message, ...(value.stack ? { stack: value.stack } : {}) };
  }
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * Structured logs, one JSON object per line: `time`, `level`, `message`, then the fields. Any line that
 * carries a `workflowId` of an upgrade gets its `dataStream` and `index` too, so activity, workflow and SDK
 * lines can be filtered by data stream without every call site adding them. It is the Temporal SDK's
 * `Logger`, so the worker's runtime, workflow and activity logs all come through here.
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
    const record = {
      time: time.toISOString(),
      level,
      message,
      ...this.options.fields,
      ...upgrade,
      ...fields,
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
