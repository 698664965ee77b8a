import { closeSync, constants, fchmodSync, fchownSync, fstatSync, ftruncateSync } from 'node:fs';
import { linkSync, lstatSync, openSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { posix } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { at, FdWalkError, fileKind, walkDirsSync, WRITE_FLAGS, type Owner } from './fd-walk';

/**
 * Runs in a worker thread: inflating a hostile tar.gz is CPU the agent's event loop (which in
 * the embedded default is the platform's) must never spend. Two streaming passes over the
 * same bytes: the first reads only headers and stops the moment a limit is passed (entry
 * sizes are in the headers, so a 3 GiB entry is refused before a byte of it is inflated);
 * the second writes, every path resolved from a directory descriptor.
 */

export interface ArchiveJob {
  root: string;
  target: string[];
  tarGz: Uint8Array;
  owner: Owner;
  limitBytes: number;
  maxEntries: number;
  maxRatio: number;
  ratioFloorBytes: number;
}

export type ArchiveResult =
  | { ok: true; bytes: number; entries: number }
  | { ok: false; reason: 'too_large' | 'refused' | 'invalid'; message: string };

const ALLOWED = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);

class Refusal extends Error {
  constructor(
    readonly reason: 'too_large' | 'refused' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

function contained(path: string, base = '.'): boolean {
  if (path.startsWith('/') || path.includes('\0')) return false;
  const joined = posix.normalize(posix.join(base, path));
  return joined !== '..' && !joined.startsWith('../');
}

function entryParts(path: string): string[] {
  return posix
    .normalize(path)
    .split('/')
    .filter((p) => p !== '' && p !== '.');
}

/** Streams the archive through gunzip and a tar parser, with backpressure and early stop. */
function stream(
  job: ArchiveJob,
  onEntry: (entry: ReadEntry, fail: (err: unknown) => void) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const gunzip = createGunzip({ chunkSize: 64 * 1024 });
    const parser = new Parser({ strict: true });
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      gunzip.destroy();
      reject(err);
    };
    parser.on('entry', (entry: ReadEntry) => {
      try {
        onEntry(entry, (err) => {
          fail(err);
          parser.abort(err as Error);
        });
      } catch (err) {
        entry.resume();
        fail(err);
        parser.abort(err as Error);
      }
    });
    parser.on('error', (err: Error) => fail(err));
    parser.on('abort', (err: Error) => fail(err));
    parser.on('warn', (_code: string, message: string | Error) =>
      fail(new Refusal('invalid', `not a readable tar archive: ${String(message)}`)),
    );
    parser.on('end', () => {
      if (!failed) resolve();
    });
    parser.on('drain', () => gunzip.resume());
    gunzip.on('data', (chunk: Buffer) => {
      if (failed) return;
      if (!parser.write(chunk)) gunzip.pause();
    });
    gunzip.on('end', () => {
      if (!failed) parser.end();
    });
    gunzip.on('error', (err: Error) =>
      fail(new Refusal('invalid', `not a readable tar.gz archive: ${err.message}`)),
    );
    gunzip.end(Buffer.from(job.tarGz.buffer, job.tarGz.byteOffset, job.tarGz.byteLength));
  });
}

async function check(job: ArchiveJob): Promise<{ bytes: number; entries: number }> {
  let bytes = 0;
  let entries = 0;
  const ratioLimit = Math.max(job.ratioFloorBytes, job.maxRatio * job.tarGz.byteLength);
  await stream(job, (entry) => {
    entries += 1;
    bytes += entry.size ?? 0;
    if (entries > job.maxEntries)
      throw new Refusal('too_large', `the archive has more than ${job.maxEntries} entries`);
    if (bytes > job.limitBytes)
      throw new Refusal('too_large', `the archive unpacks to more than the work dir has room for`);
    if (bytes > ratioLimit)
      throw new Refusal(
        'refused',
        `the archive expands more than ${job.maxRatio} times its compressed size`,
      );
    if (!ALLOWED.has(entry.type))
      throw new Refusal('invalid', `"${entry.path}" is a ${entry.type} entry`);
    if (!contained(entry.path))
      throw new Refusal('invalid', `archive entry "${entry.path}" leaves the target dir`);
    if (entry.type === 'SymbolicLink') {
      const base = posix.dirname(posix.normalize(entry.path));
      if (!entry.linkpath || !contained(entry.linkpath, base))
        throw new Refusal('invalid', `link "${entry.path}" points outside the target dir`);
    }
    if (entry.type === 'Link' && (!entry.linkpath || !contained(entry.linkpath)))
      throw new Refusal('invalid', `link "${entry.path}" points outside the target dir`);
    entry.resume();
  });
  return { bytes, entries };
}

