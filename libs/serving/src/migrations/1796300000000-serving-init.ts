import { MigrationInterface, QueryRunner } from 'typeorm';

export class ServingInit1796300000000 implements MigrationInterface {
  name = 'ServingInit1796300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE serving_services (
        id uuid PRIMARY KEY,
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name text NOT NULL,
        status text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        spec jsonb NOT NULL,
        spec_yaml text NOT NULL,
        scaler jsonb NOT NULL,
        next_replica_id integer NOT NULL DEFAULT 1,
        subsidy jsonb NOT NULL,
        last_cold_start_ms integer,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        down_at timestamptz
      )`);
    // The name is the endpoint's path: one live service per name on the platform.
    await q.query(
      `CREATE UNIQUE INDEX serving_services_live_name_idx ON serving_services (name) WHERE status <> 'SHUTDOWN'`,
    );
    await q.query(`
      CREATE TABLE serving_replicas (
        service_id uuid NOT NULL REFERENCES serving_services(id) ON DELETE CASCADE,
        replica_id integer NOT NULL,
        version integer NOT NULL,
        pricing text NOT NULL CHECK (pricing IN ('spot', 'on_demand')),
        status text NOT NULL,
        status_reason text,
        sandbox_id uuid,
        node_id uuid,
        host text,
        host_port integer,
        gpu_type text,
        gpus integer NOT NULL DEFAULT 0,
        probe jsonb NOT NULL,
        launched_at timestamptz NOT NULL,
        started_at timestamptz,
        ready_at timestamptz,
        ended_at timestamptz,
        metered_until timestamptz,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (service_id, replica_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE serving_replicas`);
    await q.query(`DROP TABLE serving_services`);
  }
}
