import type { Command } from 'commander';
import { parseWholeSeconds } from '../lib/flags';
import type { components } from '../generated/api-types';
import { resolveApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { CliError } from '../lib/errors';
import { printJson, printRecord, printTable } from '../lib/output';
import { parseKeyValues } from './partners';

interface GlobalFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

type Node = components['schemas']['NodeDto'];
type NodeSelector = components['schemas']['NodeSelectorDto'];

function gpuSummary(n: Node): string {
  if (!n.gpus.length) return '-';
  return `${n.gpus.length}x ${n.gpus[0].model}`;
}

async function list(p: GlobalFlags): Promise<void> {
  const { data } = await unwrap(apiClient(resolveApiOptions(p)).GET('/v1/nodes'));
  printTable(
    data,
    [
      { header: 'ID', get: (r) => r.id },
      { header: 'NAME', get: (r) => r.name },
      { header: 'ZONE', get: (r) => r.zone },
      { header: 'KIND', get: (r) => r.kind },
      {
        header: 'STATE',
        get: (r) => r.state + (r.cordoned && r.state === 'running' ? ' (cordoned)' : ''),
      },
      { header: 'CONNECTED', get: (r) => (r.connected ? 'yes' : 'no') },
      { header: 'CPU', get: (r) => r.cpu_cores },
      { header: 'MEMORY', get: (r) => `${Math.round(r.memory_mb / 1024)} GiB` },
      { header: 'GPUS', get: gpuSummary },
      { header: 'LAST HEARTBEAT', get: (r) => r.last_heartbeat_at },
    ],
    p,
  );
}

async function get(id: string, p: GlobalFlags): Promise<void> {
  const node = await unwrap(
    apiClient(resolveApiOptions(p)).GET('/v1/nodes/{id}', { params: { path: { id } } }),
  );
  if (p.json) return printJson(node);
  printRecord({ ...node, gpus: gpuSummary(node) }, p);
}

async function action(
  id: string,
  verb: 'cordon' | 'uncordon' | 'drain',
  p: GlobalFlags,
): Promise<void> {
  const node = await unwrap(
    apiClient(resolveApiOptions(p)).POST(`/v1/nodes/{id}/${verb}`, { params: { path: { id } } }),
  );
  if (p.json) return printJson(node);
  process.stdout.write(`${node.name}: ${node.state}${node.cordoned ? ', cordoned' : ''}\n`);
}

/** `zone=a,gpu=rtx,node=<id>` -> the API's selector. */
export function parseSelector(value: string | undefined): NodeSelector {
  const kv = parseKeyValues(value);
  const selector: NodeSelector = {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(kv)) {
    if (k === 'zone') selector.zone = v;
    else if (k === 'node' || k === 'node_id') selector.node_ids = [...(selector.node_ids ?? []), v];
    else labels[k] = v;
  }
  if (Object.keys(labels).length) selector.labels = labels;
  return selector;
}

async function exec(
  argv: string[],
  p: GlobalFlags & { selector?: string; timeout: number },
): Promise<void> {
  if (!argv.length)
    throw new CliError(
      'Give the command after --, e.g. nanopod nodes exec -- nvidia-smi -L',
      2,
      'cli.bad_flag',
    );
  const { results } = await unwrap(
    apiClient(resolveApiOptions(p)).POST('/v1/nodes/exec', {
      body: {
        selector: parseSelector(p.selector),
        argv,
        timeout_seconds: p.timeout,
      },
    }),
  );
  if (p.json) {
    printJson(results);
  } else {
    printTable(
      results,
      [
        { header: 'NODE', get: (r) => r.node_name },
        {
          header: 'EXIT',
          get: (r) => (r.error && r.exit_code === null ? r.error.code : (r.exit_code ?? r.signal)),
        },
        { header: 'MS', get: (r) => r.duration_ms },
        { header: 'OUTPUT', get: (r) => (r.stdout + r.stderr).trimEnd().slice(0, 2000) },
      ],
      p,
    );
  }
  if (results.some((r) => r.exit_code !== 0))
    throw new CliError('the command failed on some nodes', 1, 'cli.nodes_exec_failed');
}

export function registerNodeCommands(program: Command): void {
  const group = program
    .command('nodes')
    .description('Nodes: list, inspect, cordon, drain, run operator commands');
  group
    .command('ls')
    .alias('list')
    .description('List nodes (admins: all; partner owners: theirs)')
    .action(async (_o: unknown, cmd: Command) => list(cmd.optsWithGlobals<GlobalFlags>()));
  group
    .command('get <node>')
    .description('Show a node (NAME or ID)')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      get(id, cmd.optsWithGlobals<GlobalFlags>()),
    );
  for (const verb of ['cordon', 'uncordon', 'drain'] as const) {
    group
      .command(`${verb} <node>`)
      .description(
        verb === 'drain'
          ? 'Drain a node (NAME or ID): no new work; drained when its work ends'
          : `${verb[0].toUpperCase()}${verb.slice(1)} a node (NAME or ID)`,
      )
      .action(async (id: string, _o: unknown, cmd: Command) =>
        action(id, verb, cmd.optsWithGlobals<GlobalFlags>()),
      );
  }
  group
    .command('terminate <node>')
    .description(
      'Terminate a node (NAME or ID) for good: its credential stops working, its work fails',
    )
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const p = cmd.optsWithGlobals<GlobalFlags>();
      const node = await unwrap(
        apiClient(resolveApiOptions(p)).DELETE('/v1/nodes/{id}', { params: { path: { id } } }),
      );
      if (p.json) printJson(node);
      else process.stdout.write(`${node.name}: ${node.state}\n`);
    });
  group
    .command('exec')
    .description(
      'Run a command on every matching node (admins): nanopod nodes exec --selector zone=a -- CMD',
    )
    .option('--selector <k=v,...>', 'zone=..., node=<id or name>, gpu=<model part>, any label')
    .option('--timeout <duration>', 'per-node time limit (30s)', parseWholeSeconds('--timeout'), 30)
    .argument('<command...>', 'the command and its arguments (after --)')
    .action(async (argv: string[], _o: unknown, cmd: Command) => exec(argv, cmd.optsWithGlobals()));
}
