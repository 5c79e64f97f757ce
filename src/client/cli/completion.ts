import type { Command as CommanderCommand, Option } from 'commander';

/** The shells `ds-reindex completion <shell>` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

interface CompletionOption {
  flags: string[];
  /** `--output <format>` takes a value; its choices, when it has a fixed set. */
  takesValue: boolean;
  choices: readonly string[];
  description: string;
}

interface CompletionNode {
  name: string;
  description: string;
  options: CompletionOption[];
  subcommands: CompletionNode[];
}

function optionOf(option: Option): CompletionOption {
  return {
    flags: [option.long, option.short].filter((flag): flag is string => flag !== undefined),
    takesValue: option.required || option.optional,
    choices: option.argChoices ?? [],
    description: option.description,
  };
}

const HELP: CompletionOption = {
  flags: ['--help', '-h'],
  takesValue: false,
  choices: [],
  description: 'show help',
};

/** The command tree as the scripts need it, read from the program itself so they never drift from it. */
function nodeOf(command: CommanderCommand): CompletionNode {
  return {
    name: command.name(),
    description: command.description(),
    options: [...command.options.map(optionOf), HELP],
    subcommands: command.commands.filter((sub) => sub.name() !== 'help').map(nodeOf),
  };
}

/** Single-quoted for any of the three shells (fish accepts `\'` inside single quotes too, but not `'\''`). */
const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
const fishQuote = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const longFlags = (options: readonly CompletionOption[]): string[] =>
  options.flatMap((option) => option.flags);

const unique = (words: readonly string[]): string => [...new Set(words)].join(' ');

/** Every flag that takes a value, anywhere: the word after one is its value, not a command. */
function valueFlags(node: CompletionNode): string[] {
  const own = node.options.filter((option) => option.takesValue).flatMap((option) => option.flags);
  return [...new Set([...own, ...node.subcommands.flatMap(valueFlags)])];
}

/** Every `command [subcommand]` path with the words it completes: subcommand names, or its options. */
function paths(root: CompletionNode): { key: string; words: string[]; node: CompletionNode }[] {
  const result: { key: string; words: string[]; node: CompletionNode }[] = [];
  for (const command of root.subcommands) {
    if (command.subcommands.length > 0) {
      for (const sub of command.subcommands) {
        result.push({ key: `${command.name} ${sub.name}`, words: longFlags(sub.options), node: sub });
      }
      result.push({
        key: `${command.name} `,
        words: command.subcommands.map((sub) => sub.name),
        node: command,
      });
    } else {
      result.push({ key: `${command.name} *`, words: longFlags(command.options), node: command });
    }
  }
  return result;
}

function bashScript(root: CompletionNode): string {
  const globals = longFlags(root.options);
  const valueChoices = root.options.filter((option) => option.choices.length > 0);
  const cases = paths(root).map(({ key, words, node }) => {
    const pattern = key.endsWith(' *') ? `"${key.slice(0, -2)} "*` : `"${key}"`;
    const extra = node.name === 'completion' ? ['bash', 'zsh', 'fish'] : [];
    return `    ${pattern}) words=${quote(unique([...extra, ...words, ...globals]))} ;;`;
  });
  return [
    '# ds-reindex completion for bash: `source <(ds-reindex completion bash)`, e.g. in ~/.bashrc.',
    '_ds_reindex() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" command="" sub="" words i',
    '  case "$prev" in',
    ...valueChoices.map(
      (option) =>
        `    ${option.flags.join('|')}) COMPREPLY=($(compgen -W ${quote(option.choices.join(' '))} -- "$cur")); return ;;`,
    ),
    '  esac',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    `    case "\${COMP_WORDS[i-1]}" in ${valueFlags(root).join('|')}) continue ;; esac`,
    '    case "${COMP_WORDS[i]}" in',
    '      -*) ;;',
    '      *) if [[ -z "$command" ]]; then command="${COMP_WORDS[i]}"; elif [[ -z "$sub" ]]; then sub="${COMP_WORDS[i]}"; fi ;;',
    '    esac',
    '  done',
    '  case "$command $sub" in',
    ...cases,
    `    *) words=${quote(unique([...root.subcommands.map((command) => command.name), 'help', ...globals]))} ;;`,
    '  esac',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '}',
    'complete -F _ds_reindex ds-reindex',
    '',
  ].join('\n');
}

