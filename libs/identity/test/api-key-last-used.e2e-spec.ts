import { ManualClock } from '@nanopod/common';
import { ApiKeysService } from '@nanopod/identity';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform } from '../../../test/support/test-platform';

describe.each(databaseKinds())('API key use, written behind the request (%s)', (kind) => {
  let platform: TestPlatform;
  let clock: ManualClock;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind, clock: 'manual' });
    clock = platform.clock as ManualClock;
  });
  afterAll(async () => {
    await platform?.close();
  });

  it('records a key in constant use at most once a minute', async () => {
    const alice = await platform.createUser();
    const created = await platform
      .http()
      .post('/v1/api-keys')
      .set(alice.auth)
      .send({ name: 'busy', scopes: ['read'] });
    expect(created.status).toBe(201);
    const auth = { Authorization: `Bearer ${created.body.secret}` };
    const keys = platform.app.get(ApiKeysService);
    const use = async () =>
      expect((await platform.http().get('/v1/me').set(auth)).status).toBe(200);
    const lastUsed = async () => {
      await keys.flushLastUsed();
      const list = await platform.http().get('/v1/api-keys').set(alice.auth);
      return list.body.data.find((k: { id: string }) => k.id === created.body.id).last_used_at as
        string | null;
    };

    const first = clock.now().toISOString();
    await use();
    expect(await lastUsed()).toBe(first);

    // Used again and again within the minute: not written again.
    clock.advance(20_000);
    await use();
    clock.advance(20_000);
    await use();
    expect(await lastUsed()).toBe(first);

    // A minute after the last write, the next use is written.
    clock.advance(21_000);
    const later = clock.now().toISOString();
    await use();
    expect(await lastUsed()).toBe(later);
  });

  it('refuses a cached key once it expires', async () => {
    const bob = await platform.createUser();
    const created = await platform
      .http()
      .post('/v1/api-keys')
      .set(bob.auth)
      .send({
        name: 'short',
        scopes: ['read'],
        expires_at: new Date(clock.nowMs() + 10_000).toISOString(),
      });
    expect(created.status).toBe(201);
    const auth = { Authorization: `Bearer ${created.body.secret}` };
    expect((await platform.http().get('/v1/me').set(auth)).status).toBe(200);
    // Cached now; its expiry is still checked on every request.
    clock.advance(10_000);
    expect((await platform.http().get('/v1/me').set(auth)).status).toBe(401);
  });
});
