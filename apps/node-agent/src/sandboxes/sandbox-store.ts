import { promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SandboxRecord } from '../runtime/runtime-driver';

/**
 * Sandboxes on disk: `<state>/sandboxes/<id>/sandbox.json` (root-only) beside
 * `<state>/sandboxes/<id>/work` (the sandbox's). What survives an agent restart.
 */
export class SandboxStore {
  readonly root: string;
  private readonly saving = new Map<string, Promise<void>>();

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
   * Writes the record (temp file, then rename). Saves of one sandbox run one after another:
   * two at once shared the temp file, and the second rename failed with ENOENT.
   */
  save(record: SandboxRecord): Promise<void> {
    const id = record.sandbox_id;
    const data = JSON.stringify(record, null, 2);
    const previous = this.saving.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.write(id, data));
    this.saving.set(id, next);
    void next
      .catch(() => undefined)
      .then(() => {
        if (this.saving.get(id) === next) this.saving.delete(id);
      });
    return next;
  }

  private async write(sandboxId: string, data: string): Promise<void> {
    const file = join(this.dirOf(sandboxId), 'sandbox.json');
    const tmp = `${file}.tmp`;
    await fs.writeFile(tmp, data, { mode: 0o600 });
    await fs.rename(tmp, file);
  }

  /** Creates `<id>/` (root, 0711) and `<id>/work` (the sandbox's uid, 0700). */
  async createDirs(record: SandboxRecord): Promise<void> {
    await fs.mkdir(this.dirOf(record.sandbox_id), { recursive: true, mode: 0o711 });
    await fs.mkdir(record.work_dir, { recursive: true, mode: 0o700 });
    await fs.chmod(record.work_dir, 0o700);
    if (process.getuid?.() === 0) await fs.chown(record.work_dir, record.uid, record.gid);
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
