import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdirSync, readFileSync } from 'node:fs';

export interface EmbeddedPostgres {
  url: string;
  /** PGlite is one session: the pool must not open more connections than this. */
  maxConnections: number;
  stop(): Promise<void>;
  /** The whole data directory as a tarball, for `template` (a migrated database to clone). */
  dump(): Promise<Buffer>;
}

/**
 * Starts PGlite (Postgres in WASM) behind a loopback socket so that the ordinary `pg` driver,
 * TypeORM and the same migrations work on it as on PostgreSQL.
 */
export async function startEmbeddedPostgres(
  dataDir: string | ':memory:',
  options: { template?: string } = {},
): Promise<EmbeddedPostgres> {
  if (dataDir !== ':memory:') mkdirSync(dataDir, { recursive: true });
  const db =
    dataDir !== ':memory:'
      ? await PGlite.create({ dataDir })
      : options.template
        ? await PGlite.create({ loadDataDir: new Blob([readFileSync(options.template)]) })
        : await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.split(':').pop());
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    maxConnections: 1,
    async stop() {
      await server.stop();
      await db.close();
    },
    async dump() {
      const file = await db.dumpDataDir('none');
      return Buffer.from(await file.arrayBuffer());
    },
  };
}
