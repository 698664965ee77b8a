import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sandboxes that run a serving replica: `purpose` ('sandbox' or 'replica'; a replica's time is
 * metered by serving as replica seconds, not here), the ports inside the platform must reach,
 * and where the agent forwarded them on its node. Existing rows are plain sandboxes.
 */
export class SandboxPorts1764400000700 implements MigrationInterface {
  name = 'SandboxPorts1764400000700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE sandboxes ADD COLUMN purpose text NOT NULL DEFAULT 'sandbox' CHECK (purpose IN ('sandbox', 'replica'))`,
    );
    await q.query(`ALTER TABLE sandboxes ADD COLUMN ports jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`ALTER TABLE sandboxes ADD COLUMN exposed_ports jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sandboxes DROP COLUMN exposed_ports`);
    await q.query(`ALTER TABLE sandboxes DROP COLUMN ports`);
    await q.query(`ALTER TABLE sandboxes DROP COLUMN purpose`);
  }
}
