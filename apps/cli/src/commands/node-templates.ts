import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolveApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { CliError } from '../lib/errors';
import { printRecord, printTable } from '../lib/output';
import type { GlobalFlags } from './compute-flags';

interface CreateFlags extends GlobalFlags {
  name: string;
  image: string;
  cloudInit?: string;
  sshKey?: string[];
}

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${flag}: cannot read ${file}: ${(err as Error).message}`, 2);
  }
}

async function create(p: CreateFlags): Promise<void> {
  const t = await unwrap(
    apiClient(resolveApiOptions(p)).POST('/v1/node-templates', {
      body: {
        name: p.name,
        image: p.image,
        ...(p.cloudInit ? { cloud_init: readText(p.cloudInit, '--cloud-init') } : {}),
        ...(p.sshKey?.length
          ? {
              ssh_keys: p.sshKey.map((k) =>
                k.startsWith('ssh-') || k.startsWith('ecdsa-')
                  ? k
                  : readText(k, '--ssh-key').trim(),
              ),
            }
          : {}),
      },
    }),
  );
  printRecord({ ...t }, p);
}

async function list(p: GlobalFlags): Promise<void> {
  const rows = await unwrap(apiClient(resolveApiOptions(p)).GET('/v1/node-templates'));
  printTable(
    rows,
    [
      { header: 'NAME', get: (t) => t.name },
      { header: 'IMAGE', get: (t) => t.image },
      {
        header: 'CLOUD-INIT',
        get: (t) => (t.cloud_init_kind ? `${t.cloud_init_kind} (${t.cloud_init_bytes} B)` : '-'),
      },
      { header: 'SSH KEYS', get: (t) => t.ssh_keys.length },
    ],
    p,
  );
}

export function registerNodeTemplateCommands(program: Command): void {
  const group = program
    .command('node-templates')
    .description('Node templates: image, cloud-init, SSH keys');
  group
    .command('create')
    .description('Create a node template')
    .requiredOption('--name <name>', 'template name')
    .requiredOption('--image <image>', 'image name')
    .option('--cloud-init <file>', '#cloud-config YAML or a #! script (at most 64 KiB)')
    .option('--ssh-key <keyOrFile...>', 'OpenSSH public keys or files holding one')
    .action(async (_o: unknown, cmd: Command) => create(cmd.optsWithGlobals<CreateFlags>()));
  group
    .command('ls')
    .alias('list')
    .description('List your node templates')
    .action(async (_o: unknown, cmd: Command) => list(cmd.optsWithGlobals<GlobalFlags>()));
}
