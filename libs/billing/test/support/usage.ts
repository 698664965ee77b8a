import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { UsageRecorder, UsageRecordInput } from '@nanopod/billing';
import type { TestPlatform } from '../../../../test/support/test-platform';

/** A usage record with overrides; each call a fresh transaction id. */
export function usageRecord(
  userId: string,
  overrides: Partial<UsageRecordInput> = {},
): UsageRecordInput {
  return {
    transactionId: `test:${randomUUID()}`,
    userId,
    metric: 'gpu_seconds',
    quantity: 3600,
    occurredAt: new Date(),
    subsidy: { tier: 'standard', rate_multiplier: 1 },
    properties: { gpu_type: 'h100' },
    ...overrides,
  };
}

/** Records usage the way a compute context does: inside its own transaction. */
export async function recordUsage(
  platform: TestPlatform,
  records: UsageRecordInput[],
): Promise<void> {
  const ds = platform.app.get(DataSource);
  const recorder = platform.app.get(UsageRecorder);
  await ds.transaction((m) => recorder.record(m, records));
}

/**
 * The ledger's invariants straight from SQL: total over all accounts (sum of lines), entries
 * that do not balance, wallet balances that drifted from their lines, balances below limits.
 */
export async function ledgerAudit(platform: TestPlatform) {
  const [row] = (await platform.app.get(DataSource).query(`
    WITH b AS (
      SELECT a.kind, a.balance_micro, a.credit_limit_micro,
             COALESCE((SELECT SUM(amount_micro) FROM billing_journal_lines l WHERE l.account_id = a.id), 0) AS summed
        FROM billing_accounts a)
    SELECT (SELECT COALESCE(SUM(summed), 0) FROM b) AS total,
           (SELECT COALESCE(SUM(amount_micro), 0) FROM billing_journal_lines) AS lines,
           (SELECT count(*) FROM (SELECT entry_id FROM billing_journal_lines GROUP BY entry_id HAVING SUM(amount_micro) <> 0) x) AS unbalanced,
           (SELECT count(*) FROM b WHERE (kind = 'user_wallet' AND balance_micro IS DISTINCT FROM summed)
                                      OR (kind <> 'user_wallet' AND balance_micro IS NOT NULL)) AS drifted,
           (SELECT count(*) FROM b WHERE credit_limit_micro IS NOT NULL AND summed < -credit_limit_micro) AS below`)) as Record<
    string,
    string
  >[];
  return {
    total: Number(row!.total),
    lines: Number(row!.lines),
    unbalanced: Number(row!.unbalanced),
    drifted: Number(row!.drifted),
    below: Number(row!.below),
  };
}
