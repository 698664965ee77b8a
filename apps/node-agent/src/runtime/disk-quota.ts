import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { AgentOperationError } from './runtime-driver';
import { runTool as run } from './tool-runner';

export interface DiskQuotaOptions {
  mkfs_bin: string;
  mount_bin: string;
  umount_bin: string;
}

const execFileAsync = promisify(execFile);

/** Ready filesystems kept per size, so a start moves one in instead of making it. */
const POOL_PER_SIZE = 4;

interface PoolEntry {
  dir: string;
  image: string;
  mnt: string;
}

/**
 * The work dir held to `disk_mb`: a sparse ext4 image of that size, loop-mounted on the work
 * dir (nosuid, nodev). A write past the size fails with ENOSPC ("No space left on device")
 * inside the sandbox and in the file API alike. The image sits next to the work dir (root, 0600)
 * and stays mounted from start to remove, so a stopped sandbox's files can still be read.
 *
 * Making and mounting an image takes tens to hundreds of ms on a busy node, too much for a
 * sandbox start: a small pool per size (made in the background after a size is first asked
 * for) holds mounted images, and a start moves one onto the work dir (`mount --move`).
 */
export class DiskQuota {
  private readonly pool = new Map<number, PoolEntry[]>();
  private readonly filling = new Map<number, Promise<void>>();
  private seq = 0;
  private closed = false;

  constructor(
    private readonly options: DiskQuotaOptions,
    private readonly poolDir: string | null = null,
  ) {
    if (poolDir) {
      sweepPool(poolDir, options.umount_bin);
      mkdirSync(poolDir, { recursive: true, mode: 0o700 });
    }
  }

