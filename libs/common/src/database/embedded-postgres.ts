import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdirSync } from 'node:fs';

export interface EmbeddedPostgres {
  url: string;
  /** PGlite is one session: the pool must not open more connections than this. */
  maxConnections: number;
  stop(): Promise<void>;
}

/**
 * Starts PGlite (Postgres in WASM) behind a loopback socket so that the ordinary `pg` driver,
 * TypeORM and the same migrations work on it as on PostgreSQL.
 */
export async function startEmbeddedPostgres(
  dataDir: string | ':memory:',
): Promise<EmbeddedPostgres> {
  if (dataDir !== ':memory:') mkdirSync(dataDir, { recursive: true });
  const db = dataDir === ':memory:' ? await PGlite.create() : await PGlite.create({ dataDir });
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
  };
}
