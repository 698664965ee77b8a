import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface TestDatabase {
  /** Environment to start the platform with: DATABASE_URL for PostgreSQL, or PGlite in memory. */
  env: Record<string, string>;
  kind: 'postgres' | 'pglite';
  drop(): Promise<void>;
}

/**
 * Every test app gets its own database: a fresh PostgreSQL database when DATABASE_URL is set
 * (CI sets it), else PGlite in memory. The kind can be forced with `kind`.
 */
export async function createTestDatabase(kind?: 'postgres' | 'pglite'): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  const want = kind ?? (base ? 'postgres' : 'pglite');
  if (want === 'pglite' || !base) {
    return { env: { NANOPOD_DATA_DIR: ':memory:' }, kind: 'pglite', drop: async () => undefined };
  }
  const name = `nanopod_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString(), NANOPOD_DATA_DIR: ':memory:' },
    kind: 'postgres',
    async drop() {
      const c = new Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** The database kinds a repository test runs on: PGlite always, PostgreSQL when DATABASE_URL is set. */
export function databaseKinds(): Array<'pglite' | 'postgres'> {
  return process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}
