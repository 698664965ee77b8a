import { randomBytes } from 'node:crypto';
import { cpSync, existsSync } from 'node:fs';
import * as path from 'node:path';
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
    return { env: pgliteEnv(), kind: 'pglite', drop: async () => undefined };
  }
  const name = `nanopod_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  try {
    await createDatabase(admin, name, process.env.NANOPOD_TEST_PG_TEMPLATE);
  } finally {
    await admin.end();
  }
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

/** An in-memory PGlite, cloned from the migrated template when the global setup made one. */
export function pgliteEnv(): Record<string, string> {
  const template = process.env.NANOPOD_PGLITE_TEMPLATE;
  return {
    NANOPOD_DATA_DIR: ':memory:',
    ...(template ? { NANOPOD_PGLITE_TEMPLATE: template } : {}),
  };
}

/**
 * A copy of the migrated template (global setup) when there is one, else an empty database that
 * the platform migrates. Two clones of one template at the same instant can meet PostgreSQL's
 * "source database is being accessed": that one is tried again.
 */
async function createDatabase(admin: Client, name: string, template?: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '55006' || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
}

/**
 * The database kinds a suite runs on. Without DATABASE_URL: PGlite (the embedded default).
 * With it (CI): PostgreSQL, and PGlite as well for suites whose persistence behaves differently
 * on the two (locking, LISTEN/NOTIFY, concurrency, durability across restarts): those pass
 * `'both'`. Every suite runs on PGlite in a plain `npm test` without DATABASE_URL.
 */
export function databaseKinds(which: 'default' | 'both' = 'default'): Array<'pglite' | 'postgres'> {
  if (!process.env.DATABASE_URL) return ['pglite'];
  return which === 'both' ? ['pglite', 'postgres'] : ['postgres'];
}

/**
 * Before the first start of a platform child on PGlite in `dataDir`: its embedded database as
 * that start would leave it (initdb and every migration), copied from the global setup's.
 */
export function seedPgliteDataDir(dataDir: string): void {
  const template = process.env.NANOPOD_TEST_PGLITE_DATADIR;
  const target = path.join(dataDir, 'pgdata');
  if (!template || existsSync(target)) return;
  cpSync(template, target, { recursive: true });
}
