import { PolicyInputRegistry, SubsidyDecider, SubsidyRequest } from '@nanopod/policy';
import { Wallet } from 'ethers';
import { GitHubFake } from '../../../test/fakes/github/github-fake';
import { PassportFake } from '../../../test/fakes/passport/passport-fake';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';
import { linkWallet, onGitHub, reputationEnv } from './support/fixtures';

const day = 86_400_000;
const request: SubsidyRequest = {
  kind: 'sandbox',
  workload_class: 'latency_tolerant',
  gpus: 1,
  gpu_type: 'H100',
  estimated_gpu_hours: 2,
};

interface Part {
  source: string;
  status: string;
  value: number | null;
  reason?: string;
}
const part = (body: { parts: Part[] }, source: string) =>
  body.parts.find((p) => p.source === source)!;

describe.each(databaseKinds())('reputation through the subsidy policy (%s)', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  const github = new GitHubFake();
  const passport = new PassportFake();

  beforeAll(async () => {
    await github.start();
    await passport.start();
    platform = await startTestPlatform({
      kind,
      env: reputationEnv(github, passport, { NANOPOD_REPUTATION_REFRESH_COOLDOWN_MS: '0' }),
    });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    for (const entry of ['org:pytorch', 'repo:huggingface/transformers']) {
      await platform
        .http()
        .post('/v1/reputation/allow-list')
        .set(admin.auth)
        .send({ entry })
        .expect(201);
    }
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
    await github.stop();
    await passport.stop();
  });

  const decide = (user: TestUser) =>
    platform.app
      .get(SubsidyDecider)
      .decide({ userId: user.id, githubLogin: user.githubLogin, roles: ['developer'] }, request);

  const grantTo = async (user: TestUser, rate: number) => {
    const program = await platform
      .http()
      .post('/v1/grants/programs')
      .set(admin.auth)
      .send({
        name: `Contributors ${user.githubLogin}`,
        monthly_gpu_hours: 40,
        rate_multiplier: rate,
        starts_at: new Date(Date.now() - day).toISOString(),
        ends_at: new Date(Date.now() + 30 * day).toISOString(),
      })
      .expect(201);
    await platform
      .http()
      .post(`/v1/grants/programs/${program.body.id}/grants`)
      .set(admin.auth)
      .send({ user_id: user.id })
      .expect(201);
  };

  it('gives an allow-listed contributor with an active grant the grant tier and the grant’s rate', async () => {
    const contributor = await platform.createUser();
    await onGitHub(platform, github, contributor, {
      createdYearsAgo: 6,
      followers: 40,
      publicRepos: 30,
      mergedPrs: [
        { repo: 'pytorch/pytorch', count: 5 },
        { repo: 'huggingface/transformers', count: 1 },
        { repo: 'someone/else', count: 9 },
      ],
      commits: [{ repo: 'huggingface/transformers', count: 12 }],
    });
    const rep = await platform
      .http()
      .post('/v1/me/reputation/refresh')
      .set(contributor.auth)
      .expect(200);
    expect(rep.body).toMatchObject({ status: 'ok', score: 80 });
    expect(part(rep.body, 'github')).toMatchObject({ status: 'ok', value: 80 });
    expect(part(rep.body, 'passport')).toMatchObject({ status: 'not_linked', value: 0 });
    const details = rep.body.parts[0].details;
    // Merged PRs outside the allow-list do not count.
    expect(details).toMatchObject({
      merged_pull_requests: 6,
      commits: 12,
      login: contributor.githubLogin,
    });
    expect(rep.body.parts[0].explanation).toMatch(/6 merged pull requests and 12 commits/);

    await grantTo(contributor, 0.25);
    const decision = await decide(contributor);
    expect(decision).toMatchObject({
      allow: true,
      tier: 'grant',
      rate_multiplier: 0.25,
      max_gpu_hours: 40,
    });
    expect(decision.reasons).toContain('grant_active_high_reputation');
  });

  it('keeps someone outside the allow-list at the standard tier even with a grant', async () => {
    const dev = await platform.createUser();
    await onGitHub(platform, github, dev, {
      createdYearsAgo: 1,
      mergedPrs: [{ repo: 'someone/else', count: 20 }],
    });
    const rep = await platform.http().post('/v1/me/reputation/refresh').set(dev.auth).expect(200);
    expect(rep.body.score).toBeLessThan(70);
    await grantTo(dev, 0);
    const decision = await decide(dev);
    expect(decision).toMatchObject({ tier: 'standard', rate_multiplier: 1 });
    expect(decision.reasons).toEqual(
      expect.arrayContaining(['reputation_below_threshold', 'passport_not_passing']),
    );
  });

  it('gives a passing Gitcoin Passport of a SIWE-proven wallet the passport tier', async () => {
    const dev = await platform.createUser();
    await onGitHub(platform, github, dev);
    const wallet = Wallet.createRandom();
    passport.setPassport(wallet.address, {
      score: 33.538,
      stamps: { Ens: { score: 2.2 }, Github: { score: 5, dedup: true } },
      expiresAt: new Date(Date.now() + 90 * day).toISOString(),
    });
    expect((await linkWallet(platform, dev, wallet)).status).toBe(200);
    const rep = await platform.http().post('/v1/me/reputation/refresh').set(dev.auth).expect(200);
    expect(part(rep.body, 'passport')).toMatchObject({ status: 'ok', value: 20 });
    expect(rep.body.parts[1].details).toMatchObject({
      score: 33.538,
      passing: true,
      threshold: 20,
      dedup_stamps: 1,
    });
    const input = await platform.app
      .get(PolicyInputRegistry)
      .gather({ userId: dev.id, githubLogin: dev.githubLogin, roles: [] });
    expect(input.reputation).toMatchObject({
      status: 'ok',
      passport: { score: 33.538, passing: true },
    });
    const decision = await decide(dev);
    expect(decision).toMatchObject({ tier: 'passport', rate_multiplier: 0.5 });
    // Cached until its expiration_timestamp: a second refresh does not ask Passport again.
    const asked = () =>
      passport.requests.filter((r) => r.path.endsWith(wallet.address.toLowerCase())).length;
    expect(asked()).toBe(1);
    await platform.http().post('/v1/me/reputation/refresh').set(dev.auth).expect(200);
    expect(asked()).toBe(1);
  });

  it('reports a Passport that answers 5xx as an explicit unknown part, not zero, and the policy sees unknown', async () => {
    const dev = await platform.createUser();
    await onGitHub(platform, github, dev);
    expect((await linkWallet(platform, dev, Wallet.createRandom())).status).toBe(200);
    passport.failNext(1, 500);
    const rep = await platform.http().post('/v1/me/reputation/refresh').set(dev.auth).expect(200);
    expect(part(rep.body, 'passport')).toMatchObject({
      status: 'unknown',
      value: null,
      reason: 'unreachable',
    });
    expect(rep.body.status).toBe('partial');
    expect(rep.body.parts[1].explanation).toMatch(/not counted as zero/);
    const input = await platform.app
      .get(PolicyInputRegistry)
      .gather({ userId: dev.id, githubLogin: dev.githubLogin, roles: [] });
    expect(input.reputation).toMatchObject({
      passport: { status: 'unknown', reason: 'unreachable' },
      parts: { passport: { status: 'unknown' } },
    });
    const decision = await decide(dev);
    expect(decision.tier).toBe('standard');
    expect(decision.reasons).toContain('passport_unknown');
    expect(decision.reasons).not.toContain('passport_not_passing');
  });

  it('reports Passport 429, 401 and 404 answers as unknown parts with their reason', async () => {
    const reasonFor = async (setup: () => void, teardown: () => void = () => undefined) => {
      const dev = await platform.createUser();
      await onGitHub(platform, github, dev);
      expect((await linkWallet(platform, dev, Wallet.createRandom())).status).toBe(200);
      setup();
      try {
        const rep = await platform
          .http()
          .post('/v1/me/reputation/refresh')
          .set(dev.auth)
          .expect(200);
        const p = part(rep.body, 'passport');
        expect(p).toMatchObject({ status: 'unknown', value: null });
        return p.reason;
      } finally {
        teardown();
      }
    };
    expect(await reasonFor(() => passport.failNext(1, 429))).toBe('rate_limited');
    const key = passport.apiKey;
    expect(
      await reasonFor(
        () => (passport.apiKey = 'rotated-key'),
        () => (passport.apiKey = key),
      ),
    ).toBe('unauthorized');
    const scorer = passport.scorerId;
    expect(
      await reasonFor(
        () => (passport.scorerId = '9999'),
        () => (passport.scorerId = scorer),
      ),
    ).toBe('not_found');
  });

  it('reports a Passport that refuses connections as unknown (unreachable)', async () => {
    const dev = await platform.createUser();
    await onGitHub(platform, github, dev);
    expect((await linkWallet(platform, dev, Wallet.createRandom())).status).toBe(200);
    await passport.stop();
    const rep = await platform.http().post('/v1/me/reputation/refresh').set(dev.auth).expect(200);
    expect(part(rep.body, 'passport')).toMatchObject({
      status: 'unknown',
      value: null,
      reason: 'unreachable',
    });
    expect(part(rep.body, 'github')).toMatchObject({ status: 'ok' });
  });
});

describe('reputation with nothing configured (the embedded default)', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind: 'pglite' });
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
  });

  it('answers an unknown score with not_configured parts and the policy treats it as unknown', async () => {
    const dev = await platform.createUser();
    const rep = await platform.http().get('/v1/me/reputation').set(dev.auth).expect(200);
    expect(rep.body).toMatchObject({ status: 'unknown', score: null });
    expect(rep.body.parts).toEqual([
      expect.objectContaining({
        source: 'github',
        status: 'unknown',
        reason: 'not_configured',
        value: null,
      }),
      expect.objectContaining({
        source: 'passport',
        status: 'unknown',
        reason: 'not_configured',
        value: null,
      }),
    ]);
    const decision = await platform.app
      .get(SubsidyDecider)
      .decide({ userId: dev.id, githubLogin: dev.githubLogin, roles: ['developer'] }, request);
    expect(decision.tier).toBe('standard');
    expect(decision.reasons).toEqual(
      expect.arrayContaining(['reputation_unknown', 'passport_unknown']),
    );
  });
});
