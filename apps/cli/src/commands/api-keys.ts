import type { Command } from 'commander';
import type { components } from '../generated/api-types';
import { resolveApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { CliError } from '../lib/errors';
import { printJson, printRecord, printTable } from '../lib/output';

interface GlobalFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

type ApiKey = components['schemas']['ApiKeyDto'];
type Scope = ApiKey['scopes'][number];

interface CreateParams extends GlobalFlags {
  name: string;
  scope: string[];
  expiresAt?: string;
}

const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];
const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

function collectScopes(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

async function create(params: CreateParams): Promise<void> {
  const asked = params.scope.length ? [...new Set(params.scope)] : ['read', 'write'];
  const unknown = asked.filter((s) => !isScope(s));
  if (unknown.length) {
    throw new CliError(
      `Unknown scope ${unknown.join(', ')}: use ${SCOPES.join(', ')}`,
      2,
      'cli.bad_flag',
    );
  }
  let expires: string | undefined;
  if (params.expiresAt) {
    const t = Date.parse(params.expiresAt);
    if (Number.isNaN(t))
      throw new CliError('--expires-at must be an ISO 8601 date-time', 2, 'cli.bad_flag');
    expires = new Date(t).toISOString();
  }
  const scopes = asked.filter(isScope);
  const key = await unwrap(
    apiClient(resolveApiOptions(params)).POST('/v1/api-keys', {
      body: { name: params.name, scopes, ...(expires ? { expires_at: expires } : {}) },
    }),
  );
  if (params.json) {
    printJson(key);
    return;
  }
  printRecord(
    {
      id: key.id,
      name: key.name,
      scopes: key.scopes,
      expires_at: key.expires_at,
      secret: key.secret,
    },
    {},
  );
  process.stderr.write('\nThis secret is shown once. Store it now; only its hash is kept.\n');
}

async function list(flags: GlobalFlags & { all?: boolean }): Promise<void> {
  const res = await unwrap(apiClient(resolveApiOptions(flags)).GET('/v1/api-keys'));
  const rows = flags.all ? res.data : res.data.filter((k) => k.status === 'active');
  printTable(
    rows,
    [
      { header: 'ID', get: (k) => k.id },
      { header: 'NAME', get: (k) => k.name },
      { header: 'PREFIX', get: (k) => k.prefix },
      { header: 'SCOPES', get: (k) => k.scopes },
      { header: 'STATUS', get: (k) => k.status },
      { header: 'CREATED', get: (k) => k.created_at },
      { header: 'LAST USED', get: (k) => k.last_used_at },
      { header: 'EXPIRES', get: (k) => k.expires_at },
    ],
    { json: flags.json },
  );
}

async function revoke(id: string, flags: GlobalFlags): Promise<void> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    throw new CliError('The key id is a UUID (see `nanopod api-keys ls`)', 2, 'cli.bad_argument');
  }
  const key = await unwrap(
    apiClient(resolveApiOptions(flags)).DELETE('/v1/api-keys/{id}', { params: { path: { id } } }),
  );
  printRecord(
    { id: key.id, name: key.name, status: key.status, revoked_at: key.revoked_at },
    flags,
  );
}

export function registerApiKeyCommands(program: Command): void {
  const group = program.command('api-keys').description('Create, list and revoke your API keys');
  group
    .command('create')
    .description('Create an API key; its secret is printed once')
    .requiredOption('--name <name>', 'a name to recognize the key by')
    .option('--scope <scope>', 'read, write or admin (repeat or comma-separate)', collectScopes, [])
    .option('--expires-at <time>', 'ISO 8601 expiry, e.g. 2027-01-01T00:00:00Z')
    .action(async (_o: unknown, cmd: Command) => create(cmd.optsWithGlobals<CreateParams>()));
  group
    .command('ls')
    .alias('list')
    .description('List your API keys (active ones; --all includes revoked and expired)')
    .option('--all', 'include revoked and expired keys')
    .action(async (_o: unknown, cmd: Command) =>
      list(cmd.optsWithGlobals<GlobalFlags & { all?: boolean }>()),
    );
  group
    .command('revoke <id>')
    .description('Revoke an API key; refused at once everywhere')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      revoke(id, cmd.optsWithGlobals<GlobalFlags>()),
    );
}
