import type { AgentMessage } from '@nanopod/federation';
import type { SandboxRecord } from '../runtime/runtime-driver';
import { CLOCK_TICKS_PER_SECOND, descendants, readProcesses, rssMb } from '../runtime/process-tree';

type UsageSample = Extract<AgentMessage, { type: 'usage' }>['samples'][number];

/**
 * Once a second, one usage sample per running sandbox. CPU comes from /proc: utime+stime of
 * the sandbox's live processes plus cutime+cstime (children they already reaped), as deltas
 * per pid, so nothing is counted twice; GPU seconds are allocated GPUs x elapsed seconds.
 */
export class UsageSampler {
  private timer: NodeJS.Timeout | null = null;
  private last = process.hrtime.bigint();
  private readonly ticks = new Map<string, Map<number, number>>();

  constructor(
    private readonly running: () => SandboxRecord[],
    private readonly pidsOf: (sandbox: SandboxRecord) => number[],
    private readonly emit: (samples: UsageSample[]) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.last = process.hrtime.bigint();
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  tick(): void {
    const now = process.hrtime.bigint();
    const elapsed = Number(now - this.last) / 1e9;
    this.last = now;
    const sandboxes = this.running();
    if (sandboxes.length === 0) {
      this.ticks.clear();
      return;
    }
    const needProc = sandboxes.some((s) => this.pidsOf(s).length > 0);
    const processes = needProc ? readProcesses() : [];
    const at = new Date().toISOString();
    const samples: UsageSample[] = [];
    const seen = new Set<string>();
    for (const sandbox of sandboxes) {
      seen.add(sandbox.sandbox_id);
      const roots = this.pidsOf(sandbox);
      const tree = roots.length > 0 ? descendants(processes, roots) : [];
      const previous = this.ticks.get(sandbox.sandbox_id) ?? new Map<number, number>();
      const current = new Map<number, number>();
      let deltaTicks = 0;
      for (const p of tree) {
        current.set(p.pid, p.cpu_ticks);
        deltaTicks += Math.max(0, p.cpu_ticks - (previous.get(p.pid) ?? 0));
      }
      this.ticks.set(sandbox.sandbox_id, current);
      samples.push({
        sandbox_id: sandbox.sandbox_id,
        at,
        cpu_seconds: Math.round((deltaTicks / CLOCK_TICKS_PER_SECOND) * 1000) / 1000,
        memory_mb: rssMb(tree),
        gpu_seconds: Math.round(sandbox.spec.gpus * elapsed * 1000) / 1000,
        egress_bytes: 0,
      });
    }
    for (const id of this.ticks.keys()) if (!seen.has(id)) this.ticks.delete(id);
    this.emit(samples);
  }
}
