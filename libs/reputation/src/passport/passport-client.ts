import { Inject, Injectable } from '@nestjs/common';
import { Clock, NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import { fetchFailure, SourceUnavailableError } from '../http/source-error';
import { reputationConfig, ReputationConfig } from '../reputation.config';
import { PassportScoresRepository } from './passport-scores.repository';

/** Re-query a score without an expiration_timestamp after this long. */
const DEFAULT_TTL_MS = 3600_000;

export interface PassportStamp {
  provider: string;
  score: number;
  dedup: boolean;
  expires_at: string | null;
}

export interface PassportScore {
  address: string;
  score: number;
  passing: boolean;
  threshold: number;
  last_score_timestamp: string | null;
  expires_at: string | null;
  stamps: PassportStamp[];
  /** Stamps already claimed by another wallet: they count 0 (a sybil signal). */
  dedup_stamps: number;
  fetched_at: string;
}

interface ScoreBody {
  address?: string;
  score?: string | number | null;
  passing_score?: boolean;
  threshold?: string | number | null;
  last_score_timestamp?: string | null;
  expiration_timestamp?: string | null;
  stamps?: Record<
    string,
    { score?: string | number; dedup?: boolean; expiration_date?: string | null }
  >;
  detail?: string;
}

const num = (v: unknown): number => {
  const n = typeof v === 'number' ? v : Number.parseFloat(String(v ?? ''));
  return Number.isFinite(n) ? n : 0;
};

/**
 * Gitcoin Passport Stamps API v2: `GET /v2/stamps/{scorer_id}/score/{address}` with X-API-KEY.
 * Scores arrive as strings with 5 decimals; each answer is cached until its expiration_timestamp.
 */
@Injectable()
export class PassportClient {
  private readonly settings: ReputationConfig;

  constructor(
    private readonly scores: PassportScoresRepository,
    private readonly clock: Clock,
    @Inject(NANOPOD_CONFIG) config: NanopodConfig,
  ) {
    this.settings = reputationConfig(config);
  }

  get configured(): boolean {
    const p = this.settings.passport;
    return !!(p.apiUrl && p.apiKey && p.scorerId);
  }

  async score(address: string): Promise<PassportScore> {
    const { apiUrl, apiKey, scorerId } = this.settings.passport;
    if (!apiUrl || !apiKey || !scorerId) {
      throw new SourceUnavailableError('passport', 'not_configured', 'Passport is not configured');
    }
    const key = address.toLowerCase();
    const now = this.clock.now();
    const cached = await this.scores.fresh(key, now);
    if (cached) return cached;

    let res: Response;
    try {
      res = await fetch(`${apiUrl}/v2/stamps/${encodeURIComponent(scorerId)}/score/${key}`, {
        headers: { 'x-api-key': apiKey, accept: 'application/json' },
        signal: AbortSignal.timeout(this.settings.httpTimeoutMs),
      });
    } catch (err) {
      throw fetchFailure('passport', err);
    }
    const text = await res.text();
    let body: ScoreBody;
    try {
      body = JSON.parse(text) as ScoreBody;
    } catch {
      throw new SourceUnavailableError(
        'passport',
        res.ok ? 'bad_response' : 'unreachable',
        `Passport answered ${res.status}`,
      );
    }
    if (!res.ok) throw this.failure(res, body);
    const score = this.parse(key, body, now);
    const expires =
      score.expires_at && Date.parse(score.expires_at) > now.getTime()
        ? new Date(score.expires_at)
        : new Date(now.getTime() + DEFAULT_TTL_MS);
    await this.scores.save(key, score, now, expires);
    return score;
  }

  private parse(address: string, body: ScoreBody, now: Date): PassportScore {
    if (body.score === undefined || body.score === null) {
      throw new SourceUnavailableError(
        'passport',
        'bad_response',
        'Passport answered without a score',
      );
    }
    const stamps = Object.entries(body.stamps ?? {}).map(([provider, s]) => ({
      provider,
      score: num(s.score),
      dedup: s.dedup === true,
      expires_at: s.expiration_date ?? null,
    }));
    const score = num(body.score);
    const threshold = num(body.threshold ?? 20);
    return {
      address: (body.address ?? address).toLowerCase(),
      score,
      passing: typeof body.passing_score === 'boolean' ? body.passing_score : score >= threshold,
      threshold,
      last_score_timestamp: body.last_score_timestamp ?? null,
      expires_at: body.expiration_timestamp ?? null,
      stamps,
      dedup_stamps: stamps.filter((s) => s.dedup).length,
      fetched_at: now.toISOString(),
    };
  }

  private failure(res: Response, body: ScoreBody): SourceUnavailableError {
    const detail = typeof body.detail === 'string' ? body.detail : `HTTP ${res.status}`;
    switch (res.status) {
      case 401:
      case 403:
        return new SourceUnavailableError(
          'passport',
          'unauthorized',
          `Passport refused the API key: ${detail}`,
        );
      case 404:
        return new SourceUnavailableError(
          'passport',
          'not_found',
          `Passport scorer not found: ${detail}`,
        );
      case 400:
      case 422:
        return new SourceUnavailableError(
          'passport',
          'invalid_request',
          `Passport refused: ${detail}`,
        );
      case 429: {
        const ra = Number(res.headers.get('retry-after'));
        return new SourceUnavailableError(
          'passport',
          'rate_limited',
          `Passport rate limited: ${detail}`,
          Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined,
        );
      }
      default:
        return new SourceUnavailableError(
          'passport',
          'unreachable',
          `Passport answered ${res.status}: ${detail}`,
        );
    }
  }
}
