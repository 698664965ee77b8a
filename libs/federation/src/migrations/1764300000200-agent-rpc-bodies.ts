import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agent commands routed between platform replicas go over NOTIFY, whose payload is capped at
 * 8000 bytes; larger ones (file contents, big output chunks) wait here, named in the NOTIFY.
 */
export class AgentRpcBodies1764300000200 implements MigrationInterface {
  name = 'AgentRpcBodies1764300000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE federation_agent_rpc_bodies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX federation_agent_rpc_bodies_created_idx ON federation_agent_rpc_bodies (created_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE federation_agent_rpc_bodies');
  }
}
