import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { FileEntry } from '@nanopod/federation';
import {
  AgentOperationError,
  type SandboxFiles,
  type SandboxRecord,
} from '../runtime/runtime-driver';
import { isContainedPath } from './sandbox-paths';

const NOFOLLOW = constants.O_NOFOLLOW;

/**
 * Files of a sandbox whose work dir lives on this host. The agent may run as root while the
 * sandbox owns its work dir, so every host path is walked component by component and a
 * symlink anywhere on the way is refused: a sandbox could otherwise point `out.txt` at
 * /etc/shadow and ask for it back.
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
    await this.ensureRoom(sandbox, data.length);
    if (path === '.') throw new AgentOperationError('agent.path_invalid', 'a file needs a name');
    const parts = path.split('/');
    const dir = await this.ensureDir(sandbox, parts.slice(0, -1));
    const target = join(dir, parts[parts.length - 1]);
    const existed = (await fs.lstat(target).catch(() => null)) !== null;
    let handle;
    try {
      // No O_TRUNC: nothing is cut short before the opened file is known to be inside.
      handle = await fs.open(target, constants.O_WRONLY | constants.O_CREAT | NOFOLLOW, 0o644);
    } catch (err) {
      throw this.mapError(err, path);
    }
    try {
      const outside = await openedOutside(sandbox, handle.fd);
      if (outside !== null) {
        if (!existed) await fs.unlink(outside).catch(() => undefined);
        throw new AgentOperationError('agent.path_invalid', `"${path}" leaves the work dir`);
      }
      await handle.truncate(0);
      await handle.writeFile(data);
      await handle.chown(sandbox.uid, sandbox.gid).catch(() => undefined);
    } finally {
      await handle.close();
    }
    return data.length;
  }

  async putArchive(sandbox: SandboxRecord, path: string, tarGz: Buffer): Promise<number> {
    // tar is only loaded when an archive arrives.
    const tar = await import('tar');
    const limit = sandbox.spec.limits.disk_mb * 1024 * 1024;
    let total = 0;
    const problems: string[] = [];
    const parser = new tar.Parser({
      onReadEntry: (entry) => {
        total += entry.size ?? 0;
        if (!isContainedPath(entry.path)) problems.push(entry.path);
        if (entry.type === 'SymbolicLink' && entry.linkpath) {
          const base = entry.path.split('/').slice(0, -1).join('/') || '.';
          if (!isContainedPath(entry.linkpath, base))
            problems.push(`${entry.path} -> ${entry.linkpath}`);
        }
        if (entry.type === 'Link' && entry.linkpath && !isContainedPath(entry.linkpath)) {
          problems.push(`${entry.path} => ${entry.linkpath}`);
        }
        if (
          !['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link'].includes(
            entry.type,
          )
        ) {
          problems.push(`${entry.path} (${entry.type})`);
        }
        entry.resume();
      },
    });
    await new Promise<void>((resolvePromise, reject) => {
      parser.on('error', reject);
      parser.on('end', () => resolvePromise());
      parser.on('abort', (err: Error) => reject(err));
      parser.end(tarGz);
    }).catch((err: Error) => {
      throw new AgentOperationError(
        'agent.path_invalid',
        `not a readable tar.gz archive: ${err.message}`,
      );
    });
    if (problems.length > 0) {
      throw new AgentOperationError(
        'agent.path_invalid',
        `archive entries leave the target dir: ${problems.slice(0, 5).join(', ')}`,
      );
    }
    if (total > limit) {
      throw new AgentOperationError(
        'agent.file_too_large',
        `archive unpacks to more than ${sandbox.spec.limits.disk_mb} MB`,
      );
    }
    await this.ensureRoom(sandbox, total);
    const dir = await this.ensureDir(sandbox, path === '.' ? [] : path.split('/'));
    await new Promise<void>((resolvePromise, reject) => {
      const unpack = new tar.Unpack({
        cwd: dir,
        uid: sandbox.uid,
        gid: sandbox.gid,
        strict: true,
        // Entries never come out with setuid bits or world-writable modes.
        umask: 0o022,
        noMtime: false,
      });
      unpack.on('error', (err: Error) =>
        reject(new AgentOperationError('agent.path_invalid', err.message)),
      );
      unpack.on('close', () => resolvePromise());
      unpack.end(tarGz);
    });
    return total;
  }

  async getFile(sandbox: SandboxRecord, path: string, maxBytes: number): Promise<Buffer> {
    const parts = path === '.' ? [] : path.split('/');
    if (parts.length === 0)
      throw new AgentOperationError('agent.path_invalid', 'a file needs a name');
    const dir = await this.walkDir(sandbox, parts.slice(0, -1), path);
    let handle;
    try {
      handle = await fs.open(join(dir, parts[parts.length - 1]), constants.O_RDONLY | NOFOLLOW);
    } catch (err) {
      throw this.mapError(err, path);
    }
    try {
      if ((await openedOutside(sandbox, handle.fd)) !== null)
        throw new AgentOperationError('agent.path_invalid', `"${path}" leaves the work dir`);
      const stat = await handle.stat();
      if (!stat.isFile())
        throw new AgentOperationError('agent.path_invalid', `"${path}" is not a file`);
      if (stat.size > maxBytes) {
        throw new AgentOperationError(
          'agent.file_too_large',
          `"${path}" is larger than ${Math.floor(maxBytes / 1048576)} MB`,
        );
      }
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async list(sandbox: SandboxRecord, path: string): Promise<FileEntry[]> {
    const parts = path === '.' ? [] : path.split('/');
    const root = await this.walkDir(sandbox, parts, path);
    const entries: FileEntry[] = [];
    const visit = async (dir: string, rel: string, depth: number): Promise<void> => {
      const names = await fs.readdir(dir, { withFileTypes: true });
      for (const dirent of names.sort((a, b) => a.name.localeCompare(b.name))) {
        if (entries.length >= 10_000) return;
        const full = join(dir, dirent.name);
        const relPath = rel ? `${rel}/${dirent.name}` : dirent.name;
        const stat = await fs.lstat(full).catch(() => null);
        if (!stat || stat.isSymbolicLink()) continue;
        if (stat.isDirectory()) {
          entries.push({
            path: relPath,
            size: 0,
            type: 'dir',
            modified_at: stat.mtime.toISOString(),
          });
          if (depth < 32) await visit(full, relPath, depth + 1);
        } else if (stat.isFile()) {
          entries.push({
            path: relPath,
            size: stat.size,
            type: 'file',
            modified_at: stat.mtime.toISOString(),
          });
        }
      }
    };
    await visit(root, path === '.' ? '' : path, 0);
    return entries;
  }

  /** Bytes used under the work dir (symlinks not followed). */
  async usage(sandbox: SandboxRecord): Promise<number> {
    let total = 0;
    const visit = async (dir: string): Promise<void> => {
      const names = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const dirent of names) {
        const full = join(dir, dirent.name);
        if (dirent.isDirectory()) await visit(full);
        else if (dirent.isFile()) total += (await fs.lstat(full).catch(() => ({ size: 0 }))).size;
      }
    };
    await visit(sandbox.work_dir);
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

  /** Walks existing dirs, refusing symlinks; returns the host path. */
  private async walkDir(
    sandbox: SandboxRecord,
    parts: string[],
    original: string,
  ): Promise<string> {
    let dir = sandbox.work_dir;
    for (const part of parts) {
      dir = join(dir, part);
      const stat = await fs.lstat(dir).catch(() => null);
      if (!stat)
        throw new AgentOperationError('agent.file_not_found', `"${original}" does not exist`);
      if (!stat.isDirectory())
        throw new AgentOperationError(
          'agent.path_invalid',
          `"${original}" goes through a non-directory`,
        );
    }
    return dir;
  }

  /** Like walkDir, creating missing dirs owned by the sandbox. */
  private async ensureDir(sandbox: SandboxRecord, parts: string[]): Promise<string> {
    let dir = sandbox.work_dir;
    for (const part of parts) {
      dir = join(dir, part);
      const stat = await fs.lstat(dir).catch(() => null);
      if (!stat) {
        await fs.mkdir(dir, { mode: 0o755 });
        await fs.chown(dir, sandbox.uid, sandbox.gid).catch(() => undefined);
      } else if (!stat.isDirectory()) {
        throw new AgentOperationError(
          'agent.path_invalid',
          `"${parts.join('/')}" goes through a non-directory or a link`,
        );
      }
    }
    return dir;
  }

  private mapError(err: unknown, path: string): Error {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      return new AgentOperationError('agent.file_not_found', `"${path}" does not exist`);
    if (code === 'ELOOP')
      return new AgentOperationError('agent.path_invalid', `"${path}" is a symbolic link`);
    if (code === 'EISDIR')
      return new AgentOperationError('agent.path_invalid', `"${path}" is a directory`);
    return err as Error;
  }
}

/**
 * The host path an open descriptor points at when that is outside the work dir, else null.
 * walkDir checks each directory with lstat and O_NOFOLLOW guards the last component, but a
 * sandbox process can swap a checked directory for a symlink before the open (the agent may
 * be root): the kernel's view of the descriptor is the check that cannot race.
 */
async function openedOutside(sandbox: SandboxRecord, fd: number): Promise<string | null> {
  const opened = await fs.readlink(`/proc/self/fd/${fd}`).catch(() => null);
  // Without /proc (not Linux) the component walk is the only check.
  if (opened === null) return null;
  const root = await fs.realpath(sandbox.work_dir);
  return opened === root || opened.startsWith(`${root}/`) ? null : opened;
}
