import { chmodSync, chownSync, existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxSpec } from '@nanopod/federation';
import type { PreparedProcess } from './process-runner';
import type { SandboxRecord } from './runtime-driver';

/** What a warm sandbox is made of, from the driver that owns cgroups, disks and launches. */
export interface WarmParts {
  /** Takes a ready size-limited work dir into `dir` (as `dir/work`); false when none is ready. */
  takeDisk(dir: string, diskMb: number): boolean;
  /** Unmounts and deletes a work dir's filesystem (an unused warm sandbox's). */
  releaseDisk(workDir: string): Promise<void>;
  makeCgroup(group: string, spec: SandboxSpec): void;
  /** An egress namespace for a warm sandbox (named `group`); throws when none can be made. */
  makeNet(group: string): Promise<void>;
  /** Hands the warm sandbox's namespace to the sandbox that took it; false when it is stale. */
  moveNet(group: string, sandboxId: string): boolean;
  dropNet(group: string): Promise<void>;
  /** False while processes are left in it. */
  removeCgroup(group: string): boolean;
  /** The sandbox's first exec chain, started now and waiting for its script. */
  launch(record: SandboxRecord): PreparedProcess | null;
  /** Kills what a warm sandbox started (its uid's processes and its cgroup's). */
  kill(uid: number, group: string): void;
}

export interface WarmPoolOptions {
  /** Warm sandboxes kept of each of the last shapes started; 0: none. */
  size: number;
  /** Where warm sandbox directories wait (same filesystem as the sandboxes' directories). */
  dir: string;
  /** Outer uids the pool may take (from the top down, so the manager's, from the bottom, rarely meet them). */
  uids: { base: number; size: number };
}

const FILL_DELAY_MS = 100;
const RETRY_MS = 250;
const MAX_MISSES = 40;
/** Shapes kept warm: the last this many started (a node alternating two kinds of work). */
const SHAPES_KEPT = 2;

interface Warm {
  key: string;
  shape: string;
  uid: number;
  dir: string;
  slot: PreparedProcess;
}

/** A sandbox that took a warm one: its uid, its cgroup and its first exec, already running. */
export interface WarmClaim {
  uid: number;
  cgroup: string;
  slot: PreparedProcess;
}

/**
 * Sandboxes made before anyone asks for them. Starting a sandbox's first command costs a chain
 * of process starts (launcher, setpriv, bwrap with its namespaces and mounts, the stub: tens of
 * ms) that a fresh sandbox's first exec would wait for. A warm sandbox has all of it done: its
 * cgroups, its size-limited work dir (owned by its own outer uid) and that chain, waiting on an
 * fd for its script. A new sandbox of the same shape (the limits the chain was started with:
 * rlimits and tmpfs sizes) takes one by renaming its directory into place; nothing of a warm
 * sandbox was ever seen by anyone else, and none of it is shared with another.
 *
 * Sandboxes without GPUs or forwarded ports are made warm, of the last shapes started (what a
 * node serving one kind of work sees again and again); an egress one with its namespace, made
 * and filtered as any (netns-egress.ts), handed over only while its filter is current.
 */
export class WarmPool {
  private readonly ready: Warm[] = [];
  private filling: Promise<void> | null = null;
  private closed = false;
  private seq = 0;
  /** Uids of warm sandboxes and of sandboxes that took one (until removed). */
  private readonly taken = new Set<number>();
  /** The shapes last started (most recent last), with a spec of each. */
  private readonly wanted = new Map<string, SandboxSpec>();
  /** Discards under way (close waits for them). */
  private readonly discarding = new Set<Promise<void>>();

  constructor(
    private readonly options: WarmPoolOptions,
    private readonly parts: WarmParts,
  ) {}

  /** Whether a sandbox of this spec can be made warm (and so take a warm one). */
  static eligible(spec: SandboxSpec): boolean {
    return spec.gpus === 0 && !(spec.ports?.length ?? 0);
  }

