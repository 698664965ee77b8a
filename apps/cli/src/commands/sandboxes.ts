import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { components } from '../generated/api-types';
import {
  apiFetch,
  ApiOptions,
  apiRequest,
  resolveApiOptions,
  throwIfError,
  toCliError,
} from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { CliError } from '../lib/errors';
import { printJson, printRecord, printTable } from '../lib/output';
import { parseKeyValues } from './partners';
import { parseCount, parsePositiveNumber, parseSizeMb, parseWholeSeconds } from '../lib/flags';

interface GlobalFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

export type Sandbox = components['schemas']['SandboxDto'];

/** The last NDJSON line of an exec that ran to its end. */
export type ExecExit = components['schemas']['ExecExitLineDto'];

/** One NDJSON line of POST /v1/sandboxes/{id}/exec: output, the exit, or an error mid-stream. */
type ExecLine =
  components['schemas']['ExecOutputLineDto'] | ExecExit | components['schemas']['ErrorBodyDto'];

export interface CreateParams extends GlobalFlags {
  name?: string;
  runtime?: string;
  cpu?: number;
  memory?: number;
  gpus?: number;
  gpuType?: string;
  ttl?: number;
  idleTimeout?: number;
  network?: string;
  env?: string[];
  workloadClass?: string;
}

export type CreateSandboxBody = components['schemas']['CreateSandboxDto'];

export function createBody(p: CreateParams): CreateSandboxBody {
  const env = Object.assign({}, ...(p.env ?? []).map((e) => parseKeyValues(e)));
  return {
    // The name and the enum flags go as given: the platform validates them (its 400 names them).
    ...(p.name !== undefined ? { name: p.name } : {}),
    ...(p.runtime ? { runtime: p.runtime as CreateSandboxBody['runtime'] } : {}),
    resources: {
      ...(p.cpu !== undefined ? { cpu: p.cpu } : {}),
      ...(p.memory !== undefined ? { memory_mb: p.memory } : {}),
      ...(p.gpus !== undefined ? { gpus: p.gpus } : {}),
      ...(p.gpuType ? { gpu_type: p.gpuType } : {}),
    },
    ...(p.ttl !== undefined ? { ttl_seconds: p.ttl } : {}),
    ...(p.idleTimeout !== undefined ? { idle_timeout_seconds: p.idleTimeout } : {}),
    ...(p.network ? { network: p.network as CreateSandboxBody['network'] } : {}),
    ...(Object.keys(env).length ? { env } : {}),
    ...(p.workloadClass
      ? { workload_class: p.workloadClass as CreateSandboxBody['workload_class'] }
      : {}),
  };
}

export function addCreateOptions(cmd: Command): Command {
  return cmd
    .option(
      '--name <name>',
      'a name unique among your sandboxes (lowercase letters, digits, -); default: generated',
    )
    .option('--runtime <runtime>', 'bwrap (default), firecracker or daytona')
    .option('--cpu <n>', 'CPU share, e.g. 2 or 0.5', parsePositiveNumber('--cpu'))
    .option('--memory <size>', 'memory: MB, or 512Mi, 2Gi', parseSizeMb('--memory'))
    .option('--gpus <n>', 'GPUs', parseCount('--gpus'))
    .option('--gpu-type <type>', 'GPU model, e.g. "rtx 4090"')
    .option('--ttl <duration>', 'lifetime: seconds, or 30m, 2h', parseWholeSeconds('--ttl'))
    .option(
      '--idle-timeout <duration>',
      'stop after this long without exec: seconds, or 15m',
      parseWholeSeconds('--idle-timeout'),
    )
    .option('--network <mode>', 'none (default) or egress')
    .option(
      '--env <k=v>',
      'environment (repeat)',
      (v: string, prev: string[] = []) => [...prev, v],
      [],
    )
    .option('--workload-class <class>', 'latency_tolerant (default) or latency_sensitive');
}

/**
 * Runs a command and streams its output to this process's stdout/stderr as it arrives
 * (NDJSON lines from the API); returns the exit line.
 */
/**
 * Runs an exec and streams its output to this process's stdout and stderr (or to `capture`),
 * resolving with the exit line.
 */
