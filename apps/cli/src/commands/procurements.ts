import type { Command } from 'commander';
import { resolveApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { centsToDollars, dollarsToCents } from '../lib/money';
import { printJson, printRecord, printTable } from '../lib/output';
import type { GlobalFlags } from './compute-flags';

type Procurement = Awaited<ReturnType<typeof fetchOne>>;

function fetchOne(p: GlobalFlags, name: string) {
  return unwrap(
    apiClient(resolveApiOptions(p)).GET('/v1/procurements/{name}', { params: { path: { name } } }),
  );
}

function show(x: Procurement, p: GlobalFlags): void {
  if (p.json) return printJson(x);
  printRecord(
    {
      name: x.name,
      capacity: x.capacity,
      status: x.status,
      target: x.target,
      max_buy_price: centsToDollars(x.max_buy_price),
      min_sell_price: centsToDollars(x.min_sell_price),
      window: `${x.window_hours}h`,
      coverage_ahead: x.coverage.map((c, i) => `${c}/${x.need[i]}`).join(' '),
      next_renewal: x.next_renewal,
      price_paid: centsToDollars(x.price_paid),
      spend_this_month: centsToDollars(x.spend_this_month),
      last_error: x.last_error,
    },
    p,
  );
}

async function create(
  p: GlobalFlags & {
    name: string;
    capacity: string;
    target: string;
    maxBuyPrice: string;
    minSellPrice: string;
    window: string;
  },
): Promise<void> {
  const x = await unwrap(
    apiClient(resolveApiOptions(p)).POST('/v1/procurements', {
      body: {
        name: p.name,
        capacity: p.capacity,
        target: p.target,
        max_buy_price: dollarsToCents(p.maxBuyPrice, '--max-buy-price'),
        min_sell_price: dollarsToCents(p.minSellPrice, '--min-sell-price'),
        window: p.window,
      },
    }),
  );
  show(x, p);
}

async function list(p: GlobalFlags): Promise<void> {
  const rows = await unwrap(apiClient(resolveApiOptions(p)).GET('/v1/procurements'));
  printTable(
    rows,
    [
      { header: 'NAME', get: (x) => x.name },
      { header: 'CAPACITY', get: (x) => x.capacity },
      { header: 'STATUS', get: (x) => x.status },
      { header: 'MAX BUY', get: (x) => centsToDollars(x.max_buy_price) },
      { header: 'MIN SELL', get: (x) => centsToDollars(x.min_sell_price) },
      { header: 'COVERAGE', get: (x) => x.coverage.map((c, i) => `${c}/${x.need[i]}`).join(' ') },
      { header: 'SPEND (MONTH)', get: (x) => centsToDollars(x.spend_this_month) },
    ],
    p,
  );
}

async function pause(name: string, p: GlobalFlags): Promise<void> {
  show(
    await unwrap(
      apiClient(resolveApiOptions(p)).POST('/v1/procurements/{name}/pause', {
        params: { path: { name } },
      }),
    ),
    p,
  );
}

export function registerProcurementCommands(program: Command): void {
  const group = program
    .command('procurements')
    .description('Procurements: keep a capacity covered with spot time');
  group
    .command('create')
    .description(
      'Buy up to the max price for nodes waiting, sell unused time at no less than the min',
    )
    .requiredOption('--name <name>', 'procurement name')
    .requiredOption('--capacity <capacity>', 'capacity name')
    .option('--target <target>', 'node_count (follow the deployments) or a number', 'node_count')
    .requiredOption('--max-buy-price <dollars>', 'per GPU-hour, e.g. 20.00')
    .requiredOption('--min-sell-price <dollars>', 'per GPU-hour, e.g. 10.00')
    .option('--window <span>', 'how far ahead to keep covered', '2h')
    .action(async (_o: unknown, cmd: Command) => create(cmd.optsWithGlobals()));
  group
    .command('get <name>')
    .description('Price paid, coverage ahead, next renewal, spend this month')
    .action(async (name: string, _o: unknown, cmd: Command) =>
      show(await fetchOne(cmd.optsWithGlobals(), name), cmd.optsWithGlobals()),
    );
  group
    .command('ls')
    .alias('list')
    .description('List your procurements')
    .action(async (_o: unknown, cmd: Command) => list(cmd.optsWithGlobals<GlobalFlags>()));
  group
    .command('pause <name>')
    .description('Stop buying and selling')
    .action(async (name: string, _o: unknown, cmd: Command) => pause(name, cmd.optsWithGlobals()));
}
