import 'reflect-metadata';
import { ConfigError, loadConfig } from '@nanopod/common';
import { DataSource } from 'typeorm';
import { platformMigrations } from './migrations';

/**
 * Runs the pending migrations against DATABASE_URL and exits: the Helm chart's migrations Job
 * (a pre-install/pre-upgrade hook), so that replicas starting together never race on the same
 * migration. Replicas still run migrations at start; with none pending that is a no-op.
 * Exit 0: up to date; 78: bad configuration; 1: a migration failed (its transaction rolled back).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (config.database.kind !== 'postgres') {
    throw new ConfigError(['DATABASE_URL is required: the embedded database migrates at start']);
  }
  const dataSource = new DataSource({
    type: 'postgres',
    url: config.database.url,
    migrations: platformMigrations,
    migrationsTransactionMode: 'each',
  });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations();
    process.stdout.write(
      `nanopod migrate: ${applied.length} applied${applied.map((m) => `\n  ${m.name}`).join('')}\n`,
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    for (const p of err.problems) process.stderr.write(`nanopod: configuration error: ${p}\n`);
    process.exit(78);
  }
  process.stderr.write(`nanopod migrate failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
