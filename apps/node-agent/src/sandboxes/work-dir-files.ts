import { promises as fs } from 'node:fs';
import type { FileEntry } from '@nanopod/federation';
import {
  AgentOperationError,
  type SandboxFiles,
  type SandboxRecord,
} from '../runtime/runtime-driver';
import { extractArchive } from './archive-extractor';
import {
  at,
  checkName,
  componentError,
  FdWalkError,
  fileKind,
  openRoot,
  READ_FLAGS,
  walkDirs,
  WRITE_FLAGS,
} from './fd-walk';

/** Archive limits beyond the work dir's room (`disk_mb`). */
const MAX_ARCHIVE_ENTRIES = 50_000;
const MAX_ARCHIVE_RATIO = 200;
/** Small archives may expand by any ratio: a few MB of zeros harm nobody. */
const RATIO_FLOOR_BYTES = 64 * 1048576;
const MAX_DEPTH = 64;

/**
 * Files of a sandbox whose work dir lives on this host. The agent may run as root while the
 * sandbox owns its work dir and runs code in it at the same time, so nothing here opens a
 * path by name: every component is opened from its parent's descriptor (fd-walk.ts), the last
 * one with O_NOFOLLOW|O_NONBLOCK, and only regular files are read or written (a FIFO would
 * hold a libuv thread forever, a device could do anything on open). Errors name the path the
 * caller sent, never a host path.
 */
export class WorkDirFiles implements SandboxFiles {
  async putFile(sandbox: SandboxRecord, path: string, data: Buffer): Promise<number> {
    const limit = sandbox.spec.limits.disk_mb * 1024 * 1024;
    if (data.length > limit) {
      throw new AgentOperationError(
        'agent.file_too_large',
        `file is larger than ${sandbox.spec.limits.disk_mb} MB`,
      );
    }
    if (path === '.') throw new AgentOperationError('agent.path_invalid', 'a file needs a name');
    await this.ensureRoom(sandbox, data.length);
    const parts = path.split('/');
    const name = parts[parts.length - 1];
    await this.inDir(sandbox, parts.slice(0, -1), true, async (dir) => {
      checkName(name);
      const existing = await fs.lstat(at(dir.fd, name)).catch(() => null);
      if (existing && !existing.isFile())
        throw new FdWalkError('not_a_file', `"${path}" is ${fileKind(existing)}`);
      const handle = await fs.open(at(dir.fd, name), WRITE_FLAGS, 0o644).catch((err: unknown) => {
        throw componentError(err, path);
      });
      try {
        const stat = await handle.stat();
        // A hard link would let a write land in a file the sandbox shares with something else.
        if (!stat.isFile() || stat.nlink > 1)
          throw new FdWalkError('not_a_file', `"${path}" is not a plain regular file`);
        await handle.truncate(0);
        await handle.writeFile(data);
        await handle.chown(sandbox.uid, sandbox.gid).catch(() => undefined);
      } finally {
        await handle.close();
      }
    });
    return data.length;
  }

  async putArchive(sandbox: SandboxRecord, path: string, tarGz: Buffer): Promise<number> {
    const limit = sandbox.spec.limits.disk_mb * 1024 * 1024;
    const room = Math.max(0, limit - (await this.usage(sandbox)));
    const result = await extractArchive({
      root: sandbox.work_dir,
      target: path === '.' ? [] : path.split('/'),
      tarGz,
      owner: { uid: sandbox.uid, gid: sandbox.gid },
      limitBytes: room,
      maxEntries: MAX_ARCHIVE_ENTRIES,
      maxRatio: MAX_ARCHIVE_RATIO,
      ratioFloorBytes: RATIO_FLOOR_BYTES,
    });
    if (result.ok) return result.bytes;
    if (result.reason === 'too_large') {
      throw new AgentOperationError(
        'agent.file_too_large',
        `${result.message} (work dir limit ${sandbox.spec.limits.disk_mb} MB)`,
      );
    }
    throw new AgentOperationError(
      result.reason === 'refused' ? 'agent.archive_refused' : 'agent.path_invalid',
      result.message,
    );
  }

