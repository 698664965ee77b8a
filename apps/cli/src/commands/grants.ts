import type { Command } from 'commander';
import type { components } from '../generated/api-types';
import { resolveApiOptions } from '../lib/api';
import { ApiClient, apiClient, unwrap } from '../lib/client';
import { CliError } from '../lib/errors';
import { printJson, printRecord, printTable } from '../lib/output';

interface GlobalFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

type Program = components['schemas']['GrantProgramDto'];
type Application = components['schemas']['GrantApplicationDto'];

interface CreateParams extends GlobalFlags {
  name: string;
  monthlyGpuHours: string;
  rate: string;
  eligibility?: string;
  start?: string;
  end: string;
}

const day = (iso: string): string => iso.slice(0, 10);
const short = (s: string, n = 60): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function numberFlag(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new CliError(`--${name} must be a number`, 2, 'cli.bad_flag');
  return n;
}

function dateFlag(name: string, value: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new CliError(`--${name} must be a date or ISO 8601 date-time`, 2, 'cli.bad_flag');
  return new Date(t).toISOString();
}

/** A program named by id or (case-insensitively) by name. */
async function resolveProgram(api: ApiClient, ref: string): Promise<Program> {
  const { data } = await unwrap(api.GET('/v1/grants/programs'));
  const found =
    data.find((p) => p.id === ref) ?? data.find((p) => p.name.toLowerCase() === ref.toLowerCase());
  if (!found)
    throw new CliError(`No grant program "${ref}"`, 1, 'reputation.grant_program_not_found');
  return found;
}

function printPrograms(rows: Program[], json?: boolean): void {
  printTable(
    rows,
    [
      { header: 'ID', get: (p) => p.id },
      { header: 'NAME', get: (p) => p.name },
      { header: 'GPU-H/MONTH', get: (p) => p.monthly_gpu_hours },
      { header: 'RATE', get: (p) => p.rate_multiplier },
      { header: 'STATE', get: (p) => p.state },
      { header: 'FROM', get: (p) => day(p.starts_at) },
      { header: 'UNTIL', get: (p) => day(p.ends_at) },
    ],
    { json },
  );
}

function printApplications(rows: Application[], json?: boolean): void {
  printTable(
    rows,
    [
      { header: 'ID', get: (a) => a.id },
      { header: 'PROGRAM', get: (a) => a.program },
      ...(rows.some((a) => a.github_login !== undefined)
        ? [{ header: 'USER', get: (a: Application) => a.github_login }]
        : []),
      { header: 'STATUS', get: (a) => a.status },
      { header: 'STATEMENT', get: (a) => short(a.statement) },
      { header: 'NOTE', get: (a) => a.decision_note },
      { header: 'APPLIED', get: (a) => day(a.created_at) },
    ],
    { json },
  );
}

async function listPrograms(flags: GlobalFlags): Promise<void> {
  const r = await unwrap(apiClient(resolveApiOptions(flags)).GET('/v1/grants/programs'));
  printPrograms(r.data, flags.json);
}

async function createProgram(p: CreateParams): Promise<void> {
  const body = {
    name: p.name,
    monthly_gpu_hours: numberFlag('monthly-gpu-hours', p.monthlyGpuHours),
    rate_multiplier: numberFlag('rate', p.rate),
    eligibility: p.eligibility,
    starts_at: p.start ? dateFlag('start', p.start) : new Date().toISOString(),
    ends_at: dateFlag('end', p.end),
  };
  const created = await unwrap(
    apiClient(resolveApiOptions(p)).POST('/v1/grants/programs', { body }),
  );
  if (p.json) return printJson(created);
  printRecord({ ...created }, {});
}

async function apply(ref: string, p: GlobalFlags & { statement: string }): Promise<void> {
  const api = apiClient(resolveApiOptions(p));
  const program = await resolveProgram(api, ref);
  const a = await unwrap(
    api.POST('/v1/grants/programs/{id}/applications', {
      params: { path: { id: program.id } },
      body: { statement: p.statement },
    }),
  );
  if (p.json) return printJson(a);
  process.stdout.write(`Applied to ${a.program} (application ${a.id}); an admin will review it.\n`);
}

async function mine(flags: GlobalFlags): Promise<void> {
  const r = await unwrap(apiClient(resolveApiOptions(flags)).GET('/v1/me/grants'));
  if (flags.json) return printJson(r);
  process.stdout.write('Grants\n');
  printTable(
    r.grants,
    [
      { header: 'PROGRAM', get: (g) => g.program },
      { header: 'STATUS', get: (g) => g.status },
      { header: 'GPU-H/MONTH', get: (g) => g.monthly_gpu_hours },
      { header: 'RATE', get: (g) => g.rate_multiplier },
      { header: 'UNTIL', get: (g) => day(g.ends_at) },
    ],
    {},
  );
  process.stdout.write('\nApplications\n');
  printApplications(r.applications);
}

