import type { Command } from 'commander';
import { renameSync, writeFileSync } from 'node:fs';
import { resolveApiOptions } from '../lib/api';
import { apiClient, unwrap } from '../lib/client';
import { printJson, printTable } from '../lib/output';
import type { GlobalFlags } from './compute-flags';

interface ExportParams extends GlobalFlags {
  output: string;
}

/**
 * Writes the standalone `apisix.yaml` (APISIX without etcd). The file is written beside the
 * target and renamed into place: APISIX re-reads it every second and must never see half of it
 * (it also ignores any file not ending with `#END`).
 */
async function exportConfig(p: ExportParams): Promise<void> {
  const yaml = await unwrap(
    apiClient(resolveApiOptions(p)).GET('/v1/gateway/config', {
      params: { query: { format: 'apisix-yaml' } },
      parseAs: 'text',
    }),
  );
  const text = String(yaml);
  if (!text.trimEnd().endsWith('#END'))
    throw new Error('the platform sent an incomplete apisix.yaml');
  if (p.output === '-') {
    process.stdout.write(text);
    return;
  }
  const tmp = `${p.output}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, p.output);
  if (p.json) printJson({ written: p.output, bytes: Buffer.byteLength(text) });
  else process.stdout.write(`wrote ${p.output}\n`);
}

async function syncNow(p: GlobalFlags): Promise<void> {
  const report = await unwrap(apiClient(resolveApiOptions(p)).POST('/v1/gateway/sync'));
  if (p.json) return printJson(report);
  if (report.changes.length === 0) {
    process.stdout.write('APISIX already matches the platform\n');
    return;
  }
  printTable(
    report.changes,
    [
      { header: 'CHANGE', get: (c) => c.kind },
      { header: 'RESOURCE', get: (c) => c.resource },
      { header: 'ID', get: (c) => c.id },
    ],
    p,
  );
}

export function registerGatewayCommands(program: Command): void {
  const group = program.command('gateway').description('The APISIX gateway in front (admins)');
  group
    .command('export')
    .description('Write apisix.yaml for APISIX in standalone mode (no etcd)')
    .option('-o, --output <file>', 'where to write it, or - for stdout', 'apisix.yaml')
    .addHelpText('after', '\nExample:\n  nanopod gateway export -o /etc/apisix/apisix.yaml\n')
    .action(async (_o: unknown, cmd: Command) => exportConfig(cmd.optsWithGlobals<ExportParams>()));
  group
    .command('sync')
    .description('Compare APISIX with the platform now and repair the difference')
    .action(async (_o: unknown, cmd: Command) => syncNow(cmd.optsWithGlobals<GlobalFlags>()));
}
