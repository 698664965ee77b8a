import { existsSync, statSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { processesOfUid } from '../src/runtime/process-tree';
import {
  BWRAP,
  ManagerHarness,
  RUNNING_AS_ROOT,
  sandboxProcesses,
  sandboxSpec,
} from './support/manager-harness';

const haveBwrap = existsSync(BWRAP);
const havePython = existsSync('/usr/bin/python3');
const describeBwrap = haveBwrap ? describe : describe.skip;
if (!haveBwrap) console.log(`bubblewrap not found at ${BWRAP}: bwrap isolation tests skipped`);

function uidOf(harness: ManagerHarness, sandboxId: string): number {
  return statSync(join(harness.stateDir, 'sandboxes', sandboxId, 'work')).uid;
}

/** The kernel tears a pid namespace down asynchronously: give it a moment. */
async function settledProcesses(uid: number, marker: string): Promise<unknown[]> {
  for (let i = 0; i < 20; i++) {
    if (sandboxProcesses(uid, marker).length === 0) return [];
    await new Promise((r) => setTimeout(r, 50));
  }
  return sandboxProcesses(uid, marker);
}

describeBwrap('bwrap sandboxes isolate what they run', () => {
  let harness: ManagerHarness;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    harness = new ManagerHarness();
    await harness.manager.recover();
    server = createServer((socket) => socket.end('hello from the host\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await harness.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const connect = () => ['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port} && head -n1 <&3`];

  it('gives a default sandbox no network: a port listening on the host is unreachable', async () => {
    const spec = await harness.start(sandboxSpec());
    const result = await harness.exec(spec.sandbox_id, connect());
    expect(result.exit.exit_code).not.toBe(0);
    expect(result.stdout).not.toContain('hello from the host');
  });

  it("keeps an egress sandbox off the node's network: the same port is unreachable", async () => {
    const spec = sandboxSpec({ network: 'egress' });
    const reply = await harness.request({ type: 'sandbox.start', id: harness.nextId(), spec });
    if (reply.type === 'sandbox.state' && reply.state === 'failed') {
      // A node that cannot give it its own network refuses it rather than share the host's.
      expect(reply.reason).toMatch(/own egress network/);
      return;
    }
    const result = await harness.exec(spec.sandbox_id, connect());
    expect(result.stdout).not.toContain('hello from the host');
    expect(result.exit.exit_code).not.toBe(0);
  });

  it('refuses writes to /usr and /etc and leaves the host untouched', async () => {
    const spec = await harness.start(sandboxSpec());
    const usr = await harness.exec(spec.sandbox_id, ['sh', '-c', 'echo x > /usr/nanopod-escape']);
    const etc = await harness.exec(spec.sandbox_id, ['sh', '-c', 'echo x > /etc/nanopod-escape']);
    const passwd = await harness.exec(spec.sandbox_id, ['sh', '-c', 'echo x >> /etc/passwd']);
    expect(usr.exit.exit_code).not.toBe(0);
    expect(etc.exit.exit_code).not.toBe(0);
    expect(passwd.exit.exit_code).not.toBe(0);
    expect(usr.stderr).toMatch(/Read-only file system/);
    expect(existsSync('/usr/nanopod-escape')).toBe(false);
    expect(existsSync('/etc/nanopod-escape')).toBe(false);
  });

  it('runs the command as an unprivileged user in /work with a clean environment', async () => {
    const spec = await harness.start(sandboxSpec({ env: { GREETING: 'hi' } }));
    const result = await harness.exec(spec.sandbox_id, [
      'sh',
      '-c',
      'id -u; pwd; echo $GREETING; env | wc -l',
    ]);
    const [uid, cwd, greeting, envCount] = result.stdout.trim().split('\n');
    expect(uid).toBe('1000');
    expect(cwd).toBe('/work');
    expect(greeting).toBe('hi');
    expect(Number(envCount)).toBeLessThan(12);
  });

  it('says plainly when the program or the directory does not exist', async () => {
    const spec = await harness.start(sandboxSpec());
    const missing = await harness.exec(spec.sandbox_id, ['no-such-program', '--flag']);
    expect(missing.exit.exit_code).toBe(127);
    expect(missing.stderr).toBe('nanopod: command not found: no-such-program\n');
    const nowhere = await harness.exec(spec.sandbox_id, ['true'], { cwd: 'not/there' });
    expect(nowhere.exit.exit_code).toBe(126);
    expect(nowhere.stderr).toBe(
      'nanopod: cannot change to /work/not/there: no such directory in the sandbox\n',
    );
    // A second exec right after (through the slot the first left) still works.
    const ok = await harness.exec(spec.sandbox_id, ['sh', '-c', 'echo "$0" ok', 'it is']);
    expect(ok.stdout).toBe('it is ok\n');
  });

  it('stops a fork bomb at the process limit, and the host stays fine', async () => {
    const spec = await harness.start(
      sandboxSpec({
        limits: { memory_mb: 256, pids: 24, cpu_seconds: 20, wall_seconds: 8, disk_mb: 16 },
      }),
    );
    const uid = uidOf(harness, spec.sandbox_id);
    let peak = 0;
    const watch = setInterval(() => {
      peak = Math.max(peak, processesOfUid(uid).length);
    }, 25);
    const started = Date.now();
    const result = await harness.exec(spec.sandbox_id, [
      'sh',
      '-c',
      'f(){ f | f & }; f; sleep 1; echo survived',
    ]);
    clearInterval(watch);
    expect(Date.now() - started).toBeLessThan(15_000);
    // The limit counts every process of the sandbox's uid: the command plus bwrap's two.
    // As root the sandbox has its own uid, so its whole process count is observable.
    if (RUNNING_AS_ROOT) expect(peak).toBeLessThanOrEqual(24 + 3);
    expect(result.stderr).toMatch(/fork|Resource temporarily unavailable/i);
    expect(await settledProcesses(uid, 'f | f')).toHaveLength(0);
    const after = await harness.exec(spec.sandbox_id, ['echo', 'still here']);
    expect(after.stdout).toBe('still here\n');
  });

  (havePython ? it : it.skip)('stops a memory hog at the memory limit', async () => {
    const spec = await harness.start(
      sandboxSpec({
        limits: { memory_mb: 256, pids: 32, cpu_seconds: 20, wall_seconds: 20, disk_mb: 16 },
      }),
    );
    const started = Date.now();
    const result = await harness.exec(spec.sandbox_id, [
      'python3',
      '-c',
      'b = bytearray(1024 * 1024 * 1024); print("allocated 1 GiB")',
    ]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.exit.exit_code).not.toBe(0);
    expect(result.stdout).not.toContain('allocated');
    expect(result.stderr).toContain('MemoryError');
  });

  it('kills a sleeper at the wall-time limit, with nothing left running', async () => {
    const spec = await harness.start(
      sandboxSpec({
        limits: { memory_mb: 256, pids: 32, cpu_seconds: 20, wall_seconds: 2, disk_mb: 16 },
      }),
    );
    const started = Date.now();
    const result = await harness.exec(spec.sandbox_id, ['sleep', '60.5']);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(result.exit.reason).toBe('wall_time_limit');
    expect(result.exit.signal).toBe('SIGKILL');
    expect(await settledProcesses(uidOf(harness, spec.sandbox_id), 'sleep 60.5')).toHaveLength(0);
  });

  it('ends a busy loop at the CPU-time limit', async () => {
    const spec = await harness.start(
      sandboxSpec({
        limits: { memory_mb: 256, pids: 32, cpu_seconds: 1, wall_seconds: 20, disk_mb: 16 },
      }),
    );
    const result = await harness.exec(spec.sandbox_id, ['sh', '-c', 'while :; do :; done']);
    expect(result.exit.reason).toBe('cpu_time_limit');
    expect(result.exit.signal).toBe('SIGXCPU');
  });

  it("keeps one sandbox out of another sandbox's work dir", async () => {
    const a = await harness.start(sandboxSpec());
    const b = await harness.start(sandboxSpec());
    await harness.exec(a.sandbox_id, ['sh', '-c', 'echo secret-of-a > /work/secret.txt']);
    const hostPathOfA = join(harness.stateDir, 'sandboxes', a.sandbox_id, 'work', 'secret.txt');
    const fromB = await harness.exec(b.sandbox_id, [
      'sh',
      '-c',
      `cat ${hostPathOfA}; ls /work; ls ${harness.stateDir}`,
    ]);
    expect(fromB.stdout).not.toContain('secret-of-a');
    expect(fromB.stderr).toMatch(/No such file or directory/);
    // On the host the two work dirs belong to different unprivileged uids, mode 0700.
    if (process.getuid?.() === 0) {
      expect(uidOf(harness, a.sandbox_id)).not.toBe(uidOf(harness, b.sandbox_id));
      expect(statSync(join(harness.stateDir, 'sandboxes', a.sandbox_id, 'work')).mode & 0o777).toBe(
        0o700,
      );
    }
  });

  it('refuses uploads and downloads that leave the work dir with agent.path_invalid', async () => {
    const spec = await harness.start(sandboxSpec());
    const data_base64 = Buffer.from('x').toString('base64');
    for (const path of ['../escape.txt', 'a/../../escape.txt', '/etc/escape.txt']) {
      const reply = await harness.request({
        type: 'file.put',
        id: harness.nextId(),
        sandbox_id: spec.sandbox_id,
        path,
        data_base64,
      });
      expect(reply).toMatchObject({ type: 'error', code: 'agent.path_invalid' });
    }
    expect(existsSync(join(harness.stateDir, 'sandboxes', spec.sandbox_id, 'escape.txt'))).toBe(
      false,
    );

    // A link the sandbox made to a host file is not followed by the (root) agent.
    symlinkSync(
      '/etc/hostname',
      join(harness.stateDir, 'sandboxes', spec.sandbox_id, 'work', 'link'),
    );
    const viaLink = await harness.request({
      type: 'file.get',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'link',
    });
    expect(viaLink).toMatchObject({ type: 'error', code: 'agent.path_invalid' });
    const through = await harness.request({
      type: 'file.put',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'link/x',
      data_base64,
    });
    expect(through).toMatchObject({ type: 'error', code: 'agent.path_invalid' });
  });

  it('refuses a tar.gz whose entries climb out of the target dir', async () => {
    const tar = await import('tar');
    const { mkdtempSync, writeFileSync, readFileSync, mkdirSync, rmSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/nanopod-tar-');
    mkdirSync(join(dir, 'inner'));
    writeFileSync(join(dir, 'evil.txt'), 'evil');
    // Entries named ../evil.txt: built with preservePaths from inside a subdir.
    await tar.c(
      { gzip: true, file: join(dir, 'evil.tgz'), cwd: join(dir, 'inner'), preservePaths: true },
      ['../evil.txt'],
    );
    const spec = await harness.start(sandboxSpec());
    const reply = await harness.request({
      type: 'file.put',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'src',
      archive: 'tar.gz',
      data_base64: readFileSync(join(dir, 'evil.tgz')).toString('base64'),
    });
    expect(reply).toMatchObject({ type: 'error', code: 'agent.path_invalid' });
    expect(
      existsSync(join(harness.stateDir, 'sandboxes', spec.sandbox_id, 'work', 'evil.txt')),
    ).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
