import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock, NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import { createHash } from 'node:crypto';
import { HttpCacheRepository } from '../http/http-cache.repository';
import { fetchFailure, sleep, SourceUnavailableError } from '../http/source-error';
import { reputationConfig, ReputationConfig } from '../reputation.config';

/** GitHub REST version we speak (docs: X-GitHub-Api-Version). */
const API_VERSION = '2022-11-28';
const MAX_ATTEMPTS = 4;
/** GitHub's advice for a secondary limit without retry-after: wait at least a minute. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;

export interface GitHubUser {
  login: string;
  id: number;
  type: string;
  public_repos: number;
  followers: number;
  created_at: string;
}

export interface GitHubContributor {
  login?: string;
  id?: number;
  type?: string;
  contributions: number;
}

interface SearchIssues {
  total_count: number;
  incomplete_results: boolean;
}

interface Budget {
  remaining: number;
  resetMs: number;
}

/**
 * GitHub REST over fetch. Plain fetch rather than @octokit/rest: Octokit 22 is ESM-only (a
 * CommonJS build and jest both need workarounds) and turns a 304 into a thrown RequestError,
 * while this client needs the raw headers anyway for its ETag cache and rate-limit backoff.
 *
 * - Conditional requests: the last ETag of each URL is stored (per token); a 304 reuses the
 *   stored body and does not count against the primary limit.
 * - Primary limit: `x-ratelimit-remaining`/`x-ratelimit-reset` per resource (core, search) are
 *   remembered; an exhausted budget waits for the reset (if within maxRateLimitWaitMs).
 * - Secondary limits: 403/429 honour `retry-after`, else wait a minute, doubling per attempt.
 *   A wait longer than maxRateLimitWaitMs gives up: the part becomes `unknown` (rate_limited).
 */
@Injectable()
export class GitHubClient {
  private readonly logger = new Logger(GitHubClient.name);
  private readonly settings: ReputationConfig;
  private readonly budgets = new Map<string, Budget>();

  constructor(
    private readonly cache: HttpCacheRepository,
    private readonly clock: Clock,
    @Inject(NANOPOD_CONFIG) config: NanopodConfig,
  ) {
    this.settings = reputationConfig(config);
  }

  get configured(): boolean {
    return !!this.settings.github.apiUrl;
  }

  /** GET /user/{account_id}: by the durable numeric id (logins can be renamed). */
  async userById(id: string): Promise<{ user: GitHubUser; fetchedAt: Date }> {
    const r = await this.get<GitHubUser>(`/user/${encodeURIComponent(id)}`, {}, 'core');
    return { user: r.body, fetchedAt: r.fetchedAt };
  }

  /** Merged pull requests by `login` within `scope` (`org:pytorch` or `repo:owner/name`). */
  async mergedPullRequests(login: string, scope: string): Promise<number> {
    const r = await this.get<SearchIssues>(
      '/search/issues',
      { q: `type:pr is:merged author:${login} ${scope}`, per_page: '1' },
      'search',
    );
    return r.body.total_count;
  }

  /** Commits of the user with `userId` to `repo` per its contributors list (first 500 only). */
  async commitsTo(repo: string, userId: number): Promise<number> {
    for (let page = 1; page <= 5; page++) {
      const r = await this.get<GitHubContributor[] | null>(
        `/repos/${repo}/contributors`,
        { anon: '0', per_page: '100', page: String(page) },
        'core',
      );
      const list = Array.isArray(r.body) ? r.body : [];
      const me = list.find((c) => c.id === userId);
      if (me) return me.contributions;
      if (list.length < 100) return 0;
    }
    return 0;
  }

