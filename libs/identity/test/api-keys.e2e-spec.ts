import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform } from '../../../test/support/test-platform';

describe.each(databaseKinds())('API keys over HTTP (%s)', (kind) => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
  });
  afterAll(async () => {
    await platform?.close();
  });

  it('creates a key whose secret is shown once and then authenticates GET /v1/me', async () => {
    const alice = await platform.createUser();
    const created = await platform
      .http()
      .post('/v1/api-keys')
      .set(alice.auth)
      .send({ name: 'laptop', scopes: ['read'] });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^npk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.body.prefix).toBe(created.body.secret.slice(0, 16));

    const me = await platform
      .http()
      .get('/v1/me')
      .set('Authorization', `Bearer ${created.body.secret}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      id: alice.id,
      github_login: alice.githubLogin,
      authenticated_via: 'api_key',
      scopes: ['read'],
    });

    const list = await platform.http().get('/v1/api-keys').set(alice.auth);
    expect(list.status).toBe(200);
    const listed = list.body.data.find((k: { id: string }) => k.id === created.body.id);
    expect(listed).toMatchObject({ name: 'laptop', status: 'active', prefix: created.body.prefix });
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret.slice(17));
  });

  it('refuses a revoked key at once', async () => {
    const bob = await platform.createUser();
    const created = await platform
      .http()
      .post('/v1/api-keys')
      .set(bob.auth)
      .send({ name: 'ci', scopes: ['read', 'write'] });
    const auth = { Authorization: `Bearer ${created.body.secret}` };
    expect((await platform.http().get('/v1/me').set(auth)).status).toBe(200);
    const revoked = await platform.http().delete(`/v1/api-keys/${created.body.id}`).set(bob.auth);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    const after = await platform.http().get('/v1/me').set(auth);
    expect(after.status).toBe(401);
    expect(after.body.error).toMatchObject({
      code: 'auth.key_revoked',
      message: expect.stringMatching(/revoked/),
    });
    // Whoever does not hold the whole key learns nothing: a wrong secret for the same key id,
    // and an id that never existed, both answer key_unknown.
    const secret: string = created.body.secret;
    const last = secret.slice(-1) === 'a' ? 'b' : 'a';
    for (const guess of [
      secret.slice(0, -1) + last,
      secret.replace(/^npk_[A-Za-z0-9]{12}_/, 'npk_zzzzzzzzzzzz_'),
    ]) {
      const r = await platform
        .http()
        .get('/v1/me')
        .set({ Authorization: `Bearer ${guess}` });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('auth.key_unknown');
    }
  });

  it('refuses an expired key', async () => {
    const carol = await platform.createUser();
    const soon = new Date(Date.now() + 1500).toISOString();
    const created = await platform
      .http()
      .post('/v1/api-keys')
      .set(carol.auth)
      .send({ name: 'short', scopes: ['read'], expires_at: soon });
    expect(created.status).toBe(201);
    const auth = { Authorization: `Bearer ${created.body.secret}` };
    expect((await platform.http().get('/v1/me').set(auth)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    const after = await platform.http().get('/v1/me').set(auth);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('auth.key_expired');
  });

  it('does not let user A list or revoke user B keys', async () => {
    const a = await platform.createUser();
    const b = await platform.createUser();
    const bKey = await platform
      .http()
      .post('/v1/api-keys')
      .set(b.auth)
      .send({ name: 'b-key', scopes: ['read'] });
    const aList = await platform.http().get('/v1/api-keys').set(a.auth);
    expect(aList.body.data.map((k: { id: string }) => k.id)).not.toContain(bKey.body.id);
    const steal = await platform.http().delete(`/v1/api-keys/${bKey.body.id}`).set(a.auth);
    expect(steal.status).toBe(404);
    expect(steal.body.error.code).toBe('api_key.not_found');
    expect(
      (await platform.http().get('/v1/me').set('Authorization', `Bearer ${bKey.body.secret}`))
        .status,
    ).toBe(200);
  });

  it('refuses to grant scopes the caller lacks', async () => {
    const dev = await platform.createUser();
    const res = await platform
      .http()
      .post('/v1/api-keys')
      .set(dev.auth)
      .send({ name: 'x', scopes: ['admin'] });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: 'api_key.scope_not_allowed',
      details: { missing: ['admin'] },
    });
  });

  it('refuses a read-only key on a write route', async () => {
    const dev = await platform.createUser({ scopes: ['read'] });
    const res = await platform
      .http()
      .post('/v1/api-keys')
      .set(dev.auth)
      .send({ name: 'x', scopes: ['read'] });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('auth.scope_missing');
  });
  it('keeps admin routes closed to an admin whose key lacks the admin scope', async () => {
    const admin = await platform.createUser({
      roles: ['admin', 'developer'],
      scopes: ['read', 'write'],
    });
    for (const path of ['/v1/admin/users', '/v1/policies', '/v1/grants/applications']) {
      const res = await platform.http().get(path).set(admin.auth);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('auth.admin_required');
    }
    const mint = await platform
      .http()
      .post('/v1/api-keys')
      .set(admin.auth)
      .send({ name: 'escalate', scopes: ['admin'] });
    expect(mint.status).toBe(403);
    expect(mint.body.error.code).toBe('api_key.scope_not_allowed');
  });
});
