import { Command, CommanderError } from 'commander';
import { commandGroups } from './commands';
import { CliError } from './lib/errors';

export function buildProgram(): Command {
  const program = new Command('nanopod')
    .description('Nanopod: subsidized GPU sandboxes, deployments and spot compute')
    .option('--url <url>', 'platform URL (env NANOPOD_URL)')
    .option('--api-key <key>', 'API key (env NANOPOD_API_KEY)')
    .option('--json', 'print JSON instead of tables')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commandGroups) register(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
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
      else process.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module || process.argv[1]?.endsWith('nanopod.js')) {
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
