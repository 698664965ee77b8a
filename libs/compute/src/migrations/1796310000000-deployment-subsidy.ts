import { MigrationInterface, QueryRunner } from 'typeorm';

/** What the subsidy policy decided for a deployment (at create and at each scale-up). */
export class DeploymentSubsidy1796310000000 implements MigrationInterface {
  name = 'DeploymentSubsidy1796310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE compute_deployments ADD COLUMN subsidy jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE compute_deployments DROP COLUMN subsidy`);
  }
}
