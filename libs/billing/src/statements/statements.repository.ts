import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface MonthlyStatementRow {
  month: string;
  usageListMicro: number;
  /** Charged to the user for usage (wallet and what is owed). */
  usageChargedMicro: number;
  topUpsMicro: number;
  events: number;
}

/** Monthly statements computed from the ledger (used when Lago is not configured). */
@Injectable()
export class StatementsRepository {
  async monthly(m: EntityManager, userId: string): Promise<MonthlyStatementRow[]> {
    const rows = (await m.query(
      `WITH lines AS (
         SELECT to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, e.kind, l.amount_micro, a.kind AS account_kind
           FROM billing_journal_lines l
           JOIN billing_accounts a ON a.id = l.account_id
           JOIN billing_journal_entries e ON e.id = l.entry_id
          WHERE a.owner_id = $1 AND a.kind IN ('user_wallet', 'user_receivable')
       ), ledger AS (
         SELECT month,
                -COALESCE(SUM(amount_micro) FILTER (WHERE kind = 'usage'), 0) AS charged,
                COALESCE(SUM(amount_micro) FILTER (WHERE kind = 'top_up' AND account_kind = 'user_wallet'), 0)
                + COALESCE(SUM(amount_micro) FILTER (WHERE kind = 'top_up' AND account_kind = 'user_receivable'), 0) AS top_ups
           FROM lines GROUP BY month
       ), usage AS (
         SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, SUM(list_micro) AS list, count(*) AS events
           FROM billing_usage_events WHERE user_id = $1 GROUP BY 1
       )
       SELECT COALESCE(l.month, u.month) AS month, COALESCE(u.list, 0) AS list, COALESCE(l.charged, 0) AS charged,
              COALESCE(l.top_ups, 0) AS top_ups, COALESCE(u.events, 0) AS events
         FROM ledger l FULL OUTER JOIN usage u ON u.month = l.month
        ORDER BY 1 DESC`,
      [userId],
    )) as { month: string; list: string; charged: string; top_ups: string; events: string }[];
    return rows.map((r) => ({
      month: r.month,
      usageListMicro: Number(r.list),
      usageChargedMicro: Number(r.charged),
      topUpsMicro: Number(r.top_ups),
      events: Number(r.events),
    }));
  }
}