  /** Root, the tools, and a loop device that actually mounts (tried once, at startup). */
  static probe(options: DiskQuotaOptions, scratchDir: string): boolean {
    if (process.getuid?.() !== 0) return false;
    if (!existsSync(options.mkfs_bin) || !existsSync(options.mount_bin)) return false;
    const dir = join(scratchDir, 'disk-probe');
    const image = join(dir, 'probe.img');
    const mnt = join(dir, 'mnt');
    try {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(mnt, { recursive: true, mode: 0o700 });
      writeFileSync(image, '', { mode: 0o600 });
      truncateSync(image, 8 * 1048576);
      execFileSync(options.mkfs_bin, ['-q', '-F', '-O', '^has_journal', image], {
        stdio: 'ignore',
      });
      execFileSync(options.mount_bin, ['-o', 'loop,nosuid,nodev', image, mnt], { stdio: 'ignore' });
      execFileSync(options.umount_bin, [mnt], { stdio: 'ignore' });
      return true;
    } catch {
      if (isMountPoint(mnt)) execFileSync(options.umount_bin, ['-l', mnt], { stdio: 'ignore' });
      return false;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * Takes a ready entry as a new sandbox's directory: the entry is laid out as one (`work/`
   * mounted, `work.img` beside it), and renaming a directory carries the mount beneath it, so
   * no process runs (a `mount --move` cost 15-25 ms on a busy node). False when there is none
   * of that size, or `sandboxDir` exists already; the start then mounts as before.
   */
  claim(sandboxDir: string, diskMb: number): boolean {
    const size = Math.max(8, diskMb);
    if (existsSync(sandboxDir)) return false;
    const ready = this.pool.get(size)?.shift();
    if (!ready) return false;
    try {
      renameSync(ready.dir, sandboxDir);
      chmodSync(sandboxDir, 0o711);
      return true;
    } catch {
      // Another filesystem, or gone: put back for `mount` to move it the old way.
      this.pool.get(size)?.unshift(ready);
      return false;
    } finally {
      this.refill(size);
    }
  }

  /** Mounts (making the image the first time) the sandbox's size-limited filesystem on workDir. */
  async mount(workDir: string, diskMb: number, uid: number, gid: number): Promise<void> {
    if (isMountPoint(workDir)) return;
    const size = Math.max(8, diskMb);
    const image = imageOf(workDir);
    try {
      const ready = existsSync(image) ? undefined : this.pool.get(size)?.shift();
      if (ready) {
        await run(this.options.mount_bin, ['--move', ready.mnt, workDir]);
        renameSync(ready.image, image);
        rmSync(ready.dir, { recursive: true, force: true });
      } else {
        if (!existsSync(image)) await this.makeImage(image, size);
        await run(this.options.mount_bin, ['-o', 'loop,nosuid,nodev', image, workDir]);
        const lostFound = join(workDir, 'lost+found');
        if (existsSync(lostFound)) rmdirSync(lostFound);
      }
      chownSync(workDir, uid, gid);
      chmodSync(workDir, 0o700);
    } catch {
      throw new AgentOperationError(
        'agent.uncontainable',
        "the sandbox's size-limited work dir could not be mounted",
      );
    } finally {
      this.refill(size);
    }
  }

  /** Frees the pool (agent shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    // A fill still making an image would mount it after the agent is gone.
    await Promise.all(this.filling.values());
    // Not through the spawn helper (at shutdown it may be gone with the signal that stops
    // us), and not synchronously (that blocked the embedded platform's event loop, and its
    // stop deadline, for a second and more on a loaded node): a mount left behind makes the
    // data directory impossible to delete, so each umount runs even if we exit meanwhile.
    const entries = [...this.pool.values()].flatMap((list) => list.splice(0));
    await Promise.all(
      entries.map(async (e) => {
        try {
          await execFileAsync(this.options.umount_bin, ['-l', e.mnt]);
          rmSync(e.dir, { recursive: true, force: true });
        } catch {
          // the next start sweeps the pool (sweepPool)
        }
      }),
    );
  }

  private async makeImage(image: string, sizeMb: number, background = false): Promise<void> {
    writeFileSync(image, '', { mode: 0o600 });
    truncateSync(image, sizeMb * 1048576);
    const args = [
      '-q',
      '-F',
      '-m',
      '0',
      '-O',
      '^has_journal,^resize_inode',
      '-E',
      'lazy_itable_init=1,nodiscard',
      image,
    ];
    await run(this.options.mkfs_bin, args, { background });
  }

  /** Tops the pool of `size` up in the background, one image at a time. */
  private refill(size: number): void {
    if (!this.poolDir || this.closed || this.filling.has(size)) return;
    const fill = (async () => {
      await Promise.resolve(); // runs after the map holds this fill
      try {
        for (;;) {
          const entries = this.pool.get(size) ?? [];
          this.pool.set(size, entries);
          if (this.closed || entries.length >= POOL_PER_SIZE) return;
          const dir = join(this.poolDir as string, `${size}-${process.pid}-${this.seq++}`);
          // Laid out as a sandbox directory (see claim): `work/` and `work.img`.
          const entry = { dir, image: join(dir, 'work.img'), mnt: join(dir, 'work') };
          mkdirSync(entry.mnt, { recursive: true, mode: 0o700 });
          await this.makeImage(entry.image, size, true);
          await run(this.options.mount_bin, ['-o', 'loop,nosuid,nodev', entry.image, entry.mnt], {
            background: true,
          });
          const lostFound = join(entry.mnt, 'lost+found');
          if (existsSync(lostFound)) rmdirSync(lostFound);
          if (this.closed) {
            await run(this.options.umount_bin, ['-l', entry.mnt]).catch(() => undefined);
            rmSync(dir, { recursive: true, force: true });
            return;
          }
          entries.push(entry);
        }
      } catch {
        // the next start makes its own image (and says so if that fails too)
      } finally {
        this.filling.delete(size);
      }
    })();
    this.filling.set(size, fill);
  }

  /** Unmounts (lazily if something still holds it) and deletes the image. */
  async release(workDir: string): Promise<void> {
    if (isMountPoint(workDir))
      await run(this.options.umount_bin, ['-l', workDir], { background: true });
    rmSync(imageOf(workDir), { force: true });
  }

  /**
   * Unmounts; the image and its files stay for the next mount. Lazily: the work dir is free at
   * once, and the kernel finishes when the last user lets go.
   */
  async unmount(workDir: string): Promise<void> {
    if (!isMountPoint(workDir)) return;
    await run(this.options.umount_bin, ['-l', workDir]);
  }

  hasImage(workDir: string): boolean {
    return existsSync(imageOf(workDir));
  }
}

/** Pool entries a previous agent run left mounted: unmounted and removed. */
function sweepPool(poolDir: string, umountBin: string): void {
  if (!existsSync(poolDir)) return;
  for (const name of readdirSync(poolDir)) {
    // `mnt`: entries of agents from before entries were laid out as sandbox directories.
    const mnt = [join(poolDir, name, 'work'), join(poolDir, name, 'mnt')].find(isMountPoint);
    if (mnt) {
      try {
        execFileSync(umountBin, ['-l', mnt], { stdio: 'ignore' });
      } catch {
        // left for the operator; the directory stays
        continue;
      }
    }
    rmSync(join(poolDir, name), { recursive: true, force: true });
  }
}

function imageOf(workDir: string): string {
  return join(dirname(workDir), 'work.img');
}

/** Whether `path` is a mount point, from the agent's own mount table. */
export function isMountPoint(path: string): boolean {
  try {
    return readFileSync('/proc/self/mountinfo', 'latin1')
      .split('\n')
      .some((line) => line.split(' ')[4] === path.replace(/ /g, '\\040'));
  } catch {
    return false;
  }
}
