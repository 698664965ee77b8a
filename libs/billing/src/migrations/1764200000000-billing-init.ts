import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing tables. Money is integer micro-credits (1 credit = 1 cent = 1,000,000 micro) so that
 * per-second prices stay exact and every journal entry sums to exactly zero.
 */
export class BillingInit1764200000000 implements MigrationInterface {
  name = 'BillingInit1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE billing_accounts (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN
          ('user_wallet','user_receivable','subsidy_pool','partner_earnings','platform_revenue','external')),
        owner_id text NOT NULL DEFAULT '',
        -- Kept on the row (and checked under a row lock) for user wallets only; every other
        -- account's balance is the sum of its lines (see ledger.types.ts CACHED_KINDS).
        balance_micro bigint NOT NULL DEFAULT 0,
        -- NULL: no lower bound (system accounts); otherwise balance >= -credit_limit_micro.
        credit_limit_micro bigint DEFAULT 0 CHECK (credit_limit_micro IS NULL OR credit_limit_micro >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (kind, owner_id)
      )`);
    await q.query(`
      CREATE TABLE billing_journal_entries (
        id bigserial PRIMARY KEY,
        idempotency_key text NOT NULL UNIQUE,
        kind text NOT NULL,
        user_id text,
        memo text,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX billing_journal_entries_user_idx ON billing_journal_entries (user_id, created_at)`,
    );
    await q.query(`
      CREATE TABLE billing_journal_lines (
        id bigserial PRIMARY KEY,
        entry_id bigint NOT NULL REFERENCES billing_journal_entries(id),
        account_id bigint NOT NULL REFERENCES billing_accounts(id),
        amount_micro bigint NOT NULL,
        -- The account's balance after this line, for accounts whose balance is kept on the row.
        balance_after_micro bigint
      )`);
    await q.query(
      `CREATE INDEX billing_journal_lines_entry_idx ON billing_journal_lines (entry_id)`,
    );
    await q.query(
      `CREATE INDEX billing_journal_lines_account_idx ON billing_journal_lines (account_id, id)`,
    );
    await q.query(`
      CREATE TABLE billing_prices (
        metric text NOT NULL,
        gpu_type text NOT NULL DEFAULT '',
        unit_price_credits numeric(24,12) NOT NULL CHECK (unit_price_credits >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (metric, gpu_type)
      )`);
    // List prices in credits (cents) per unit: seconds, bytes or requests.
    await q.query(`
      INSERT INTO billing_prices (metric, gpu_type, unit_price_credits) VALUES
        ('sandbox_seconds', '', 0.0005),
        ('deployment_node_seconds', '', 0.0005),
        ('gpu_seconds', '', 0.05),
        ('gpu_seconds', 'h100', 0.0833333333),
        ('gpu_seconds', 'a100', 0.05),
        ('gpu_seconds', 'l40s', 0.0333333333),
        ('gpu_seconds', 'l4', 0.0222222222),
        ('gpu_seconds', 't4', 0.0111111111),
        ('egress_bytes', '', 0.00000001),
        ('api_requests', '', 0)`);
    await q.query(`
      CREATE TABLE billing_usage_events (
        id bigserial PRIMARY KEY,
        transaction_id text NOT NULL UNIQUE,
        user_id text NOT NULL,
        metric text NOT NULL,
        gpu_type text,
        quantity numeric(30,6) NOT NULL,
        occurred_at timestamptz NOT NULL,
        tier text NOT NULL,
        rate_multiplier numeric(12,6) NOT NULL,
        decision_id text,
        unit_price_credits numeric(24,12) NOT NULL,
        list_micro bigint NOT NULL,
        paid_micro bigint NOT NULL,
        subsidy_micro bigint NOT NULL,
        partner_id text,
        partner_micro bigint NOT NULL DEFAULT 0,
        platform_micro bigint NOT NULL DEFAULT 0,
        properties jsonb NOT NULL DEFAULT '{}'::jsonb,
        -- The idempotency key of the ledger entry that charged it.
        journal_key text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX billing_usage_events_user_idx ON billing_usage_events (user_id, occurred_at)`,
    );
    await q.query(`
      CREATE TABLE billing_outbox (
        id bigserial PRIMARY KEY,
        transaction_id text NOT NULL UNIQUE,
        user_id text NOT NULL,
        plan_code text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','shipped','parked')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        claimed_until timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        shipped_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX billing_outbox_pending_idx ON billing_outbox (next_attempt_at, id) WHERE status = 'pending'`,
    );
    await q.query(`
      CREATE TABLE billing_lago_customers (
        user_id text PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE billing_lago_subscriptions (
        external_id text PRIMARY KEY,
        user_id text NOT NULL,
        plan_code text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE billing_webhook_receipts (
        unique_key text PRIMARY KEY,
        webhook_type text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'billing_webhook_receipts',
      'billing_lago_subscriptions',
      'billing_lago_customers',
      'billing_outbox',
      'billing_usage_events',
      'billing_prices',
      'billing_journal_lines',
      'billing_journal_entries',
      'billing_accounts',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
