import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sandbox names (`brave-otter-3f2a`, or the owner's own), unique per owner among sandboxes
 * that are not deleted: a deleted sandbox's name can be used again. Existing rows are named
 * from their id (`sandbox-` and its first 12 hex digits), which cannot clash within an owner
 * in practice; then the column is constrained.
 *
 * The index is built inside the migration's transaction (not CONCURRENTLY, which PGlite and a
 * transaction both refuse): the table is small and migrations run before the platform serves.
 */
export class SandboxNames1764400000800 implements MigrationInterface {
  name = 'SandboxNames1764400000800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sandboxes ADD COLUMN name text`);
    await q.query(
      `UPDATE sandboxes SET name = 'sandbox-' || left(replace(id::text, '-', ''), 12) WHERE name IS NULL`,
    );
    await q.query(`ALTER TABLE sandboxes ALTER COLUMN name SET NOT NULL`);
    await q.query(
      `CREATE UNIQUE INDEX sandboxes_owner_name_live_idx ON sandboxes (owner_id, name) WHERE deleted_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX sandboxes_owner_name_live_idx`);
    await q.query(`ALTER TABLE sandboxes DROP COLUMN name`);
  }
}
