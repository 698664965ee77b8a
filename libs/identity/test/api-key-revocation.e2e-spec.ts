import request from 'supertest';
import { startPlatform, RunningPlatform } from '../../../apps/platform/src/bootstrap';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';

const maybe = process.env.DATABASE_URL ? describe : describe.skip;
if (!process.env.DATABASE_URL) {
  // PGlite serves one process; two instances need PostgreSQL (CI sets DATABASE_URL).
  console.log('skipped: two platform instances need PostgreSQL (set DATABASE_URL)');
}

maybe('API key revocation across platform instances (postgres)', () => {
  let db: TestDatabase;
  let a: RunningPlatform;
  let b: RunningPlatform;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const env = {
      PATH: process.env.PATH,
      NANOPOD_ENV: 'test',
      PORT: '0',
      NANOPOD_LOCAL_NODE_AGENT: 'false',
      ...db.env,
    };
    a = await startPlatform({ env });
    b = await startPlatform({ env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('refuses a key on instance B at once after it is revoked on instance A, though B had it cached', async () => {
    const { ApiKeysService, UsersService, scopesForRoles } = await import('@nanopod/identity');
    const user = await a.app.get(UsersService).upsertFromIdentity({
      keycloakSub: 'revocation-sub',
      githubLogin: 'revoker',
    });
    const principal = {
      userId: user.id,
      user,
      githubLogin: user.githubLogin,
      roles: user.roles,
      via: 'api_key' as const,
      scopes: scopesForRoles(user.roles),
    };
    const { key, token } = await a.app.get(ApiKeysService).create(principal, {
      name: 'shared',
      scopes: ['read', 'write'],
    });
    const auth = { Authorization: `Bearer ${token}` };
    // B verifies (and caches) the key.
    expect((await request(b.app.getHttpServer()).get('/v1/me').set(auth)).status).toBe(200);
    expect((await request(a.app.getHttpServer()).get('/v1/me').set(auth)).status).toBe(200);

    const revoked = await request(a.app.getHttpServer()).delete(`/v1/api-keys/${key.id}`).set(auth);
    expect(revoked.status).toBe(200);

    // NOTIFY is asynchronous but fast. Without it B would keep the key for its 30 s cache
    // period, so a few seconds of slack (for a loaded CI machine) still proves the bus works.
    const deadline = Date.now() + 5000;
    let status = 200;
    while (Date.now() < deadline) {
      status = (await request(b.app.getHttpServer()).get('/v1/me').set(auth)).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(401);
  });

  it('shows on instance B, within a second, a quota change made on instance A, though B had the old one cached', async () => {
    const { ApiKeysService, QuotasService, UsersService, scopesForRoles } =
      await import('@nanopod/identity');
    const user = await a.app.get(UsersService).upsertFromIdentity({
      keycloakSub: 'quota-sub',
      githubLogin: 'quota-holder',
    });
    const { token } = await b.app.get(ApiKeysService).create(
      {
        userId: user.id,
        user,
        githubLogin: user.githubLogin,
        roles: user.roles,
        via: 'api_key',
        scopes: scopesForRoles(user.roles),
      },
      { name: 'quota', scopes: ['read'] },
    );
    const me = async () =>
      (
        await request(b.app.getHttpServer())
          .get('/v1/me')
          .set({ Authorization: `Bearer ${token}` })
      ).body as { quota: { max_sandboxes: number; overridden: string[] } };
    const before = await me();
    expect(before.quota.overridden).toEqual([]);
    const wanted = before.quota.max_sandboxes + 7;

    await a.app.get(QuotasService).set(user.id, user.id, { sandboxes: wanted });
    const changedAt = Date.now();
    let seen = before.quota.max_sandboxes;
    while (seen !== wanted && Date.now() - changedAt < 5000) {
      seen = (await me()).quota.max_sandboxes;
      if (seen !== wanted) await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toBe(wanted);
    expect(Date.now() - changedAt).toBeLessThan(1000);
  });
});
