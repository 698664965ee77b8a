import type { Command } from 'commander';
import { resolveApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { printTable } from '../lib/output';
import type { GlobalFlags } from './compute-flags';

async function list(p: GlobalFlags): Promise<void> {
  const zones = await unwrap(apiClient(resolveApiOptions(p)).GET('/v1/zones'));
  printTable(
    zones,
    [
      { header: 'NAME', get: (z) => z.name },
      { header: 'AVAILABLE', get: (z) => (z.available ? 'yes' : 'no') },
      { header: 'NODES', get: (z) => z.available_capacity },
      { header: 'REGION', get: (z) => z.region },
      { header: 'HARDWARE', get: (z) => z.hardware_type },
      { header: 'INTERCONNECT', get: (z) => z.interconnect_type },
    ],
    p,
  );
}

export function registerZoneCommands(program: Command): void {
  const group = program.command('zones').description('Zones where compute is available');
  group
    .command('ls')
    .alias('list')
    .description('List zones')
    .action(async (_o: unknown, cmd: Command) => list(cmd.optsWithGlobals<GlobalFlags>()));
}
