import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cgroups } from '../src/runtime/cgroups';

const asRoot = process.getuid?.() === 0;
const itAsRoot = asRoot ? it : it.skip;

/**
 * The cgroup code against directories laid out as the kernel lays out cgroup2 and the v1
 * controller mounts. What this shows: which files the agent reads and writes, with which
 * values, for each version. What it cannot show: that a kernel accepts those writes (these are
 * plain files; the v1 path runs against the real kernel in bwrap-containment.spec, the v2 path
 * only here on a v1 machine).
 */
describe('cgroups, against a cgroup2 and a v1 directory layout', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'nanopod-cgroup-layout-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const read = (...parts: string[]) => readFileSync(join(base, ...parts), 'latin1').trim();

  /** The kernel removes a group's files with it; plain files must go first here. */
  const emptyGroup = (dir: string) => {
    for (const f of readdirSync(dir)) rmSync(join(dir, f));
  };

  itAsRoot(
    'v2: enables memory, pids and cpu down to nanopod/ and writes memory.max, swap 0, pids.max, cpu.max',
    () => {
      writeFileSync(join(base, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma\n');
      writeFileSync(join(base, 'cgroup.subtree_control'), '');
      // What the kernel shows in a child group of a swap-accounting node.
      mkdirSync(join(base, 'nanopod'));
      writeFileSync(join(base, 'nanopod', 'memory.swap.max'), 'max\n');
      const cg = new Cgroups(base);
      expect(cg.support).toEqual({ version: 2, memory: true, pids: true, cpu: true, swap: true });
      expect(read('cgroup.subtree_control')).toBe('+memory +pids +cpu');
      expect(read('nanopod', 'cgroup.subtree_control')).toBe('+memory +pids +cpu');

      const procs = cg.create('sbx_v2', { memory_mb: 512, pids: 67, cpu: 1.5 });
      const group = join(base, 'nanopod', 'sbx_v2');
      expect(procs).toEqual([join(group, 'cgroup.procs')]);
      expect(read('nanopod', 'sbx_v2', 'memory.max')).toBe(String(512 * 1048576));
      expect(read('nanopod', 'sbx_v2', 'memory.swap.max')).toBe('0');
      expect(read('nanopod', 'sbx_v2', 'pids.max')).toBe('67');
      expect(read('nanopod', 'sbx_v2', 'cpu.max')).toBe('150000 100000');
      // No v1 file in a v2 group.
      expect(existsSync(join(group, 'memory.limit_in_bytes'))).toBe(false);

      // What the kernel reports back, read from the v2 files.
      writeFileSync(join(group, 'cgroup.procs'), '4242\n4243\n');
      writeFileSync(join(group, 'memory.current'), String(300 * 1048576));
      writeFileSync(join(group, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n');
      expect(cg.procsFiles('sbx_v2')).toEqual([join(group, 'cgroup.procs')]);
      expect(cg.pids('sbx_v2').sort()).toEqual([4242, 4243]);
      expect(cg.memoryMb('sbx_v2')).toBe(300);
      expect(cg.oomKilled('sbx_v2')).toBe(false);
      writeFileSync(join(group, 'memory.events'), 'low 0\nhigh 0\nmax 9\noom 2\noom_kill 1\n');
      expect(cg.oomKilled('sbx_v2')).toBe(true);

      // A group that still has files (a kernel: processes) is not gone; an empty one is.
      expect(cg.remove('sbx_v2')).toBe(false);
      emptyGroup(group);
      expect(cg.remove('sbx_v2')).toBe(true);
      expect(existsSync(group)).toBe(false);
    },
  );

  itAsRoot('v2 without swap accounting or a CPU controller: what is missing stays unset', () => {
    writeFileSync(join(base, 'cgroup.controllers'), 'memory pids\n');
    writeFileSync(join(base, 'cgroup.subtree_control'), '');
    const cg = new Cgroups(base);
    expect(cg.support).toEqual({ version: 2, memory: true, pids: true, cpu: false, swap: false });
    expect(read('nanopod', 'cgroup.subtree_control')).toBe('+memory +pids');
    cg.create('sbx_v2b', { memory_mb: 256, pids: 10, cpu: 2 });
    const group = join(base, 'nanopod', 'sbx_v2b');
    expect(readdirSync(group).sort()).toEqual(['memory.max', 'pids.max']);
  });

  itAsRoot(
    "v2 root offering no controller (a hybrid's empty unified mount) is not used; v1 is",
    () => {
      writeFileSync(join(base, 'cgroup.controllers'), '\n');
      for (const c of ['memory', 'pids', 'cpu']) {
        mkdirSync(join(base, c));
        writeFileSync(join(base, c, 'cgroup.procs'), '');
      }
      writeFileSync(join(base, 'memory', 'memory.memsw.limit_in_bytes'), '');
      const cg = new Cgroups(base);
      expect(cg.support).toEqual({ version: 1, memory: true, pids: true, cpu: true, swap: true });

      const procs = cg.create('sbx_v1', { memory_mb: 512, pids: 67, cpu: 0.5 });
      expect(procs.sort()).toEqual(
        ['cpu', 'memory', 'pids'].map((c) => join(base, c, 'nanopod', 'sbx_v1', 'cgroup.procs')),
      );
      const bytes = String(512 * 1048576);
      expect(read('memory', 'nanopod', 'sbx_v1', 'memory.limit_in_bytes')).toBe(bytes);
      expect(read('memory', 'nanopod', 'sbx_v1', 'memory.memsw.limit_in_bytes')).toBe(bytes);
      expect(read('memory', 'nanopod', 'sbx_v1', 'memory.swappiness')).toBe('0');
      expect(read('pids', 'nanopod', 'sbx_v1', 'pids.max')).toBe('67');
      expect(read('cpu', 'nanopod', 'sbx_v1', 'cpu.cfs_period_us')).toBe('100000');
      expect(read('cpu', 'nanopod', 'sbx_v1', 'cpu.cfs_quota_us')).toBe('50000');
      writeFileSync(
        join(base, 'memory', 'nanopod', 'sbx_v1', 'memory.oom_control'),
        'oom_kill 2\n',
      );
      expect(cg.oomKilled('sbx_v1')).toBe(true);
    },
  );
});