function zshDescribe(kind: string, entries: readonly { name: string; description: string }[]): string {
  const named = new Map(entries.map((entry) => [entry.name, entry.description]));
  const items = [...named].map(([name, description]) => quote(`${name.replace(/:/g, '\\:')}:${description}`));
  return `local -a items=(${items.join(' ')}); _describe ${quote(kind)} items`;
}

function zshOptions(options: readonly CompletionOption[]): { name: string; description: string }[] {
  return options.flatMap((option) =>
    option.flags.map((flag) => ({ name: flag, description: option.description })),
  );
}

function zshScript(root: CompletionNode): string {
  const globals = zshOptions(root.options);
  const cases = paths(root).map(({ key, node }) => {
    const pattern = key.endsWith(' *') ? `"${key.slice(0, -2)} "*` : `"${key}"`;
    const words =
      key.endsWith(' ') && node.subcommands.length > 0
        ? node.subcommands.map((sub) => ({ name: sub.name, description: sub.description }))
        : [
            ...(node.name === 'completion'
              ? ['bash', 'zsh', 'fish'].map((name) => ({ name, description: name }))
              : []),
            ...zshOptions(node.options),
            ...globals,
          ];
    return `    ${pattern}) ${zshDescribe(node.name, words)} ;;`;
  });
  const choices = root.options.filter((option) => option.choices.length > 0);
  return [
    '#compdef ds-reindex',
    '# ds-reindex completion for zsh: `source <(ds-reindex completion zsh)` after compinit, e.g. in ~/.zshrc.',
    '_ds_reindex() {',
    '  local command="" sub="" i',
    '  for ((i = 2; i < CURRENT; i++)); do',
    `    case "\${words[i-1]}" in ${valueFlags(root).join('|')}) continue ;; esac`,
    '    case "${words[i]}" in',
    '      -*) ;;',
    '      *) if [[ -z "$command" ]]; then command="${words[i]}"; elif [[ -z "$sub" ]]; then sub="${words[i]}"; fi ;;',
    '    esac',
    '  done',
    '  case "${words[CURRENT-1]}" in',
    ...choices.map(
      (option) => `    ${option.flags.join('|')}) compadd -- ${option.choices.join(' ')}; return ;;`,
    ),
    '  esac',
    '  case "$command $sub" in',
    ...cases,
    `    *) ${zshDescribe('command', [...root.subcommands, ...globals])} ;;`,
    '  esac',
    '}',
    'compdef _ds_reindex ds-reindex',
    '',
  ].join('\n');
}

function fishOption(condition: string, option: CompletionOption): string {
  const parts = ['complete -c ds-reindex'];
  if (condition !== '') parts.push(`-n ${fishQuote(condition)}`);
  for (const flag of option.flags)
    parts.push(flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`);
  if (option.takesValue)
    parts.push(option.choices.length > 0 ? `-x -a ${fishQuote(option.choices.join(' '))}` : '-r');
  parts.push(`-d ${fishQuote(option.description)}`);
  return parts.join(' ');
}

function fishScript(root: CompletionNode): string {
  const names = root.subcommands.map((command) => command.name);
  const lines = [
    '# ds-reindex completion for fish: `ds-reindex completion fish > ~/.config/fish/completions/ds-reindex.fish`.',
    'complete -c ds-reindex -f',
    ...root.options.map((option) => fishOption('', option)),
  ];
  for (const command of root.subcommands) {
    lines.push(
      `complete -c ds-reindex -n ${fishQuote(`not __fish_seen_subcommand_from ${names.join(' ')}`)} -a ${command.name} -d ${fishQuote(command.description)}`,
    );
    const seen = `__fish_seen_subcommand_from ${command.name}`;
    if (command.name === 'completion')
      lines.push(`complete -c ds-reindex -n ${fishQuote(seen)} -a 'bash zsh fish'`);
    for (const option of command.options) lines.push(fishOption(seen, option));
    const subNames = command.subcommands.map((sub) => sub.name).join(' ');
    for (const sub of command.subcommands) {
      lines.push(
        `complete -c ds-reindex -n ${fishQuote(`${seen}; and not __fish_seen_subcommand_from ${subNames}`)} -a ${sub.name} -d ${fishQuote(sub.description)}`,
      );
      for (const option of sub.options)
        lines.push(fishOption(`${seen}; and __fish_seen_subcommand_from ${sub.name}`, option));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script for `shell`, generated from the program's commands and options. */
export function completionScript(program: CommanderCommand, shell: CompletionShell): string {
  const root = nodeOf(program);
  if (shell === 'bash') return bashScript(root);
  return shell === 'zsh' ? zshScript(root) : fishScript(root);
}
