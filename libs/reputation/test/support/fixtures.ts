import { UsersService } from '@nanopod/identity';
import { GitHubFake } from '../../../../test/fakes/github/github-fake';
import { PassportFake } from '../../../../test/fakes/passport/passport-fake';
import type { TestPlatform, TestUser } from '../../../../test/support/test-platform';

/** The env that points a platform at the GitHub and Passport fakes. */
export function reputationEnv(
  github: GitHubFake,
  passport: PassportFake,
  extra: Record<string, string> = {},
) {
  return {
    NANOPOD_GITHUB_API_URL: github.url,
    ...passport.env(),
    NANOPOD_REPUTATION_HTTP_TIMEOUT_MS: '2000',
    NANOPOD_REPUTATION_MAX_RATE_LIMIT_WAIT_MS: '5000',
    ...extra,
  };
}

/** The numeric GitHub id test-platform gave the user. */
export async function githubIdOf(platform: TestPlatform, user: TestUser): Promise<number> {
  const u = await platform.app.get(UsersService).get(user.id);
  return Number(u.githubId);
}

/** Registers the user on the GitHub fake; `contributions` adds merged PRs and commits. */
export async function onGitHub(
  platform: TestPlatform,
  github: GitHubFake,
  user: TestUser,
  opts: {
    createdYearsAgo?: number;
    followers?: number;
    publicRepos?: number;
    mergedPrs?: { repo: string; count: number }[];
    commits?: { repo: string; count: number }[];
  } = {},
): Promise<number> {
  const id = await githubIdOf(platform, user);
  github.addUser({
    id,
    login: user.githubLogin,
    created_at: new Date(Date.now() - (opts.createdYearsAgo ?? 1) * 365 * 86_400_000).toISOString(),
    followers: opts.followers ?? 0,
    public_repos: opts.publicRepos ?? 0,
  });
  for (const p of opts.mergedPrs ?? [])
    github.addMergedPullRequests(user.githubLogin, p.repo, p.count);
  for (const c of opts.commits ?? [])
    github.addContributor(c.repo, { login: user.githubLogin, id, contributions: c.count });
  return id;
}

/** Proves `wallet` for `user` with Sign-In with Ethereum through the API; returns the response. */
export async function linkWallet(
  platform: TestPlatform,
  user: TestUser,
  wallet: { address: string; signMessage(m: string): Promise<string> },
) {
  const challenge = await platform
    .http()
    .post('/v1/me/wallet/nonce')
    .set(user.auth)
    .send({ address: wallet.address })
    .expect(201);
  const message = challenge.body.message as string;
  const signature = await wallet.signMessage(message);
  const res = await platform
    .http()
    .post('/v1/me/wallet/verify')
    .set(user.auth)
    .send({ message, signature });
  return {
    status: res.status,
    body: res.body as Record<string, unknown> & {
      error?: { code: string; details?: { reason?: string } };
    },
    message,
    signature,
  };
}
