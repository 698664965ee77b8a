import { MigrationInterface, QueryRunner } from 'typeorm';

export class FederationInit1764300000000 implements MigrationInterface {
  name = 'FederationInit1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE partners (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        display_name text,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE partner_members (
        partner_id uuid NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role text NOT NULL DEFAULT 'owner',
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (partner_id, user_id)
      )`);
    await q.query(`CREATE INDEX partner_members_user_id_idx ON partner_members (user_id)`);
    await q.query(`
      CREATE TABLE enrollment_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partner_id uuid NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
        secret_hash text NOT NULL,
        zone text,
        labels jsonb NOT NULL DEFAULT '{}',
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        used_by_node_id uuid
      )`);
    await q.query(
      `CREATE INDEX enrollment_tokens_partner_id_idx ON enrollment_tokens (partner_id)`,
    );
    await q.query(`
      CREATE TABLE nodes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partner_id uuid NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
        name text NOT NULL,
        credential_hash text NOT NULL,
        health text NOT NULL DEFAULT 'healthy',
        drain text NOT NULL DEFAULT 'none',
        cordoned boolean NOT NULL DEFAULT false,
        zone text NOT NULL,
        labels jsonb NOT NULL DEFAULT '{}',
        kind text NOT NULL DEFAULT 'federated',
        inventory jsonb NOT NULL,
        agent_version text,
        last_heartbeat_at timestamptz,
        health_changed_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX nodes_partner_id_idx ON nodes (partner_id)`);
    await q.query(`CREATE INDEX nodes_health_idx ON nodes (health)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE nodes');
    await q.query('DROP TABLE enrollment_tokens');
    await q.query('DROP TABLE partner_members');
    await q.query('DROP TABLE partners');
  }
}
