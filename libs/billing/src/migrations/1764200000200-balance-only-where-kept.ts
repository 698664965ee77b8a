import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * billing_accounts.balance_micro is kept only for user wallets (hot accounts read on every
 * decision); every other account's balance is the sum of its journal lines, and writing it on
 * every posting would serialise all postings on the subsidy pool's row. Until now those rows
 * held a stale 0 (summed over all accounts: +1,002 credits while the journal summed to 0). They
 * now hold NULL: derived, never a number that looks right and is not. The audit checks both.
 */
export class BalanceOnlyWhereKept1764200000200 implements MigrationInterface {
  name = 'BalanceOnlyWhereKept1764200000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE billing_accounts ALTER COLUMN balance_micro DROP NOT NULL`);
    await q.query(`ALTER TABLE billing_accounts ALTER COLUMN balance_micro DROP DEFAULT`);
    await q.query(`UPDATE billing_accounts SET balance_micro = NULL WHERE kind <> 'user_wallet'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE billing_accounts a
          SET balance_micro = COALESCE((SELECT SUM(l.amount_micro) FROM billing_journal_lines l
                                         WHERE l.account_id = a.id), 0)
        WHERE balance_micro IS NULL`,
    );
    await q.query(`ALTER TABLE billing_accounts ALTER COLUMN balance_micro SET DEFAULT 0`);
    await q.query(`ALTER TABLE billing_accounts ALTER COLUMN balance_micro SET NOT NULL`);
  }
}
