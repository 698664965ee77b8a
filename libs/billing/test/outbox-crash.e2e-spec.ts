import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { UsageRecorder } from '@nanopod/billing';
import { startPlatform } from '../../../apps/platform/src/bootstrap';
import { LagoFake } from '../../../test/fakes/lago/lago-fake';
import {
  createTestDatabase,
  databaseKinds,
  seedPgliteDataDir,
  TestDatabase,
} from '../../../test/support/test-database';
import { usageRecord } from './support/usage';
import { waitFor } from './support/wait';
import { builtEntry } from '../../../test/support/test-build';

const ROOT = path.resolve(__dirname, '../../..');
const EVENTS = 600;
/** A platform child compiles TypeScript as it starts: slow on a busy machine. */
const STARTUP_MS = 300_000;

/** Fails at once (with its output) when the child died instead of waiting out a timeout. */
function alive(run: { child: ChildProcess; output: () => string }): void {
  if (run.child.exitCode !== null) {
    throw new Error(`platform exited ${run.child.exitCode}: ${run.output().slice(-3000)}`);
  }
}

/** The platform as its own process (main.ts), so it can be killed with SIGKILL. */
function spawnPlatform(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const dataDir = env.NANOPOD_DATA_DIR;
  if (!env.DATABASE_URL && dataDir && dataDir !== ':memory:') seedPgliteDataDir(dataDir);
  const child = spawn(process.execPath, [builtEntry('apps/platform/src/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });

describe.each(databaseKinds('both'))('outbox shipping survives a killed platform (%s)', (kind) => {
  let lago: LagoFake;
  let db: TestDatabase;
  let dataDir: string;
  let baseEnv: Record<string, string>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    lago = await new LagoFake().start();
    db = await createTestDatabase(kind);
    dataDir = mkdtempSync(path.join(tmpdir(), 'nanopod-billing-crash-'));
    // PGlite: the migrated data dir of the global setup, not initdb and every migration again.
    if (!db.env.DATABASE_URL) seedPgliteDataDir(dataDir);
    baseEnv = {
      ...db.env,
      NANOPOD_DATA_DIR: dataDir,
      NANOPOD_ENV: 'test',
      NANOPOD_LOCAL_NODE_AGENT: 'false',
      PORT: '0',
      NANOPOD_API_METER_FLUSH_MS: '3600000',
    };
  });

  afterAll(async () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await exited(c);
    }
    await lago?.stop();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every event to Lago exactly once after a SIGKILL in the middle of shipping', async () => {
    // 1. Usage recorded while Lago is not configured: it waits in the outbox.
    const seed = await startPlatform({ env: baseEnv });
    const users = [randomUUID(), randomUUID(), randomUUID()];
    const records = Array.from({ length: EVENTS }, (_, i) =>
      usageRecord(users[i % 3]!, { quantity: i + 1 }),
    );
    const ds = seed.app.get(DataSource);
    const recorder = seed.app.get(UsageRecorder);
    for (let i = 0; i < records.length; i += 50) {
      await ds.transaction((m) => recorder.record(m, records.slice(i, i + 50)));
    }
    await seed.close();

    // 2. Lago configured, but slow: kill the platform while a batch it sent is in flight.
    const lagoEnv = {
      ...baseEnv,
      NANOPOD_LAGO_API_URL: lago.url,
      NANOPOD_LAGO_API_KEY: lago.apiKey,
      NANOPOD_BILLING_SHIP_INTERVAL_MS: '20',
    };
    lago.slow(1_000);
    const first = spawnPlatform(lagoEnv);
    children.push(first.child);
    await waitFor(
      () => (alive(first), lago.accepted.length >= 100),
      STARTUP_MS,
      () => `a first batch (${first.output()})`,
    );
    first.child.kill('SIGKILL');
    await exited(first.child);
    const acceptedBeforeRestart = lago.accepted.length;
    expect(acceptedBeforeRestart).toBeLessThan(EVENTS);

    // 3. Restart: everything reaches Lago; what was in flight is sent again and deduplicated.
    lago.slow(0);
    const second = spawnPlatform(lagoEnv);
    children.push(second.child);
    const ids = records.map((r) => r.transactionId);
    await waitFor(
      () => (alive(second), ids.every((id) => lago.acceptedCount.has(id))),
      STARTUP_MS,
      () => `all events after restart (${second.output().slice(-2000)})`,
    );
    expect(ids.filter((id) => lago.acceptedCount.get(id) !== 1)).toEqual([]);
    expect(lago.duplicatesAccepted()).toEqual([]);
    expect(lago.accepted).toHaveLength(EVENTS);
    // The batch that was in flight at the kill reached Lago twice and was accepted once.
    expect([...lago.received.values()].some((n) => n >= 2)).toBe(true);

    // 4. The outbox agrees: nothing pending, nothing parked.
    second.child.kill('SIGTERM');
    await exited(second.child);
    const check = await startPlatform({ env: baseEnv });
    try {
      const [row] = (await check.app.get(DataSource).query(
        `SELECT count(*) FILTER (WHERE status = 'shipped') AS shipped,
                count(*) FILTER (WHERE status <> 'shipped') AS other FROM billing_outbox`,
      )) as { shipped: string; other: string }[];
      expect(row).toEqual({ shipped: String(EVENTS), other: '0' });
    } finally {
      await check.close();
    }
  }, 900_000);
});
