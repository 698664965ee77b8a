import { MigrationInterface, QueryRunner } from 'typeorm';

export class PolicyInit1764100000000 implements MigrationInterface {
  name = 'PolicyInit1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE policies (
        name text PRIMARY KEY,
        package text NOT NULL,
        active_version integer,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE policy_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        policy_name text NOT NULL REFERENCES policies(name) ON DELETE CASCADE,
        version integer NOT NULL,
        status text NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
        source text NOT NULL,
        tests text,
        author_id uuid,
        message text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL,
        UNIQUE (policy_name, version)
      )`);
    // At most one active version per policy, whatever the application does.
    await q.query(
      `CREATE UNIQUE INDEX policy_versions_one_active_idx ON policy_versions (policy_name) WHERE status = 'active'`,
    );
    await q.query(`
      CREATE TABLE policy_activations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        policy_name text NOT NULL REFERENCES policies(name) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('seed', 'activate', 'rollback')),
        from_version integer,
        to_version integer NOT NULL,
        actor_id uuid,
        message text NOT NULL DEFAULT '',
        diff text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX policy_activations_policy_idx ON policy_activations (policy_name, created_at DESC)`,
    );
    await q.query(`
      CREATE TABLE policy_decisions (
        id uuid PRIMARY KEY,
        seq bigserial NOT NULL,
        policy_name text NOT NULL,
        policy_version integer,
        subject_user_id text,
        input jsonb NOT NULL,
        result jsonb NOT NULL,
        allow boolean NOT NULL,
        error text,
        latency_us integer NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX policy_decisions_created_idx ON policy_decisions (policy_name, created_at DESC, seq DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE policy_decisions');
    await q.query('DROP TABLE policy_activations');
    await q.query('DROP TABLE policy_versions');
    await q.query('DROP TABLE policies');
  }
}
