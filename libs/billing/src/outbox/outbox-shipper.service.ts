import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import {
  Clock,
  LeaderLock,
  MetricsRegistry,
  NANOPOD_CONFIG,
  NanopodConfig,
  Reconciler,
} from '@nanopod/common';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { LagoGateway } from '../lago/lago-gateway';
import { LagoCustomersService } from '../lago/lago-customers.service';
import { OutboxRepository, OutboxRow } from './outbox.repository';

/** Lago's limit on `POST /events/batch`. */
export const LAGO_BATCH_MAX = 100;
const LEASE_MS = 60_000;
const BACKOFF_MAX_MS = 5 * 60_000;
/** Batches per tick, so one leader does not hog the database while a big backlog drains. */
const MAX_BATCHES_PER_TICK = 200;

export interface ShipReport {
  shipped: number;
  retried: number;
  parked: number;
}

/**
 * Ships the outbox to Lago. One leader at a time (LeaderLock); rows are claimed with a lease,
 * sent in batches of up to 100, and marked shipped only after Lago accepted them. A crash after
 * Lago accepted but before the mark sends them again: Lago answers `value_already_exist` for
 * those transaction ids, which counts as shipped. Nothing is lost and nothing is billed twice.
 */
@Injectable()
export class OutboxShipper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxShipper.name);
  private readonly loop: Reconciler;
  private stopped = false;
  private readonly counters: Record<'shipped' | 'retried' | 'parked', Counter>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: OutboxRepository,
    private readonly lago: LagoGateway,
    private readonly customers: LagoCustomersService,
    private readonly leader: LeaderLock,
    private readonly clock: Clock,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
    metrics: MetricsRegistry,
  ) {
    const counter = (name: string, help: string) =>
      new Counter({ name, help, registers: [metrics.registry] });
    this.counters = {
      shipped: counter('nanopod_billing_events_shipped_total', 'Usage events Lago accepted'),
      retried: counter(
        'nanopod_billing_events_retried_total',
        'Usage events sent again later (Lago down, slow, 5xx or 429)',
      ),
      parked: counter('nanopod_billing_events_parked_total', 'Usage events Lago refused (422)'),
    };
    this.loop = new Reconciler(
      {
        name: 'billing.outbox-shipper',
        intervalMs: config.billing.shipIntervalMs,
        leader,
        clock,
        failureMessage: 'outbox shipping failed; will retry',
      },
      () => this.drain(),
    );
  }

  onApplicationBootstrap(): void {
    if (!this.lago.configured) {
      this.logger.log('Lago is not configured: usage events wait in the outbox');
      return;
    }
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
  }

  /** Ships due rows until none are left (or the tick's budget is spent). */
  async drain(): Promise<ShipReport> {
    const total: ShipReport = { shipped: 0, retried: 0, parked: 0 };
    // Claims are only made under the leader lock, so any lease still set now belongs to a
    // leader that died mid-flight (a crash or SIGKILL): take those rows back at once instead
    // of waiting for the lease to end. Re-sending them is safe (transaction_id).
    await this.repo.releaseStaleClaims(this.dataSource.manager);
    for (let i = 0; i < MAX_BATCHES_PER_TICK && !this.stopped; i++) {
      const now = this.clock.now();
      const batch = await this.repo.claim(
        this.dataSource.manager,
        now,
        new Date(now.getTime() + LEASE_MS),
        LAGO_BATCH_MAX,
      );
      if (batch.length === 0) break;
      const r = await this.ship(batch);
      this.counters.shipped.inc(r.shipped);
      this.counters.retried.inc(r.retried);
      this.counters.parked.inc(r.parked);
      total.shipped += r.shipped;
      total.retried += r.retried;
      total.parked += r.parked;
      if (r.shipped === 0 && r.parked === 0) break;
    }
    return total;
  }

  private async ship(batch: OutboxRow[]): Promise<ShipReport> {
    const m = this.dataSource.manager;
    const report: ShipReport = { shipped: 0, retried: 0, parked: 0 };
    let ready: OutboxRow[];
    try {
      ready = await this.customers.ensureFor(batch);
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message, events: batch.length },
        'Lago customer or subscription could not be created; retrying later',
      );
      await this.retryLater(batch, `customers: ${(err as Error).message}`);
      report.retried = batch.length;
      return report;
    }
    const result = await this.lago.sendBatch(ready.map((r) => r.payload));
    const now = this.clock.now();
    if (result.kind === 'accepted') {
      await this.repo.markShipped(
        m,
        ready.map((r) => r.id),
        now,
      );
      report.shipped = ready.length;
      return report;
    }
    if (result.kind === 'transient') {
      this.logger.warn(
        { status: result.status, events: ready.length },
        `Lago did not take a batch: ${result.reason}`,
      );
      await this.retryLater(ready, result.reason);
      report.retried = ready.length;
      return report;
    }
    // 422: Lago took none of the batch. Duplicates were shipped before; other rejected events
    // are poison and parked with the reason; the rest go again at once without them.
    const again: number[] = [];
    const duplicates: number[] = [];
    for (const [index, row] of ready.entries()) {
      const errors = result.errors.get(index);
      if (!errors) again.push(row.id);
      else if (isDuplicateOnly(errors)) duplicates.push(row.id);
      else {
        await this.repo.park(m, row.id, JSON.stringify(errors));
        this.logger.warn(
          { transactionId: row.transactionId },
          'usage event parked: Lago refused it',
        );
        report.parked += 1;
      }
    }
    await this.repo.markShipped(m, duplicates, now);
    await this.repo.release(m, again, now, null);
    report.shipped += duplicates.length;
    report.retried += again.length;
    return report;
  }

  private async retryLater(rows: OutboxRow[], reason: string): Promise<void> {
    const attempts = Math.max(...rows.map((r) => r.attempts));
    // Exponential backoff from the shipping interval, capped.
    const base = this.config.billing.shipIntervalMs;
    const delay = Math.min(BACKOFF_MAX_MS, base * 2 ** Math.min(20, Math.max(0, attempts - 1)));
    const jitter = Math.floor(Math.random() * delay * 0.2);
    await this.repo.release(
      this.dataSource.manager,
      rows.map((r) => r.id),
      new Date(this.clock.nowMs() + delay + jitter),
      reason.slice(0, 500),
    );
  }
}

function isDuplicateOnly(errors: Record<string, string[]>): boolean {
  const keys = Object.keys(errors);
  return (
    keys.length === 1 &&
    keys[0] === 'transaction_id' &&
    (errors.transaction_id ?? []).every((e) => e === 'value_already_exist')
  );
}
