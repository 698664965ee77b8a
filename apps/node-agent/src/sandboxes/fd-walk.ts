import { constants, promises as fs, type Stats } from 'node:fs';
import * as fsSync from 'node:fs';

/**
 * Path resolution that a sandbox cannot redirect. The agent may be root while the sandbox owns
 * its work dir, so a path checked and then opened by name can be swapped for a symlink in
 * between. Node has no openat(), but `/proc/self/fd/<dirfd>/<name>` is the same thing: the
 * kernel resolves the magic link to the directory the descriptor holds (wherever it has been
 * moved), and O_NOFOLLOW|O_DIRECTORY then refuses a symlink or non-directory as `name`.
 *
 * Kept free of other agent modules: the archive worker thread loads it on its own.
 */

export const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
/** Opening never blocks (FIFOs), never follows the last link, never takes a terminal. */
export const READ_FLAGS =
  constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | constants.O_NOCTTY;
export const WRITE_FLAGS =
  constants.O_WRONLY |
  constants.O_CREAT |
  constants.O_NONBLOCK |
  constants.O_NOFOLLOW |
  constants.O_NOCTTY;

/** Failures the callers turn into their own errors; `message` never holds a host path. */
export class FdWalkError extends Error {
  constructor(
    readonly reason: 'not_found' | 'not_a_directory' | 'not_a_file' | 'link' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

export function at(dirFd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${dirFd}` : `/proc/self/fd/${dirFd}/${name}`;
}

export function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0'))
    throw new FdWalkError('invalid', `"${name}" is not a valid path component`);
}

/** Maps an errno from an *at-style call on a component to a host-path-free error. */
export function componentError(err: unknown, what: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return new FdWalkError('not_found', `"${what}" does not exist`);
    case 'ELOOP':
      return new FdWalkError('link', `"${what}" is a symbolic link`);
    case 'ENOTDIR':
      return new FdWalkError('not_a_directory', `"${what}" goes through a non-directory`);
    case 'EISDIR':
      return new FdWalkError('not_a_file', `"${what}" is a directory`);
    case 'ENXIO':
    case 'ENODEV':
    case 'EOPNOTSUPP':
      return new FdWalkError('not_a_file', `"${what}" is not a regular file`);
    case 'EEXIST':
      return new FdWalkError('not_a_directory', `"${what}" exists and is not a directory`);
    default:
      return new FdWalkError('invalid', `"${what}" could not be used (${code ?? 'error'})`);
  }
}

export function fileKind(stat: Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export interface Owner {
  uid: number;
  gid: number;
}

/** Opens the root itself (a path the agent made) as a directory descriptor. */
export async function openRoot(root: string): Promise<fs.FileHandle> {
  try {
    return await fs.open(root, DIR_FLAGS);
  } catch (err) {
    throw componentError(err, '.');
  }
}

/**
 * Walks `parts` below `root`, one O_NOFOLLOW|O_DIRECTORY open at a time, and returns the last
 * directory's handle (the caller closes it). With `create`, missing directories are made and
 * given to `create` (the sandbox's owner) through the new descriptor, never by name.
 */
export async function walkDirs(
  root: fs.FileHandle,
  parts: string[],
  create?: Owner,
): Promise<fs.FileHandle> {
  let current = root;
  let walked = '';
  try {
    for (const part of parts) {
      checkName(part);
      walked = walked ? `${walked}/${part}` : part;
      let made = false;
      if (create) {
        made = await fs.mkdir(at(current.fd, part), { mode: 0o755 }).then(
          () => true,
          (err: NodeJS.ErrnoException) => {
            if (err.code === 'EEXIST') return false;
            throw componentError(err, walked);
          },
        );
      }
      const next = await fs.open(at(current.fd, part), DIR_FLAGS).catch((err: unknown) => {
        throw componentError(err, walked);
      });
      if (made) await next.chown(create!.uid, create!.gid).catch(() => undefined);
      if (current !== root) await current.close();
      current = next;
    }
    return current;
  } catch (err) {
    if (current !== root) await current.close();
    throw err;
  }
}

/** Synchronous twin of walkDirs for the archive worker, which owns its thread. */
export function walkDirsSync(rootFd: number, parts: string[], create?: Owner): number {
  let current = rootFd;
  let walked = '';
  try {
    for (const part of parts) {
      checkName(part);
      walked = walked ? `${walked}/${part}` : part;
      let made = false;
      if (create) {
        try {
          fsSync.mkdirSync(at(current, part), { mode: 0o755 });
          made = true;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw componentError(err, walked);
        }
      }
      let next: number;
      try {
        next = fsSync.openSync(at(current, part), DIR_FLAGS);
      } catch (err) {
        throw componentError(err, walked);
      }
      if (made) {
        try {
          fsSync.fchownSync(next, create!.uid, create!.gid);
        } catch {
          // Not root: the directory is already the agent's, which is the sandbox's.
        }
      }
      if (current !== rootFd) fsSync.closeSync(current);
      current = next;
    }
    return current;
  } catch (err) {
    if (current !== rootFd) fsSync.closeSync(current);
    throw err;
  }
}
