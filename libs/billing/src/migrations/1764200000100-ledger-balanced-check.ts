import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The database itself refuses an unbalanced journal entry: a deferred constraint trigger checks,
 * at commit, that the lines of every new entry sum to zero (the service checks it first; this is
 * the backstop against any other writer). One indexed sum per entry.
 */
export class LedgerBalancedCheck1764200000100 implements MigrationInterface {
  name = 'LedgerBalancedCheck1764200000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION billing_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE total numeric;
      BEGIN
        SELECT COALESCE(SUM(amount_micro), 0) INTO total
          FROM billing_journal_lines WHERE entry_id = NEW.id;
        IF total <> 0 THEN
          RAISE EXCEPTION 'journal entry % does not balance (sum % micro-credits)', NEW.id, total
            USING ERRCODE = '23514';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER billing_journal_entries_balanced
        AFTER INSERT ON billing_journal_entries
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION billing_check_entry_balanced()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TRIGGER IF EXISTS billing_journal_entries_balanced ON billing_journal_entries`,
    );
    await q.query(`DROP FUNCTION IF EXISTS billing_check_entry_balanced()`);
  }
}
