import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The address the platform reaches a node's forwarded replica ports at (its VPN address, or
 * loopback for the platform's own local agent). Issued with the enrollment token by an admin,
 * never taken from what the agent reports: the platform connects there.
 */
export class NodeAddress1796320000000 implements MigrationInterface {
  name = 'NodeAddress1796320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE enrollment_tokens ADD COLUMN address text`);
    await q.query(`ALTER TABLE nodes ADD COLUMN address text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE nodes DROP COLUMN address`);
    await q.query(`ALTER TABLE enrollment_tokens DROP COLUMN address`);
  }
}
