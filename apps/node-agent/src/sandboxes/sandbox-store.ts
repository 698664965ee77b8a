import {
  chmodSync,
  chownSync,
  mkdirSync,
  promises as fs,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { SandboxRecord } from '../runtime/runtime-driver';

/**
 * Sandboxes on disk: `<state>/sandboxes/<id>/sandbox.json` (root-only) beside
 * `<state>/sandboxes/<id>/work` (the sandbox's). What survives an agent restart.
 */
export class SandboxStore {
  readonly root: string;

  constructor(stateDir: string) {
    this.root = join(stateDir, 'sandboxes');
  }

  dirOf(sandboxId: string): string {
    return join(this.root, sandboxId);
  }

  workDirOf(sandboxId: string): string {
    return join(this.root, sandboxId, 'work');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true, mode: 0o711 });
    // Sandboxes run bwrap as their own uid, which must be able to reach (not list) its work dir
    // and the passwd file: search-only on the way down. credential.json itself stays 0600.
    await fs.chmod(dirname(this.root), 0o711);
    await fs.chmod(this.root, 0o711);
  }

  loadAll(): SandboxRecord[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    const out: SandboxRecord[] = [];
    for (const name of names) {
      try {
        out.push(
          JSON.parse(readFileSync(join(this.root, name, 'sandbox.json'), 'utf8')) as SandboxRecord,
        );
      } catch {
        // a half-created sandbox without its record: nothing runs there
      }
    }
    return out;
  }

  /**
   * Writes the record (temp file, then rename), synchronously: a record is a few hundred bytes
   * (no fsync), and two saves of one sandbox can then never interleave (two async ones shared
   * the temp file and the second rename failed with ENOENT). Each async step was also a
   * thread-pool round trip on the start path.
   */
  async save(record: SandboxRecord): Promise<void> {
    const file = join(this.dirOf(record.sandbox_id), 'sandbox.json');
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(record, null, 2), { mode: 0o600 });
    renameSync(tmp, file);
  }

  /** Creates `<id>/` (root, 0711) and `<id>/work` (the sandbox's uid, 0700); synchronous, as save. */
  async createDirs(record: SandboxRecord): Promise<void> {
    mkdirSync(this.dirOf(record.sandbox_id), { recursive: true, mode: 0o711 });
    mkdirSync(record.work_dir, { recursive: true, mode: 0o700 });
    chmodSync(record.work_dir, 0o700);
    if (process.getuid?.() === 0) chownSync(record.work_dir, record.uid, record.gid);
  }

  /**
   * Whether an unprivileged uid can walk down to the work dirs: bwrap runs as the sandbox's
   * uid and opens the bind source by path, so every ancestor needs the search bit for others.
   */
  traversableByOthers(): boolean {
    let dir = dirname(this.root);
    for (;;) {
      try {
        if ((statSync(dir).mode & 0o001) === 0) return false;
      } catch {
        return false;
      }
      const parent = dirname(dir);
      if (parent === dir) return true;
      dir = parent;
    }
  }

  async remove(sandboxId: string): Promise<void> {
    await fs.rm(this.dirOf(sandboxId), { recursive: true, force: true });
  }
}
