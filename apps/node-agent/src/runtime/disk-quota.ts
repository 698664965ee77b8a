import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { AgentOperationError } from './runtime-driver';

const run = promisify(execFile);

export interface DiskQuotaOptions {
  mkfs_bin: string;
  mount_bin: string;
  umount_bin: string;
}

/**
 * The work dir held to `disk_mb`: a sparse ext4 image of that size, loop-mounted on the work
 * dir (nosuid, nodev). A write past the size fails with ENOSPC ("No space left on device")
 * inside the sandbox and in the file API alike. The image sits next to the work dir (root, 0600)
 * and stays mounted from start to remove, so a stopped sandbox's files can still be read.
 */
export class DiskQuota {
  constructor(private readonly options: DiskQuotaOptions) {}

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

  /** Mounts (making the image the first time) the sandbox's size-limited filesystem on workDir. */
  async mount(workDir: string, diskMb: number, uid: number, gid: number): Promise<void> {
    if (isMountPoint(workDir)) return;
    const image = imageOf(workDir);
    try {
      if (!existsSync(image)) {
        writeFileSync(image, '', { mode: 0o600 });
        truncateSync(image, Math.max(8, diskMb) * 1048576);
        await run(this.options.mkfs_bin, [
          '-q',
          '-F',
          '-m',
          '0',
          '-O',
          '^has_journal,^resize_inode',
          '-E',
          `lazy_itable_init=1,nodiscard,root_owner=${uid}:${gid}`,
          image,
        ]);
      }
      await run(this.options.mount_bin, ['-o', 'loop,nosuid,nodev', image, workDir]);
      chmodSync(workDir, 0o700);
      const lostFound = join(workDir, 'lost+found');
      if (existsSync(lostFound)) rmdirSync(lostFound);
    } catch {
      throw new AgentOperationError(
        'agent.uncontainable',
        "the sandbox's size-limited work dir could not be mounted",
      );
    }
  }

  /** Unmounts (lazily if something still holds it) and deletes the image. */
  async release(workDir: string): Promise<void> {
    await this.unmount(workDir);
    rmSync(imageOf(workDir), { force: true });
  }

  /** Unmounts; the image and its files stay for the next mount. */
  async unmount(workDir: string): Promise<void> {
    if (!isMountPoint(workDir)) return;
    await run(this.options.umount_bin, [workDir]).catch(() =>
      run(this.options.umount_bin, ['-l', workDir]),
    );
  }

  hasImage(workDir: string): boolean {
    return existsSync(imageOf(workDir));
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
