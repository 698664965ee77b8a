import { ClusterBus } from '@nanopod/common';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';

/**
 * The bus on PostgreSQL: a lost LISTEN connection is reopened by itself, and what was published
 * meanwhile reaches the other instances once it is back (it used to stay local for good).
 */
const describeIf = process.env.DATABASE_URL ? describe : describe.skip;

describeIf('ClusterBus on PostgreSQL', () => {
  let db: TestDatabase;
  let a: ClusterBus;
  let b: ClusterBus;

  const busOn = (url: string) =>
    new ClusterBus({ url, kind: 'postgres', poolSize: 1, migrations: [] });

  async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    a = busOn(db.env.DATABASE_URL!);
    b = busOn(db.env.DATABASE_URL!);
    await a.onModuleInit();
    await b.onModuleInit();
  });
  afterAll(async () => {
    await a?.onApplicationShutdown();
    await b?.onApplicationShutdown();
    await db?.drop();
  });

  it('reconnects after its connection is killed and delivers what was published meanwhile', async () => {
    const atB: string[] = [];
    const atA: string[] = [];
    await b.subscribe('bus_test', (p) => atB.push(p));
    await a.subscribe('bus_test', (p) => atA.push(p));
    await a.publish('bus_test', 'before');
    await until(() => atB.includes('before'));
    // A's connection is the one whose last statement is this LISTEN.
    await a.subscribe('bus_test_only_a', () => undefined);

    const admin = new Client({ connectionString: db.env.DATABASE_URL });
    await admin.connect();
    const killed = (await admin.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'nanopod_cluster_bus'
          AND query = 'LISTEN bus_test_only_a'`,
    )) as { rows: { ok: boolean }[] };
    await admin.end();
    expect(killed.rows).toHaveLength(1);
    await until(() => !a.connected, 5_000);

    // Published while down: here at once, at B after the reconnect, in order.
    await a.publish('bus_test', 'while-down-1');
    await a.publish('bus_test', 'while-down-2');
    expect(atA).toEqual(expect.arrayContaining(['while-down-1', 'while-down-2']));
    await until(() => a.connected);
    await until(() => atB.includes('while-down-2'));
    expect(atB.filter((m) => m.startsWith('while-down'))).toEqual(['while-down-1', 'while-down-2']);

    // And it listens again.
    await b.publish('bus_test', 'after');
    await until(() => atA.includes('after'));
  }, 60_000);

  it('refuses a payload over NOTIFY’s size cap instead of failing in the database', async () => {
    await expect(a.publish('bus_test', 'x'.repeat(9000))).rejects.toThrow(/over/);
  });
});
