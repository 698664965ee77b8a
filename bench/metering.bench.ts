import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { OutboxShipper, UsageRecorder, UsageRecordInput } from '@nanopod/billing';
import { startPlatform, RunningPlatform } from '../apps/platform/src/bootstrap';
import { LagoFake } from '../test/fakes/lago/lago-fake';
import { createTestDatabase, TestDatabase } from '../test/support/test-database';
import { parseBenchArgs, printTable, writeBenchJson } from './lib/bench-args';

/*
 * npm run bench:metering [-- --json FILE] [--events N]
 *
 * Events per second accepted into the outbox through UsageRecorder.record (the whole path:
 * metered event, outbox row and ledger entry in one transaction), one record per transaction
 * ("single") and BATCH records per transaction ("batch"), on PostgreSQL (DATABASE_URL) and
 * PGlite; then events per second shipped from the outbox to the Lago fake on loopback.
 * Goal: 5,000 events/s batched into the outbox on PostgreSQL.
 */

const BATCH = 500;
const GOAL_EPS = 5_000;

interface Booted {
  platform: RunningPlatform;
  db: TestDatabase;
  ds: DataSource;
  recorder: UsageRecorder;
}

async function boot(
  kind: 'postgres' | 'pglite',
  env: Record<string, string> = {},
): Promise<Booted> {
  const db = await createTestDatabase(kind);
  const platform = await startPlatform({
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NANOPOD_ENV: 'test',
      NANOPOD_LOG_LEVEL: 'warn',
      NANOPOD_LOCAL_NODE_AGENT: 'false',
      PORT: '0',
      ...db.env,
      ...env,
    },
  });
  return {
    platform,
    db,
    ds: platform.app.get(DataSource),
    recorder: platform.app.get(UsageRecorder),
  };
}

async function shutdown(b: Booted): Promise<void> {
  await b.platform.close();
  await b.db.drop();
}

const users = Array.from({ length: 20 }, () => randomUUID());
let seq = 0;
function records(n: number): UsageRecordInput[] {
  return Array.from({ length: n }, () => {
    seq += 1;
    return {
      transactionId: `bench:${randomUUID()}`,
      userId: users[seq % users.length]!,
      metric: seq % 3 === 0 ? 'sandbox_seconds' : 'gpu_seconds',
      quantity: 1 + (seq % 60),
      occurredAt: new Date(),
      subsidy: { tier: 'passport', rate_multiplier: 0.5 },
      properties: { gpu_type: 'h100', partner_id: seq % 2 ? 'partner-1' : null, node_id: 'node-1' },
    };
  });
}

/** Runs `chunks` through `workers` concurrent transactions; returns events per second. */
async function pump(b: Booted, chunks: UsageRecordInput[][], workers: number): Promise<number> {
  const total = chunks.reduce((s, c) => s + c.length, 0);
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        await b.ds.transaction((m) => b.recorder.record(m, chunk));
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return total / seconds;
}

function split(all: UsageRecordInput[], size: number): UsageRecordInput[][] {
  const out: UsageRecordInput[][] = [];
  for (let i = 0; i < all.length; i += size) out.push(all.slice(i, i + size));
  return out;
}

async function main(): Promise<void> {
  const args = parseBenchArgs();
  const events = Number(args.events ?? 20_000);
  const singles = Number(args.singles ?? 2_000);
  const results: Record<string, number> = {};
  const rows: Array<Array<string | number>> = [];

  if (process.env.DATABASE_URL) {
    const pg = await boot('postgres');
    try {
      await pump(pg, split(records(1_000), 100), 4); // warm-up
      results.outbox_single_eps = await pump(pg, split(records(singles), 1), 8);
      results.outbox_batch_eps = await pump(pg, split(records(events), BATCH), 4);
    } finally {
      await shutdown(pg);
    }
    rows.push([
      'outbox_single_eps',
      'PostgreSQL',
      `1 / tx, 8 in flight`,
      results.outbox_single_eps,
      '-',
    ]);
    rows.push([
      'outbox_batch_eps',
      'PostgreSQL',
      `${BATCH} / tx, 4 in flight`,
      results.outbox_batch_eps,
      `${(results.outbox_batch_eps / GOAL_EPS).toFixed(2)}x goal`,
    ]);
  } else {
    process.stdout.write('DATABASE_URL is not set: PostgreSQL figures skipped\n');
  }

  const lago = await new LagoFake().start();
  // A long interval: the bench drains the outbox itself, to time shipping alone.
  const lite = await boot('pglite', {
    NANOPOD_LAGO_API_URL: lago.url,
    NANOPOD_LAGO_API_KEY: lago.apiKey,
    NANOPOD_BILLING_SHIP_INTERVAL_MS: '3600000',
  });
  try {
    await pump(lite, split(records(1_000), 100), 1);
    const liteEvents = Math.min(events, 10_000);
    results.outbox_batch_eps_pglite = await pump(lite, split(records(liteEvents), BATCH), 1);
    rows.push([
      'outbox_batch_eps_pglite',
      'PGlite',
      `${BATCH} / tx`,
      results.outbox_batch_eps_pglite,
      '-',
    ]);

    const shipper = lite.platform.app.get(OutboxShipper);
    const pending = 1_000 + liteEvents;
    const started = process.hrtime.bigint();
    let shipped = 0;
    while (shipped < pending) {
      const r = await shipper.drain();
      if (r.shipped === 0) break;
      shipped += r.shipped;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    results.shipped_eps = shipped / seconds;
    if (lago.accepted.length !== pending || lago.duplicatesAccepted().length > 0) {
      throw new Error(`shipping lost or doubled events: ${lago.accepted.length} of ${pending}`);
    }
    rows.push(['shipped_eps', 'PGlite -> Lago fake', 'batches of 100', results.shipped_eps, '-']);
  } finally {
    await shutdown(lite);
    await lago.stop();
  }

  printTable(['metric', 'database', 'shape', 'events/s', 'vs goal'], rows);
  writeBenchJson(args.json, 'metering', results);
}

main()
  .then(() => process.exit(0))
  .catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