  async getFile(sandbox: SandboxRecord, path: string, maxBytes: number): Promise<Buffer> {
    const parts = path === '.' ? [] : path.split('/');
    if (parts.length === 0)
      throw new AgentOperationError('agent.path_invalid', 'a file needs a name');
    const name = parts[parts.length - 1];
    return this.inDir(sandbox, parts.slice(0, -1), false, async (dir) => {
      checkName(name);
      // lstat first so a device is never even opened; fstat after, for a swap in between.
      const before = await fs.lstat(at(dir.fd, name)).catch((err: unknown) => {
        throw componentError(err, path);
      });
      if (!before.isFile()) throw new FdWalkError('not_a_file', `"${path}" is ${fileKind(before)}`);
      const handle = await fs.open(at(dir.fd, name), READ_FLAGS).catch((err: unknown) => {
        throw componentError(err, path);
      });
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw new FdWalkError('not_a_file', `"${path}" is ${fileKind(stat)}`);
        if (stat.size > maxBytes) {
          throw new AgentOperationError(
            'agent.file_too_large',
            `"${path}" is larger than ${Math.floor(maxBytes / 1048576)} MB`,
          );
        }
        // Read at most what fstat saw: a file growing meanwhile cannot pass maxBytes.
        const buffer = Buffer.alloc(stat.size);
        let offset = 0;
        while (offset < buffer.length) {
          const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
        }
        return buffer.subarray(0, offset);
      } finally {
        await handle.close();
      }
    });
  }

  async list(sandbox: SandboxRecord, path: string): Promise<FileEntry[]> {
    const parts = path === '.' ? [] : path.split('/');
    const entries: FileEntry[] = [];
    await this.inDir(sandbox, parts, false, async (start) => {
      await visitTree(start, path === '.' ? '' : path, 0, (relPath, stat) => {
        if (entries.length >= 10_000) return false;
        entries.push({
          path: relPath,
          size: stat.isDirectory() ? 0 : stat.size,
          type: stat.isDirectory() ? 'dir' : 'file',
          modified_at: stat.mtime.toISOString(),
        });
        return true;
      });
    });
    return entries;
  }

  /** Bytes used under the work dir (symlinks not followed). */
  async usage(sandbox: SandboxRecord): Promise<number> {
    let total = 0;
    await this.inDir(sandbox, [], false, async (root) => {
      await visitTree(root, '', 0, (_rel, stat) => {
        if (stat.isFile()) total += stat.size;
        return true;
      });
    }).catch(() => undefined);
    return total;
  }

  private async ensureRoom(sandbox: SandboxRecord, bytes: number): Promise<void> {
    const limit = sandbox.spec.limits.disk_mb * 1024 * 1024;
    if ((await this.usage(sandbox)) + bytes > limit) {
      throw new AgentOperationError(
        'agent.file_too_large',
        `the work dir would pass its ${sandbox.spec.limits.disk_mb} MB limit`,
      );
    }
  }

  /** Runs `work` with a descriptor of the directory `parts` names, mapping walk errors. */
  private async inDir<T>(
    sandbox: SandboxRecord,
    parts: string[],
    create: boolean,
    work: (dir: fs.FileHandle) => Promise<T>,
  ): Promise<T> {
    let root: fs.FileHandle | undefined;
    let dir: fs.FileHandle | undefined;
    try {
      root = await openRoot(sandbox.work_dir);
      dir = await walkDirs(
        root,
        parts,
        create ? { uid: sandbox.uid, gid: sandbox.gid } : undefined,
      );
      return await work(dir);
    } catch (err) {
      throw toAgentError(err);
    } finally {
      if (dir && dir !== root) await dir.close();
      if (root) await root.close();
    }
  }
}

/**
 * Depth-first over a directory descriptor; symlinks and special files are skipped, children
 * are opened from their parent's descriptor. `visit` returning false stops the walk.
 */
async function visitTree(
  dir: fs.FileHandle,
  rel: string,
  depth: number,
  visit: (relPath: string, stat: import('node:fs').Stats) => boolean,
): Promise<boolean> {
  const names = (await fs.readdir(at(dir.fd)).catch(() => [] as string[])).sort((a, b) =>
    a.localeCompare(b),
  );
  for (const name of names) {
    const stat = await fs.lstat(at(dir.fd, name)).catch(() => null);
    if (!stat || !(stat.isFile() || stat.isDirectory())) continue;
    const relPath = rel ? `${rel}/${name}` : name;
    if (!visit(relPath, stat)) return false;
    if (stat.isDirectory() && depth < MAX_DEPTH) {
      const child = await walkDirs(dir, [name]).catch(() => null);
      if (!child) continue;
      try {
        if (!(await visitTree(child, relPath, depth + 1, visit))) return false;
      } finally {
        await child.close();
      }
    }
  }
  return true;
}

function toAgentError(err: unknown): Error {
  if (err instanceof AgentOperationError) return err;
  if (err instanceof FdWalkError) {
    return new AgentOperationError(
      err.reason === 'not_found' ? 'agent.file_not_found' : 'agent.path_invalid',
      err.message,
    );
  }
  // Whatever else failed, its message may hold a host path: only the errno leaves.
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG')
    return new AgentOperationError('agent.file_too_large', 'the work dir is full');
  return new AgentOperationError('agent.internal', `file operation failed (${code ?? 'error'})`);
}
