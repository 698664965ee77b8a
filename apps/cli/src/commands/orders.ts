import type { Command } from 'commander';
import { parseCount } from '../lib/flags';
import { resolveApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { CliError } from '../lib/errors';
import { centsToDollars, dollarsToCents } from '../lib/money';
import { printJson, printRecord, printTable } from '../lib/output';
import type { GlobalFlags } from './compute-flags';

interface CreateFlags extends GlobalFlags {
  side: string;
  zone?: string;
  instanceType?: string;
  capacity?: string;
  nodes: number;
  start: string;
  duration: string;
  maxRate?: string;
  minRate?: string;
  ioc?: boolean;
  postOnly?: boolean;
}

async function create(p: CreateFlags): Promise<void> {
  if (p.side !== 'buy' && p.side !== 'sell') throw new CliError('--side must be buy or sell', 2);
  const rate = p.side === 'buy' ? p.maxRate : (p.minRate ?? p.maxRate);
  if (!rate)
    throw new CliError(p.side === 'buy' ? '--max-rate is required' : '--min-rate is required', 2);
  const api = apiClient(resolveApiOptions(p));
  let zone = p.zone;
  let instanceType = p.instanceType;
  let capacityId: string | undefined;
  if (p.capacity) {
    const c = await unwrap(
      api.GET('/v1/capacities/{name}', { params: { path: { name: p.capacity } } }),
    );
    zone ??= c.zone;
    instanceType ??= c.instance_type;
    capacityId = c.id;
  }
  if (!zone || !instanceType)
    throw new CliError('give --capacity, or --zone and --instance-type', 2);
  const o = await unwrap(
    api.POST('/v1/orders', {
      body: {
        side: p.side,
        zone,
        instance_type: instanceType,
        nodes: p.nodes,
        start: p.start,
        duration: p.duration,
        price: dollarsToCents(rate, p.side === 'buy' ? '--max-rate' : '--min-rate'),
        flags: { ioc: Boolean(p.ioc), post_only: Boolean(p.postOnly) },
        ...(capacityId ? { capacity_id: capacityId } : {}),
      },
    }),
  );
  if (p.json) return printJson(o);
  printRecord(
    {
      id: o.id,
      side: o.side,
      status: o.status,
      nodes: o.nodes,
      start_at: o.start_at,
      end_at: o.end_at,
      limit: centsToDollars(o.price),
      execution_price: centsToDollars(o.execution_price),
      reason: o.status_reason,
    },
    p,
  );
}

async function list(p: GlobalFlags & { status?: string }): Promise<void> {
  const { data } = await unwrap(
    apiClient(resolveApiOptions(p)).GET('/v1/orders', {
      params: { query: p.status ? { status: p.status as 'open' } : {} },
    }),
  );
  printTable(
    data,
    [
      { header: 'ID', get: (o) => o.id },
      { header: 'SIDE', get: (o) => o.side },
      { header: 'ZONE', get: (o) => o.zone },
      { header: 'TYPE', get: (o) => o.instance_type },
      { header: 'NODES', get: (o) => o.nodes },
      { header: 'START', get: (o) => o.start_at },
      { header: 'HOURS', get: (o) => o.duration_hours },
      { header: 'LIMIT', get: (o) => centsToDollars(o.price) },
      { header: 'STATUS', get: (o) => o.status },
    ],
    p,
  );
}

async function cancel(id: string, p: GlobalFlags): Promise<void> {
  const o = await unwrap(
    apiClient(resolveApiOptions(p)).DELETE('/v1/orders/{id}', { params: { path: { id } } }),
  );
  if (p.json) return printJson(o);
  process.stdout.write(`Order ${o.id} ${o.status}.\n`);
}

export function registerOrderCommands(program: Command): void {
  const group = program.command('orders').description('Buy and sell blocks of compute time');
  group
    .command('create')
    .description('Place an order (durations at least 1h, rounded up to the hour)')
    .requiredOption('--side <side>', 'buy | sell')
    .option('--capacity <capacity>', 'the capacity the time is for (gives zone and instance type)')
    .option('--zone <zone>', 'zone')
    .option('--instance-type <type>', 'instance type')
    .requiredOption('--nodes <n>', 'nodes', parseCount('--nodes'))
    .option('--start <when>', '"now", "in 5h" or an ISO time', 'now')
    .requiredOption('--duration <span>', 'e.g. 24h')
    .option('--max-rate <dollars>', 'buy: most per GPU-hour, e.g. 20.00')
    .option('--min-rate <dollars>', 'sell: least per GPU-hour')
    .option('--ioc', 'fill now or cancel')
    .option('--post-only', 'refuse if it would match on arrival')
    .action(async (_o: unknown, cmd: Command) => create(cmd.optsWithGlobals<CreateFlags>()));
  group
    .command('ls')
    .alias('list')
    .description('List your orders')
    .option('--status <status>', 'pending | open | filled | cancelled | expired | rejected')
    .action(async (_o: unknown, cmd: Command) => list(cmd.optsWithGlobals()));
  group
    .command('cancel <id>')
    .description('Cancel an open order')
    .action(async (id: string, _o: unknown, cmd: Command) => cancel(id, cmd.optsWithGlobals()));
}
