import type { Command } from 'commander';
import { apiRequest, resolveApiOptions } from '../lib/api';
import { CliError } from '../lib/errors';
import { printJson, printRecord, printTable } from '../lib/output';

interface GlobalFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

interface Balance {
  user_id: string;
  currency: string;
  balance: number;
  owed: number;
  credit_limit: number;
  available: number;
}

interface UsageRow {
  key: string;
  metric: string;
  quantity: number;
  events: number;
  list_credits: number;
  paid_credits: number;
  saved_credits: number;
}

interface UsageReport {
  from: string;
  to: string;
  group_by: 'day' | 'kind';
  data: UsageRow[];
  totals: { list_credits: number; paid_credits: number; saved_credits: number; events: number };
}

interface Invoice {
  id: string;
  source: string;
  number: string;
  period: string;
  status: string;
  payment_status: string | null;
  currency: string;
  total_cents: number;
  list_cents: number | null;
}

interface UsageParams extends GlobalFlags {
  from?: string;
  to?: string;
  groupBy?: string;
  user?: string;
}

/** Credits are cents: shown as credits with the dollar amount beside them. */
const credits = (n: number): string => `${round(n)} ($${(n / 100).toFixed(2)})`;
const round = (n: number): string => (Math.round(n * 100) / 100).toFixed(2);

function isoFlag(name: string, value?: string): string | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new CliError(`--${name} must be a date or ISO 8601 date-time`, 2, 'cli.bad_flag');
  return new Date(t).toISOString();
}

async function balance(flags: GlobalFlags & { user?: string }): Promise<void> {
  const q = flags.user ? `?user_id=${encodeURIComponent(flags.user)}` : '';
  const b = await apiRequest<Balance>(resolveApiOptions(flags), 'GET', `/v1/billing/balance${q}`);
  if (flags.json) return printJson(b);
  printRecord(
    {
      balance: credits(b.balance),
      owed: credits(b.owed),
      credit_limit: credits(b.credit_limit),
      available: credits(b.available),
    },
    {},
  );
}

async function usage(params: UsageParams): Promise<void> {
  const groupBy = params.groupBy ?? 'day';
  if (!['day', 'kind'].includes(groupBy)) {
    throw new CliError('--group-by must be day or kind', 2, 'cli.bad_flag');
  }
  const q = new URLSearchParams({ group_by: groupBy });
  const from = isoFlag('from', params.from);
  const to = isoFlag('to', params.to);
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  if (params.user) q.set('user_id', params.user);
  const r = await apiRequest<UsageReport>(
    resolveApiOptions(params),
    'GET',
    `/v1/billing/usage?${q}`,
  );
  if (params.json) return printJson(r);
  printTable(
    r.data,
    [
      { header: groupBy === 'day' ? 'DAY' : 'KIND', get: (x) => x.key },
      ...(groupBy === 'day' ? [{ header: 'KIND', get: (x: UsageRow) => x.metric }] : []),
      { header: 'QUANTITY', get: (x) => x.quantity },
      { header: 'EVENTS', get: (x) => x.events },
      { header: 'LIST', get: (x) => round(x.list_credits) },
      { header: 'PAID', get: (x) => round(x.paid_credits) },
      { header: 'SAVED', get: (x) => round(x.saved_credits) },
    ],
    {},
  );
  process.stdout.write(
    `\n${r.from} .. ${r.to}: list ${credits(r.totals.list_credits)}, paid ${credits(r.totals.paid_credits)}, subsidy saved ${credits(r.totals.saved_credits)}\n`,
  );
}

async function invoices(flags: GlobalFlags & { user?: string }): Promise<void> {
  const q = flags.user ? `?user_id=${encodeURIComponent(flags.user)}` : '';
  const r = await apiRequest<{ data: Invoice[] }>(
    resolveApiOptions(flags),
    'GET',
    `/v1/billing/invoices${q}`,
  );
  printTable(
    r.data,
    [
      { header: 'NUMBER', get: (i) => i.number },
      { header: 'PERIOD', get: (i) => i.period },
      { header: 'STATUS', get: (i) => i.status },
      { header: 'PAYMENT', get: (i) => i.payment_status },
      {
        header: 'TOTAL',
        get: (i) =>
          `${(i.total_cents / 100).toFixed(2)} ${i.currency === 'credits' ? 'USD' : i.currency}`,
      },
      { header: 'SOURCE', get: (i) => i.source },
    ],
    { json: flags.json },
  );
}

export function registerBillingCommands(program: Command): void {
  const group = program.command('billing').description('Your credit balance, usage and invoices');
  group
    .command('balance')
    .description('Your balance in credits (1 credit = 1 cent)')
    .option('--user <id>', 'admins: another user')
    .action(async (_o: unknown, cmd: Command) =>
      balance(cmd.optsWithGlobals<GlobalFlags & { user?: string }>()),
    );
  group
    .command('usage')
    .description('Your usage by day or by kind, with what the subsidy saved')
    .option('--from <time>', 'start (default: 30 days ago)')
    .option('--to <time>', 'end (default: now)')
    .option('--group-by <day|kind>', 'day or kind', 'day')
    .option('--user <id>', 'admins: another user')
    .action(async (_o: unknown, cmd: Command) => usage(cmd.optsWithGlobals<UsageParams>()));
  group
    .command('invoices')
    .description('Your invoices (from Lago, or monthly statements from the ledger)')
    .option('--user <id>', 'admins: another user')
    .action(async (_o: unknown, cmd: Command) =>
      invoices(cmd.optsWithGlobals<GlobalFlags & { user?: string }>()),
    );
}
