import type { GitHubAnalytics } from '../github/github-analytics.service';
import type { PassportScore } from '../passport/passport-client';
import type { SourceFailureReason } from '../http/source-error';

/**
 * How the combined reputation score (0..100) is made. Points, not averages, so that a part
 * that is `unknown` is visibly missing instead of silently pulling the score to zero:
 *
 * | source   | points | from                                                                   |
 * |----------|--------|------------------------------------------------------------------------|
 * | github   | 0..80  | account age 2.5/year (max 10), followers log2(1+n) (max 5),             |
 * |          |        | public repos n/4 (max 5), merged PRs to allow-listed orgs/repos 9 each  |
 * |          |        | (max 45), commits to allow-listed repos 1.5 each (max 15)               |
 * | passport | 0..20  | passing: 20; otherwise 20 x score/threshold                             |
 *
 * Status of the whole: `unknown` (no score) when GitHub, the main source, is unknown;
 * `partial` when GitHub is known but Passport is unknown (the score is then a lower bound,
 * up to 20 points short); `ok` otherwise. `not_linked` parts are known and give 0 points.
 */
export const SCORE_WEIGHTS = {
  github: {
    max: 80,
    accountAgePerYear: 2.5,
    accountAgeMax: 10,
    followersMax: 5,
    publicReposPer: 4,
    publicReposMax: 5,
    mergedPullRequest: 9,
    mergedPullRequestsMax: 45,
    commit: 1.5,
    commitsMax: 15,
  },
  passport: { max: 20 },
} as const;

export type PartStatus = 'ok' | 'unknown' | 'not_linked';
export type ReputationStatus = 'ok' | 'partial' | 'unknown';

export interface ReputationPart {
  source: 'github' | 'passport';
  status: PartStatus;
  /** Points this part adds to the combined score; null when unknown. */
  value: number | null;
  max: number;
  reason?: SourceFailureReason | 'no_github_account' | 'no_wallet';
  details: Record<string, unknown>;
  fetched_at: string | null;
  explanation: string;
}

export interface Reputation {
  status: ReputationStatus;
  score: number | null;
  parts: ReputationPart[];
  computed_at: string;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

export function githubPart(a: GitHubAnalytics): ReputationPart {
  const w = SCORE_WEIGHTS.github;
  const age = Math.min(w.accountAgeMax, (a.account_age_days / 365) * w.accountAgePerYear);
  const followers = Math.min(w.followersMax, Math.log2(1 + a.followers));
  const repos = Math.min(w.publicReposMax, a.public_repos / w.publicReposPer);
  const prs = Math.min(w.mergedPullRequestsMax, a.merged_pull_requests * w.mergedPullRequest);
  const commits = Math.min(w.commitsMax, a.commits * w.commit);
  const value = round2(age + followers + repos + prs + commits);
  const listed = a.contributions.length;
  return {
    source: 'github',
    status: 'ok',
    value,
    max: w.max,
    details: {
      ...a,
      points: {
        account_age: round2(age),
        followers: round2(followers),
        public_repos: round2(repos),
        merged_pull_requests: round2(prs),
        commits: round2(commits),
      },
    },
    fetched_at: a.fetched_at,
    explanation:
      `GitHub @${a.login}: account ${Math.floor(a.account_age_days / 365)} years old, ${a.followers} followers, ` +
      `${a.public_repos} public repos; ${a.merged_pull_requests} merged pull requests and ${a.commits} commits ` +
      `to ${listed} allow-listed organizations or repositories. ${value} of ${w.max} points.`,
  };
}

export function passportPart(p: PassportScore): ReputationPart {
  const max = SCORE_WEIGHTS.passport.max;
  const value = round2(
    p.passing ? max : p.threshold > 0 ? Math.min(max, (max * p.score) / p.threshold) : 0,
  );
  const dedup =
    p.dedup_stamps > 0
      ? ` ${p.dedup_stamps} stamps are claimed by another wallet and count 0.`
      : '';
  return {
    source: 'passport',
    status: 'ok',
    value,
    max,
    details: { ...p },
    fetched_at: p.fetched_at,
    explanation:
      `Gitcoin Passport score ${p.score} against threshold ${p.threshold}: ${p.passing ? 'passing' : 'not passing'}.` +
      `${dedup} ${value} of ${max} points.`,
  };
}

const UNKNOWN_TEXT: Record<string, string> = {
  not_configured: 'is not configured on this platform',
  unreachable: 'could not be reached',
  timeout: 'did not answer in time',
  rate_limited: 'is rate limiting us',
  unauthorized: 'refused our credentials',
  not_found: 'does not know this account',
  invalid_request: 'refused the request',
  bad_response: 'gave an answer we could not read',
};

export function unknownPart(
  source: 'github' | 'passport',
  reason: SourceFailureReason,
  message: string,
  details: Record<string, unknown> = {},
): ReputationPart {
  const name = source === 'github' ? 'GitHub' : 'Gitcoin Passport';
  return {
    source,
    status: 'unknown',
    value: null,
    max: SCORE_WEIGHTS[source].max,
    reason,
    details: { ...details, error: message },
    fetched_at: null,
    explanation: `Unknown: ${name} ${UNKNOWN_TEXT[reason] ?? 'failed'}. The policy decides what unknown means; it is not counted as zero.`,
  };
}

export function notLinkedPart(source: 'github' | 'passport'): ReputationPart {
  return {
    source,
    status: 'not_linked',
    value: 0,
    max: SCORE_WEIGHTS[source].max,
    reason: source === 'github' ? 'no_github_account' : 'no_wallet',
    details: {},
    fetched_at: null,
    explanation:
      source === 'github'
        ? 'No GitHub account is linked to this user: 0 points.'
        : 'No wallet linked: link one with Sign-In with Ethereum to add your Gitcoin Passport score (up to 20 points).',
  };
}

export function combine(parts: ReputationPart[], now: Date): Reputation {
  const github = parts.find((p) => p.source === 'github');
  const anyUnknown = parts.some((p) => p.status === 'unknown');
  const status: ReputationStatus =
    !github || github.status === 'unknown' ? 'unknown' : anyUnknown ? 'partial' : 'ok';
  const score =
    status === 'unknown'
      ? null
      : round2(
          Math.min(
            100,
            Math.max(
              0,
              parts.reduce((s, p) => s + (p.value ?? 0), 0),
            ),
          ),
        );
  return { status, score, parts, computed_at: now.toISOString() };
}
