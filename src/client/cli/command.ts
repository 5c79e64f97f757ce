import type { Connections } from './connection';
import { namesAllowed, requireClusterPrivilege, requireIndexPrivilege, type Access } from '../service/access';
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
