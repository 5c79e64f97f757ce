import type { Command as CommanderCommand } from 'commander';
import { UsageError } from '../exit-codes';
import type { Command } from '../command';
import { COMPLETION_SHELLS, completionScript } from '../completion';

/** `ds-reindex completion bash|zsh|fish`: prints the shell's completion script; needs no connection. */
export function completionCommand(program: () => CommanderCommand): Command {
  return {
    name: 'completion',
    arguments: '<shell>',
    summary: 'print the completion script for bash, zsh or fish',
    options: [],
    local: true,
    help: [
      'Install:',
      '  bash  source <(ds-reindex completion bash)            (e.g. in ~/.bashrc)',
      '  zsh   source <(ds-reindex completion zsh)             (after compinit, e.g. in ~/.zshrc)',
      '  fish  ds-reindex completion fish > ~/.config/fish/completions/ds-reindex.fish',
    ].join('\n'),
    run(context) {
      const shell = COMPLETION_SHELLS.find((candidate) => candidate === context.args[0]);
      if (shell === undefined) {
        throw new UsageError(`completion supports ${COMPLETION_SHELLS.join(', ')}, not [${context.args[0]}]`);
      }
      context.out.write(completionScript(program(), shell));
      return Promise.resolve(0);
    },
  };
}
