import { identityMigrations } from '@nanopod/identity';
import { policyMigrations } from '@nanopod/policy';
import { reputationMigrations } from '@nanopod/reputation';
import { billingMigrations } from '@nanopod/billing';
import { federationMigrations } from '@nanopod/federation';
import { sandboxMigrations } from '@nanopod/sandbox';

/** Every context's migrations; TypeORM orders them by their timestamps. */
export const platformMigrations = [
  ...identityMigrations,
  ...policyMigrations,
  ...reputationMigrations,
  ...billingMigrations,
  ...federationMigrations,
  ...sandboxMigrations,
];
