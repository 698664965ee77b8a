import { GitHubFake } from '../../../test/fakes/github/github-fake';
import { PassportFake } from '../../../test/fakes/passport/passport-fake';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';
import { onGitHub, reputationEnv } from './support/fixtures';

interface Part {
  source: string;
  status: string;
  value: number | null;
  reason?: string;
  details: Record<string, unknown>;
}
const githubPart = (body: { parts: Part[] }) => body.parts.find((p) => p.source === 'github')!;

describe.each(databaseKinds())('GitHub analytics client (%s)', (kind) => {
  let platform: TestPlatform;
  const github = new GitHubFake();
  const passport = new PassportFake();

  beforeAll(async () => {
    await github.start();
    await passport.start();
    github.token = 'ghp_test_token';
    platform = await startTestPlatform({
      kind,
      env: reputationEnv(github, passport, { NANOPOD_GITHUB_TOKEN: 'ghp_test_token' }),
    });
    const admin = await platform.createUser({ roles: ['admin', 'developer'] });
    await platform
      .http()
      .post('/v1/reputation/allow-list')
      .set(admin.auth)
      .send({ entry: 'org:pytorch' })
      .expect(201);
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
    await github.stop();
    await passport.stop();
  });

  const show = (u: TestUser) => platform.http().get('/v1/me/reputation').set(u.auth);
  const refresh = (u: TestUser) => platform.http().post('/v1/me/reputation/refresh').set(u.auth);

  it('revalidates with the stored ETag: a 304 reuses the cached answer', async () => {
    const dev = await platform.createUser();
    const id = await onGitHub(platform, github, dev, {
      followers: 7,
      mergedPrs: [{ repo: 'pytorch/vision', count: 2 }],
    });
    const first = await show(dev).expect(200);
    expect(githubPart(first.body).details).toMatchObject({ followers: 7, merged_pull_requests: 2 });

    const second = await refresh(dev).expect(200);
    expect(githubPart(second.body).details).toMatchObject({
      followers: 7,
      merged_pull_requests: 2,
    });
    const calls = github.requests.filter((r) => r.path === `/user/${id}`);
    expect(calls.map((c) => c.status)).toEqual([200, 304]);
    expect(calls[1]!.ifNoneMatch).toMatch(/^W\/"/);
    expect(calls.every((c) => c.authorization === 'Bearer ghp_test_token')).toBe(true);
    const searches = github.requests.filter(
      (r) => r.path.startsWith('/search/issues') && r.path.includes(dev.githubLogin),
    );
    expect(searches.map((c) => c.status)).toEqual([200, 304]);
  });

  it('limits on-demand refreshes to one a minute with a 429 and retry_after', async () => {
    const dev = await platform.createUser();
    await onGitHub(platform, github, dev);
    await refresh(dev).expect(200);
    const limited = await refresh(dev).expect(429);
    expect(limited.body.error.code).toBe('reputation.rate_limited');
    expect(limited.body.error.details.retry_after).toBeGreaterThan(50);
    expect(limited.body.error.details.retry_after).toBeLessThanOrEqual(60);
  });

  it('waits out a secondary rate limit (429 with retry-after) and then succeeds', async () => {
    const dev = await platform.createUser();
    const id = await onGitHub(platform, github, dev, { followers: 3 });
    github.rateLimitNext(1, { status: 429, retryAfter: 1 });
    const started = Date.now();
    const rep = await show(dev).expect(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(githubPart(rep.body)).toMatchObject({ status: 'ok' });
    expect(githubPart(rep.body).details).toMatchObject({ followers: 3 });
    expect(github.requests.filter((r) => r.path === `/user/${id}`).map((r) => r.status)).toEqual([
      429, 200,
    ]);
  });

  it('waits out a 403 secondary limit too', async () => {
    const dev = await platform.createUser();
    const id = await onGitHub(platform, github, dev);
    github.rateLimitNext(1, { status: 403, retryAfter: 1 });
    const rep = await show(dev).expect(200);
    expect(githubPart(rep.body).status).toBe('ok');
    expect(github.requests.filter((r) => r.path === `/user/${id}`).map((r) => r.status)).toEqual([
      403, 200,
    ]);
  });

  it('reports GitHub answering 5xx as unknown, and the whole score as unknown', async () => {
    const dev = await platform.createUser();
    await onGitHub(platform, github, dev);
    github.failNext(1, 502);
    const rep = await show(dev).expect(200);
    expect(rep.body).toMatchObject({ status: 'unknown', score: null });
    expect(githubPart(rep.body)).toMatchObject({
      status: 'unknown',
      value: null,
      reason: 'unreachable',
    });
  });

  it('gives up on a primary limit that resets later than it will wait: unknown, rate_limited', async () => {
    const dev = await platform.createUser();
    await onGitHub(platform, github, dev);
    github.exhaust('core', 3600);
    const rep = await show(dev).expect(200);
    expect(githubPart(rep.body)).toMatchObject({ status: 'unknown', reason: 'rate_limited' });
    expect(githubPart(rep.body).details.retry_after).toBeGreaterThan(3000);
  });
});
