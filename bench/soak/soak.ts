import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { parseBenchArgs, printTable, writeBenchJson } from '../lib/bench-args';
import { runSoak, SoakReport } from './soak-run';

/*
 * npm run soak -- --minutes N [--restart-every MINUTES] [--clients N] [--json FILE]
 *
 * Mixed traffic (API reads and writes, sandboxes with exec and files) from 20 clients against a
 * platform restarted gracefully every 5 minutes, on PostgreSQL when DATABASE_URL is set (else
 * PGlite), with usage shipped to the Lago fake. Asserts at the end: 0 usage events lost, 0
 * duplicates in Lago, the ledger sums to 0, every answered request metered once, RSS roughly
 * flat. Exits 1 when any of that fails. Not part of CI (test/faults/soak.e2e-spec.ts runs a
 * short version).
 */

function bwrapUsable(): boolean {
  const r = spawnSync(
    'bwrap',
    ['--unshare-all', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', 'true'],
    { stdio: 'ignore', timeout: 5000 },
  );
  return r.status === 0;
}

async function main(): Promise<void> {
  const args = parseBenchArgs();
  const minutes = Number(args.minutes ?? 30);
  const restartEvery = Number(args['restart-every'] ?? 5);
  const clients = Number(args.clients ?? 20);
  if (!(minutes > 0) || !(restartEvery > 0) || !(clients > 0)) {
    process.stderr.write('soak: --minutes, --restart-every and --clients must be positive\n');
    process.exit(2);
  }
  const sandboxes = bwrapUsable();
  if (!sandboxes) process.stderr.write('soak: bubblewrap unusable here: no sandbox traffic\n');
  const report: SoakReport = await runSoak({
    durationMs: minutes * 60_000,
    restartEveryMs: restartEvery * 60_000,
    clients,
    sandboxes,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const { failures, database, memory, ...numbers } = report;
  printTable(
    [
      'minute',
      'platform',
      'rss MB',
      'heapTotal MB',
      'heapUsed MB',
      'live heap MB',
      'external MB',
      'arrayBuffers MB',
    ],
    memory.map((m) => [
      m.minute,
      m.platform,
      m.rss_mb,
      m.heap_total_mb,
      m.heap_used_mb,
      m.heap_live_mb,
      m.external_mb,
      m.array_buffers_mb,
    ]),
  );
  printTable(
    ['metric', 'value'],
    [
      ['database', database],
      ...Object.entries(numbers).map(([k, v]) => [k, v] as [string, number]),
    ],
  );
  writeBenchJson(args.json, 'soak', {
    ...numbers,
    failures: failures.length,
  });
  if (failures.length) {
    for (const f of failures) process.stderr.write(`soak: FAIL ${f}\n`);
    process.exit(1);
  }
  process.stdout.write('soak: passed\n');
  process.exit(0);
}

void main().catch((err: Error) => {
  process.stderr.write(`soak: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
