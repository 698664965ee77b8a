import { MigrationInterface, QueryRunner } from 'typeorm';

export class SandboxInit1764400000000 implements MigrationInterface {
  name = 'SandboxInit1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sandboxes (
        id uuid PRIMARY KEY,
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        node_id uuid,
        partner_id uuid,
        runtime text NOT NULL,
        cpu double precision NOT NULL,
        memory_mb integer NOT NULL,
        gpus integer NOT NULL DEFAULT 0,
        gpu_type text,
        network text NOT NULL DEFAULT 'none',
        env jsonb NOT NULL DEFAULT '{}',
        workload_class text NOT NULL DEFAULT 'latency_tolerant',
        state text NOT NULL,
        state_reason text,
        ttl_seconds integer NOT NULL,
        idle_timeout_seconds integer NOT NULL,
        expires_at timestamptz NOT NULL,
        last_activity_at timestamptz NOT NULL,
        started_at timestamptz,
        stopped_at timestamptz,
        metered_until timestamptz,
        subsidy jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        deleted_at timestamptz
      )`);
    await q.query(`CREATE INDEX sandboxes_owner_id_idx ON sandboxes (owner_id, created_at)`);
    await q.query(`CREATE INDEX sandboxes_node_state_idx ON sandboxes (node_id, state)`);
    await q.query(`CREATE INDEX sandboxes_state_idx ON sandboxes (state)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE sandboxes');
  }
}
