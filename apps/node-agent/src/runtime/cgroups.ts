import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** The agent's groups live under this name in each hierarchy; nothing else is touched. */
const PARENT = 'nanopod';
const CPU_PERIOD_US = 100_000;

export interface CgroupLimits {
  memory_mb: number;
  pids: number;
  /** CPU share in cores (0.5 = half a core); 0 or less: no CPU cap. */
  cpu: number;
}

export interface CgroupSupport {
  version: 1 | 2 | null;
  memory: boolean;
  pids: boolean;
  cpu: boolean;
  swap: boolean;
}

type Controller = 'memory' | 'pids' | 'cpu';

/**
 * Whole-sandbox limits: one group per sandbox (`nanopod/<sandbox-id>`) in each controller, the
 * launcher writes its own pid into `cgroup.procs` before it becomes the sandbox, so everything
 * the sandbox starts (and the tmpfs pages it writes) is charged there. v2 (one unified
 * hierarchy with the controllers enabled) when the node has it, v1 (a mount per controller)
 * otherwise. Only root can do this; otherwise `support` says nothing is available.
 */
export class Cgroups {
  readonly support: CgroupSupport;
  /** Per controller: the directory that holds `nanopod` (v2: the same for all). */
  private readonly roots = new Map<Controller, string>();

  constructor(private readonly base = '/sys/fs/cgroup') {
    this.support = this.detect();
  }

  private detect(): CgroupSupport {
    const none: CgroupSupport = {
      version: null,
      memory: false,
      pids: false,
      cpu: false,
      swap: false,
    };
    if (process.getuid?.() !== 0) return none;
    const v2 = this.detectV2();
    if (v2) return v2;
    const support: CgroupSupport = { ...none, version: 1 };
    for (const c of ['memory', 'pids', 'cpu'] as const) {
      const dir = join(this.base, c);
      if (!existsSync(join(dir, 'cgroup.procs')) || !this.writable(dir)) continue;
      this.roots.set(c, dir);
      support[c] = true;
    }
    support.swap =
      support.memory && existsSync(join(this.base, 'memory', 'memory.memsw.limit_in_bytes'));
    if (!support.memory && !support.pids && !support.cpu) return none;
    return support;
  }

  /** v2 counts when the unified root offers the controllers (a hybrid's empty one does not). */
  private detectV2(): CgroupSupport | null {
    const controllersFile = join(this.base, 'cgroup.controllers');
    if (!existsSync(controllersFile)) return null;
    const available = readFileSync(controllersFile, 'latin1').trim().split(/\s+/);
    const want = (['memory', 'pids', 'cpu'] as const).filter((c) => available.includes(c));
    if (want.length === 0) return null;
    try {
      // Controllers must be enabled from the root down to the sandboxes' parent.
      writeFileSync(join(this.base, 'cgroup.subtree_control'), want.map((c) => `+${c}`).join(' '));
      mkdirSync(join(this.base, PARENT), { recursive: true });
      writeFileSync(
        join(this.base, PARENT, 'cgroup.subtree_control'),
        want.map((c) => `+${c}`).join(' '),
      );
    } catch {
      return null;
    }
    for (const c of want) this.roots.set(c, this.base);
    return {
      version: 2,
      memory: want.includes('memory'),
      pids: want.includes('pids'),
      cpu: want.includes('cpu'),
      swap: existsSync(join(this.base, PARENT, 'memory.swap.max')),
    };
  }

  private writable(dir: string): boolean {
    try {
      mkdirSync(join(dir, PARENT), { recursive: true });
      return true;
    } catch {
      return false;
    }
  }

