import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small fake of the Gitcoin Passport Stamps API v2 (../shared/reference/gitcoin-passport.md §1):
 * `GET /v2/stamps/{scorer_id}/score/{address}` with `X-API-KEY`. Numbers are strings with 5
 * decimals, addresses come back lower-cased, an unknown address is an empty passport (score
 * "0.00000", passing false, stamps {}). Errors are `{"detail": "..."}`: 400 bad address,
 * 401 bad key, 404 scorer not owned by the key.
 *
 * Failure modes: `failNext(n, status)` (429 rate limit, 500), `slow(ms)`.
 */
export interface FakePassport {
  score: number;
  threshold?: number;
  stamps?: Record<string, { score: number; dedup?: boolean }>;
  expiresAt?: string | null;
}

const fixed = (n: number): string => n.toFixed(5);

export class PassportFake {
  /** The key the fake accepts; change it to make the platform's key invalid (401). */
  apiKey = `passport_${randomUUID()}`;
  /** The scorer the key owns; another id answers 404. */
  scorerId = '4242';
  readonly passports = new Map<string, FakePassport>();
  readonly requests: { path: string; status: number }[] = [];
  url = '';

  private server: Server | null = null;
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

  setPassport(address: string, p: FakePassport): void {
    this.passports.set(address.toLowerCase(), p);
  }

  failNext(n: number, status = 500): void {
    this.failures = { remaining: n, status };
  }

  slow(ms: number): void {
    this.delayMs = ms;
  }

  /** The env that points the platform at this fake. */
  env(): Record<string, string> {
    return {
      NANOPOD_PASSPORT_API_URL: this.url,
      NANOPOD_PASSPORT_API_KEY: this.apiKey,
      NANOPOD_PASSPORT_SCORER_ID: this.scorerId,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ path: url.pathname, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const m = /^\/v2\/stamps\/([^/]+)\/score\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) return send(404, { detail: 'Not Found' });
    const key =
      req.headers['x-api-key'] ?? /^\S+\s+(\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (key !== this.apiKey) return send(401, { detail: 'Invalid API Key.' });
    if (this.failures.remaining > 0) {
      this.failures.remaining--;
      const s = this.failures.status;
      if (s === 429) {
        return send(
          429,
          {
            detail:
              'You have been rate limited! Use this form to request a rate limit elevation: https://forms.example/rate',
          },
          { 'retry-after': '60' },
        );
      }
      return send(s, {
        detail: s === 500 ? 'Unexpected error while submitting passport' : 'Error',
      });
    }
    if (m[1] !== this.scorerId)
      return send(404, { detail: 'No Community matches the given query.' });
    const address = m[2]!;
    if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return send(400, { detail: 'Invalid address.' });
    const p = this.passports.get(address.toLowerCase());
    const threshold = p?.threshold ?? 20;
    const score = p?.score ?? 0;
    const stamps = Object.fromEntries(
      Object.entries(p?.stamps ?? {}).map(([name, s]) => [
        name,
        {
          score: fixed(s.dedup ? 0 : s.score),
          dedup: s.dedup ?? false,
          expiration_date: p?.expiresAt ?? null,
        },
      ]),
    );
    return send(200, {
      address: address.toLowerCase(),
      score: fixed(score),
      passing_score: score >= threshold,
      last_score_timestamp: p ? new Date().toISOString().replace('Z', '+00:00') : null,
      expiration_timestamp: p?.expiresAt ?? null,
      threshold: fixed(threshold),
      error: null,
      stamps,
    });
  }
}
