import type { LiveViewOutput } from './output/live-view';
import type { Connections } from './connection';
import { namesAllowed, requireClusterPrivilege, requireIndexPrivilege, type Access } from '../service/access';
import type { CommandFlags, CommandOptionName } from './options';

/** What every command gets: its arguments, the flags, connections, and where to write. */
export interface CommandContext {
  args: readonly string[];
  flags: CommandFlags;
  connections: Connections;
  out: LiveViewOutput;
  /** Current time; commands read it through here so output is testable. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** A command as commander shows it: its arguments, its own options, its help; or a group of subcommands. */
export interface Command {
  name: string;
  /** Commander's syntax for its arguments: `[data-stream]`, `<name> <value>`. */
  arguments?: string;
  summary: string;
  /** The options it reads, beyond the global ones; any other is refused. */
  options?: readonly CommandOptionName[];
  /** Printed after the options in the command's `--help`: forms and examples. */
  help?: string;
  subcommands?: readonly Command[];
  /** Runs without Temporal or Elasticsearch (`completion`): no connection, no credential check. */
  local?: boolean;
  run?(context: CommandContext): Promise<number>;
}

/** One JSON document: pretty with `-o json`, on one line with `-o jsonl`. */
export function writeJson(context: CommandContext, value: unknown): void {
  const text = context.flags.output === 'jsonl' ? JSON.stringify(value) : JSON.stringify(value, null, 2);
  context.out.write(`${text}\n`);
}

export function writeLines(context: CommandContext, lines: readonly string[]): void {
  context.out.write(`${lines.join('\n')}\n`);
}

/**
 * Refuses, with Elasticsearch's 403, unless the CLI's credentials hold what `access` needs: its cluster
 * privilege, and its index privilege on every one of `names`. The same check the HTTP API makes.
 */
export async function authorize(
  context: CommandContext,
  access: Access,
  names: readonly string[] = [],
): Promise<void> {
  const es = context.connections.es();
  const caller = await context.connections.caller();
  await requireClusterPrivilege(es, caller, access);
  if (access.index !== undefined) await requireIndexPrivilege(es, caller, access, names);
}

/** Which of `names` the CLI's credentials hold `access`'s index privilege on. */
export async function allowedNames(
  context: CommandContext,
  access: Access,
  names: readonly string[],
): Promise<Set<string>> {
  return namesAllowed(context.connections.es(), await context.connections.caller(), access, names);
}
