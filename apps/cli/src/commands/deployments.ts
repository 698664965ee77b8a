import type { Command } from 'commander';
import { parseCount, parseDurationSeconds } from '../lib/flags';
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

type Deployment = Awaited<ReturnType<typeof fetchOne>>;

function fetchOne(api: ApiClient, name: string) {
  return unwrap(api.GET('/v1/deployments/{name}', { params: { path: { name } } }));
}

function count(target: number): (d: { counts: Record<string, number> }) => boolean {
  return (d) => (d.counts.running ?? 0) >= target;
}

/** With --wait: a spinner until the target's nodes run (or the timeout passes). */
async function settle(api: ApiClient, d: Deployment, p: WaitFlags): Promise<Deployment> {
  if (!p.wait) return d;
  const spinner = await startSpinner(`waiting for ${d.target_node_count} node(s) of ${d.name}`, p);
  const until = Date.now() + (p.timeout ?? 600) * 1000;
  let current = d;
  while (!count(current.target_node_count)(current)) {
    if (Date.now() > until) {
      spinner.fail();
      throw new CliError(`timed out: ${summary(current)}`, 1);
    }
    await new Promise((r) => setTimeout(r, 2000));
    current = await fetchOne(api, d.name);
    spinner.text = `${d.name}: ${summary(current)}`;
  }
  spinner.succeed(`${d.name}: ${summary(current)}`);
  return current;
}

const summary = (d: { counts: Record<string, number> }): string =>
  Object.entries(d.counts)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ') || 'no nodes';

function show(d: Deployment, p: GlobalFlags): void {
  if (p.json) return printJson(d);
  printRecord(
    {
      name: d.name,
      capacity: d.capacity,
      node_template: d.node_template,
      target_node_count: d.target_node_count,
      nodes: summary(d),
    },
    p,
  );
  const live = d.nodes.filter((n) => !['released', 'terminated'].includes(n.state));
  if (live.length) {
    process.stdout.write('\n');
    printTable(
      live,
      [
        { header: 'NODE', get: (n) => `${d.name}-${n.seq}` },
        { header: 'STATE', get: (n) => n.state },
        { header: 'REASON', get: (n) => n.state_reason },
        {
          header: 'NOTICE',
          get: (n) => (n.notice ? `${n.notice.reason} until ${n.notice.deadline}` : '-'),
        },
        { header: 'STARTED', get: (n) => n.started_at },
      ],
      p,
    );
  }
}

async function create(
  p: WaitFlags & { name: string; capacity: string; nodeTemplate: string; targetNodeCount: number },
): Promise<void> {
  const api = apiClient(resolveApiOptions(p));
  const d = await unwrap(
    api.POST('/v1/deployments', {
      body: {
        name: p.name,
        capacity: p.capacity,
        node_template: p.nodeTemplate,
        target_node_count: p.targetNodeCount,
      },
    }),
  );
  show(await settle(api, d, p), p);
}

async function set(name: string, p: WaitFlags & { targetNodeCount: number }): Promise<void> {
  const api = apiClient(resolveApiOptions(p));
  const d = await unwrap(
    api.PATCH('/v1/deployments/{name}', {
      params: { path: { name } },
      body: { target_node_count: p.targetNodeCount },
    }),
  );
  show(await settle(api, d, p), p);
}

async function get(name: string, p: GlobalFlags): Promise<void> {
  show(await fetchOne(apiClient(resolveApiOptions(p)), name), p);
}

async function list(p: GlobalFlags): Promise<void> {
  const rows = await unwrap(apiClient(resolveApiOptions(p)).GET('/v1/deployments'));
  printTable(
    rows,
    [
      { header: 'NAME', get: (d) => d.name },
      { header: 'CAPACITY', get: (d) => d.capacity },
      { header: 'TEMPLATE', get: (d) => d.node_template },
      { header: 'TARGET', get: (d) => d.target_node_count },
      { header: 'NODES', get: (d) => summary(d) },
    ],
    p,
  );
}

async function remove(name: string, p: GlobalFlags): Promise<void> {
  await unwrap(
    apiClient(resolveApiOptions(p)).DELETE('/v1/deployments/{name}', {
      params: { path: { name } },
    }),
  );
  if (p.json) return printJson({ deleted: name });
  process.stdout.write(`Deleted ${name}; its nodes are terminated.\n`);
}

export function registerDeploymentCommands(program: Command): void {
  const group = program
    .command('deployments')
    .description('Deployments: a node template on a capacity');
  group
    .command('create')
    .description(
      'Create a deployment (nodes wait in awaiting_allocation until the capacity holds time)',
    )
    .requiredOption('--name <name>', 'deployment name')
    .requiredOption('--capacity <capacity>', 'capacity name')
    .requiredOption('--node-template <template>', 'node template name')
    .requiredOption('--target-node-count <n>', 'nodes to run', parseCount('--target-node-count'))
    .option('--wait', 'wait (with a spinner) until the nodes run')
    .option(
      '--timeout <duration>',
      'how long --wait waits (600s)',
      parseDurationSeconds('--timeout'),
      600,
    )
    .action(async (_o: unknown, cmd: Command) => create(cmd.optsWithGlobals()));
  group
    .command('set <name>')
    .description('Change the target node count')
    .requiredOption('--target-node-count <n>', 'nodes to run', parseCount('--target-node-count'))
    .option('--wait', 'wait (with a spinner) until the nodes run')
    .option(
      '--timeout <duration>',
      'how long --wait waits (600s)',
      parseDurationSeconds('--timeout'),
      600,
    )
    .action(async (name: string, _o: unknown, cmd: Command) => set(name, cmd.optsWithGlobals()));
  group
    .command('get <name>')
    .description('A deployment and its nodes')
    .action(async (name: string, _o: unknown, cmd: Command) => get(name, cmd.optsWithGlobals()));
  group
    .command('ls')
    .alias('list')
    .description('List your deployments')
    .action(async (_o: unknown, cmd: Command) => list(cmd.optsWithGlobals<GlobalFlags>()));
  group
    .command('rm <name>')
    .description('Delete a deployment')
    .action(async (name: string, _o: unknown, cmd: Command) => remove(name, cmd.optsWithGlobals()));
}
