import type { Command } from 'commander';
import { resolveApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { CliError } from '../lib/errors';
import { printRecord } from '../lib/output';

interface GlobalFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

interface QuotaFlags extends GlobalFlags {
  sandboxes?: string;
  cpu?: string;
  memoryMb?: string;
  gpus?: string;
}

/** `default` clears an override; a number sets it. */
function limit(value: string | undefined, flag: string): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'default') return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new CliError(`--${flag} must be a number >= 0 or "default"`, 2);
  return n;
}

async function show(userId: string, p: GlobalFlags): Promise<void> {
  const quota = await unwrap(
    apiClient(resolveApiOptions(p)).GET('/v1/admin/users/{id}/quota', {
      params: { path: { id: userId } },
    }),
  );
  printRecord({ user: userId, ...quota }, p);
}

async function set(userId: string, p: QuotaFlags): Promise<void> {
  const body = {
    max_sandboxes: limit(p.sandboxes, 'sandboxes'),
    max_cpu: limit(p.cpu, 'cpu'),
    max_memory_mb: limit(p.memoryMb, 'memory-mb'),
    max_gpus: limit(p.gpus, 'gpus'),
  };
  if (Object.values(body).every((v) => v === undefined))
    throw new CliError('name at least one of --sandboxes, --cpu, --memory-mb, --gpus', 2);
  const quota = await unwrap(
    apiClient(resolveApiOptions(p)).PUT('/v1/admin/users/{id}/quota', {
      params: { path: { id: userId } },
      body: Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)),
    }),
  );
  printRecord({ user: userId, ...quota }, p);
}

export function registerUserCommands(program: Command): void {
  const group = program.command('users').description('Users (admins)');
  const quota = group.command('quota').description("A user's sandbox quota (admins)");
  quota
    .command('show <userId>')
    .description('Show the quota in force (defaults plus overrides)')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      show(id, cmd.optsWithGlobals<GlobalFlags>()),
    );
  quota
    .command('set <userId>')
    .description('Override limits for one user; "default" returns a limit to the default')
    .option('--sandboxes <n>', 'active sandboxes at once')
    .option('--cpu <n>', 'CPU across active sandboxes')
    .option('--memory-mb <n>', 'memory (MB) across active sandboxes')
    .option('--gpus <n>', 'GPUs across active sandboxes')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      set(id, cmd.optsWithGlobals<QuotaFlags>()),
    );
}
