import type { Command } from 'commander';
import type { components } from '../generated/api-types';
import { resolveApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { printJson, printTable } from '../lib/output';

interface GlobalFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

type Reputation = components['schemas']['ReputationDto'];

function print(r: Reputation, json?: boolean): void {
  if (json) return printJson(r);
  process.stdout.write(
    `Reputation: ${r.score === null ? 'unknown' : `${r.score} / 100`} (${r.status}, computed ${r.computed_at})\n${r.explanation}\n\n`,
  );
  printTable(
    r.parts,
    [
      { header: 'SOURCE', get: (p) => p.source },
      { header: 'STATUS', get: (p) => (p.reason ? `${p.status} (${p.reason})` : p.status) },
      { header: 'POINTS', get: (p) => (p.value === null ? '?' : `${p.value} / ${p.max}`) },
      { header: 'EXPLANATION', get: (p) => p.explanation },
    ],
    {},
  );
}

export function registerReputationCommands(program: Command): void {
  const group = program.command('reputation').description('Your reputation score and its parts');
  group
    .command('show')
    .description('Your score with each part explained')
    .action(async (_o: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<GlobalFlags>();
      print(await unwrap(apiClient(resolveApiOptions(flags)).GET('/v1/me/reputation')), flags.json);
    });
  group
    .command('refresh')
    .description('Recompute now (at most once a minute)')
    .action(async (_o: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<GlobalFlags>();
      print(
        await unwrap(apiClient(resolveApiOptions(flags)).POST('/v1/me/reputation/refresh')),
        flags.json,
      );
    });
}
