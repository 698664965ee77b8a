import { identityMigrations } from '@nanopod/identity';
import { policyMigrations } from '@nanopod/policy';
import { reputationMigrations } from '@nanopod/reputation';
import { billingMigrations } from '@nanopod/billing';
import { federationMigrations } from '@nanopod/federation';
import { marketMigrations } from '@nanopod/market';
import { computeMigrations } from '@nanopod/compute';
import { sandboxMigrations } from '@nanopod/sandbox';
import { servingMigrations } from '@nanopod/serving';

/** Every context's migrations; TypeORM orders them by their timestamps. */
export const platformMigrations = [
  ...identityMigrations,
  ...policyMigrations,
  ...reputationMigrations,
  ...billingMigrations,
  ...federationMigrations,
  ...marketMigrations,
  ...computeMigrations,
  ...sandboxMigrations,
  ...servingMigrations,
];
