import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reputation and subsidy grants. Plain SQL that runs the same on PGlite and PostgreSQL.
 * Wallet addresses are stored EIP-55 checksummed and compared lower-cased.
 */
export class ReputationInit1764500000000 implements MigrationInterface {
  name = 'ReputationInit1764500000000';

  async up(q: QueryRunner): Promise<void> {
    // Conditional-request cache of external GET answers (GitHub): body reused on 304.
    await q.query(`
      CREATE TABLE reputation_http_cache (
        cache_key text PRIMARY KEY,
        url text NOT NULL,
        etag text,
        last_modified text,
        status integer NOT NULL,
        body jsonb,
        fetched_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE reputation_allow_list (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('org', 'repo')),
        name text NOT NULL,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE UNIQUE INDEX reputation_allow_list_entry_uq ON reputation_allow_list (kind, lower(name))`,
    );
    await q.query(`
      CREATE TABLE reputation_wallet_nonces (
        nonce text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        issued_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX reputation_wallet_nonces_expiry_idx ON reputation_wallet_nonces (expires_at)`,
    );
    await q.query(`
      CREATE TABLE reputation_wallets (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        address text NOT NULL,
        chain_id integer NOT NULL,
        linked_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE UNIQUE INDEX reputation_wallets_address_uq ON reputation_wallets (lower(address))`,
    );
    // Audit of every link, re-link and unlink; never updated or deleted.
    await q.query(`
      CREATE TABLE reputation_wallet_links (
        id bigserial PRIMARY KEY,
        user_id uuid NOT NULL,
        action text NOT NULL CHECK (action IN ('linked', 'relinked', 'unlinked')),
        address text NOT NULL,
        previous_address text,
        at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX reputation_wallet_links_user_idx ON reputation_wallet_links (user_id, at)`,
    );
    await q.query(`
      CREATE TABLE reputation_passport_scores (
        address text PRIMARY KEY,
        body jsonb NOT NULL,
        fetched_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE reputation_scores (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        status text NOT NULL,
        score double precision,
        parts jsonb NOT NULL DEFAULT '[]'::jsonb,
        computed_at timestamptz,
        refresh_requested_at timestamptz
      )`);
    await q.query(`CREATE INDEX reputation_scores_computed_idx ON reputation_scores (computed_at)`);

    await q.query(`
      CREATE TABLE grant_programs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        monthly_gpu_hours double precision NOT NULL CHECK (monthly_gpu_hours > 0),
        rate_multiplier double precision NOT NULL CHECK (rate_multiplier >= 0 AND rate_multiplier <= 1),
        eligibility text NOT NULL DEFAULT '',
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CHECK (ends_at > starts_at)
      )`);
    await q.query(`CREATE UNIQUE INDEX grant_programs_name_uq ON grant_programs (lower(name))`);
    await q.query(`
      CREATE TABLE grant_applications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        program_id uuid NOT NULL REFERENCES grant_programs(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        statement text NOT NULL,
        status text NOT NULL CHECK (status IN ('open', 'approved', 'rejected')),
        decision_note text,
        decided_by uuid REFERENCES users(id) ON DELETE SET NULL,
        decided_at timestamptz,
        created_at timestamptz NOT NULL
      )`);
    // One open application per user and program.
    await q.query(
      `CREATE UNIQUE INDEX grant_applications_open_uq ON grant_applications (program_id, user_id) WHERE status = 'open'`,
    );
    await q.query(
      `CREATE INDEX grant_applications_status_idx ON grant_applications (status, created_at)`,
    );
    await q.query(`
      CREATE TABLE grants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        program_id uuid NOT NULL REFERENCES grant_programs(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        application_id uuid REFERENCES grant_applications(id) ON DELETE SET NULL,
        granted_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX grants_live_uq ON grants (program_id, user_id) WHERE revoked_at IS NULL`,
    );
    await q.query(`CREATE INDEX grants_user_idx ON grants (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'grants',
      'grant_applications',
      'grant_programs',
      'reputation_scores',
      'reputation_passport_scores',
      'reputation_wallet_links',
      'reputation_wallets',
      'reputation_wallet_nonces',
      'reputation_allow_list',
      'reputation_http_cache',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
