import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A node's kind and workload classes come from the token it enrolled with, not from its agent:
 * tokens carry them, nodes keep them in their own column, and what an agent claims otherwise
 * is kept apart (`claimed`) for people to see.
 */
export class NodeTrust1764300000500 implements MigrationInterface {
  name = 'NodeTrust1764300000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE enrollment_tokens ADD COLUMN kind text NOT NULL DEFAULT 'federated'`,
    );
    await q.query(`ALTER TABLE enrollment_tokens ADD COLUMN workload_classes jsonb`);
    await q.query(
      `ALTER TABLE nodes ADD COLUMN workload_classes jsonb NOT NULL DEFAULT '["latency_tolerant"]'`,
    );
    await q.query(`ALTER TABLE nodes ADD COLUMN claimed jsonb`);
    // Existing nodes keep the classes they had, within what their kind allows.
    await q.query(`
      UPDATE nodes SET workload_classes = CASE
        WHEN kind = 'infiniband' AND jsonb_typeof(inventory->'workload_classes') = 'array'
          THEN inventory->'workload_classes'
        ELSE '["latency_tolerant"]'::jsonb END`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE nodes DROP COLUMN claimed`);
    await q.query(`ALTER TABLE nodes DROP COLUMN workload_classes`);
    await q.query(`ALTER TABLE enrollment_tokens DROP COLUMN workload_classes`);
    await q.query(`ALTER TABLE enrollment_tokens DROP COLUMN kind`);
  }
}
