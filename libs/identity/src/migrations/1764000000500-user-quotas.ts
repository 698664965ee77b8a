import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-user overrides of the configured sandbox quotas; a null column keeps the default. */
export class UserQuotas1764000000500 implements MigrationInterface {
  name = 'UserQuotas1764000000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE user_quotas (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        max_sandboxes integer CHECK (max_sandboxes >= 0),
        max_cpu numeric CHECK (max_cpu >= 0),
        max_memory_mb integer CHECK (max_memory_mb >= 0),
        max_gpus integer CHECK (max_gpus >= 0),
        updated_by uuid REFERENCES users(id) ON DELETE SET NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE user_quotas`);
  }
}
