import { Injectable } from '@nestjs/common';
import { Clock } from '@nanopod/common';
import { DataSource } from 'typeorm';
import { InvalidRangeError } from '../billing.errors';
import { toCredits } from '../ledger/ledger.types';
import { UsageEventsRepository } from '../usage/usage-events.repository';

export interface UsageRow {
  key: string;
  metric: string;
  quantity: number;
  events: number;
  /** List price in credits, before subsidy. */
  listCredits: number;
  paidCredits: number;
  /** List minus paid: what the subsidy saved. */
  savedCredits: number;
}

export interface UsageReport {
  userId: string;
  from: Date;
  to: Date;
  groupBy: 'day' | 'kind';
  rows: UsageRow[];
  totals: { listCredits: number; paidCredits: number; savedCredits: number; events: number };
}

const MAX_RANGE_MS = 366 * 24 * 3600 * 1000;
/** Dates the database and a usage report can hold: years 1970 to 9999. */
const MIN_DATE_MS = 0;
const MAX_DATE_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

@Injectable()
export class UsageQueryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: UsageEventsRepository,
    private readonly clock: Clock,
  ) {}

  /** Usage in [from, to); defaults to the last 30 days. */
  async report(
    userId: string,
    q: { from?: Date; to?: Date; groupBy?: 'day' | 'kind' },
  ): Promise<UsageReport> {
    const to = q.to ?? this.clock.now();
    const from = q.from ?? new Date(to.getTime() - 30 * 24 * 3600 * 1000);
    for (const d of [from, to]) {
      if (d.getTime() < MIN_DATE_MS || d.getTime() > MAX_DATE_MS) {
        throw new InvalidRangeError('from and to must lie between 1970 and 9999');
      }
    }
    if (from >= to) throw new InvalidRangeError('from must be before to');
    if (to.getTime() - from.getTime() > MAX_RANGE_MS) {
      throw new InvalidRangeError('The range may span at most 366 days');
    }
    const groupBy = q.groupBy ?? 'day';
    const buckets = await this.events.buckets(this.dataSource.manager, userId, from, to, groupBy);
    const rows = buckets.map((b) => ({
      key: b.key,
      metric: b.metric,
      quantity: b.quantity,
      events: b.events,
      listCredits: toCredits(b.listMicro),
      paidCredits: toCredits(b.paidMicro),
      savedCredits: toCredits(b.listMicro - b.paidMicro),
    }));
    const list = buckets.reduce((s, b) => s + b.listMicro, 0);
    const paid = buckets.reduce((s, b) => s + b.paidMicro, 0);
    return {
      userId,
      from,
      to,
      groupBy,
      rows,
      totals: {
        listCredits: toCredits(list),
        paidCredits: toCredits(paid),
        savedCredits: toCredits(list - paid),
        events: buckets.reduce((s, b) => s + b.events, 0),
      },
    };
  }

  async monthToDate(
    userId: string,
  ): Promise<{ gpuSeconds: number; sandboxSeconds: number; paidCredits: number }> {
    const now = this.clock.now();
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const t = await this.events.monthTotals(
      this.dataSource.manager,
      userId,
      monthStart,
      new Date(now.getTime() + 1),
    );
    return {
      gpuSeconds: t.gpuSeconds,
      sandboxSeconds: t.sandboxSeconds,
      paidCredits: toCredits(t.paidMicro),
    };
  }
}
