import { Command, CommanderError } from 'commander';
import { commandGroups } from './commands';
import { registerCompletionCommand } from './commands/completion';
import { CliError } from './lib/errors';
import { detectOutputMode, setOutputMode } from './lib/output';
import { cliVersion } from './lib/version';

export function buildProgram(): Command {
  const program = new Command('nanopod')
    .description('Nanopod: subsidized GPU sandboxes, deployments and spot compute')
    .option('--url <url>', 'platform URL (env NANOPOD_URL)')
    .option('--api-key <key>', 'API key (env NANOPOD_API_KEY)')
    .option('--json', 'print JSON instead of tables')
    .option('--utc', 'print times as ISO 8601 in UTC instead of "5m ago"')
    .showHelpAfterError()
    .exitOverride()
    .hook('preAction', (_cmd, action) => {
      setOutputMode(detectOutputMode(Boolean(action.optsWithGlobals<{ utc?: boolean }>().utc)));
    })
    .addHelpText(
      'after',
      `
Examples:
  nanopod login                              sign in with GitHub in your browser
  nanopod run -- python3 train.py            run a script in a sandbox and stream its output
  nanopod sandboxes ls --json                machine-readable output for scripts
  source <(nanopod completion bash)          tab completion
  nanopod --version                          the CLI's version

Environment: NANOPOD_URL, NANOPOD_API_KEY, NANOPOD_OUTPUT=table|plain`,
    );
  for (const register of commandGroups) register(program);
  registerCompletionCommand(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  // Handled before parsing: subcommands have their own --version (e.g. a policy version).
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(`nanopod ${cliVersion()}\n`);
    return 0;
  }
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // A usage mistake (bad flag value, unknown option, missing argument) exits 2, as
      // CliError's cli.bad_flag does; help and --version keep commander's 0.
      return err.exitCode === 1 ? 2 : err.exitCode;
    }
    const json = argv.includes('--json');
    if (err instanceof CliError) {
      if (json)
        process.stderr.write(
          JSON.stringify({
            error: {
              code: err.code ?? 'cli.error',
              message: err.message,
              details: err.details ?? null,
            },
          }) + '\n',
        );
      else process.stderr.write(`error: ${err.message}\n${reasonLines(err.details)}`);
      return err.exitCode;
    }
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module || process.argv[1]?.endsWith('nanopod.js')) {
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}

/** A denial's reasons (`details.reasons`) or failing tests (`details.failed`), one per line. */
function reasonLines(details: unknown): string {
  const d = details as { reasons?: unknown; failed?: unknown } | null | undefined;
  const lines: string[] = [];
  if (Array.isArray(d?.reasons)) {
    for (const r of d.reasons) if (typeof r === 'string' && r) lines.push(r);
  }
  // Failing policy tests: name and why.
  if (Array.isArray(d?.failed)) {
    for (const f of d.failed as Array<{ name?: unknown; error?: unknown }>) {
      if (typeof f?.name === 'string') lines.push(`${f.name}: ${String(f.error ?? 'failed')}`);
    }
  }
  return lines.map((l) => `  - ${l}\n`).join('');
}