async function listApplications(
  flags: GlobalFlags & { status?: string; all?: boolean },
): Promise<void> {
  // Passed through as given: the platform validates it (400 with the allowed values).
  const status = (flags.all ? undefined : (flags.status ?? 'open')) as
    Application['status'] | undefined;
  const r = await unwrap(
    apiClient(resolveApiOptions(flags)).GET('/v1/grants/applications', {
      params: { query: status ? { status } : {} },
    }),
  );
  printApplications(r.data, flags.json);
}

async function decide(
  id: string,
  verb: 'approve' | 'reject',
  p: GlobalFlags & { note?: string },
): Promise<void> {
  if (verb === 'reject' && !p.note)
    throw new CliError('--note is required to reject', 2, 'cli.bad_flag');
  const api = apiClient(resolveApiOptions(p));
  const path = { id };
  if (verb === 'reject') {
    const r = await unwrap(
      api.POST('/v1/grants/applications/{id}/reject', {
        params: { path },
        body: { note: p.note ?? '' },
      }),
    );
    if (p.json) return printJson(r);
    process.stdout.write(`Rejected application ${id}.\n`);
    return;
  }
  const r = await unwrap(
    api.POST('/v1/grants/applications/{id}/approve', {
      params: { path },
      body: p.note ? { note: p.note } : {},
    }),
  );
  if (p.json) return printJson(r);
  process.stdout.write(`Approved: ${r.grant.program} is active until ${day(r.grant.ends_at)}.\n`);
}

async function grant(
  ref: string,
  p: GlobalFlags & { user?: string; githubLogin?: string },
): Promise<void> {
  if (!p.user === !p.githubLogin)
    throw new CliError('Give one of --user and --github-login', 2, 'cli.bad_flag');
  const api = apiClient(resolveApiOptions(p));
  const program = await resolveProgram(api, ref);
  const g = await unwrap(
    api.POST('/v1/grants/programs/{id}/grants', {
      params: { path: { id: program.id } },
      body: p.user ? { user_id: p.user } : { github_login: p.githubLogin },
    }),
  );
  if (p.json) return printJson(g);
  process.stdout.write(`Granted ${g.program} (${g.status}).\n`);
}

export function registerGrantCommands(program: Command): void {
  const group = program
    .command('grants')
    .description('Subsidy grant programs, applications and your grants');
  group
    .command('ls')
    .description('Your grants and applications')
    .action(async (_o: unknown, cmd: Command) => mine(cmd.optsWithGlobals<GlobalFlags>()));
  const programs = group.command('programs').description('Grant programs');
  programs
    .command('ls')
    .description('List grant programs')
    .action(async (_o: unknown, cmd: Command) => listPrograms(cmd.optsWithGlobals<GlobalFlags>()));
  programs
    .command('create')
    .description('Create a grant program (admins)')
    .requiredOption('--name <name>', 'program name')
    .requiredOption('--monthly-gpu-hours <n>', 'GPU-hours per month per grantee')
    .requiredOption('--rate <0..1>', 'what grantees pay of the list price (0 = free)')
    .option('--eligibility <text>', 'who may apply')
    .option('--start <time>', 'start (default: now)')
    .requiredOption('--end <time>', 'end')
    .action(async (_o: unknown, cmd: Command) =>
      createProgram(cmd.optsWithGlobals<CreateParams>()),
    );
  group
    .command('apply <program>')
    .description('Apply to a program (by id or name) with a short statement')
    .requiredOption('--statement <text>', 'why you need the grant (10..2000 characters)')
    .action(async (ref: string, _o: unknown, cmd: Command) =>
      apply(ref, cmd.optsWithGlobals<GlobalFlags & { statement: string }>()),
    );
  group
    .command('grant <program>')
    .description('Grant a program to a user (admins)')
    .option('--user <id>', 'user id')
    .option('--github-login <login>', 'GitHub login')
    .action(async (ref: string, _o: unknown, cmd: Command) =>
      grant(ref, cmd.optsWithGlobals<GlobalFlags & { user?: string; githubLogin?: string }>()),
    );
  const apps = group.command('applications').description('Review grant applications (admins)');
  apps
    .command('ls')
    .description('Applications (open by default)')
    .option('--status <open|approved|rejected>', 'filter by status', 'open')
    .option('--all', 'every status')
    .action(async (_o: unknown, cmd: Command) =>
      listApplications(cmd.optsWithGlobals<GlobalFlags & { status?: string; all?: boolean }>()),
    );
  apps
    .command('approve <id>')
    .description('Approve an application: creates the grant')
    .option('--note <text>', 'note to the applicant')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      decide(id, 'approve', cmd.optsWithGlobals<GlobalFlags & { note?: string }>()),
    );
  apps
    .command('reject <id>')
    .description('Reject an application with a note')
    .requiredOption('--note <text>', 'why, shown to the applicant')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      decide(id, 'reject', cmd.optsWithGlobals<GlobalFlags & { note?: string }>()),
    );
}
