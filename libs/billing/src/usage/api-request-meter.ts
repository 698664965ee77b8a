import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UsageRecorder } from './usage-recorder';

export interface ApiRequestCount {
  userId: string;
  count: number;
  /** The counting window; with the user it makes the stable transaction id. */
  windowStart: Date;
  windowEnd: Date;
  /** Which platform instance counted (several replicas count separately). */
  instanceId: string;
  subsidy?: { tier: string; rate_multiplier: number };
}

/** Requests of one user in one minute (`minuteEpoch` = minutes since the Unix epoch). */
export interface ApiRequestMinute {
  userId: string;
  minuteEpoch: number;
  count: number;
}

export const apiRequestsTransactionId = (userId: string, minuteEpoch: number): string =>
  `api_requests:${userId}:${minuteEpoch}`;

/**
 * The recording API for `api_requests`: a request-counting middleware aggregates per user and
 * window, then hands the counts here. Recording the same window twice is a no-op.
 */
@Injectable()
export class ApiRequestMeter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly recorder: UsageRecorder,
  ) {}

  /**
   * Per-user, per-minute counts (minutes since the epoch) in one transaction, transaction id
   * `api_requests:<userId>:<minuteEpoch>`: a minute written twice (a retried flush) is a no-op.
   */
  async recordMinutes(counts: ApiRequestMinute[]): Promise<void> {
    const records = counts
      .filter((c) => c.count > 0)
      .map((c) => ({
        transactionId: apiRequestsTransactionId(c.userId, c.minuteEpoch),
        userId: c.userId,
        metric: 'api_requests' as const,
        quantity: c.count,
        occurredAt: new Date(c.minuteEpoch * 60_000),
        subsidy: { tier: 'standard', rate_multiplier: 1 },
      }));
    if (records.length === 0) return;
    await this.dataSource.transaction((m) => this.recorder.record(m, records));
  }

  async record(counts: ApiRequestCount[]): Promise<void> {
    const records = counts
      .filter((c) => c.count > 0)
      .map((c) => ({
        transactionId: `api_requests:${c.userId}:${c.instanceId}:${c.windowStart.getTime()}-${c.windowEnd.getTime()}`,
        userId: c.userId,
        metric: 'api_requests' as const,
        quantity: c.count,
        occurredAt: c.windowEnd,
        subsidy: c.subsidy ?? { tier: 'standard', rate_multiplier: 1 },
      }));
    if (records.length === 0) return;
    await this.dataSource.transaction((m) => this.recorder.record(m, records));
  }
}
