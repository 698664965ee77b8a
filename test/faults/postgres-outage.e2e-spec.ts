import { ApiRequestCounter } from '@nanopod/billing';
import { DataSource } from 'typeorm';
import { startTestPlatform, TestPlatform, TestUser } from '../support/test-platform';
import { OwnPostgres } from './support/own-postgres';
import { freePort, waitFor } from './support/platform-process';

const why = OwnPostgres.unavailable();
if (why) console.warn(`skipped: ${why}`);
const describeIf = why ? describe.skip : describe;

/** How long the database is down, as in the issue. */
const OUTAGE_MS = 10_000;

describeIf('a PostgreSQL outage', () => {
  let pg: OwnPostgres;
  let platform: TestPlatform;
  let user: TestUser;

  beforeAll(async () => {
    pg = await OwnPostgres.create(await freePort());
    platform = await startTestPlatform({
      kind: 'pglite',
      env: { DATABASE_URL: pg.url, NANOPOD_API_METER_FLUSH_MS: '1000' },
    });
    user = await platform.createUser();
  }, 180_000);

  afterAll(async () => {
    await platform?.close().catch(() => undefined);
    pg?.dispose();
  });

  const recorded = async () => {
    const [row] = (await platform.app.get(DataSource).query(
      `SELECT COALESCE(SUM(quantity), 0)::float8 AS total FROM billing_usage_events
        WHERE user_id = $1 AND metric = 'api_requests'`,
      [user.id],
    )) as { total: number }[];
    return Number(row!.total);
  };

  it('answers 503 unavailable in the error shape while it is down, recovers by itself and loses no usage', async () => {
    const statuses = new Map<number, number>();
    let ok = 0;
    let total = 0;
    const call = async (method: 'get' | 'post', url: string, body?: object) => {
      const req = platform.http()[method](url).set(user.auth);
      const res = body ? await req.send(body) : await req;
      total++;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status < 300) ok++;
      return res;
    };
    for (let i = 0; i < 20; i++) expect((await call('get', '/v1/sandboxes')).status).toBe(200);

    pg.stop();
    const downAt = Date.now();
    const during: Array<{ status: number; body: { error?: { code?: string } } }> = [];
    while (Date.now() - downAt < OUTAGE_MS) {
      for (const [m, url, body] of [
        ['get', '/v1/sandboxes'],
        ['get', '/v1/billing/balance'],
        ['get', '/v1/api-keys'],
        ['post', '/v1/api-keys', { name: `during-outage-${during.length}`, scopes: ['read'] }],
      ] as const) {
        const res = await call(m, url, body);
        during.push({ status: res.status, body: res.body });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    pg.start();

    // Meanwhile: never a 500; every failure a 503 `unavailable` in the error shape.
    expect(during.filter((r) => r.status >= 500 && r.status !== 503)).toEqual([]);
    const refused = during.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.body).toEqual({
        error: { code: 'unavailable', message: expect.any(String), details: null },
      });
    }

    // Back by itself: no restart of the platform.
    await waitFor(
      async () => (await call('get', '/v1/sandboxes')).status === 200,
      60_000,
      'the platform to answer again',
      200,
    );
    // Loses nothing: what was counted meanwhile is written once the database is back.
    const counter = platform.app.get(ApiRequestCounter);
    await waitFor(() => counter.pending() === 0, 30_000, 'the meter to catch up', 200);
    const written = await recorded();
    expect(written).toBeGreaterThanOrEqual(ok);
    expect(written).toBeLessThanOrEqual(total);
    process.stdout.write(
      `postgres outage: ${total} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ` +
        `${written} api_requests recorded\n`,
    );
  }, 180_000);
});
