import type { Command } from 'commander';
import { parseCount, parseDurationSeconds } from '../lib/flags';
import { readFileSync } from 'node:fs';
import { resolveApiOptions } from '../lib/api';
import { apiClient, ApiClient, unwrap } from '../lib/client';
import { CliError } from '../lib/errors';
import { printJson, printRecord, printTable } from '../lib/output';
import { startSpinner } from '../lib/spinner';
import type { GlobalFlags } from './compute-flags';

interface WaitFlags extends GlobalFlags {
  wait?: boolean;
  timeout?: number;
}

type Service = Awaited<ReturnType<typeof fetchOne>>;

function fetchOne(api: ApiClient, name: string) {
  return unwrap(api.GET('/v1/services/{name}', { params: { path: { name } } }));
}

function readSpec(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 2);
  }
}

/** The endpoint as a full URL on the platform the CLI talks to. */
function endpointOf(p: GlobalFlags, s: { endpoint: string }): string {
  return `${resolveApiOptions(p).url.replace(/\/$/, '')}${s.endpoint}`;
}

/** SkyServe's table: NAME, VERSION, UPTIME-ish, STATUS, REPLICAS (ready/total), ENDPOINT. */
function showList(services: Service[], p: GlobalFlags): void {
  printTable(
    services,
    [
      { header: 'NAME', get: (s) => s.name },
      { header: 'VERSION', get: (s) => s.version },
      { header: 'STATUS', get: (s) => s.status },
      { header: 'REPLICAS', get: (s) => `${s.ready_replicas}/${s.total_replicas}` },
      { header: 'ENDPOINT', get: (s) => endpointOf(p, s) },
    ],
    p,
  );
}

function show(s: Service, p: GlobalFlags): void {
  if (p.json) return printJson(s);
  showList([s], p);
  const replicas = s.replicas.filter((r) => !r.ended_at || r.status !== 'SHUTDOWN');
  if (!replicas.length) return;
  process.stdout.write('\nService Replicas\n');
  printTable(
    replicas,
    [
      { header: 'SERVICE_NAME', get: () => s.name },
      { header: 'ID', get: (r) => r.replica_id },
      { header: 'VERSION', get: (r) => r.version },
      { header: 'PRICING', get: (r) => (r.pricing === 'spot' ? 'spot' : 'on-demand') },
      { header: 'LAUNCHED', get: (r) => r.launched_at },
      { header: 'RESOURCES', get: (r) => (r.gpus ? `${r.gpus}x ${r.gpu_type}` : 'cpu') },
      { header: 'STATUS', get: (r) => r.status },
    ],
    p,
  );
}

/** With --wait: a spinner until a replica is READY (or the timeout passes). */
async function settle(api: ApiClient, s: Service, p: WaitFlags): Promise<Service> {
  if (!p.wait) return s;
  const spinner = await startSpinner(`waiting for ${s.name} to be READY`, p);
  const until = Date.now() + (p.timeout ?? 600) * 1000;
  let current = s;
  while (current.status !== 'READY') {
    if (['FAILED', 'SHUTDOWN'].includes(current.status) || Date.now() > until) {
      spinner.fail();
      throw new CliError(
        `${s.name} is ${current.status} (${current.ready_replicas}/${current.total_replicas})`,
        1,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
    current = await fetchOne(api, s.name);
    spinner.text = `${s.name}: ${current.status} ${current.ready_replicas}/${current.total_replicas}`;
  }
  spinner.succeed(`${s.name}: READY at ${endpointOf(p, current)}`);
  return current;
}

async function up(file: string, p: WaitFlags & { name: string }): Promise<void> {
  const api = apiClient(resolveApiOptions(p));
  const s = await unwrap(
    api.POST('/v1/services', { body: { name: p.name, spec: readSpec(file) } }),
  );
  show(await settle(api, s, p), p);
}

async function update(name: string, file: string, p: WaitFlags): Promise<void> {
  const api = apiClient(resolveApiOptions(p));
  const s = await unwrap(
    api.PUT('/v1/services/{name}', {
      params: { path: { name } },
      body: { spec: readSpec(file) },
    }),
  );
  show(s, p);
}

async function status(name: string | undefined, p: GlobalFlags & { all?: boolean }): Promise<void> {
  const api = apiClient(resolveApiOptions(p));
  if (name) return show(await fetchOne(api, name), p);
  const list = await unwrap(
    api.GET('/v1/services', { params: { query: p.all ? { all: 'true' } : {} } }),
  );
  if (p.json) return printJson(list.data);
  showList(list.data, p);
}

async function down(name: string, p: GlobalFlags): Promise<void> {
  const s = await unwrap(
    apiClient(resolveApiOptions(p)).DELETE('/v1/services/{name}', { params: { path: { name } } }),
  );
  if (p.json) return printJson(s);
  printRecord({ name: s.name, status: s.status }, p);
}

async function logs(name: string, p: GlobalFlags & { replica?: number }): Promise<void> {
  const res = await unwrap(
    apiClient(resolveApiOptions(p)).GET('/v1/services/{name}/logs', {
      params: { path: { name }, query: p.replica !== undefined ? { replica: p.replica } : {} },
    }),
  );
  if (p.json) return printJson(res);
  process.stdout.write(res.logs.endsWith('\n') ? res.logs : `${res.logs}\n`);
}

export function registerServeCommands(program: Command): void {
  const group = program
    .command('serve')
    .description("Services in SkyServe's shape: replicas behind a load balancer, autoscaled");
  group
    .command('up <spec.yaml>')
    .description('Start a service from a spec (checked first: every bad field is listed)')
    .requiredOption('-n, --name <name>', 'service name (its endpoint is /s/<name>/)')
    .option('--wait', 'wait (with a spinner) until a replica is READY')
    .option(
      '--timeout <duration>',
      'how long --wait waits (600s)',
      parseDurationSeconds('--timeout'),
      600,
    )
    .action(async (file: string, _o: unknown, cmd: Command) => up(file, cmd.optsWithGlobals()));
  group
    .command('status [name]')
    .description(
      'Services with REPLICAS ready/total and the endpoint; one service with its replicas',
    )
    .option('--all', 'every owner (admins)')
    .action(async (name: string | undefined, _o: unknown, cmd: Command) =>
      status(name, cmd.optsWithGlobals()),
    );
  group
    .command('update <name> <spec.yaml>')
    .description('Roll out a new version of the spec (replica by replica)')
    .action(async (name: string, file: string, _o: unknown, cmd: Command) =>
      update(name, file, cmd.optsWithGlobals()),
    );
  group
    .command('down <name>')
    .description('Shut a service down (its replicas stop)')
    .action(async (name: string, _o: unknown, cmd: Command) => down(name, cmd.optsWithGlobals()));
  group
    .command('logs <name>')
    .description("The replicas' recent output (setup and run)")
    .option('--replica <id>', 'one replica', parseCount('--replica'))
    .action(async (name: string, _o: unknown, cmd: Command) => logs(name, cmd.optsWithGlobals()));
}
