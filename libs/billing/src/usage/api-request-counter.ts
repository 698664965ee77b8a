import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  NestMiddleware,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { Clock, NANOPOD_CONFIG, NanopodConfig, Reconciler } from '@nanopod/common';
import type { NextFunction, Request, Response } from 'express';
import { WelcomeCreditService } from '../services/welcome-credit.service';
import { ApiRequestMeter, ApiRequestMinute } from './api-request-meter';

/**
 * Counts authenticated API requests per user and minute in memory and writes them as
 * `api_requests` usage: every `NANOPOD_API_METER_FLUSH_MS` (default 5 s) the minutes that have
 * ended, at shutdown every minute including the current one; each flush is one transaction
 * (`ApiRequestMeter.recordMinutes`, transaction id `api_requests:<userId>:<minuteEpoch>`).
 * A minute is written once per process, so a retried flush cannot count twice; a failed flush
 * keeps its counts for the next one.
 *
 * Caveat: the transaction id has no instance part, so if two platform replicas (or a process
 * restarted within the minute it was stopped in) write the same user's minute, the later one is
 * a duplicate and is dropped: an undercount, never a double count.
 */
@Injectable()
export class ApiRequestCounter implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(ApiRequestCounter.name);
  /** minuteEpoch -> userId -> requests. */
  private counts = new Map<number, Map<string, number>>();
  private readonly loop: Reconciler;
  private flushing: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;

  constructor(
    @Inject(NANOPOD_CONFIG) config: NanopodConfig,
    private readonly clock: Clock,
    private readonly meter: ApiRequestMeter,
    private readonly welcome: WelcomeCreditService,
  ) {
    this.intervalMs = config.billing.apiMeterFlushMs ?? 5000;
    // Per instance (no leader): each flushes the requests it counted.
    this.loop = new Reconciler(
      { name: 'billing.api-request-flush', intervalMs: this.intervalMs, clock },
      () => this.flush(),
    );
  }

  onModuleInit(): void {
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush({ all: true });
  }

  /** One request of `userId`, now. Synchronous and allocation-light: this is on every request. */
  count(userId: string): void {
    const minute = Math.floor(this.clock.nowMs() / 60_000);
    let users = this.counts.get(minute);
    if (!users) {
      users = new Map();
      this.counts.set(minute, users);
    }
    users.set(userId, (users.get(userId) ?? 0) + 1);
  }

  /** Requests counted and not yet written (for tests and metrics). */
  pending(): number {
    let n = 0;
    for (const users of this.counts.values()) for (const c of users.values()) n += c;
    return n;
  }

  /**
   * Writes the ended minutes (with `all`, the current one too). Flushes run one after another;
   * errors are logged and the counts kept for the next flush.
   */
  flush(opts: { all?: boolean } = {}): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce(opts.all ?? false));
    return this.flushing;
  }

  private async flushOnce(all: boolean): Promise<void> {
    const current = Math.floor(this.clock.nowMs() / 60_000);
    const taken: ApiRequestMinute[] = [];
    for (const [minute, users] of this.counts) {
      if (!all && minute >= current) continue;
      for (const [userId, count] of users) taken.push({ userId, minuteEpoch: minute, count });
      this.counts.delete(minute);
    }
    if (taken.length === 0) return;
    try {
      // Outside the flush's transaction, one user at a time: no lock-order surprises.
      await this.welcome.ensureAll(new Set(taken.map((t) => t.userId)));
      await this.meter.recordMinutes(taken);
    } catch (err) {
      // Nothing of this flush committed (one transaction): keep the counts for the next one.
      for (const t of taken) {
        let users = this.counts.get(t.minuteEpoch);
        if (!users) {
          users = new Map();
          this.counts.set(t.minuteEpoch, users);
        }
        users.set(t.userId, (users.get(t.userId) ?? 0) + t.count);
      }
      this.logger.warn(
        { err: (err as Error).message, minutes: taken.length },
        'api_requests flush failed; will retry',
      );
    }
  }
}

/**
 * Nest middleware: counts each request that ended with an authenticated principal (set by the
 * auth guards, so read when the response finishes). Register it for every route.
 */
@Injectable()
export class ApiRequestMeteringMiddleware implements NestMiddleware {
  constructor(private readonly counter: ApiRequestCounter) {}

  use(req: Request, res: Response, next: NextFunction): void {
    res.once('finish', () => {
      const userId = (req as Request & { user?: { userId?: string } }).user?.userId;
      if (userId) this.counter.count(userId);
    });
    next();
  }
}
