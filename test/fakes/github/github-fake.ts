import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small fake of the GitHub REST endpoints the reputation context reads
 * (../shared/reference/gitcoin-passport.md §3): `GET /user/{account_id}`,
 * `GET /search/issues?q=type:pr is:merged author:LOGIN org:ORG|repo:OWNER/NAME`,
 * `GET /repos/{owner}/{repo}/contributors` (paged, 204 when empty). Every answer carries an
 * ETag and the x-ratelimit-* headers; `If-None-Match` with the current ETag answers 304 with
 * no body (and does not spend the budget).
 *
 * Failure modes tests switch on: `rateLimitNext(n, {status, retryAfter})` (secondary limits,
 * 403/429 with retry-after), `exhaust(resource, resetInS)` (primary limit: remaining 0),
 * `failNext(n, status)` (5xx), `slow(ms)`.
 */
export interface FakeGitHubUser {
  id: number;
  login: string;
  created_at: string;
  public_repos: number;
  followers: number;
  type?: 'User' | 'Organization';
}

export interface FakeRequest {
  method: string;
  path: string;
  status: number;
  ifNoneMatch: string | null;
  authorization: string | null;
}

const LIMITS: Record<string, number> = { core: 5000, search: 30 };

export class GitHubFake {
  readonly users = new Map<number, FakeGitHubUser>();
  /** Merged pull requests: author login and repository full name. */
  readonly mergedPullRequests: { author: string; repo: string; title: string }[] = [];
  readonly contributors = new Map<string, { login: string; id: number; contributions: number }[]>();
  readonly requests: FakeRequest[] = [];
  /** When set, requests must carry `Authorization: Bearer <token>` (else 401). */
  token: string | null = null;
  url = '';

  private server: Server | null = null;
  private readonly used = new Map<string, number>();
  private readonly exhausted = new Map<string, number>();
  private limited: { remaining: number; status: 403 | 429; retryAfter: number | null } = {
    remaining: 0,
    status: 429,
    retryAfter: 1,
  };
  private failures = { remaining: 0, status: 500 };
  private delayMs = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  addUser(u: Omit<FakeGitHubUser, 'type'> & { type?: 'User' }): FakeGitHubUser {
    const user = { type: 'User' as const, ...u };
    this.users.set(u.id, user);
    return user;
  }

  addMergedPullRequests(author: string, repo: string, count: number): void {
    for (let i = 0; i < count; i++)
      this.mergedPullRequests.push({ author, repo, title: `PR ${i + 1}` });
  }

  addContributor(repo: string, c: { login: string; id: number; contributions: number }): void {
    const list = this.contributors.get(repo) ?? [];
    list.push(c);
    list.sort((a, b) => b.contributions - a.contributions);
    this.contributors.set(repo, list);
  }

  /** The next n requests get a secondary rate limit answer. */
  rateLimitNext(n: number, opts: { status?: 403 | 429; retryAfter?: number | null } = {}): void {
    this.limited = {
      remaining: n,
      status: opts.status ?? 429,
      retryAfter: opts.retryAfter === undefined ? 1 : opts.retryAfter,
    };
  }

  /** The primary budget of `resource` is spent until `resetInS` seconds from now. */
  exhaust(resource: 'core' | 'search', resetInS: number): void {
    this.exhausted.set(resource, Math.floor(Date.now() / 1000) + resetInS);
  }

  failNext(n: number, status = 500): void {
    this.failures = { remaining: n, status };
  }

  slow(ms: number): void {
    this.delayMs = ms;
  }

