import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import {
  Clock,
  NANOPOD_CONFIG,
  NanopodConfig,
  Reconciler,
  RequestObservers,
} from '@nanopod/common';
import * as path from 'node:path';
import { WelcomeCreditService } from '../services/welcome-credit.service';
import { ApiRequestJournal } from './api-request-journal';
import { ApiRequestCount, ApiRequestMeter } from './api-request-meter';

/** Counts of one flush window, written under fixed transaction ids until a write commits. */
interface PendingWindow {
  counts: ApiRequestCount[];
}

/**
 * Counts authenticated API requests per user in memory and writes them as `api_requests` usage
 * every `NANOPOD_API_METER_FLUSH_MS` (default 1 s, so a `kill -9` loses at most that) and at
 * shutdown. Each tick closes a window `[from, to)` and writes one record per user with the
 * transaction id `api_requests:<userId>:<instanceId>:<fromMs>-<toMs>`:
 *
 * - the instance part (NANOPOD_INSTANCE_ID, unique per process by default) keeps two replicas'
 *   windows apart, so neither is dropped as the other's duplicate (no undercount);
 * - a window whose write failed is retried with the same ids, so a write that did commit but
 *   answered an error (connection lost at COMMIT) is a no-op the second time (no double count).
 */
@Injectable()
export class ApiRequestCounter implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(ApiRequestCounter.name);
  /** userId -> requests since `windowStart`. */
  private counts = new Map<string, number>();
  private windowStart: number;
  /** Closed windows not yet committed, oldest first. */
  private readonly unwritten: PendingWindow[] = [];
  /** With the embedded database: closed windows survive a kill -9 here until committed. */
  private readonly journal: ApiRequestJournal | null;
  private readonly loop: Reconciler;
  private flushing: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;
  private readonly instanceId: string;

  constructor(
    @Inject(NANOPOD_CONFIG) config: NanopodConfig,
    private readonly clock: Clock,
    private readonly meter: ApiRequestMeter,
    private readonly welcome: WelcomeCreditService,
    observers: RequestObservers,
  ) {
    this.intervalMs = config.billing.apiMeterFlushMs ?? 1000;
    this.instanceId = config.instanceId;
    this.windowStart = clock.nowMs();
    const embedded = config.database.kind === 'pglite' && config.database.dataDir !== ':memory:';
    this.journal = embedded
      ? new ApiRequestJournal(path.join(config.dataDir, 'api-requests.journal'))
      : null;
    // Per instance (no leader): each flushes the requests it counted. The tick closes a window
    // and starts its write without waiting for it, and without jitter: a window is closed every
    // interval however long the database takes (a slow write used to stretch them to 2-3 s).
    this.loop = new Reconciler(
      { name: 'billing.api-request-flush', intervalMs: this.intervalMs, jitter: 0, clock },
      async () => void this.tick(),
    );
    // Each request that ended with an authenticated principal (set by the auth guard).
    observers.add((req) => {
      const userId = (req as { user?: { userId?: string } }).user?.userId;
      if (userId) this.count(userId);
    });
  }

  onModuleInit(): void {
    // What a previous process of this data directory closed and may not have committed.
    for (const counts of this.journal?.read() ?? []) this.unwritten.push({ counts });
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /** One request of `userId`, now. Synchronous and allocation-light: this is on every request. */
  count(userId: string): void {
    this.counts.set(userId, (this.counts.get(userId) ?? 0) + 1);
  }

  /** Requests counted and not yet written (for tests and metrics). */
  pending(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    for (const w of this.unwritten) for (const c of w.counts) n += c.count;
    return n;
  }

  /**
   * Closes the current window and resolves once it (with any earlier one not yet committed)
   * is written. Writes run one after another; errors are logged and the windows kept for the
   * next write.
   */
  flush(): Promise<void> {
    return this.tick();
  }

  /** Closes the window now; the write is queued behind the one in flight. */
  private tick(): Promise<void> {
    this.closeWindow();
    this.flushing = this.flushing.then(() => this.writePending());
    return this.flushing;
  }

  /** Every closed window not yet committed, in one transaction (a slow database catches up). */
  private async writePending(): Promise<void> {
    const windows = this.unwritten.slice();
    if (windows.length === 0) return;
    const counts = windows.flatMap((w) => w.counts);
    try {
      // Outside the write's transaction, one user at a time: no lock-order surprises.
      await this.welcome.ensureAll(new Set(counts.map((c) => c.userId)));
      await this.meter.record(counts);
      this.unwritten.splice(0, windows.length);
      this.journal?.replace(this.unwritten.map((w) => w.counts));
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message, windows: this.unwritten.length },
        'api_requests flush failed; will retry',
      );
    }
  }

  private closeWindow(): void {
    if (this.counts.size === 0) {
      this.windowStart = this.clock.nowMs();
      return;
    }
    // Strictly increasing bounds even with a coarse or manual clock: ids never repeat.
    const from = this.windowStart;
    const to = Math.max(this.clock.nowMs(), from + 1);
    const counts: ApiRequestCount[] = [...this.counts].map(([userId, count]) => ({
      userId,
      count,
      windowStart: new Date(from),
      windowEnd: new Date(to),
      instanceId: this.instanceId,
    }));
    this.counts = new Map();
    this.windowStart = to;
    this.unwritten.push({ counts });
    try {
      this.journal?.append([counts]);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'api_requests journal not written');
    }
  }
}