function removeIfNotDir(dirFd: number, name: string): void {
  const stat = lstatSync(at(dirFd, name), { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) unlinkSync(at(dirFd, name));
}

function writeEntry(
  job: ArchiveJob,
  targetFd: number,
  entry: ReadEntry,
  fail: (err: unknown) => void,
): void {
  const parts = entryParts(entry.path);
  if (parts.length === 0) {
    entry.resume();
    return;
  }
  const name = parts[parts.length - 1];
  const dirFd = walkDirsSync(
    targetFd,
    entry.type === 'Directory' ? parts : parts.slice(0, -1),
    job.owner,
  );
  const closeDir = () => {
    if (dirFd !== targetFd) closeSync(dirFd);
  };
  try {
    if (entry.type === 'Directory') {
      entry.resume();
      return;
    }
    if (entry.type === 'SymbolicLink') {
      removeIfNotDir(dirFd, name);
      symlinkSync(entry.linkpath!, at(dirFd, name));
      entry.resume();
      return;
    }
    if (entry.type === 'Link') {
      const source = entryParts(entry.linkpath!);
      const sourceDir = walkDirsSync(targetFd, source.slice(0, -1));
      try {
        removeIfNotDir(dirFd, name);
        // link() never follows a symlink named as its source on Linux.
        linkSync(at(sourceDir, source[source.length - 1]), at(dirFd, name));
      } finally {
        if (sourceDir !== targetFd) closeSync(sourceDir);
      }
      entry.resume();
      return;
    }
    const existing = lstatSync(at(dirFd, name), { throwIfNoEntry: false });
    if (existing && !existing.isFile())
      throw new FdWalkError('not_a_file', `"${entry.path}" exists and is ${fileKind(existing)}`);
    const fd = openSync(at(dirFd, name), WRITE_FLAGS, 0o644);
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.nlink > 1) {
      closeSync(fd);
      throw new FdWalkError('not_a_file', `"${entry.path}" is not a plain regular file`);
    }
    ftruncateSync(fd, 0);
    let broken = false;
    entry.on('data', (chunk: Buffer) => {
      if (broken) return;
      try {
        let offset = 0;
        while (offset < chunk.length) offset += writeSync(fd, chunk, offset);
      } catch (err) {
        broken = true;
        closeSync(fd);
        fail(err);
      }
    });
    entry.on('end', () => {
      if (broken) return;
      // Never setuid/setgid/sticky, never group- or world-writable.
      fchmodSync(fd, (entry.mode ?? 0o644) & 0o755 & ~constants.S_IFMT);
      try {
        fchownSync(fd, job.owner.uid, job.owner.gid);
      } catch {
        // Not root: the file is already the agent's, which is the sandbox's.
      }
      closeSync(fd);
    });
  } finally {
    closeDir();
  }
}

export async function extract(job: ArchiveJob): Promise<ArchiveResult> {
  let rootFd: number | undefined;
  let targetFd: number | undefined;
  try {
    const summary = await check(job);
    rootFd = openSync(job.root, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    targetFd = walkDirsSync(rootFd, job.target, job.owner);
    const fd = targetFd;
    await stream(job, (entry, fail) => writeEntry(job, fd, entry, fail));
    return { ok: true, ...summary };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.reason, message: err.message };
    if (err instanceof FdWalkError) return { ok: false, reason: 'invalid', message: err.message };
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      reason: 'invalid',
      message: `the archive could not be unpacked (${code ?? 'error'})`,
    };
  } finally {
    if (targetFd !== undefined && targetFd !== rootFd) closeSync(targetFd);
    if (rootFd !== undefined) closeSync(rootFd);
  }
}

// One long-lived worker serves jobs in turn: loading it (and, from source, compiling it)
// costs more CPU than most archives.
if (parentPort) {
  const port = parentPort;
  port.on('message', (msg: { id: number; job: ArchiveJob }) => {
    void extract(msg.job).then((result) => port.postMessage({ id: msg.id, result }));
  });
}
