import type { Command } from 'commander';
import { parseWholeSeconds } from '../lib/flags';
import { resolveApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { printJson, printRecord, printTable } from '../lib/output';

interface GlobalFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

/** `a=b,c=d` -> {a: 'b', c: 'd'} */
export function parseKeyValues(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

async function create(
  name: string,
  p: GlobalFlags & { displayName?: string; owner?: string[] },
): Promise<void> {
  const partner = await unwrap(
    apiClient(resolveApiOptions(p)).POST('/v1/partners', {
      body: {
        name,
        ...(p.displayName ? { display_name: p.displayName } : {}),
        ...(p.owner?.length ? { owner_ids: p.owner } : {}),
      },
    }),
  );
  printRecord({ ...partner }, p);
}

async function list(p: GlobalFlags): Promise<void> {
  const { data } = await unwrap(apiClient(resolveApiOptions(p)).GET('/v1/partners'));
  printTable(
    data,
    [
      { header: 'ID', get: (r) => r.id },
      { header: 'NAME', get: (r) => r.name },
      { header: 'DISPLAY NAME', get: (r) => r.display_name },
      { header: 'OWNERS', get: (r) => r.owner_ids.length },
      { header: 'CREATED', get: (r) => r.created_at },
    ],
    p,
  );
}

async function token(
  partnerId: string,
  p: GlobalFlags & {
    expiresIn?: number;
    zone?: string;
    labels?: string;
    kind?: string;
    address?: string;
  },
): Promise<void> {
  const t = await unwrap(
    apiClient(resolveApiOptions(p)).POST('/v1/partners/{id}/enrollment-tokens', {
      params: { path: { id: partnerId } },
      body: {
        ...(p.expiresIn !== undefined ? { expires_in_seconds: p.expiresIn } : {}),
        ...(p.zone ? { zone: p.zone } : {}),
        ...(p.labels ? { labels: parseKeyValues(p.labels) } : {}),
        ...(p.kind ? { kind: p.kind as 'federated' | 'infiniband' } : {}),
        ...(p.address ? { address: p.address } : {}),
      },
    }),
  );
  if (p.json) return printJson(t);
  printRecord(
    {
      token: t.token,
      expires_at: t.expires_at,
      zone: t.zone,
      kind: t.kind,
      labels: t.labels,
      address: t.address ?? '-',
    },
    p,
  );
  process.stderr.write(
    'Shown once. On the node: nanopod-node-agent enroll --url <platform> --token <token>\n',
  );
}

export function registerPartnerCommands(program: Command): void {
  const group = program
    .command('partners')
    .description('Partners (organizations that own nodes) and node enrollment');
  group
    .command('create <name>')
    .description('Create a partner (admins)')
    .option('--display-name <name>', 'a human name')
    .option('--owner <userId...>', 'user ids who own the partner')
    .action(async (name: string, _o: unknown, cmd: Command) => create(name, cmd.optsWithGlobals()));
  group
    .command('ls')
    .alias('list')
    .description('List partners')
    .action(async (_o: unknown, cmd: Command) => list(cmd.optsWithGlobals<GlobalFlags>()));
  group
    .command('token <partner>')
    .description('Create a single-use enrollment token for a node of this partner (NAME or ID)')
    .option(
      '--expires-in <duration>',
      'validity: seconds, or 1h, 7d (default 1h)',
      parseWholeSeconds('--expires-in'),
    )
    .option('--zone <zone>', 'zone for the node')
    .option('--labels <k=v,...>', 'labels for the node')
    .option('--kind <kind>', 'federated (default) or infiniband (admins only)')
    .option(
      '--address <ip>',
      "the node's VPN address, where the platform reaches its serving replicas (admins only)",
    )
    .action(async (id: string, _o: unknown, cmd: Command) => token(id, cmd.optsWithGlobals()));
}
