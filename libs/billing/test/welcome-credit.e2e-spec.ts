import { DataSource } from 'typeorm';
import { LedgerService, WelcomeCreditService, welcomeKey } from '@nanopod/billing';
import { NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import { ApiKeysService, Principal, UsersService } from '@nanopod/identity';
import { PolicyInputRegistry } from '@nanopod/policy';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform } from '../../../test/support/test-platform';
import { ledgerAudit, recordUsage, usageRecord } from './support/usage';

async function welcomeEntries(platform: TestPlatform, userId: string) {
  return (await platform.app
    .get(DataSource)
    .query(
      `SELECT id, idempotency_key, memo FROM billing_journal_entries WHERE kind = 'welcome_credit' AND user_id = $1`,
      [userId],
    )) as { id: string; idempotency_key: string; memo: string }[];
}

describe.each(databaseKinds('both'))('welcome credit (%s)', (kind) => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
  });

  it('gives a new user 500 credits from the subsidy pool, shown in the ledger with a clear memo', async () => {
    const user = await platform.createUser();
    const balance = await platform.http().get('/v1/billing/balance').set(user.auth).expect(200);
    expect(balance.body).toMatchObject({ user_id: user.id, balance: 500, available: 500, owed: 0 });

    const ledger = await platform.http().get('/v1/billing/ledger').set(user.auth).expect(200);
    expect(ledger.body.data).toHaveLength(1);
    const entry = ledger.body.data[0];
    expect(entry.kind).toBe('welcome_credit');
    expect(entry.memo).toMatch(/^Welcome credit: 500 credits \(\$5\.00\)/);
    expect(entry.lines).toEqual([
      expect.objectContaining({ account: `user_wallet:${user.id}`, amount: 500 }),
    ]);
    const [pool] = (await platform.app.get(DataSource).query(
      `SELECT l.amount_micro::text AS amount FROM billing_journal_lines l
         JOIN billing_accounts a ON a.id = l.account_id
         JOIN billing_journal_entries e ON e.id = l.entry_id
        WHERE e.idempotency_key = $1 AND a.kind = 'subsidy_pool'`,
      [welcomeKey(user.id)],
    )) as { amount: string }[];
    expect(pool!.amount).toBe('-500000000');
    expect(await ledgerAudit(platform)).toMatchObject({ total: 0, unbalanced: 0, drifted: 0 });
  });

  it('grants at sign-in, never on a read: GETs of the balance and ledger change nothing', async () => {
    const ds = platform.app.get(DataSource);
    // A user from before this rule (no hook ran): reading must not grant.
    const sub = `pre-existing-${Date.now()}`;
    const [{ id }] = (await ds.query(
      `INSERT INTO users (keycloak_sub, github_login) VALUES ($1, $1) RETURNING id`,
      [sub],
    )) as { id: string }[];
    const { token } = await platform.app.get(ApiKeysService).create(
      {
        userId: id,
        githubLogin: sub,
        roles: ['developer'],
        via: 'api_key',
        scopes: ['read', 'write'],
      } as Principal,
      { name: 'k', scopes: ['read'] },
    );
    const auth = { Authorization: `Bearer ${token}` };
    for (let i = 0; i < 3; i++) {
      const b = await platform.http().get('/v1/billing/balance').set(auth).expect(200);
      expect(b.body).toMatchObject({ balance: 0 });
      await platform.http().get('/v1/billing/ledger').set(auth).expect(200);
    }
    expect(await welcomeEntries(platform, id)).toHaveLength(0);
    // Signing in grants it, once, however often.
    for (let i = 0; i < 2; i++) {
      await platform.app
        .get(UsersService)
        .upsertFromIdentity({ keycloakSub: sub, githubLogin: sub }, { login: true });
    }
    expect(await welcomeEntries(platform, id)).toHaveLength(1);
    const after = await platform.http().get('/v1/billing/balance').set(auth).expect(200);
    expect(after.body).toMatchObject({ balance: 500 });
  });

  it('grants when the user is created', async () => {
    const user = await platform.createUser();
    expect(await welcomeEntries(platform, user.id)).toHaveLength(1);
  });

  it('gives the policy a balance of 500 on the first decision input', async () => {
    const user = await platform.createUser();
    const input = await platform.app
      .get(PolicyInputRegistry)
      .gather({ userId: user.id, githubLogin: user.githubLogin, roles: ['developer'] });
    expect(input.balance).toMatchObject({ available: 500, currency: 'credits' });
  });

  it('pays a first usage (before any other billing touch) from the welcome credit', async () => {
    const user = await platform.createUser();
    // 600 s of H100 at 0.0833333333 credits/s = 50 credits.
    await recordUsage(platform, [usageRecord(user.id, { quantity: 600 })]);
    const balance = await platform.http().get('/v1/billing/balance').set(user.auth).expect(200);
    expect(balance.body.owed).toBe(0);
    expect(balance.body.balance).toBeCloseTo(450, 4);
    expect(await welcomeEntries(platform, user.id)).toHaveLength(1);
  });

  it('grants exactly once when many first touches race, also from separate instances', async () => {
    const user = await platform.createUser();
    const app = platform.app;
    // A second service instance (as on another replica): it shares nothing in memory.
    const other = new WelcomeCreditService(
      app.get<NanopodConfig>(NANOPOD_CONFIG),
      app.get(DataSource),
      app.get(LedgerService),
    );
    const welcome = app.get(WelcomeCreditService);
    await Promise.all([
      ...Array.from({ length: 5 }, () =>
        platform.http().get('/v1/billing/balance').set(user.auth).expect(200),
      ),
      ...Array.from({ length: 5 }, () => welcome.ensure(user.id)),
      ...Array.from({ length: 5 }, () => other.ensure(user.id)),
      recordUsage(platform, [usageRecord(user.id, { quantity: 12 })]),
      app
        .get(PolicyInputRegistry)
        .gather({ userId: user.id, githubLogin: user.githubLogin, roles: ['developer'] }),
    ]);
    const entries = await welcomeEntries(platform, user.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.idempotency_key).toBe(`welcome:${user.id}`);
    const balance = await platform.http().get('/v1/billing/balance').set(user.auth).expect(200);
    // 12 s of H100 = 1 credit.
    expect(balance.body.balance).toBeCloseTo(499, 4);
    expect(await ledgerAudit(platform)).toMatchObject({ total: 0, unbalanced: 0, drifted: 0 });
  });
});

describe.each(databaseKinds('both'))('welcome credit disabled (%s)', (kind) => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind, env: { NANOPOD_WELCOME_CREDITS: '0' } });
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
  });

  it('grants nothing when NANOPOD_WELCOME_CREDITS is 0', async () => {
    const user = await platform.createUser();
    const balance = await platform.http().get('/v1/billing/balance').set(user.auth).expect(200);
    expect(balance.body).toMatchObject({ balance: 0, available: 0 });
    await recordUsage(platform, [usageRecord(user.id, { quantity: 12 })]);
    expect(await welcomeEntries(platform, user.id)).toHaveLength(0);
    const ledger = await platform.http().get('/v1/billing/ledger').set(user.auth).expect(200);
    expect(ledger.body.data.map((e: { kind: string }) => e.kind)).toEqual(['usage']);
  });
});
