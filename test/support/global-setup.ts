import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { buildForTests, builtEntry, ROOT, TEST_BUILD_DIR } from './test-build';

/**
 * Runs once before all suites (jest's globalSetup; workers inherit process.env):
 * 1. builds the apps and libs for child-process tests (.test-build/);
 * 2. migrates one template database per schema version, which every suite clones instead of
 *    migrating its own: a PGlite dump (NANOPOD_PGLITE_TEMPLATE) and, when DATABASE_URL is set,
 *    a PostgreSQL template database (NANOPOD_TEST_PG_TEMPLATE).
 */
export default async function globalSetup(): Promise<void> {
  await buildForTests();
  const version = schemaVersion();
  process.env.NANOPOD_PGLITE_TEMPLATE = await pgliteTemplate(version);
  process.env.NANOPOD_TEST_PGLITE_DATADIR = await pgliteDataDirTemplate(version);
  process.env.NANOPOD_OIDC_KEYS_FILE = await issuerKeys();
  if (process.env.DATABASE_URL) {
    process.env.NANOPOD_TEST_PG_TEMPLATE = await postgresTemplate(
      process.env.DATABASE_URL,
      version,
    );
  }
}

type Migrations = Array<new () => unknown>;

function platformMigrations(): Migrations {
  return (
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the build made at run time
    (require(builtEntry('apps/platform/src/migrations.ts')) as { platformMigrations: Migrations })
      .platformMigrations
  );
}

/** A hash of every migration's source: a new or edited migration makes new templates. */
function schemaVersion(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (p.includes(`${path.sep}migrations${path.sep}`) && p.endsWith('.ts')) {
        hash.update(p.slice(ROOT.length)).update(readFileSync(p));
      }
    }
  };
  walk(path.join(ROOT, 'libs'));
  hash.update(readFileSync(path.join(ROOT, 'apps/platform/src/migrations.ts')));
  return hash.digest('hex').slice(0, 12);
}

async function migrate(url: string, poolSize: number): Promise<void> {
  const { DataSource } = await import('typeorm');
  const ds = new DataSource({
    type: 'postgres',
    url,
    migrations: platformMigrations(),
    migrationsTransactionMode: 'each',
    logging: false,
    extra: { max: poolSize },
  });
  await ds.initialize();
  try {
    await ds.runMigrations();
  } finally {
    await ds.destroy();
  }
}

/** One RSA key for every test platform's built-in issuer instead of one per boot. */
async function issuerKeys(): Promise<string> {
  const file = path.join(TEST_BUILD_DIR, 'oidc-issuer-keys.json');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the build made at run time
  const { loadIssuerKeys } = require(
    builtEntry('libs/identity/src/builtin-issuer/issuer-keys.ts'),
  ) as typeof import('../../libs/identity/src/builtin-issuer/issuer-keys');
  await loadIssuerKeys(':memory:', file);
  return file;
}

async function pgliteTemplate(version: string): Promise<string> {
  const file = path.join(TEST_BUILD_DIR, `pglite-template-${version}.tar`);
  if (existsSync(file)) return file;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the build made at run time
  const { startEmbeddedPostgres } = require(
    builtEntry('libs/common/src/database/embedded-postgres.ts'),
  ) as typeof import('../../libs/common/src/database/embedded-postgres');
  const db = await startEmbeddedPostgres(':memory:');
  try {
    await migrate(db.url, db.maxConnections);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, await db.dump());
    renameSync(tmp, file);
  } finally {
    await db.stop();
  }
  return file;
}

/**
 * A migrated PGlite data directory, copied into the data dir of a platform child before its
 * first start (`seedPgliteDataDir`): initdb and every migration on disk cost 20-40 s each time.
 */
async function pgliteDataDirTemplate(version: string): Promise<string> {
  const dir = path.join(TEST_BUILD_DIR, `pglite-datadir-${version}`);
  if (existsSync(dir)) return dir;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the build made at run time
  const { startEmbeddedPostgres } = require(
    builtEntry('libs/common/src/database/embedded-postgres.ts'),
  ) as typeof import('../../libs/common/src/database/embedded-postgres');
  const building = `${dir}.${process.pid}.tmp`;
  rmSync(building, { recursive: true, force: true });
  const db = await startEmbeddedPostgres(building);
  try {
    await migrate(db.url, db.maxConnections);
  } finally {
    await db.stop();
  }
  renameSync(building, dir);
  return dir;
}

async function postgresTemplate(base: string, version: string): Promise<string> {
  const name = `nanopod_template_${version}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  try {
    const have = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (have.rowCount) return name;
    // Built under a private name and renamed when whole, so a concurrent or killed run never
    // clones a half-migrated template.
    const building = `${name}_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${building}`);
    const url = new URL(base);
    url.pathname = `/${building}`;
    await migrate(url.toString(), 2);
    try {
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    } catch (err) {
      // Another run finished the same template first.
      await admin.query(`DROP DATABASE IF EXISTS ${building}`);
      if ((err as { code?: string }).code !== '42P04') throw err;
    }
    return name;
  } finally {
    await admin.end();
  }
}
