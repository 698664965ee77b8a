import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The estimated cost a sandbox holds against its owner's wallet while it is active (full-TTL
 * list price at the owner's rate, micro-credits). Existing sandboxes hold nothing.
 */
export class SandboxReservations1764400000500 implements MigrationInterface {
  name = 'SandboxReservations1764400000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE sandboxes ADD COLUMN reserved_micro bigint NOT NULL DEFAULT 0 CHECK (reserved_micro >= 0)`,
    );
    await q.query(
      `CREATE INDEX sandboxes_owner_active_idx ON sandboxes (owner_id) WHERE state IN ('pending', 'starting', 'running')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX sandboxes_owner_active_idx`);
    await q.query(`ALTER TABLE sandboxes DROP COLUMN reserved_micro`);
  }
}