export async function streamExec(
  opts: ApiOptions,
  id: string,
  body: Record<string, unknown>,
  capture?: (stream: 'stdout' | 'stderr', text: string) => void,
): Promise<ExecExit> {
  // A stream, so not through openapi-fetch (which reads whole bodies).
  const res = await apiFetch(opts, `/v1/sandboxes/${encodeURIComponent(id)}/exec`, {
    method: 'POST',
    headers: { accept: 'application/x-ndjson', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await throwIfError(res);
  if (!res.body) throw toCliError(res.status, undefined);
  const decoder = new TextDecoder();
  let buffered = '';
  let exit: ExecExit | undefined;
  const handle = (line: string) => {
    if (!line.trim()) return;
    const msg = JSON.parse(line) as ExecLine;
    if ('stream' in msg) {
      if (capture) capture(msg.stream, msg.data ?? '');
      else (msg.stream === 'stdout' ? process.stdout : process.stderr).write(msg.data ?? '');
    } else if ('error' in msg)
      throw new CliError(`${msg.error.message} (${msg.error.code})`, 1, msg.error.code);
    else if ('exit_code' in msg) exit = msg;
  };
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      handle(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  }
  handle(buffered);
  if (!exit)
    throw new CliError('The exec stream ended without an exit code', 1, 'cli.exec_incomplete');
  return exit;
}

/** 128 + signal number for a signal death, like a shell. */
export function exitCodeOf(exit: ExecExit): number {
  if (exit.exit_code !== null) return exit.exit_code;
  const signals: Record<string, number> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGKILL: 9,
    SIGTERM: 15,
    SIGXCPU: 24,
  };
  return 128 + (exit.signal ? (signals[exit.signal] ?? 1) : 1);
}

const columns = [
  { header: 'NAME', get: (r: Sandbox) => r.name },
  { header: 'ID', get: (r: Sandbox) => r.id },
  { header: 'STATE', get: (r: Sandbox) => (r.reason ? `${r.state} (${r.reason})` : r.state) },
  { header: 'NODE', get: (r: Sandbox) => r.node_name ?? r.node_id ?? '' },
  { header: 'RUNTIME', get: (r: Sandbox) => r.runtime },
  { header: 'CPU', get: (r: Sandbox) => r.resources.cpu },
  { header: 'MEMORY MB', get: (r: Sandbox) => r.resources.memory_mb },
  { header: 'GPUS', get: (r: Sandbox) => r.resources.gpus },
  { header: 'EXPIRES', get: (r: Sandbox) => r.expires_at },
];

async function create(p: CreateParams): Promise<void> {
  const sb = await unwrap(
    apiClient(resolveApiOptions(p)).POST('/v1/sandboxes', { body: createBody(p) }),
  );
  if (p.json) return printJson(sb);
  printRecord(
    {
      name: sb.name,
      id: sb.id,
      state: sb.state,
      reason: sb.reason,
      node: sb.node_name ?? sb.node_id,
      expires_at: sb.expires_at,
    },
    p,
  );
}

async function list(p: GlobalFlags & { all?: boolean }): Promise<void> {
  const { data } = await unwrap(
    apiClient(resolveApiOptions(p)).GET('/v1/sandboxes', {
      params: { query: p.all ? { all: 'true' } : {} },
    }),
  );
  printTable(data, columns, p);
}

async function get(id: string, p: GlobalFlags): Promise<void> {
  const sb = await unwrap(
    apiClient(resolveApiOptions(p)).GET('/v1/sandboxes/{id}', { params: { path: { id } } }),
  );
  if (p.json) return printJson(sb);
  printRecord({ ...sb }, p);
}

async function upload(
  id: string,
  local: string,
  p: GlobalFlags & { path?: string },
): Promise<void> {
  const data = readFileSync(local);
  const remote = p.path ?? path.basename(local);
  // A binary body: the shared untyped request (same auth and errors), not openapi-fetch's JSON.
  const r = await apiRequest<components['schemas']['FilePutResultDto']>(
    resolveApiOptions(p),
    'PUT',
    `/v1/sandboxes/${encodeURIComponent(id)}/files?path=${encodeURIComponent(remote)}`,
    undefined,
    { rawBody: data, headers: { 'content-type': 'application/octet-stream' } },
  );
  if (p.json) return printJson(r);
  process.stdout.write(`uploaded ${r.bytes} bytes to ${r.path}\n`);
}

async function download(
  id: string,
  remote: string,
  p: GlobalFlags & { output?: string },
): Promise<void> {
  const res = await apiFetch(
    resolveApiOptions(p),
    `/v1/sandboxes/${encodeURIComponent(id)}/files?path=${encodeURIComponent(remote)}`,
  );
  await throwIfError(res);
  const data = Buffer.from(await res.arrayBuffer());
  if (p.output === '-') {
    process.stdout.write(data);
    return;
  }
  const target = p.output ?? path.basename(remote);
  writeFileSync(target, data);
  if (p.json) printJson({ path: target, bytes: data.length });
  else process.stdout.write(`wrote ${data.length} bytes to ${target}\n`);
}

async function exec(
  id: string,
  argv: string[],
  p: GlobalFlags & { timeout?: number },
): Promise<void> {
  const opts = resolveApiOptions(p);
  const body = { argv, ...(p.timeout !== undefined ? { timeout_seconds: p.timeout } : {}) };
  if (p.json) {
    const r = await unwrap(
      apiClient(opts).POST('/v1/sandboxes/{id}/exec', {
        params: { path: { id }, query: { wait: 'true' } },
        body,
      }),
    );
    printJson(r);
    if (exitCodeOf(r) !== 0)
      throw new CliError(`exit ${exitCodeOf(r)}`, exitCodeOf(r), 'cli.command_failed');
    return;
  }
  const exit = await streamExec(opts, id, body);
  const code = exitCodeOf(exit);
  if (code !== 0)
    throw new CliError(
      `command exited with ${exit.exit_code ?? exit.signal}${exit.reason ? ` (${exit.reason})` : ''}`,
      code,
      'cli.command_failed',
    );
}

async function simple(id: string, verb: 'stop' | 'rm', p: GlobalFlags): Promise<void> {
  const api = apiClient(resolveApiOptions(p));
  const params = { path: { id } };
  const sb = await unwrap(
    verb === 'stop'
      ? api.POST('/v1/sandboxes/{id}/stop', { params })
      : api.DELETE('/v1/sandboxes/{id}', { params }),
  );
  if (p.json) return printJson(sb);
  process.stdout.write(`${sb.name}: ${verb === 'rm' ? 'deleted' : sb.state}\n`);
}

export function registerSandboxCommands(program: Command): void {
  const group = program
    .command('sandboxes')
    .alias('sandbox')
    .description('Sandboxes: create, upload, exec, download, stop, delete');
  addCreateOptions(group.command('create').description('Create a sandbox')).action(
    async (_o: unknown, cmd: Command) => create(cmd.optsWithGlobals<CreateParams>()),
  );
  group
    .command('ls')
    .alias('list')
    .description('List your sandboxes')
    .option('--all', "everyone's (admins)")
    .action(async (_o: unknown, cmd: Command) => list(cmd.optsWithGlobals()));
  group
    .command('get <sandbox>')
    .description('Show a sandbox (NAME or ID)')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      get(id, cmd.optsWithGlobals<GlobalFlags>()),
    );
  group
    .command('upload <sandbox> <file>')
    .description('Upload a local file into the work dir of a sandbox (NAME or ID)')
    .option('--path <remote>', 'where in the work dir (default: the file name)')
    .action(async (id: string, file: string, _o: unknown, cmd: Command) =>
      upload(id, file, cmd.optsWithGlobals()),
    );
  group
    .command('download <sandbox> <path>')
    .description('Download a file from the work dir of a sandbox (NAME or ID)')
    .option('-o, --output <file>', 'local file, or - for stdout')
    .action(async (id: string, remote: string, _o: unknown, cmd: Command) =>
      download(id, remote, cmd.optsWithGlobals()),
    );
  group
    .command('exec <sandbox>')
    .description('Run a command, streaming its output: nanopod sandboxes exec NAME|ID -- CMD')
    .option(
      '--timeout <duration>',
      'wall-time limit: seconds, or 10m',
      parseWholeSeconds('--timeout'),
    )
    .argument('<command...>', 'the command (after --)')
    .action(async (id: string, argv: string[], _o: unknown, cmd: Command) =>
      exec(id, argv, cmd.optsWithGlobals()),
    );
  group
    .command('stop <sandbox>')
    .description('Stop a sandbox, NAME or ID (files stay until the TTL)')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      simple(id, 'stop', cmd.optsWithGlobals<GlobalFlags>()),
    );
  group
    .command('rm <sandbox>')
    .alias('delete')
    .description('Delete a sandbox (NAME or ID) and its files')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      simple(id, 'rm', cmd.optsWithGlobals<GlobalFlags>()),
    );
}
