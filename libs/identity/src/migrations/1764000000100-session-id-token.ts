import { MigrationInterface, QueryRunner } from 'typeorm';

/** The realm's ID token of a browser session: the id_token_hint of RP-initiated logout. */
export class SessionIdToken1764000000100 implements MigrationInterface {
  name = 'SessionIdToken1764000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions ADD COLUMN id_token text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions DROP COLUMN id_token`);
  }
}
