import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ManualClock } from '@nanopod/common';
import { ApiRequestCounter, ApiRequestMeter } from '@nanopod/billing';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform } from '../../../test/support/test-platform';

describe.each(databaseKinds('both'))('api_requests metering (%s)', (kind) => {
  let platform: TestPlatform;
  let clock: ManualClock;
  let counter: ApiRequestCounter;

  beforeAll(async () => {
    // A long flush period: the test flushes explicitly, at moments it controls.
    platform = await startTestPlatform({
      kind,
      clock: 'manual',
      env: { NANOPOD_API_METER_FLUSH_MS: '3600000' },
    });
    clock = platform.clock as ManualClock;
    counter = platform.app.get(ApiRequestCounter);
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
  });

  const apiEvents = async (userId: string) =>
    (await platform.app.get(DataSource).query(
      `SELECT transaction_id, quantity::float8 AS quantity FROM billing_usage_events
          WHERE user_id = $1 AND metric = 'api_requests' ORDER BY transaction_id`,
      [userId],
    )) as { transaction_id: string; quantity: number }[];

  const total = (rows: { quantity: number }[]) => rows.reduce((s, r) => s + Number(r.quantity), 0);

  it('records N authenticated requests as N api_requests of that user, with the instance in the id', async () => {
    const user = await platform.createUser();
    const other = await platform.createUser();
    for (let i = 0; i < 7; i += 1) await platform.http().get('/v1/me').set(user.auth).expect(200);
    await platform.http().get('/v1/me').set(other.auth).expect(200);
    // Unauthenticated requests are not anyone's.
    await platform.http().get('/v1/me').expect(401);
    await platform.http().get('/healthz');

    clock.advance(1000);
    await counter.flush();
    const rows = await apiEvents(user.id);
    expect(total(rows)).toBe(7);
    const instance = platform.config.instanceId;
    for (const r of rows) {
      expect(r.transaction_id).toMatch(
        new RegExp(`^api_requests:${user.id}:${instance.replace(/\./g, '\\.')}:\\d+-\\d+$`),
      );
    }
    expect(total(await apiEvents(other.id))).toBe(1);

    const usage = await platform
      .http()
      .get(
        `/v1/billing/usage?group_by=kind&from=${new Date(clock.nowMs() - 3_600_000).toISOString()}&to=${new Date(clock.nowMs() + 60_000).toISOString()}`,
      )
      .set(user.auth)
      .expect(200);
    expect(usage.body.data).toEqual([
      expect.objectContaining({ key: 'api_requests', quantity: 7 }),
    ]);
  });

  it('counts nothing twice across flushes, and a committed window written again is a no-op', async () => {
    const user = await platform.createUser();
    for (let i = 0; i < 3; i += 1) await platform.http().get('/v1/me').set(user.auth).expect(200);
    clock.advance(1000);
    await counter.flush();
    for (let i = 0; i < 4; i += 1) await platform.http().get('/v1/me').set(user.auth).expect(200);
    clock.advance(1000);
    await counter.flush();
    await counter.flush();
    const rows = await apiEvents(user.id);
    expect(rows).toHaveLength(2);
    expect(total(rows)).toBe(7);
    expect(counter.pending()).toBe(0);
    // A retried write of a window that did commit (COMMIT answered an error): same ids, no-op.
    const [first] = rows;
    const [, , , range] = first!.transaction_id.split(':');
    const [from, to] = range!.split('-').map(Number);
    await platform.app.get(ApiRequestMeter).record([
      {
        userId: user.id,
        count: 3,
        windowStart: new Date(from!),
        windowEnd: new Date(to!),
        instanceId: platform.config.instanceId,
      },
    ]);
    expect(total(await apiEvents(user.id))).toBe(7);
  });
});

describe('api_requests metering at shutdown (postgres)', () => {
  const run = process.env.DATABASE_URL ? it : it.skip;
  if (!process.env.DATABASE_URL) {
    console.log('skipped: the shutdown flush is read back from PostgreSQL (DATABASE_URL unset)');
  }

  run(
    'writes the current minute when the platform shuts down',
    async () => {
      const platform = await startTestPlatform({
        kind: 'postgres',
        env: { NANOPOD_API_METER_FLUSH_MS: '3600000' },
      });
      try {
        const user = await platform.createUser();
        for (let i = 0; i < 5; i += 1)
          await platform.http().get('/v1/me').set(user.auth).expect(200);
        // Nest's shutdown: the meter flushes before the database connection closes.
        await platform.app.close();
        const client = new Client({ connectionString: platform.db.env.DATABASE_URL });
        await client.connect();
        try {
          const { rows } = await client.query<{ total: number }>(
            `SELECT COALESCE(SUM(quantity), 0)::float8 AS total FROM billing_usage_events
            WHERE user_id = $1 AND metric = 'api_requests'`,
            [user.id],
          );
          expect(rows[0]!.total).toBe(5);
        } finally {
          await client.end();
        }
      } finally {
        await platform.db.drop();
      }
    },
    60_000,
  );
});
