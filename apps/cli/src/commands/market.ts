import type { Command } from 'commander';
import { parsePositiveNumber } from '../lib/flags';
import { resolveApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { centsToDollars } from '../lib/money';
import { printJson, printRecord, printTable } from '../lib/output';
import type { GlobalFlags } from './compute-flags';

async function price(
  p: GlobalFlags & { zone: string; instanceType: string; hours?: number },
): Promise<void> {
  const api = apiClient(resolveApiOptions(p));
  const query = { zone: p.zone, instance_type: p.instanceType };
  const [spot, book] = await Promise.all([
    unwrap(
      api.GET('/v1/market/price', {
        params: { query: { ...query, ...(p.hours ? { hours: p.hours } : {}) } },
      }),
    ),
    unwrap(api.GET('/v1/market/book', { params: { query } })),
  ]);
  if (p.json) return printJson({ ...spot, book });
  printRecord(
    {
      zone: spot.zone,
      instance_type: spot.instance_type,
      spot_price: centsToDollars(spot.spot_price),
      best_bid: centsToDollars(spot.best_bid),
      best_ask: centsToDollars(spot.best_ask),
      trades: spot.history.length,
    },
    p,
  );
  process.stdout.write('\n');
  const depth = Math.max(book.bids.length, book.asks.length);
  printTable(
    Array.from({ length: depth }, (_, i) => ({ bid: book.bids[i], ask: book.asks[i] })),
    [
      { header: 'BID NODES', get: (r) => r.bid?.nodes },
      { header: 'BID', get: (r) => (r.bid ? centsToDollars(r.bid.price) : undefined) },
      { header: 'ASK', get: (r) => (r.ask ? centsToDollars(r.ask.price) : undefined) },
      { header: 'ASK NODES', get: (r) => r.ask?.nodes },
    ],
    p,
  );
}

export function registerMarketCommands(program: Command): void {
  const group = program.command('market').description('The spot market');
  group
    .command('price')
    .description(
      'Spot price (last clearing price), best bid and ask, and the book for the current hour',
    )
    .requiredOption('--zone <zone>', 'zone')
    .option('--instance-type <type>', 'instance type', 'rtx4090x2')
    .option('--hours <n>', 'hours of history', parsePositiveNumber('--hours'))
    .action(async (_o: unknown, cmd: Command) => price(cmd.optsWithGlobals()));
}
