import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';

describe.each(databaseKinds())('billing access and bad input (%s)', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  let user: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    user = await platform.createUser();
    other = await platform.createUser();
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
  });

  it("answers 404 for another user's balance, usage, ledger and invoices, and for unknown users even to admins", async () => {
    for (const path of ['balance', 'usage', 'ledger', 'invoices']) {
      const res = await platform
        .http()
        .get(`/v1/billing/${path}?user_id=${other.id}`)
        .set(user.auth)
        .expect(404);
      expect(res.body.error.code).toBe('billing.user_not_found');
      await platform
        .http()
        .get(`/v1/billing/${path}?user_id=${randomUUID()}`)
        .set(admin.auth)
        .expect(404);
      await platform
        .http()
        .get(`/v1/billing/${path}?user_id=${other.id}`)
        .set(admin.auth)
        .expect(200);
    }
  });

  it('refuses admin routes to non-admins with 403', async () => {
    await platform.http().get('/v1/billing/admin/ledger/audit').set(user.auth).expect(403);
    await platform.http().get('/v1/billing/admin/outbox').set(user.auth).expect(403);
    await platform
      .http()
      .post('/v1/billing/admin/top-ups')
      .set(user.auth)
      .send({ user_id: user.id, amount: 100, idempotency_key: 'self-service' })
      .expect(403);
    await platform
      .http()
      .put(`/v1/billing/admin/credit-limits/${user.id}`)
      .set(user.auth)
      .send({ credit_limit: 1_000_000 })
      .expect(403);
  });

  it('does not credit or set limits for a user that does not exist', async () => {
    const ghost = randomUUID();
    const topUp = await platform
      .http()
      .post('/v1/billing/admin/top-ups')
      .set(admin.auth)
      .send({ user_id: ghost, amount: 100, idempotency_key: `ghost-${ghost}` })
      .expect(404);
    expect(topUp.body.error.code).toBe('billing.user_not_found');
    await platform
      .http()
      .put(`/v1/billing/admin/credit-limits/${ghost}`)
      .set(admin.auth)
      .send({ credit_limit: 10 })
      .expect(404);
    const badId = await platform
      .http()
      .put('/v1/billing/admin/credit-limits/not-a-uuid')
      .set(admin.auth)
      .send({ credit_limit: 10 })
      .expect(400);
    expect(badId.body.error).toBeDefined();
  });

  it('answers out-of-range paging and dates with 400 in the error shape', async () => {
    for (const q of [
      'before=100000000000000000000',
      'before=0',
      'limit=501',
      'limit=abc',
      'user_id=not-a-uuid',
    ]) {
      const res = await platform.http().get(`/v1/billing/ledger?${q}`).set(user.auth).expect(400);
      expect(res.body.error.code).toEqual(expect.any(String));
    }
    for (const q of [
      'from=-100000-01-01T00:00:00Z&to=-099999-12-01T00:00:00Z',
      'from=1960-01-01T00:00:00Z&to=1960-02-01T00:00:00Z',
      'from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      'from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      'from=yesterday',
      'group_by=week',
    ]) {
      const res = await platform.http().get(`/v1/billing/usage?${q}`).set(user.auth).expect(400);
      expect(res.body.error.code).toEqual(expect.any(String));
    }
  });

  it('has the database refuse an unbalanced journal entry written around the ledger service', async () => {
    const ds = platform.app.get(DataSource);
    const key = `unbalanced-${randomUUID()}`;
    await expect(
      ds.transaction(async (m) => {
        const [entry] = (await m.query(
          `INSERT INTO billing_journal_entries (idempotency_key, kind, metadata, created_at)
           VALUES ($1, 'test', '{}', now()) RETURNING id`,
          [key],
        )) as { id: string }[];
        const [account] = (await m.query(
          `INSERT INTO billing_accounts (kind, owner_id, credit_limit_micro)
           VALUES ('external', '', NULL)
           ON CONFLICT (kind, owner_id) DO UPDATE SET kind = EXCLUDED.kind RETURNING id`,
        )) as { id: string }[];
        await m.query(
          `INSERT INTO billing_journal_lines (entry_id, account_id, amount_micro) VALUES ($1, $2, 5)`,
          [entry!.id, account!.id],
        );
      }),
    ).rejects.toThrow(/does not balance/);
    const rows = (await ds.query(
      `SELECT 1 FROM billing_journal_entries WHERE idempotency_key = $1`,
      [key],
    )) as unknown[];
    expect(rows).toHaveLength(0);
  });
});
