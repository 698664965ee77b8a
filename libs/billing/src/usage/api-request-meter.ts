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