  /** How many warm sandboxes of this spec's shape a start could take now. */
  readyFor(spec: SandboxSpec): number {
    const shape = shapeOf(spec);
    return this.ready.filter((w) => w.shape === shape && w.slot.ready).length;
  }

  /**
   * Uids the pool holds: its warm sandboxes' (ready or being made) and those of sandboxes that
   * took one. The manager gives a new sandbox none of them.
   */
  heldUids(): number[] {
    return [...this.taken];
  }

  /** A sandbox that exists (started earlier, or found after a restart) keeps its uid. */
  note(uid: number): void {
    if (this.inRange(uid)) this.taken.add(uid);
  }

  /** A sandbox is gone for good: its uid may be used again. */
  forget(uid: number): void {
    if (!this.ready.some((w) => w.uid === uid)) this.taken.delete(uid);
  }

  /**
   * Gives `sandboxDir` a warm sandbox of this spec's shape (renamed into place), or null. The
   * caller then uses the claim's uid, cgroup and first exec.
   */
  claim(spec: SandboxSpec, sandboxDir: string): WarmClaim | null {
    if (!WarmPool.eligible(spec) || existsSync(sandboxDir)) return null;
    const shape = shapeOf(spec);
    // Only one whose chain is set up: its bind of the work dir is made (a rename before would
    // leave bwrap without its source path).
    const i = this.ready.findIndex((w) => w.shape === shape && w.slot.ready);
    if (i < 0) return null;
    const [warm] = this.ready.splice(i, 1) as [Warm];
    const egress = spec.network === 'egress';
    if (egress && !this.parts.moveNet(warm.key, spec.sandbox_id)) {
      void this.discard(warm);
      return null;
    }
    try {
      renameSync(warm.dir, sandboxDir);
      chmodSync(sandboxDir, 0o711);
    } catch {
      void this.discard(warm, egress ? spec.sandbox_id : warm.key);
      return null;
    }
    return { uid: warm.uid, cgroup: warm.key, slot: warm.slot };
  }

  /** A sandbox of this spec started: keep warm ones of its shape ready (in the background). */
  want(spec: SandboxSpec): void {
    if (this.options.size <= 0 || this.closed || !WarmPool.eligible(spec)) return;
    const shape = shapeOf(spec);
    this.wanted.delete(shape);
    this.wanted.set(shape, spec);
    for (const old of [...this.wanted.keys()].slice(0, -SHAPES_KEPT)) this.wanted.delete(old);
    // Shapes no longer started would wait for nobody: their warm sandboxes go.
    for (const w of this.ready.filter((w) => !this.wanted.has(w.shape) || !w.slot.alive)) {
      this.ready.splice(this.ready.indexOf(w), 1);
      void this.discard(w);
    }
    if (!this.filling) this.filling = this.fill().finally(() => (this.filling = null));
  }