  private async get<T>(
    path: string,
    query: Record<string, string>,
    resource: string,
  ): Promise<{ body: T; fetchedAt: Date }> {
    const base = this.settings.github.apiUrl;
    if (!base)
      throw new SourceUnavailableError('github', 'not_configured', 'GitHub is not configured');
    const qs = new URLSearchParams(query).toString();
    const url = `${base}${path}${qs ? `?${qs}` : ''}`;
    const token = this.settings.github.token;
    // Cache per token: answers can differ by who asks.
    const key = createHash('sha256')
      .update(`${token ? createHash('sha256').update(token).digest('hex') : 'anonymous'}\n${url}`)
      .digest('hex');
    const cached = await this.cache.get(key);

    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      await this.waitForBudget(resource);
      const headers: Record<string, string> = {
        accept: 'application/vnd.github+json',
        'x-github-api-version': API_VERSION,
        'user-agent': 'nanopod-reputation',
      };
      if (token) headers.authorization = `Bearer ${token}`;
      if (cached?.etag) headers['if-none-match'] = cached.etag;
      else if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;

      let res: Response;
      try {
        res = await fetch(url, {
          headers,
          signal: AbortSignal.timeout(this.settings.httpTimeoutMs),
        });
      } catch (err) {
        throw fetchFailure('github', err);
      }
      this.remember(resource, res.headers);
      const now = this.clock.now();

      if (res.status === 304 && cached) {
        await res.arrayBuffer();
        await this.cache.touch(key, now);
        return { body: cached.body as T, fetchedAt: now };
      }
      if (res.status === 200 || res.status === 204) {
        const text = await res.text();
        let body: unknown = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          throw new SourceUnavailableError('github', 'bad_response', 'GitHub answered non-JSON');
        }
        await this.cache.put(key, url, {
          etag: res.headers.get('etag'),
          lastModified: res.headers.get('last-modified'),
          status: res.status,
          body,
          fetchedAt: now,
        });
        return { body: body as T, fetchedAt: now };
      }
      const text = await res.text();
      if (res.status === 403 || res.status === 429) {
        const wait = this.rateLimitWait(res, text, attempt);
        if (wait !== null) {
          if (wait > this.settings.maxRateLimitWaitMs) {
            throw new SourceUnavailableError(
              'github',
              'rate_limited',
              `GitHub rate limit: retry in ${Math.ceil(wait / 1000)} s`,
              wait,
            );
          }
          this.logger.warn(
            { path, status: res.status, waitMs: wait },
            'GitHub rate limited; backing off',
          );
          await sleep(wait);
          continue;
        }
        throw new SourceUnavailableError(
          'github',
          'unauthorized',
          `GitHub refused (${res.status})`,
        );
      }
      if (res.status === 401) {
        throw new SourceUnavailableError('github', 'unauthorized', 'GitHub refused the token');
      }
      if (res.status === 404) {
        throw new SourceUnavailableError('github', 'not_found', `GitHub has no ${path}`);
      }
      if (res.status === 422 || res.status === 400) {
        throw new SourceUnavailableError(
          'github',
          'invalid_request',
          `GitHub refused ${path} (${res.status})`,
        );
      }
      throw new SourceUnavailableError('github', 'unreachable', `GitHub answered ${res.status}`);
    }
    throw new SourceUnavailableError('github', 'rate_limited', 'GitHub kept rate limiting');
  }

  /** How long to wait before retrying a 403/429, or null when it is not a rate limit. */
  private rateLimitWait(res: Response, body: string, attempt: number): number | null {
    const retryAfter = res.headers.get('retry-after');
    if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) return Number(retryAfter) * 1000;
    if (res.headers.get('x-ratelimit-remaining') === '0') {
      const reset = Number(res.headers.get('x-ratelimit-reset'));
      return Number.isFinite(reset)
        ? Math.max(0, reset * 1000 - this.clock.nowMs()) + 250
        : SECONDARY_LIMIT_WAIT_MS;
    }
    if (res.status === 429 || /rate limit/i.test(body))
      return SECONDARY_LIMIT_WAIT_MS * 2 ** attempt;
    return null;
  }

  private remember(fallback: string, headers: Headers): void {
    const remaining = headers.get('x-ratelimit-remaining');
    const reset = headers.get('x-ratelimit-reset');
    if (remaining === null || reset === null) return;
    const resource = headers.get('x-ratelimit-resource') ?? fallback;
    this.budgets.set(resource, { remaining: Number(remaining), resetMs: Number(reset) * 1000 });
  }

  private async waitForBudget(resource: string): Promise<void> {
    const b = this.budgets.get(resource);
    if (!b || b.remaining > 0) return;
    const wait = b.resetMs - this.clock.nowMs();
    if (wait <= 0) return;
    if (wait > this.settings.maxRateLimitWaitMs) {
      throw new SourceUnavailableError(
        'github',
        'rate_limited',
        `GitHub ${resource} budget exhausted until ${new Date(b.resetMs).toISOString()}`,
        wait,
      );
    }
    await sleep(wait + 250);
    this.budgets.delete(resource);
  }
}
