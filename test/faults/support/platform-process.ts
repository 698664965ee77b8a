import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import request from 'supertest';
import { builtEntry } from '../../support/test-build';
import { seedPgliteDataDir } from '../../support/test-database';

const ROOT = path.resolve(__dirname, '../../..');
/** A platform child starts from the global setup's build; generous for a busy machine. */
export const STARTUP_MS = 180_000;

/** A free TCP port on 127.0.0.1, so a restarted platform comes back where agents look for it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string | (() => string),
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The platform as its own process (apps/platform/src/main.ts) on a fixed port, so it can be
 * stopped with a signal or killed with SIGKILL and started again on the same database.
 */
export class PlatformProcess {
  private child: ChildProcess | null = null;
  private out = '';
  readonly url: string;

  constructor(
    private readonly env: Record<string, string>,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** What the shape of the in-process test platform offers the agent helpers. */
  http(): ReturnType<typeof request> {
    return request(this.url);
  }

  output(): string {
    return this.out;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts main.ts and resolves once /healthz answers. */
  async start(): Promise<void> {
    const dataDir = this.env.NANOPOD_DATA_DIR;
    if (!this.env.DATABASE_URL && dataDir && dataDir !== ':memory:') seedPgliteDataDir(dataDir);
    const child = spawn(process.execPath, [builtEntry('apps/platform/src/main.ts')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NANOPOD_ENV: 'test',
        NANOPOD_LOCAL_NODE_AGENT: 'false',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        NANOPOD_PUBLIC_URL: this.url,
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.out += d.toString()));
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`platform exited while starting: ${this.out.slice(-3000)}`);
        }
        try {
          return (await fetch(`${this.url}/healthz`)).status === 200;
        } catch {
          return false;
        }
      },
      STARTUP_MS,
      () => `the platform to start (${this.out.slice(-2000)})`,
      200,
    );
  }

  /** Sends `signal` and resolves with how long the process took to exit, and how. */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
  ): Promise<{ ms: number; code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    if (!child || !this.running) return { ms: 0, code: child?.exitCode ?? null, signal: null };
    const started = Date.now();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.once('exit', (code, sig) => r({ code, signal: sig })),
    );
    child.kill(signal);
    const how = await exited;
    return { ms: Date.now() - started, ...how };
  }

  /** Last resort for afterAll. */
  async dispose(): Promise<void> {
    if (this.running) await this.stop('SIGKILL');
  }
}

/** The admin API key NANOPOD_BOOTSTRAP_KEY_FILE received on first start. */
export function readBootstrapKey(file: string): { Authorization: string } {
  return { Authorization: `Bearer ${readFileSync(file, 'utf8').trim()}` };
}
