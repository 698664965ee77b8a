import type { Command } from 'commander';
import { CliError } from '../lib/errors';

interface CommandTree {
  path: string[];
  subcommands: string[];
  options: string[];
}

/** Every command path with its subcommands and long options, read from the program itself. */
function walk(cmd: Command, path: string[] = []): CommandTree[] {
  const visible = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  const options = cmd.options.map((o) => o.long).filter((o): o is string => Boolean(o));
  const here: CommandTree = { path, subcommands: visible.map((c) => c.name()), options };
  return [here, ...visible.flatMap((c) => walk(c, [...path, c.name()]))];
}

function bash(tree: CommandTree[], globals: string[]): string {
  const cases = tree
    .map((t) => {
      const words = [...t.subcommands, ...new Set([...t.options, ...globals])];
      return `    "${t.path.join(' ')}") words="${words.join(' ')}" ;;`;
    })
    .join('\n');
  return `# nanopod completion for bash: source <(nanopod completion bash)
_nanopod() {
  local cur path="" i words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) path="\${path:+$path }\${COMP_WORDS[i]}" ;; esac
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _nanopod nanopod
`;
}

function zsh(tree: CommandTree[], globals: string[]): string {
  return `#compdef nanopod
# nanopod completion for zsh: source <(nanopod completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(tree, globals)}`;
}

function fish(tree: CommandTree[]): string {
  const lines = ['# nanopod completion for fish: nanopod completion fish | source'];
  for (const t of tree) {
    const condition =
      t.path.length === 0
        ? '__fish_use_subcommand'
        : `__fish_seen_subcommand_from ${t.path[t.path.length - 1]}`;
    for (const sub of t.subcommands)
      lines.push(`complete -c nanopod -f -n '${condition}' -a ${sub}`);
    for (const opt of t.options)
      lines.push(`complete -c nanopod -n '${condition}' -l ${opt.slice(2)}`);
  }
  return lines.join('\n') + '\n';
}

export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('Print a shell completion script (bash, zsh or fish)')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText(
      'after',
      '\nExamples:\n  source <(nanopod completion bash)\n  nanopod completion fish > ~/.config/fish/completions/nanopod.fish',
    )
    .action((shell: string) => {
      const tree = walk(program);
      const globals = [...tree[0].options, '--version'];
      const scripts: Record<string, () => string> = {
        bash: () => bash(tree, globals),
        zsh: () => zsh(tree, globals),
        fish: () => fish(tree),
      };
      const make = scripts[shell];
      if (!make) throw new CliError(`unknown shell "${shell}": use bash, zsh or fish`, 2);
      process.stdout.write(make());
    });
}
