import type { Command } from 'commander';
import { parseCount } from '../lib/flags';
import { resolveApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { printRecord, printTable } from '../lib/output';
import type { GlobalFlags } from './compute-flags';

interface CreateFlags extends GlobalFlags {
  name: string;
  zone: string;
  instanceType: string;
  cluster?: 'federated' | 'infiniband' | 'self-managed';
  spot?: boolean;
  min?: number;
  max?: number;
}

async function create(p: CreateFlags): Promise<void> {
  const c = await unwrap(
    apiClient(resolveApiOptions(p)).POST('/v1/capacities', {
      body: {
        name: p.name,
        zone: p.zone,
        instance_type: p.instanceType,
        ...(p.cluster ? { cluster: p.cluster } : {}),
        ...(p.spot === false ? { spot: false } : {}),
        ...(p.min !== undefined ? { min_nodes: p.min } : {}),
        ...(p.max !== undefined ? { max_nodes: p.max } : {}),
      },
    }),
  );
  printRecord({ ...c }, p);
}

async function list(p: GlobalFlags): Promise<void> {
  const rows = await unwrap(apiClient(resolveApiOptions(p)).GET('/v1/capacities'));
  printTable(
    rows,
    [
      { header: 'NAME', get: (c) => c.name },
      { header: 'ZONE', get: (c) => c.zone },
      { header: 'INSTANCE TYPE', get: (c) => c.instance_type },
      { header: 'CLUSTER', get: (c) => c.cluster },
      { header: 'SPOT', get: (c) => (c.spot ? 'on' : 'off') },
      { header: 'NODES', get: (c) => `${c.min_nodes}..${c.max_nodes}` },
    ],
    p,
  );
}

async function get(name: string, p: GlobalFlags): Promise<void> {
  const c = await unwrap(
    apiClient(resolveApiOptions(p)).GET('/v1/capacities/{name}', { params: { path: { name } } }),
  );
  printRecord({ ...c, coverage: c.coverage?.join(' ') }, p);
}

export function registerCapacityCommands(program: Command): void {
  const group = program
    .command('capacities')
    .description('Capacities: named pools of compute time in a zone');
  group
    .command('create')
    .description('Create a capacity')
    .requiredOption('--name <name>', 'capacity name')
    .requiredOption('--zone <zone>', 'zone')
    .option('--instance-type <type>', 'instance type (nanopod market instance-types)', 'rtx4090x2')
    .option('--cluster <kind>', 'federated | infiniband | self-managed')
    .option('--no-spot', 'on-demand only')
    .option('--min <n>', 'autoscaling minimum nodes', parseCount('--min'))
    .option('--max <n>', 'autoscaling maximum nodes', parseCount('--max'))
    .action(async (_o: unknown, cmd: Command) => create(cmd.optsWithGlobals<CreateFlags>()));
  group
    .command('ls')
    .alias('list')
    .description('List your capacities')
    .action(async (_o: unknown, cmd: Command) => list(cmd.optsWithGlobals<GlobalFlags>()));
  group
    .command('get <name>')
    .description('A capacity and the nodes it holds per hour ahead')
    .action(async (name: string, _o: unknown, cmd: Command) => get(name, cmd.optsWithGlobals()));
}