  count(pathPrefix: string, status?: number): number {
    return this.requests.filter(
      (r) => r.path.startsWith(pathPrefix) && (status === undefined || r.status === status),
    ).length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const resource = path.startsWith('/search/') ? 'search' : 'core';
    const log = (status: number) =>
      this.requests.push({
        method: req.method ?? 'GET',
        path: `${path}${url.search}`,
        status,
        ifNoneMatch: (req.headers['if-none-match'] as string | undefined) ?? null,
        authorization: (req.headers.authorization as string | undefined) ?? null,
      });
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));

    const resetAt = this.exhausted.get(resource);
    const nowS = Math.floor(Date.now() / 1000);
    if (resetAt !== undefined && resetAt <= nowS) this.exhausted.delete(resource);
    const rate = (remainingOverride?: number): Record<string, string> => {
      const used = this.used.get(resource) ?? 0;
      const limit = LIMITS[resource]!;
      const exhaustedUntil = this.exhausted.get(resource);
      return {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(
          remainingOverride ?? (exhaustedUntil ? 0 : Math.max(0, limit - used)),
        ),
        'x-ratelimit-used': String(used),
        'x-ratelimit-reset': String(exhaustedUntil ?? nowS + 3600),
        'x-ratelimit-resource': resource,
      };
    };
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      log(status);
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, {
        ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        'x-github-api-version-selected': '2022-11-28',
        ...headers,
      });
      res.end(text);
    };

    if (req.method !== 'GET') return send(404, { message: 'Not Found' });
    if (this.token && req.headers.authorization !== `Bearer ${this.token}`) {
      return send(401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    }
    if (this.failures.remaining > 0) {
      this.failures.remaining--;
      return send(this.failures.status, { message: 'Server Error' });
    }
    if (this.limited.remaining > 0) {
      this.limited.remaining--;
      return send(
        this.limited.status,
        {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          status: String(this.limited.status),
        },
        {
          ...rate(),
          ...(this.limited.retryAfter !== null
            ? { 'retry-after': String(this.limited.retryAfter) }
            : {}),
        },
      );
    }
    if (this.exhausted.has(resource)) {
      return send(
        403,
        {
          message: 'API rate limit exceeded for user ID 1.',
          documentation_url: 'https://docs.github.com/rest',
        },
        rate(0),
      );
    }

    const answer = this.route(path, url.searchParams);
    if (!answer)
      return send(
        404,
        { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
        rate(),
      );
    const etag = `W/"${createHash('sha1')
      .update(JSON.stringify(answer.body ?? null))
      .digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) {
      // Conditional hits do not count against the primary limit.
      return send(304, undefined, { etag, ...rate() });
    }
    this.used.set(resource, (this.used.get(resource) ?? 0) + 1);
    return send(answer.status, answer.body, { etag, ...rate() });
  }

  private route(path: string, q: URLSearchParams): { status: number; body: unknown } | null {
    let m = /^\/user\/(\d+)$/.exec(path);
    if (m) {
      const u = this.users.get(Number(m[1]));
      if (!u) return null;
      return {
        status: 200,
        body: {
          login: u.login,
          id: u.id,
          node_id: `U_${u.id}`,
          type: u.type ?? 'User',
          site_admin: false,
          name: u.login,
          public_repos: u.public_repos,
          public_gists: 0,
          followers: u.followers,
          following: 0,
          created_at: u.created_at,
          updated_at: u.created_at,
        },
      };
    }
    if (path === '/search/issues') {
      const terms = (q.get('q') ?? '').split(/\s+/).filter(Boolean);
      const get = (k: string) => terms.find((t) => t.startsWith(`${k}:`))?.slice(k.length + 1);
      if (get('type') !== 'pr' || get('is') !== 'merged')
        return { status: 422, body: { message: 'Validation Failed' } };
      const author = get('author')?.toLowerCase();
      const org = get('org')?.toLowerCase();
      const repo = get('repo')?.toLowerCase();
      const items = this.mergedPullRequests.filter(
        (p) =>
          p.author.toLowerCase() === author &&
          (!org || p.repo.toLowerCase().startsWith(`${org}/`)) &&
          (!repo || p.repo.toLowerCase() === repo),
      );
      const perPage = Math.min(100, Number(q.get('per_page') ?? 30));
      const page = Math.max(1, Number(q.get('page') ?? 1));
      return {
        status: 200,
        body: {
          total_count: items.length,
          incomplete_results: false,
          items: items.slice((page - 1) * perPage, page * perPage).map((p, i) => ({
            number: i + 1,
            title: p.title,
            repository_url: `${this.url}/repos/${p.repo}`,
            user: { login: p.author, id: 0 },
            state: 'closed',
            author_association: 'CONTRIBUTOR',
            pull_request: { url: '', html_url: '', merged_at: '2025-01-10T12:00:00Z' },
          })),
        },
      };
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/contributors$/.exec(path);
    if (m) {
      const list = [...this.contributors.entries()].find(
        ([k]) => k.toLowerCase() === m![1]!.toLowerCase(),
      )?.[1];
      if (!list) return null;
      if (list.length === 0) return { status: 204, body: undefined };
      const perPage = Math.min(100, Number(q.get('per_page') ?? 30));
      const page = Math.max(1, Number(q.get('page') ?? 1));
      return {
        status: 200,
        body: list
          .slice((page - 1) * perPage, page * perPage)
          .map((c) => ({ login: c.login, id: c.id, type: 'User', contributions: c.contributions })),
      };
    }
    return null;
  }
}
