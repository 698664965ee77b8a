import { identityMigrations } from '@nanopod/identity';

/** Every context's migrations; TypeORM orders them by their timestamps. */
export const platformMigrations = [...identityMigrations];
