import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Compute: capacities (named pools of compute time in a zone), node templates, deployments
 * and their nodes, procurements. Capacities are what market orders point at (by id).
 */
export class ComputeInit1796290100000 implements MigrationInterface {
  name = 'ComputeInit1796290100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE compute_capacities (
        id uuid PRIMARY KEY,
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name text NOT NULL,
        zone text NOT NULL,
        instance_type text NOT NULL,
        cluster_kind text NOT NULL DEFAULT 'federated',
        spot boolean NOT NULL DEFAULT true,
        min_nodes integer NOT NULL DEFAULT 0,
        max_nodes integer NOT NULL,
        created_at timestamptz NOT NULL,
        UNIQUE (owner_id, name),
        CHECK (min_nodes >= 0 AND max_nodes >= min_nodes)
      )`);
    await q.query(`
      CREATE TABLE compute_node_templates (
        id uuid PRIMARY KEY,
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name text NOT NULL,
        image text NOT NULL,
        cloud_init text,
        cloud_init_kind text,
        ssh_keys jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL,
        UNIQUE (owner_id, name)
      )`);
    await q.query(`
      CREATE TABLE compute_deployments (
        id uuid PRIMARY KEY,
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name text NOT NULL,
        capacity_id uuid NOT NULL REFERENCES compute_capacities(id),
        node_template_id uuid NOT NULL REFERENCES compute_node_templates(id),
        target_node_count integer NOT NULL CHECK (target_node_count >= 0),
        deleted_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE UNIQUE INDEX compute_deployments_name_idx ON compute_deployments (owner_id, name) WHERE deleted_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE compute_deployment_nodes (
        id uuid PRIMARY KEY,
        deployment_id uuid NOT NULL REFERENCES compute_deployments(id) ON DELETE CASCADE,
        capacity_id uuid NOT NULL,
        seq integer NOT NULL,
        state text NOT NULL,
        state_reason text,
        node_id uuid,
        notice_at timestamptz,
        notice_deadline timestamptz,
        notice_reason text,
        started_at timestamptz,
        ended_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (deployment_id, seq)
      )`);
    await q.query(
      `CREATE INDEX compute_deployment_nodes_capacity_idx ON compute_deployment_nodes (capacity_id, state)`,
    );
    await q.query(`
      CREATE TABLE compute_procurements (
        id uuid PRIMARY KEY,
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name text NOT NULL,
        capacity_id uuid NOT NULL REFERENCES compute_capacities(id),
        target_kind text NOT NULL CHECK (target_kind IN ('node_count', 'fixed')),
        target_nodes integer,
        max_buy_price_cents integer NOT NULL CHECK (max_buy_price_cents >= 0),
        min_sell_price_cents integer NOT NULL CHECK (min_sell_price_cents >= 0),
        window_hours integer NOT NULL CHECK (window_hours >= 1),
        status text NOT NULL,
        last_tick_at timestamptz,
        last_error text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (owner_id, name)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX compute_procurements_capacity_idx ON compute_procurements (capacity_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE compute_procurements');
    await q.query('DROP TABLE compute_deployment_nodes');
    await q.query('DROP TABLE compute_deployments');
    await q.query('DROP TABLE compute_node_templates');
    await q.query('DROP TABLE compute_capacities');
  }
}
