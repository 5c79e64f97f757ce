import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command as CommanderCommand, type OptionValues } from 'commander';
import type { Command } from './command';
import { COMMAND_OPTIONS, globalOptions } from './options';

/** What the command line chose: the command to run, its operands and every option value. */
export interface ChosenCommand {
  command: Command;
  /** `settings set`, for messages and logs. */
  path: string;
  args: string[];
  options: OptionValues;
}

export const EXIT_CODES_HELP = [
  'Exit codes: 0 ok, 1 usage, 2 not found, 3 conflict (an upgrade is already running),',
  '            4 completed with errors, 5 cannot reach Temporal or Elasticsearch, 6 refused by Elasticsearch,',
  '            7 unexpected error, 8 not ready for the next major (readiness)',
].join('\n');

const CREDENTIALS_HELP = [
  'Credentials: ES_API_KEY, or ES_USERNAME and ES_PASSWORD, from the environment; or from a file named by',
  'ES_API_KEY_FILE / ES_PASSWORD_FILE (--es-api-key-file, --es-password-file). A secret given as a flag',
  'shows in `ps` and in the shell history.',
].join('\n');

/** The package's version, read at run time: the CLI runs from source (tsx) and from dist alike. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

export interface ProgramIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

function addCommand(
  parent: CommanderCommand,
  command: Command,
  chosen: (choice: ChosenCommand) => void,
): CommanderCommand {
  const sub = parent.command(command.name).description(command.summary);
  if (command.arguments !== undefined) sub.arguments(command.arguments);
  for (const name of command.options ?? []) sub.addOption(COMMAND_OPTIONS[name]());
  if (command.help !== undefined) sub.addHelpText('after', `\n${command.help}`);
  for (const child of command.subcommands ?? []) addCommand(sub, child, chosen);
  if (command.run !== undefined) {
    sub.action((...params: unknown[]) => {
      const self = params[params.length - 1] as CommanderCommand;
      const path = [parent.parent ? parent.name() : undefined, command.name].filter(Boolean).join(' ');
      chosen({ command, path, args: [...self.args], options: self.optsWithGlobals() });
    });
  }
  return sub;
}

/**
 * The command line as commander reads it: global options (output, logging, connection) on the program,
 * each command with its own options, arguments and `--help`. Unknown flags are refused with a suggestion;
 * nothing exits the process: errors, `--help` and `--version` come back as a CommanderError.
 */
export function buildProgram(
  commands: readonly Command[],
  io: ProgramIo,
  chosen: (choice: ChosenCommand) => void,
): CommanderCommand {
  const program = new CommanderCommand('ds-reindex')
    .usage('<command> [options]')
    .description('Upgrades the backing indices of Elasticsearch data streams as durable Temporal workflows.')
    .version(packageVersion(), '--version', "ds-reindex's version")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out.write(text),
      writeErr: (text) => io.err.write(text),
      outputError: (text, write) => write(`ds-reindex: ${text.replace(/^error: /, '')}`),
    })
    .showSuggestionAfterError(true)
    .showHelpAfterError("(add --help for the command's usage)")
    .configureHelp({ showGlobalOptions: true });
  for (const option of globalOptions()) program.addOption(option);
  for (const command of commands) addCommand(program, command, chosen);
  program.addHelpText('after', `\n${CREDENTIALS_HELP}\n\n${EXIT_CODES_HELP}`);
  return program;
}
