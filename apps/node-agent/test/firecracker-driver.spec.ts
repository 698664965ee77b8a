import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentLogger } from '../src/logger';
import { FirecrackerDriver } from '../src/runtime/firecracker-driver';
import type { SandboxRecord } from '../src/runtime/runtime-driver';
import { sandboxSpec } from './support/manager-harness';

const FAKE = join(__dirname, 'support', 'fake-firecracker.js');

function record(dir: string): SandboxRecord {
  const spec = sandboxSpec({ runtime: 'firecracker', cpu: 2, memory_mb: 256 });
  const work = join(dir, 'sandboxes', spec.sandbox_id, 'work');
  mkdirSync(work, { recursive: true });
  return {
    sandbox_id: spec.sandbox_id,
    spec,
    state: 'starting',
    uid: 0,
    gid: 0,
    work_dir: work,
    created_at: new Date().toISOString(),
  };
}

async function collect(driver: FirecrackerDriver, rec: SandboxRecord, argv: string[]) {
  const frames: string[] = [];
  const handle = driver.exec(
    rec,
    { argv, env: { X: 'y' }, wall_seconds: 10, output_limit_bytes: 1 << 20 },
    {
      output: (stream, chunk) => frames.push(`${stream}:${chunk.toString()}`),
    },
  );
  return { result: await handle.done, frames };
}

describe('the firecracker runtime driver', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nanopod-fc-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('configures and boots a microVM through the documented API requests, then runs a command over vsock', async () => {
    const driver = new FirecrackerDriver({
      firecracker_bin: FAKE,
      kernel_image: '/images/vmlinux',
      rootfs_image: '/images/rootfs.ext4',
      logger: createAgentLogger('silent'),
    });
    const rec = record(dir);
    await driver.start(rec);
    const log = join(dir, 'sandboxes', rec.sandbox_id, 'fc.sock.log');
    const calls = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { path: string; body: Record<string, unknown> });
    expect(calls.map((c) => c.path)).toEqual([
      '/machine-config',
      '/boot-source',
      '/drives/rootfs',
      '/vsock',
      '/actions',
    ]);
    expect(calls[0].body).toMatchObject({ vcpu_count: 2, mem_size_mib: 256 });
    expect(calls[1].body).toMatchObject({ kernel_image_path: '/images/vmlinux' });
    expect(calls[2].body).toMatchObject({
      drive_id: 'rootfs',
      path_on_host: '/images/rootfs.ext4',
      is_root_device: true,
    });
    expect(calls[4].body).toEqual({ action_type: 'InstanceStart' });

    const { result, frames } = await collect(driver, rec, ['sh', '-c', 'echo in-guest $X; exit 5']);
    expect(frames).toEqual(['stdout:in-guest y\n']);
    expect(result).toMatchObject({ exit_code: 5, signal: null });

    await driver.stop(rec);
    const last = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { body: unknown })
      .pop();
    expect(last?.body).toEqual({ action_type: 'SendCtrlAltDel' });
  });

  const bin = process.env.NANOPOD_TEST_FIRECRACKER_BIN;
  const kernel = process.env.NANOPOD_TEST_FIRECRACKER_KERNEL;
  const rootfs = process.env.NANOPOD_TEST_FIRECRACKER_ROOTFS;
  const real = Boolean(bin && kernel && rootfs && FirecrackerDriver.available(bin));
  if (!real) {
    console.log(
      'firecracker, a kernel, a root image or /dev/kvm is missing (NANOPOD_TEST_FIRECRACKER_BIN/_KERNEL/_ROOTFS): real microVM test skipped',
    );
  }
  (real ? it : it.skip)(
    'boots a real microVM when firecracker, a kernel, a root image and /dev/kvm exist',
    async () => {
      const driver = new FirecrackerDriver({
        firecracker_bin: bin as string,
        kernel_image: kernel as string,
        rootfs_image: rootfs as string,
        logger: createAgentLogger('silent'),
      });
      const rec = record(dir);
      await driver.start(rec);
      expect(existsSync(join(dir, 'sandboxes', rec.sandbox_id, 'fc.sock'))).toBe(true);
      await driver.stop(rec);
    },
  );
});
