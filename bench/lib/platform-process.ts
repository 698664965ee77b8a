import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createTestDatabase } from '../../test/support/test-database';

export interface PlatformProcess {
  url: string;
  adminKey: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5 s). */
  stop(graceMs?: number): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const root = path.resolve(__dirname, '../..');

/**
 * The platform in its own process (so the load generator does not share its event loop), with
 * a bootstrap admin key written to a temp file.
 */
export async function startPlatformProcess(
  env: Record<string, string> = {},
  options: { nodeArgs?: string[] } = {},
): Promise<PlatformProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nanopod-bench-'));
  const port = await freePort();
  const keyFile = path.join(dir, 'admin.key');
  // A database of its own: the bootstrap key is only written where no admin key exists yet.
  const db = await createTestDatabase();
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      // e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`: a profile of the platform under the bench.
      ...(process.env.NANOPOD_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      'apps/platform/src/main.ts',
    ],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: String(port),
        // The issuer's URLs must match the host the load and the sign-in use.
        NANOPOD_PUBLIC_URL: `http://127.0.0.1:${port}`,
        NANOPOD_DATA_DIR: ':memory:',
        NANOPOD_LOCAL_NODE_AGENT: 'false',
        NANOPOD_BOOTSTRAP_KEY_FILE: keyFile,
        NANOPOD_LOG_LEVEL: 'warn',
        // Any free port: several platforms may run on this machine at once.
        NANOPOD_METRICS_PORT: '0',
        ...db.env,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  // Generous: on a shared, loaded machine a boot through ts-node has taken four minutes.
  const deadline = Date.now() + 400_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`platform exited: ${stderr}`);
      try {
        const res = await fetch(`${url}/readyz`);
        if (res.ok && existsSync(keyFile)) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`platform did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    if (child.exitCode === null) child.kill('SIGKILL');
    await db.drop();
    throw err;
  }
  const adminKey = readFileSync(keyFile, 'utf8').trim();
  return {
    url,
    adminKey,
    child,
    async stop(graceMs = 5000) {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await db.drop();
    },
  };
}
