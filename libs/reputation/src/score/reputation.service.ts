import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Clock, NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import { UsersService } from '@nanopod/identity';
import { GitHubAnalyticsService } from '../github/github-analytics.service';
import { SourceUnavailableError } from '../http/source-error';
import { PassportClient } from '../passport/passport-client';
import { reputationConfig, ReputationConfig } from '../reputation.config';
import { ReputationRateLimitedError } from '../reputation.errors';
import { WalletService } from '../wallet/wallet.service';
import { ReputationRepository } from './reputation.repository';
import {
  combine,
  githubPart,
  notLinkedPart,
  passportPart,
  Reputation,
  ReputationPart,
  unknownPart,
} from './scoring';

/**
 * Computes, stores and serves each user's reputation. External calls happen here (on demand
 * and from the scheduled refresher), never while a policy decision waits: decisions read the
 * stored score.
 */
@Injectable()
export class ReputationService implements OnApplicationShutdown {
  private readonly logger = new Logger(ReputationService.name);
  private readonly settings: ReputationConfig;
  private readonly inFlight = new Map<string, Promise<Reputation>>();

  constructor(
    private readonly repo: ReputationRepository,
    private readonly users: UsersService,
    private readonly github: GitHubAnalyticsService,
    private readonly passport: PassportClient,
    private readonly wallets: WalletService,
    private readonly clock: Clock,
    @Inject(NANOPOD_CONFIG) config: NanopodConfig,
  ) {
    this.settings = reputationConfig(config);
  }

  /** Lets background computations (first decisions) finish before the database closes. */
  async onApplicationShutdown(): Promise<void> {
    if (this.inFlight.size === 0) return;
    await Promise.race([
      Promise.allSettled([...this.inFlight.values()]),
      new Promise((resolve) => setTimeout(resolve, 5000).unref()),
    ]);
  }

  /** The stored reputation; null until the first computation. */
  current(userId: string): Promise<Reputation | null> {
    return this.repo.get(userId);
  }

  /** The stored reputation, computing it first when there is none yet. */
  async show(userId: string): Promise<Reputation> {
    return (await this.repo.get(userId)) ?? this.compute(userId);
  }

  /** On-demand refresh, at most once per cooldown per user (429 `reputation.rate_limited`). */
  async refresh(userId: string): Promise<Reputation> {
    const now = this.clock.now();
    const nextAllowed = await this.repo.claimRefresh(userId, now, this.settings.refreshCooldownMs);
    if (nextAllowed) {
      throw new ReputationRateLimitedError(
        Math.max(1, Math.ceil((nextAllowed.getTime() - now.getTime()) / 1000)),
      );
    }
    return this.compute(userId);
  }

  /** Queues a user for the scheduled refresher (their first decision found no score). */
  async enroll(userId: string): Promise<void> {
    await this.repo.enroll(userId);
  }

  /** Computes now and stores; concurrent calls for one user share one computation. */
  compute(userId: string): Promise<Reputation> {
    const running = this.inFlight.get(userId);
    if (running) return running;
    const p = this.doCompute(userId).finally(() => this.inFlight.delete(userId));
    this.inFlight.set(userId, p);
    return p;
  }

  /** Recomputes scores that are missing or older than the stale age; returns how many. */
  async refreshStale(limit: number): Promise<number> {
    const before = new Date(this.clock.nowMs() - this.settings.staleAfterMs);
    const ids = await this.repo.stale(before, limit);
    for (const id of ids) {
      try {
        await this.compute(id);
      } catch (err) {
        this.logger.warn({ userId: id, err: (err as Error).message }, 'reputation refresh failed');
      }
    }
    return ids.length;
  }

  private async doCompute(userId: string): Promise<Reputation> {
    const user = await this.users.get(userId);
    const [github, passport] = await Promise.all([
      this.githubPart(user.githubId),
      this.passportPart(userId),
    ]);
    const rep = combine([github, passport], this.clock.now());
    await this.repo.save(userId, rep);
    this.logger.log({ userId, status: rep.status, score: rep.score }, 'reputation computed');
    return rep;
  }

  private async githubPart(githubId: string | null): Promise<ReputationPart> {
    if (!githubId) return notLinkedPart('github');
    try {
      return githubPart(await this.github.analyze(githubId));
    } catch (err) {
      return this.unknown('github', err);
    }
  }

  private async passportPart(userId: string): Promise<ReputationPart> {
    const wallet = await this.wallets.get(userId);
    if (!wallet) {
      // Not linked is known (0 points), unless Passport is not even configured.
      return this.passport.configured
        ? notLinkedPart('passport')
        : unknownPart('passport', 'not_configured', 'Passport is not configured');
    }
    try {
      return passportPart(await this.passport.score(wallet.address));
    } catch (err) {
      return this.unknown('passport', err, { address: wallet.address });
    }
  }

  private unknown(
    source: 'github' | 'passport',
    err: unknown,
    details: Record<string, unknown> = {},
  ): ReputationPart {
    if (err instanceof SourceUnavailableError) {
      if (err.reason !== 'not_configured') {
        this.logger.warn(
          { source, reason: err.reason, err: err.message },
          'reputation source unavailable',
        );
      }
      return unknownPart(source, err.reason, err.message, {
        ...details,
        ...(err.retryAfterMs ? { retry_after: Math.ceil(err.retryAfterMs / 1000) } : {}),
      });
    }
    // A bug or a database failure is not a source being down: surface it.
    throw err;
  }
}