  /** Removes every warm sandbox (agent shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    // A warm sandbox being made is discarded by the fill itself once made.
    await this.filling;
    await Promise.all([...this.ready.splice(0).map((w) => this.discard(w)), ...this.discarding]);
  }

  private async fill(): Promise<void> {
    // Not while the sandbox that took the last one runs its first command: a chain starting
    // beside it on a small node took the CPU it waited for (its first `true` 7 ms -> 30 ms).
    await new Promise((r) => setTimeout(r, FILL_DELAY_MS));
    for (let misses = 0; ;) {
      const spec = [...this.wanted.values()]
        .reverse()
        .find((w) => this.ready.filter((r) => r.shape === shapeOf(w)).length < this.options.size);
      if (this.closed || !spec) return;
      const warm = await this.make(spec);
      if (!warm) {
        // Most often no size-limited work dir is ready yet (the disk pool makes them in the
        // background, slowly on a busy node): try again a while, then wait for the next start.
        if (++misses > MAX_MISSES) return;
        await new Promise((r) => setTimeout(r, RETRY_MS));
        continue;
      }
      if (this.closed || !this.wanted.has(warm.shape)) {
        await this.discard(warm);
        return;
      }
      this.ready.push(warm);
    }
  }

  private async make(spec: SandboxSpec): Promise<Warm | null> {
    const uid = this.freeUid();
    if (uid === null) return null;
    // Held from now on: the manager must not give it to a sandbox while this one is made.
    this.taken.add(uid);
    const key = `warm-${process.pid}-${this.seq++}`;
    const dir = join(this.options.dir, key);
    if (!this.parts.takeDisk(dir, spec.limits.disk_mb)) {
      this.taken.delete(uid);
      return null;
    }
    const workDir = join(dir, 'work');
    const egress = spec.network === 'egress';
    const undo = async (): Promise<null> => {
      if (egress) await this.parts.dropNet(key).catch(() => undefined);
      this.parts.removeCgroup(key);
      await this.parts.releaseDisk(workDir).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      this.taken.delete(uid);
      return null;
    };
    try {
      chownSync(workDir, uid, uid);
      chmodSync(workDir, 0o700);
      this.parts.makeCgroup(key, spec);
      if (egress) await this.parts.makeNet(key);
    } catch {
      return undo();
    }
    const record: SandboxRecord = {
      sandbox_id: key,
      spec: { ...spec, sandbox_id: key, env: {} },
      state: 'running',
      uid,
      gid: uid,
      work_dir: workDir,
      created_at: new Date().toISOString(),
      cgroup: key,
    };
    const slot = this.parts.launch(record);
    if (!slot) return undo();
    return { key, shape: shapeOf(spec), uid, dir, slot };
  }

  /** `netOf`: whose the warm sandbox's namespace is now (a failed claim handed it on). */
  private discard(warm: Warm, netOf = warm.key): Promise<void> {
    const done = this.remove(warm, netOf).finally(() => this.discarding.delete(done));
    this.discarding.add(done);
    return done;
  }

  private async remove(warm: Warm, netOf: string): Promise<void> {
    warm.slot.discard();
    this.parts.kill(warm.uid, warm.key);
    // Its processes die asynchronously; the cgroup goes once they have.
    for (let i = 0; i < 50 && !this.parts.removeCgroup(warm.key); i++) {
      this.parts.kill(warm.uid, warm.key);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (warm.shape.startsWith('egress/')) await this.parts.dropNet(netOf).catch(() => undefined);
    await this.parts.releaseDisk(join(warm.dir, 'work')).catch(() => undefined);
    rmSync(warm.dir, { recursive: true, force: true });
    this.taken.delete(warm.uid);
  }

  /** Warm sandboxes an earlier agent left (its processes died with it): unmounted and gone. */
  async sweep(groups: string[]): Promise<void> {
    const mine = `warm-${process.pid}-`;
    const stale = (name: string) => name.startsWith('warm-') && !name.startsWith(mine);
    let names: string[] = [];
    try {
      names = readdirSync(this.options.dir).filter(stale);
    } catch {
      // no directory yet
    }
    for (const name of names) {
      const dir = join(this.options.dir, name);
      await this.parts.releaseDisk(join(dir, 'work')).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
    for (const group of groups.filter(stale)) this.parts.removeCgroup(group);
  }

  private freeUid(): number | null {
    const { base, size } = this.options.uids;
    for (let uid = base + size - 1; uid >= base; uid--) if (!this.taken.has(uid)) return uid;
    return null;
  }

  private inRange(uid: number): boolean {
    const { base, size } = this.options.uids;
    return uid >= base && uid < base + size;
  }
}

/** What a warm chain was started with: its rlimits and tmpfs sizes come from these. */
function shapeOf(spec: SandboxSpec): string {
  const l = spec.limits;
  return `${spec.network}/${l.memory_mb}/${l.pids}/${l.cpu_seconds}/${l.disk_mb}`;
}
