import type { Connections } from './connection';
import type { ParsedCommandLine } from './options';

/** What every command gets: its arguments, the flags, connections, and where to write. */
export interface CommandContext {
  args: readonly string[];
  flags: ParsedCommandLine['flags'];
  connections: Connections;
  out: NodeJS.WritableStream & { isTTY?: boolean };
  /** Current time; commands read it through here so output is testable. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  run(context: CommandContext): Promise<number>;
}

export function writeJson(context: CommandContext, value: unknown): void {
  context.out.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function writeLines(context: CommandContext, lines: readonly string[]): void {
  context.out.write(`${lines.join('\n')}\n`);
}
