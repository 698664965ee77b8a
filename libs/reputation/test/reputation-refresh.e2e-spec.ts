import { PolicyInputRegistry } from '@nanopod/policy';
import { GitHubFake } from '../../../test/fakes/github/github-fake';
import { PassportFake } from '../../../test/fakes/passport/passport-fake';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';
import { onGitHub, reputationEnv } from './support/fixtures';

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(databaseKinds())('scheduled reputation refresh and the allow-list (%s)', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  const github = new GitHubFake();
  const passport = new PassportFake();

  beforeAll(async () => {
    await github.start();
    await passport.start();
    platform = await startTestPlatform({
      kind,
      env: reputationEnv(github, passport, {
        NANOPOD_REPUTATION_REFRESH_INTERVAL_MS: '200',
        NANOPOD_REPUTATION_STALE_AFTER_MS: '1000',
      }),
    });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
    await github.stop();
    await passport.stop();
  });

  const gather = (u: TestUser) =>
    platform.app
      .get(PolicyInputRegistry)
      .gather({ userId: u.id, githubLogin: u.githubLogin, roles: ['developer'] });

  it('answers unknown on a first decision, then the score computed in the background, then keeps it fresh', async () => {
    const dev = await platform.createUser();
    const id = await onGitHub(platform, github, dev, { followers: 1 });
    expect((await gather(dev)).reputation).toEqual({ status: 'unknown', reason: 'not_computed' });
    const first = await until(async () => {
      const r = (await gather(dev)).reputation as { status: string; computed_at?: string };
      return r.status === 'ok' ? r : undefined;
    });
    // GitHub changes; the scheduled loop picks it up once the score is stale.
    github.users.get(id)!.followers = 1023;
    const fresh = await until(async () => {
      const r = (await gather(dev)).reputation as {
        computed_at: string;
        parts: { github: { value: number } };
      };
      return r.computed_at !== first.computed_at && r.parts.github.value >= 7 ? r : undefined;
    });
    expect(fresh.parts.github.value).toBe(7.5);
  });

  it('manages the allow-list: admins only, validated entries, duplicates and unknown entries refused', async () => {
    const dev = await platform.createUser();
    await platform.http().get('/v1/reputation/allow-list').set(dev.auth).expect(403);
    await platform
      .http()
      .post('/v1/reputation/allow-list')
      .set(dev.auth)
      .send({ entry: 'org:pytorch' })
      .expect(403);

    const added = await platform
      .http()
      .post('/v1/reputation/allow-list')
      .set(admin.auth)
      .send({ entry: 'repo:huggingface/transformers' })
      .expect(201);
    expect(added.body).toMatchObject({ entry: 'repo:huggingface/transformers', kind: 'repo' });
    const dup = await platform
      .http()
      .post('/v1/reputation/allow-list')
      .set(admin.auth)
      .send({ entry: 'repo:HuggingFace/Transformers' })
      .expect(409);
    expect(dup.body.error.code).toBe('reputation.allow_list_entry_exists');
    for (const entry of ['pytorch', 'org:', 'org:-bad-', 'repo:noslash', 'team:x']) {
      const r = await platform
        .http()
        .post('/v1/reputation/allow-list')
        .set(admin.auth)
        .send({ entry })
        .expect(400);
      expect(['request.invalid', 'reputation.allow_list_entry_invalid']).toContain(
        r.body.error.code,
      );
    }
    const list = await platform.http().get('/v1/reputation/allow-list').set(admin.auth).expect(200);
    expect(list.body.data.map((e: { entry: string }) => e.entry)).toContain(
      'repo:huggingface/transformers',
    );
    await platform
      .http()
      .delete('/v1/reputation/allow-list')
      .query({ entry: 'repo:huggingface/transformers' })
      .set(admin.auth)
      .expect(200);
    await platform
      .http()
      .delete('/v1/reputation/allow-list')
      .query({ entry: 'repo:huggingface/transformers' })
      .set(admin.auth)
      .expect(404);
  });
});
