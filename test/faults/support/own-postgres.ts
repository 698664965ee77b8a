import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** PostgreSQL's server binaries, newest version first; null when none are installed. */
function binDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0]!, 'bin') : null;
}

/**
 * A throwaway PostgreSQL cluster in a temp dir on its own port, which a test may stop and start
 * (never the shared server). initdb refuses to run as root: as root it runs as `postgres`.
 */
export class OwnPostgres {
  readonly dir: string;
  readonly url: string;

  private constructor(
    private readonly bin: string,
    readonly port: number,
    private readonly asUser: string | null,
  ) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'nanopod-pg-'));
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }

  /** Why this machine cannot run one, or null when it can. */
  static unavailable(): string | null {
    if (!binDir()) return 'no PostgreSQL server binaries under /usr/lib/postgresql';
    if (process.getuid?.() === 0) {
      const r = spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
      if (r.status !== 0) return 'running as root and there is no postgres user for initdb';
    }
    return null;
  }

  static async create(port: number): Promise<OwnPostgres> {
    const pg = new OwnPostgres(binDir()!, port, process.getuid?.() === 0 ? 'postgres' : null);
    if (pg.asUser) {
      const uid = Number(execFileSync('id', ['-u', pg.asUser]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', pg.asUser]).toString().trim());
      chownSync(pg.dir, uid, gid);
    }
    pg.run('initdb', ['-D', pg.data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    pg.start();
    return pg;
  }

  private get data(): string {
    return path.join(this.dir, 'data');
  }

  start(): void {
    this.run('pg_ctl', [
      '-D',
      this.data,
      '-l',
      path.join(this.dir, 'log'),
      '-o',
      `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off`,
      '-w',
      'start',
    ]);
  }

  /** A fast stop: sessions are terminated, as in a crash or failover. */
  stop(): void {
    this.run('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', 'stop']);
  }

  dispose(): void {
    try {
      this.run('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(tool: string, args: string[]): void {
    const cmd = path.join(this.bin, tool);
    const [file, argv] = this.asUser
      ? ['runuser', ['-u', this.asUser, '--', cmd, ...args]]
      : [cmd, args];
    const r = spawnSync(file, argv, { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr}${r.stdout}`);
  }
}
