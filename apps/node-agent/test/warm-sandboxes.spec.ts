import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxSpec } from '@nanopod/federation';
import type { SandboxRecord } from '../src/runtime/runtime-driver';
import { processesOfUid } from '../src/runtime/process-tree';
import { containmentHere } from './support/containment-support';
import { ManagerHarness, sandboxSpec } from './support/manager-harness';

const contained = containmentHere();
// Warm sandboxes need what they are made of: root, cgroups and the size-limited work dir.
const canWarm =
  process.getuid?.() === 0 && !!contained?.cgroup_version && contained.disk_quota === true;
const describeWarm = canWarm ? describe : describe.skip;
if (!canWarm) {
  console.warn('warm sandboxes: skipped (they need root, cgroups and the disk quota)');
}

const cgroupRoot = '/sys/fs/cgroup/memory/nanopod';
const cgroupGroups = (): string[] =>
  existsSync(cgroupRoot)
    ? readdirSync(cgroupRoot, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
    : [];
const mountsUnder = (dir: string): string[] =>
  readFileSync('/proc/self/mounts', 'latin1')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(dir));

/** Until the pool holds a warm sandbox ready for this spec's shape (made 100 ms after a start). */
async function warmReady(harness: ManagerHarness, spec: SandboxSpec): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (harness.bwrap!.warmFor(spec) === 0) {
    if (Date.now() > deadline) throw new Error('no warm sandbox was made');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const warmDirs = (stateDir: string): string[] =>
  readdirSync(join(stateDir, 'sandboxes')).filter((n) => n.startsWith('warm-'));

function recordOf(harness: ManagerHarness, id: string): SandboxRecord {
  return JSON.parse(
    readFileSync(join(harness.stateDir, 'sandboxes', id, 'sandbox.json'), 'utf8'),
  ) as SandboxRecord;
}

/**
 * A sandbox made ahead of its owner (warm-pool.ts) is a sandbox like any: it holds nothing of
 * another's, runs with the owner's environment and limits, and goes without a trace.
 */
describeWarm('warm sandboxes', () => {
  let harness: ManagerHarness;

  beforeAll(async () => {
    // Egress ones take their namespace from the pool, as on a node.
    harness = new ManagerHarness(undefined, undefined, { egress_pool: 1 });
    await harness.manager.recover();
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('gives the next sandbox of a shape one made ahead: its own uid, dir and cgroup, the owner env in its first exec', async () => {
    const first = await harness.start(sandboxSpec({ env: { WHO: 'first' } }));
    expect(recordOf(harness, first.sandbox_id).cgroup).toBeUndefined();
    await harness.exec(first.sandbox_id, ['sh', '-c', 'echo secret > left-behind']);
    await warmReady(harness, first);
    const [warmName] = warmDirs(harness.stateDir);

    const second = await harness.start(sandboxSpec({ env: { WHO: 'second' } }));
    const record = recordOf(harness, second.sandbox_id);
    expect(record.cgroup).toBe(warmName);
    const firstRecord = recordOf(harness, first.sandbox_id);
    expect(record.uid).not.toBe(firstRecord.uid);
    // The warm directory became the sandbox's, owned by its uid.
    expect(existsSync(join(harness.stateDir, 'sandboxes', warmName))).toBe(false);
    expect(statSync(record.work_dir).uid).toBe(record.uid);

    const run = await harness.exec(second.sandbox_id, ['sh', '-c', 'echo "$WHO"; ls -A /work']);
    expect(run.exit.exit_code).toBe(0);
    const [who, ...rest] = run.stdout.trim().split('\n');
    expect(who).toBe('second');
    // Nothing of the first sandbox's files.
    expect(rest.join('\n')).not.toContain('left-behind');
    // Its processes (the next exec's chain by now) run as its uid, in its group.
    const inGroup = (): number[] =>
      readFileSync(join(cgroupRoot, warmName!, 'cgroup.procs'), 'latin1')
        .split('\n')
        .filter(Boolean)
        .map(Number);
    // Live ones only: a process of the finished exec leaves its group as it exits, before its
    // parent reaps it (a zombie is still listed under its uid for that moment).
    const live = (pid: number): boolean => {
      try {
        return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
      } catch {
        return false;
      }
    };
    let ofUid: number[] = [];
    for (let i = 0; i < 100; i++) {
      ofUid = processesOfUid(record.uid)
        .map((p) => p.pid)
        .filter(live);
      if (ofUid.length > 0 && ofUid.every((pid) => inGroup().includes(pid) || !live(pid))) break;
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(ofUid.length).toBeGreaterThan(0);
    for (const pid of ofUid.filter(live)) expect(inGroup()).toContain(pid);
  });

  it('makes no sandbox of one shape take a warm one of another', async () => {
    await warmReady(harness, sandboxSpec());
    const other = await harness.start(
      sandboxSpec({
        limits: { memory_mb: 256, pids: 64, cpu_seconds: 30, wall_seconds: 30, disk_mb: 64 },
      }),
    );
    expect(recordOf(harness, other.sandbox_id).cgroup).toBeUndefined();
    const run = await harness.exec(other.sandbox_id, ['true']);
    expect(run.exit.exit_code).toBe(0);
  });

  it('leaves no process, cgroup or mount of a sandbox that took a warm one after its delete', async () => {
    await warmReady(harness, sandboxSpec());
    const sb = await harness.start(sandboxSpec());
    const record = recordOf(harness, sb.sandbox_id);
    expect(record.cgroup).toMatch(/^warm-/);
    await harness.exec(sb.sandbox_id, ['true']);
    const reply = await harness.request({
      type: 'sandbox.delete',
      id: harness.nextId(),
      sandbox_id: sb.sandbox_id,
    });
    expect(reply.type).not.toBe('error');
    expect(processesOfUid(record.uid)).toEqual([]);
    expect(cgroupGroups()).not.toContain(record.cgroup);
    expect(mountsUnder(record.work_dir)).toEqual([]);
  });

  it('gives egress sandboxes warm ones too, each with a namespace of its own', async () => {
    if (!contained?.netns_egress) {
      console.warn('warm egress sandboxes: skipped (no pasta or nftables here)');
      return;
    }
    const a = await harness.start(sandboxSpec({ network: 'egress' }));
    await warmReady(harness, a);
    const b = await harness.start(sandboxSpec({ network: 'egress' }));
    expect(recordOf(harness, b.sandbox_id).cgroup).toMatch(/^warm-/);
    const pool = harness.bwrap!.egressPool!;
    expect(pool.pathOf(b.sandbox_id)).toBeTruthy();
    expect(pool.pathOf(b.sandbox_id)).not.toBe(pool.pathOf(a.sandbox_id));
    const ns = async (id: string) =>
      (await harness.exec(id, ['readlink', '/proc/self/ns/net'])).stdout;
    expect(await ns(b.sandbox_id)).not.toBe(await ns(a.sandbox_id));
    // Not the node's namespace either.
    expect((await ns(b.sandbox_id)).trim()).not.toBe(readlinkSync('/proc/self/ns/net'));
  });

  it('removes every warm sandbox (dirs, cgroups, mounts, processes) when the agent closes', async () => {
    await warmReady(harness, sandboxSpec());
    const stateDir = harness.stateDir;
    const names = warmDirs(stateDir);
    expect(names.length).toBeGreaterThan(0);
    await harness.manager.shutdown();
    await harness.bwrap!.close();
    expect(warmDirs(stateDir)).toEqual([]);
    for (const name of names) {
      expect(cgroupGroups()).not.toContain(name);
      expect(mountsUnder(join(stateDir, 'sandboxes', name))).toEqual([]);
    }
  });
});