  /** The sandbox's groups with their limits set; returns the `cgroup.procs` files to join. */
  create(sandboxId: string, limits: CgroupLimits): string[] {
    const dirs = this.dirsOf(sandboxId);
    for (const dir of new Set(dirs.values())) mkdirSync(dir, { recursive: true });
    const memory = dirs.get('memory');
    const bytes = String(limits.memory_mb * 1048576);
    if (memory && this.support.version === 2) {
      writeFileSync(join(memory, 'memory.max'), bytes);
      if (this.support.swap) writeFileSync(join(memory, 'memory.swap.max'), '0');
    } else if (memory) {
      // memsw (memory+swap) must stay >= the memory limit: raise it last, lower it first.
      const memsw = join(memory, 'memory.memsw.limit_in_bytes');
      if (this.support.swap) writeIgnoringOrder(memory, bytes, memsw);
      else writeFileSync(join(memory, 'memory.limit_in_bytes'), bytes);
      writeFileSync(join(memory, 'memory.swappiness'), '0');
    }
    const pids = dirs.get('pids');
    if (pids) writeFileSync(join(pids, 'pids.max'), String(limits.pids));
    const cpu = dirs.get('cpu');
    if (cpu && limits.cpu > 0) {
      const quota = String(Math.max(1000, Math.round(limits.cpu * CPU_PERIOD_US)));
      if (this.support.version === 2)
        writeFileSync(join(cpu, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`);
      else {
        writeFileSync(join(cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
        writeFileSync(join(cpu, 'cpu.cfs_quota_us'), quota);
      }
    }
    return [...new Set(dirs.values())].map((d) => join(d, 'cgroup.procs'));
  }

  /** The `cgroup.procs` files a launcher writes its pid into (the groups `create` made). */
  procsFiles(sandboxId: string): string[] {
    return [...new Set(this.dirsOf(sandboxId).values())]
      .map((d) => join(d, 'cgroup.procs'))
      .filter((f) => existsSync(f));
  }

  /** Pids in the sandbox's groups (the stop loop kills them). */
  pids(sandboxId: string): number[] {
    const out = new Set<number>();
    for (const dir of new Set(this.dirsOf(sandboxId).values())) {
      try {
        for (const line of readFileSync(join(dir, 'cgroup.procs'), 'latin1').split('\n')) {
          if (line) out.add(Number(line));
        }
      } catch {
        // not created
      }
    }
    return [...out];
  }

  /** Memory the sandbox holds now (its own, tmpfs included), in MB; null without the controller. */
  memoryMb(sandboxId: string): number | null {
    const dir = this.dirsOf(sandboxId).get('memory');
    if (!dir) return null;
    const file = this.support.version === 2 ? 'memory.current' : 'memory.usage_in_bytes';
    try {
      return Math.round(Number(readFileSync(join(dir, file), 'latin1')) / 1048576);
    } catch {
      return null;
    }
  }

  /** True when the memory controller killed something in the sandbox since it was made. */
  oomKilled(sandboxId: string): boolean {
    const dir = this.dirsOf(sandboxId).get('memory');
    if (!dir) return false;
    try {
      const file = this.support.version === 2 ? 'memory.events' : 'memory.oom_control';
      const m = /oom_kill (\d+)/.exec(readFileSync(join(dir, file), 'latin1'));
      return m !== null && Number(m[1]) > 0;
    } catch {
      return false;
    }
  }

  /** The groups under the agent's parent (of the first controller: all have the same). */
  groups(): string[] {
    const root = [...this.roots.values()][0];
    if (!root) return [];
    try {
      return readdirSync(join(root, PARENT), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return [];
    }
  }

  /** Removes the groups; call once their processes are gone (rmdir fails while any is left). */
  remove(sandboxId: string): boolean {
    let clean = true;
    for (const dir of new Set(this.dirsOf(sandboxId).values())) {
      if (!existsSync(dir)) continue;
      try {
        rmdirSync(dir);
      } catch {
        clean = false;
      }
    }
    return clean;
  }

  private dirsOf(sandboxId: string): Map<Controller, string> {
    const out = new Map<Controller, string>();
    for (const [c, root] of this.roots) out.set(c, join(root, PARENT, sandboxId));
    return out;
  }
}

function writeIgnoringOrder(memoryDir: string, bytes: string, memsw: string): void {
  const limit = join(memoryDir, 'memory.limit_in_bytes');
  try {
    writeFileSync(limit, bytes);
    writeFileSync(memsw, bytes);
  } catch {
    writeFileSync(memsw, bytes);
    writeFileSync(limit, bytes);
  }
}
