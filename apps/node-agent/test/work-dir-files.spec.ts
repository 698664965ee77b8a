import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxRecord } from '../src/runtime/runtime-driver';
import { WorkDirFiles } from '../src/sandboxes/work-dir-files';
import { textArchive, zerosArchive } from './support/archives';

const canProc = existsSync('/proc/self/fd');
const describeLinux = canProc ? describe : describe.skip;
if (!canProc) console.log('no /proc/self/fd: the work dir file API tests need Linux');

/** Longest gap between 5 ms ticks while `work` runs: how long the event loop was blocked. */
async function maxLoopGap<T>(work: () => Promise<T>): Promise<{ result: T; gapMs: number }> {
  let last = performance.now();
  let gap = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 5);
  try {
    const result = await work();
    return { result, gapMs: gap };
  } finally {
    clearInterval(tick);
  }
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected a refusal');
}

describeLinux('the work dir file API cannot be turned against the agent', () => {
  let base: string;
  let files: WorkDirFiles;
  let sandbox: SandboxRecord;
  let outside: string;
  let socketServer: Server | undefined;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'nanopod-files-'));
    outside = join(base, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'host secret');
    const workDir = join(base, 'work');
    mkdirSync(workDir);
    files = new WorkDirFiles();
    sandbox = {
      sandbox_id: 'sbx_files',
      spec: {
        sandbox_id: 'sbx_files',
        owner_id: 'usr_test',
        runtime: 'bwrap',
        cpu: 1,
        memory_mb: 512,
        gpus: 0,
        gpu_type: null,
        network: 'none',
        env: {},
        limits: { memory_mb: 512, pids: 64, cpu_seconds: 30, wall_seconds: 30, disk_mb: 1024 },
      },
      state: 'running',
      uid: process.getuid!(),
      gid: process.getgid!(),
      work_dir: workDir,
      created_at: new Date().toISOString(),
    };
  });

  afterEach(async () => {
    await new Promise<void>((resolve) =>
      socketServer ? socketServer.close(() => resolve()) : resolve(),
    );
    socketServer = undefined;
    rmSync(base, { recursive: true, force: true });
  });

  it('refuses to download a FIFO at once, however many are asked for, and keeps serving', async () => {
    spawnSync('mkfifo', [join(sandbox.work_dir, 'f')]);
    const started = performance.now();
    const { result, gapMs } = await maxLoopGap(() =>
      Promise.all(Array.from({ length: 8 }, () => refusal(files.getFile(sandbox, 'f', 1 << 20)))),
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(gapMs).toBeLessThan(500);
    for (const err of result) {
      expect(err.code).toBe('agent.path_invalid');
      expect(err.message).toContain('FIFO');
    }
    // The libuv pool is not held: an ordinary read still completes.
    writeFileSync(join(sandbox.work_dir, 'ok.txt'), 'fine');
    expect((await files.getFile(sandbox, 'ok.txt', 1 << 20)).toString()).toBe('fine');
  });

  it('refuses to download a unix socket or a device node', async () => {
    socketServer = createServer();
    await new Promise<void>((resolve) =>
      socketServer!.listen(join(sandbox.work_dir, 'sock'), () => resolve()),
    );
    const sock = await refusal(files.getFile(sandbox, 'sock', 1 << 20));
    expect(sock).toMatchObject({ code: 'agent.path_invalid' });
    expect(sock.message).toContain('socket');

    const made = spawnSync('mknod', [join(sandbox.work_dir, 'zero'), 'c', '1', '5']);
    if (made.status !== 0) {
      console.log(
        `mknod not permitted here (${made.stderr.toString().trim()}): device case skipped`,
      );
      return;
    }
    const dev = await refusal(files.getFile(sandbox, 'zero', 1 << 20));
    expect(dev).toMatchObject({ code: 'agent.path_invalid' });
    expect(dev.message).toContain('device');
    // Writing over it is refused too (the agent never opens it).
    const put = await refusal(files.putFile(sandbox, 'zero', Buffer.from('x')));
    expect(put.code).toBe('agent.path_invalid');
  });

  it('refuses symlinks on the way and at the end, without naming a host path', async () => {
    symlinkSync(outside, join(sandbox.work_dir, 'dir'));
    symlinkSync(join(outside, 'secret.txt'), join(sandbox.work_dir, 'leaf'));
    const errors = [
      await refusal(files.getFile(sandbox, 'dir/secret.txt', 1 << 20)),
      await refusal(files.getFile(sandbox, 'leaf', 1 << 20)),
      await refusal(files.putFile(sandbox, 'dir/new.txt', Buffer.from('x'))),
      await refusal(files.putFile(sandbox, 'leaf', Buffer.from('x'))),
      await refusal(files.putArchive(sandbox, 'dir', textArchive({ 'a.txt': 'a' }))),
      await refusal(files.list(sandbox, 'dir')),
    ];
    for (const err of errors) {
      expect(err.code).toBe('agent.path_invalid');
      expect(err.message).not.toContain(base);
    }
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('host secret');
    expect(await files.list(sandbox, '.')).toEqual([]);
  });

  it('writes, reads, lists and unpacks ordinary files', async () => {
    await files.putFile(sandbox, 'a/b/c.txt', Buffer.from('hello'));
    expect((await files.getFile(sandbox, 'a/b/c.txt', 1 << 20)).toString()).toBe('hello');
    await files.putArchive(sandbox, 'src', textArchive({ 'x.txt': 'x', 'd/y.txt': 'yy' }));
    expect(readFileSync(join(sandbox.work_dir, 'src/d/y.txt'), 'utf8')).toBe('yy');
    const listed = (await files.list(sandbox, '.')).map((e) => `${e.type}:${e.path}:${e.size}`);
    expect(listed).toEqual([
      'dir:a:0',
      'dir:a/b:0',
      'file:a/b/c.txt:5',
      'dir:src:0',
      'dir:src/d:0',
      'file:src/d/y.txt:2',
      'file:src/x.txt:1',
    ]);
    expect(await files.usage(sandbox)).toBe(8);
    const big = await refusal(files.getFile(sandbox, 'a/b/c.txt', 2));
    expect(big.code).toBe('agent.file_too_large');
  });

  it('refuses a 2 GiB-expanding archive without blocking the event loop', async () => {
    const archive = zerosArchive(1, 2048);
    const { result, gapMs } = await maxLoopGap(() =>
      refusal(files.putArchive(sandbox, '.', archive)),
    );
    expect(result.code).toBe('agent.file_too_large');
    // The fault this guards against blocked the loop for 4-13 s; a busy 2-core CI box shows
    // gaps above 100 ms (110 ms seen) from the other jest worker alone.
    expect(gapMs).toBeLessThan(500);
    expect(readdirSync(sandbox.work_dir)).toEqual([]);
  });

  it('refuses an archive by its compression ratio the moment it passes, off the loop', async () => {
    sandbox.spec.limits.disk_mb = 100_000;
    // 40 entries of 8 MiB zeros: each header is fine, the running total passes 200x the input.
    const archive = zerosArchive(40, 8);
    const { result, gapMs } = await maxLoopGap(() =>
      refusal(files.putArchive(sandbox, '.', archive)),
    );
    expect(result.code).toBe('agent.archive_refused');
    expect(result.message).toContain('200');
    expect(gapMs).toBeLessThan(100);
    expect(readdirSync(sandbox.work_dir)).toEqual([]);
  });

  it('refuses an archive with more entries than allowed or leaving its dir', async () => {
    const escape = await refusal(files.putArchive(sandbox, '.', textArchive({ '../x': 'x' })));
    expect(escape.code).toBe('agent.path_invalid');
    const garbage = await refusal(files.putArchive(sandbox, '.', Buffer.from('not gzip at all')));
    expect(garbage.code).toBe('agent.path_invalid');
    expect(readdirSync(outside)).toEqual(['secret.txt']);
  });

  describe('the directory/symlink swap race', () => {
    let swapper: ChildProcess | undefined;

    afterEach(() => {
      swapper?.kill('SIGKILL');
      swapper = undefined;
    });

    it('never writes or reads outside over 10,000 uploads and downloads while a process swaps', async () => {
      const dir = join(sandbox.work_dir, 'd');
      mkdirSync(dir);
      writeFileSync(join(dir, 'inside.txt'), 'inside');
      // A separate process, so swaps interleave with the agent's calls at any point.
      const script = `
        const fs = require('fs');
        const [dir, held, target] = process.argv.slice(1);
        let n = 0;
        process.send('ready');
        for (;;) {
          try { fs.renameSync(dir, held); } catch {}
          try { fs.symlinkSync(target, dir); } catch {}
          // An upload may have made a fresh \`d\` while it was away: clear it for the real one.
          try {
            if (fs.lstatSync(dir).isSymbolicLink()) fs.unlinkSync(dir);
            else fs.rmSync(dir, { recursive: true, force: true });
          } catch {}
          try { fs.renameSync(held, dir); } catch {}
          if (++n % 1000 === 0 && !process.connected) process.exit(0);
        }`;
      swapper = spawn(
        process.execPath,
        ['-e', script, dir, join(sandbox.work_dir, 'held'), outside],
        {
          stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
        },
      );
      await new Promise((resolve) => swapper!.once('message', resolve));
      let writes = 0;
      let reads = 0;
      let refused = 0;
      const reasons = new Set<string>();
      const UPLOADS = Number(process.env.SWAP_N ?? 10_000);
      const BATCH = 16;
      for (let i = 0; i < UPLOADS; i += BATCH) {
        const settled = await Promise.allSettled([
          ...Array.from({ length: BATCH }, (_, k) =>
            files.putFile(sandbox, `d/sub/f${(i + k) % 4}.txt`, Buffer.from('payload')),
          ),
          files.getFile(sandbox, 'd/secret.txt', 1 << 20),
          files.getFile(sandbox, 'd/inside.txt', 1 << 20),
        ]);
        settled
          .slice(0, BATCH)
          .forEach((put) => (put.status === 'fulfilled' ? writes++ : refused++));
        for (const get of settled.slice(BATCH)) {
          if (get.status === 'rejected') {
            reasons.add((get.reason as Error).message);
            continue;
          }
          reads++;
          expect((get.value as Buffer).toString()).toBe('inside');
        }
      }
      swapper.kill('SIGKILL');
      expect(readdirSync(outside)).toEqual(['secret.txt']);
      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('host secret');
      // Both sides of the race were really exercised.
      expect(writes).toBeGreaterThan(0);
      expect(reads).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    }, 180_000);
  });
});
