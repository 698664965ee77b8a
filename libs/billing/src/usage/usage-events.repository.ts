import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PricedUsage } from './pricing';
import type { UsageRecordInput } from './usage-recorder';

export interface UsageBucket {
  /** Day (YYYY-MM-DD, UTC) or metric, by the grouping asked for. */
  key: string;
  metric: string;
  quantity: number;
  listMicro: number;
  paidMicro: number;
  events: number;
}

export interface MonthTotals {
  gpuSeconds: number;
  sandboxSeconds: number;
  paidMicro: number;
}

/** SQL of metered usage events. */
@Injectable()
export class UsageEventsRepository {
  /** Inserts the records not seen before (one statement); returns their transaction ids. */
  async insertNew(
    m: EntityManager,
    priced: { record: UsageRecordInput; price: PricedUsage }[],
    journalKey: string,
  ): Promise<Set<string>> {
    const col = <T>(f: (p: { record: UsageRecordInput; price: PricedUsage }) => T): T[] =>
      priced.map(f);
    const rows = (await m.query(
      `INSERT INTO billing_usage_events
         (transaction_id, user_id, metric, gpu_type, quantity, occurred_at, tier, rate_multiplier,
          decision_id, unit_price_credits, list_micro, paid_micro, subsidy_micro, partner_id,
          partner_micro, platform_micro, properties, journal_key)
       SELECT t, u, mt, g, q, o, tr, rm, d, up, l, p, s, pa, pm, pl, pr::jsonb, $18
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::timestamptz[],
                     $7::text[], $8::numeric[], $9::text[], $10::numeric[], $11::bigint[], $12::bigint[],
                     $13::bigint[], $14::text[], $15::bigint[], $16::bigint[], $17::text[])
           AS x(t, u, mt, g, q, o, tr, rm, d, up, l, p, s, pa, pm, pl, pr)
       ON CONFLICT (transaction_id) DO NOTHING
       RETURNING transaction_id`,
      [
        col((p) => p.record.transactionId),
        col((p) => p.record.userId),
        col((p) => p.record.metric),
        col((p) =>
          p.record.properties?.gpu_type ? String(p.record.properties.gpu_type).toLowerCase() : null,
        ),
        col((p) => p.record.quantity),
        col((p) => p.record.occurredAt.toISOString()),
        col((p) => p.record.subsidy.tier),
        col((p) => p.record.subsidy.rate_multiplier),
        col((p) => p.record.subsidy.decision_id ?? null),
        col((p) => p.price.unitPriceCredits),
        col((p) => p.price.listMicro),
        col((p) => p.price.paidMicro),
        col((p) => p.price.subsidyMicro),
        col((p) =>
          p.record.properties?.partner_id ? String(p.record.properties.partner_id) : null,
        ),
        col((p) => p.price.partnerMicro),
        col((p) => p.price.platformMicro),
        col((p) => JSON.stringify(p.record.properties ?? {})),
        journalKey,
      ],
    )) as { transaction_id: string }[];
    return new Set(rows.map((r) => r.transaction_id));
  }

  /** Usage in [from, to) grouped by UTC day and metric, or by metric alone. */
  async buckets(
    m: EntityManager,
    userId: string,
    from: Date,
    to: Date,
    groupBy: 'day' | 'kind',
  ): Promise<UsageBucket[]> {
    const key =
      groupBy === 'day' ? `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')` : 'metric';
    const rows = (await m.query(
      `SELECT ${key} AS key, metric, SUM(quantity) AS quantity, SUM(list_micro) AS list,
              SUM(paid_micro) AS paid, count(*) AS events
         FROM billing_usage_events
        WHERE user_id = $1 AND occurred_at >= $2 AND occurred_at < $3
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [userId, from, to],
    )) as {
      key: string;
      metric: string;
      quantity: string;
      list: string;
      paid: string;
      events: string;
    }[];
    return rows.map((r) => ({
      key: r.key,
      metric: r.metric,
      quantity: Number(r.quantity),
      listMicro: Number(r.list),
      paidMicro: Number(r.paid),
      events: Number(r.events),
    }));
  }

  async monthTotals(
    m: EntityManager,
    userId: string,
    monthStart: Date,
    until: Date,
  ): Promise<MonthTotals> {
    const [row] = (await m.query(
      `SELECT COALESCE(SUM(quantity) FILTER (WHERE metric = 'gpu_seconds'), 0) AS gpu,
              COALESCE(SUM(quantity) FILTER (WHERE metric = 'sandbox_seconds'), 0) AS sandbox,
              COALESCE(SUM(paid_micro), 0) AS paid
         FROM billing_usage_events
        WHERE user_id = $1 AND occurred_at >= $2 AND occurred_at < $3`,
      [userId, monthStart, until],
    )) as { gpu: string; sandbox: string; paid: string }[];
    return {
      gpuSeconds: Number(row!.gpu),
      sandboxSeconds: Number(row!.sandbox),
      paidMicro: Number(row!.paid),
    };
  }

  /** Monthly totals of a user's usage, for statements when Lago is not configured. */
  async monthly(
    m: EntityManager,
    userId: string,
  ): Promise<{ month: string; listMicro: number; paidMicro: number; events: number }[]> {
    const rows = (await m.query(
      `SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, SUM(list_micro) AS list,
              SUM(paid_micro) AS paid, count(*) AS events
         FROM billing_usage_events WHERE user_id = $1 GROUP BY 1 ORDER BY 1 DESC`,
      [userId],
    )) as { month: string; list: string; paid: string; events: string }[];
    return rows.map((r) => ({
      month: r.month,
      listMicro: Number(r.list),
      paidMicro: Number(r.paid),
      events: Number(r.events),
    }));
  }
}
