import { ChildProcess, spawn } from 'node:child_process';

/**
 * Why a separate process spawns sandbox commands: Node's spawn() forks the calling process,
 * and fork() copies its page tables while the caller blocks. In the embedded default the
 * agent lives in the platform process (Nest, TypeORM, PGlite's WASM heap: hundreds of MB),
 * where one spawn() measured ~30 ms of a ~70 ms exec. A small helper process, started ahead of
 * time, forks in a few ms; commands, output and exits travel over its IPC channel.
 *
 * The helper is plain JavaScript run with `node -e` (no file to resolve, no ts-node, no
 * NODE_OPTIONS): the smaller it stays, the cheaper its forks. It kills every process group it
 * started and exits when the agent goes away (IPC disconnect), and bwrap's --die-with-parent
 * follows it, so nothing outlives the agent.
 */
const HELPER_SOURCE = `
'use strict';
const { spawn } = require('node:child_process');
const { openSync, closeSync, readdirSync, readFileSync } = require('node:fs');
// Fds this helper inherited without close-on-exec (a shell's or a supervisor's pipes) would
// pass through every spawn into the sandboxes: close them, keeping stdio and the IPC channel.
// Node's and libuv's own fds are close-on-exec (O_CLOEXEC, 02000000 in fdinfo's octal flags).
try {
  const channel = Number(process.env.NODE_CHANNEL_FD);
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd <= 2 || fd === channel) continue;
    try {
      const flags = /flags:\\s*([0-7]+)/.exec(readFileSync('/proc/self/fdinfo/' + fd, 'latin1'));
      if (flags && (parseInt(flags[1], 8) & 0o2000000) === 0) closeSync(fd);
    } catch {}
  }
} catch {}
const kids = new Map();
// Per sandbox ("group"): the first generation still allowed to spawn. A stop raises it, so a
// spawn sent before the stop but not yet started is refused instead of outliving the stop.
const allowedFrom = new Map();
const killGroup = (pid) => {
  try { process.kill(-pid, 'SIGKILL'); } catch { try { process.kill(pid, 'SIGKILL'); } catch {} }
};
process.on('message', (m) => {
  if (m.t === 'feed') {
    // A prepared spawn is claimed: its output limit, and the bytes its waiting fd was kept for.
    const c = kids.get(m.id);
    if (!c) return;
    c.limit = m.limit;
    const pipe = c.stdio[3 + m.fd];
    if (pipe) { pipe.on('error', () => {}); pipe.end(m.data); }
    return;
  }
  if (m.t === 'kill') {
    const c = kids.get(m.id);
    if (c && c.pid) killGroup(c.pid);
    return;
  }
  if (m.t === 'forget') {
    allowedFrom.delete(m.group);
    return;
  }
  if (m.t === 'regroup') {
    // A warm sandbox's chain now belongs to the sandbox that took it.
    const c = kids.get(m.id);
    if (c) c.group = m.group;
    return;
  }
  if (m.t === 'stop') {
    allowedFrom.set(m.group, m.generation);
    for (const c of kids.values()) if (c.group === m.group && c.pid) killGroup(c.pid);
    return;
  }
  if (m.t !== 'spawn') return;
  if (m.group !== undefined && (m.generation ?? 0) < (allowedFrom.get(m.group) ?? 0)) {
    process.send({ t: 'exit', id: m.id, code: null, signal: 'SIGKILL', reason: 'sandbox_stopped' });
    return;
  }
  // Extra fds from 3 on: data through a pipe written here, or a file opened here (as root,
  // before the child drops its uid) and closed again once the child has it.
  const opened = [];
  let child;
  try {
    const extra = (m.fds || []).map((f) => {
      if (f.data !== undefined || f.later || f.ready) return 'pipe';
      const fd = openSync(f.file, 'r');
      opened.push(fd);
      return fd;
    });
    child = spawn(m.command, m.args, {
      cwd: m.cwd, env: m.env, uid: m.uid, gid: m.gid, detached: true,
      stdio: ['ignore', 'pipe', 'pipe', ...extra],
    });
  } catch (err) {
    process.send({ t: 'exit', id: m.id, code: 127, signal: null, error: err.message });
    return;
  } finally {
    for (const fd of opened) closeSync(fd);
  }
  (m.fds || []).forEach((f, i) => {
    const pipe = child.stdio[3 + i];
    if (f.ready && pipe) {
      // The command says it is set up (one byte), then closes its end.
      pipe.once('data', () => process.send({ t: 'ready', id: m.id }));
      pipe.on('error', () => {});
      pipe.resume();
      return;
    }
    if (f.data === undefined || !pipe) return;
    // A child that fails before reading closes its end: nothing to report from here.
    pipe.on('error', () => {});
    pipe.end(f.data);
  });
  const pid = child.pid;
  // Background work (pool refills, clean-ups) yields the CPU to the commands users wait for.
  if (m.nice && pid) { try { require('node:os').setPriority(pid, m.nice); } catch {} }
  child.group = m.group;
  child.limit = m.limit;
  kids.set(m.id, child);
  process.send({ t: 'spawned', id: m.id, pid: pid === undefined ? null : pid });
  let bytes = 0;
  let reason;
  const onData = (stream) => (chunk) => {
    bytes += chunk.length;
    if (bytes > child.limit) {
      if (reason === undefined) reason = 'output_limit';
      if (pid) killGroup(pid);
      return;
    }
    process.send({ t: 'out', id: m.id, stream, data: chunk });
  };
  child.stdout.on('data', onData('stdout'));
  child.stderr.on('data', onData('stderr'));
  let settled = false;
  const finish = (code, signal, error) => {
    if (settled) return;
    settled = true;
    kids.delete(m.id);
    process.send({ t: 'exit', id: m.id, code, signal, reason, error });
  };
  child.on('error', (err) => finish(127, null, err.message));
  child.on('exit', (code, signal) => {
    // Leftovers in the group would hold the pipes open: end them, wait for 'close' briefly.
    if (pid) killGroup(pid);
    const grace = setTimeout(() => finish(code, signal), 200);
    child.once('close', () => { clearTimeout(grace); finish(code, signal); });
  });
});
process.on('disconnect', () => {
  for (const c of kids.values()) if (c.pid) killGroup(c.pid);
  process.exit(0);
});
// Ctrl-C in a terminal signals the whole foreground group: the agent's shutdown still needs its
// helper (clean-ups run through it); the helper ends when the agent does (disconnect above).
process.on('SIGINT', () => {});
`;

/**
 * An fd the command inherits (3, 4, ... in order): bytes through a pipe, a file read-only, a
 * pipe whose bytes come later, when a prepared spawn is claimed (Spawner.feed), or a pipe the
 * command writes one byte to once it is set up (SpawnEvents.ready).
 */
export type SpawnFd = { data: string } | { file: string } | { later: true } | { ready: true };

export interface SpawnRequest {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** Output bytes (both streams) after which the helper kills the group. */
  limit: number;
  fds?: SpawnFd[];
  /** Niceness (19: only when nothing else wants the CPU), for background work. */
  nice?: number;
  /** The sandbox the spawn belongs to, and its stop generation when sent (see stopGroup). */
  group?: string;
  generation?: number;
}

export interface SpawnEvents {
  spawned(pid: number | null): void;
  /** The command wrote to its `ready` fd. */
  ready?(): void;
  output(stream: 'stdout' | 'stderr', chunk: Buffer): void;
  exit(code: number | null, signal: NodeJS.Signals | null, reason?: string, error?: string): void;
}

type HelperMessage =
  | { t: 'spawned'; id: number; pid: number | null }
  | { t: 'ready'; id: number }
  | { t: 'out'; id: number; stream: 'stdout' | 'stderr'; data: Uint8Array }
  | {
      t: 'exit';
      id: number;
      code: number | null;
      signal: NodeJS.Signals | null;
      reason?: string;
      error?: string;
    };

/** The exit reason of spawns whose helper died under them. */
export const SPAWNER_LOST = 'agent_spawner_lost';

/** The agent's spawn helper: one per process, started ahead of the first exec. */
export class Spawner {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, SpawnEvents>();

  /** Starts the helper now (so the first exec does not wait for Node to boot). */
  warm(): boolean {
    return this.helper() !== null;
  }

  /** Sends one spawn; events arrive in order (spawned, output..., exit). Null: no helper. */
  spawn(req: SpawnRequest, events: SpawnEvents): number | null {
    const child = this.helper();
    if (!child) return null;
    const id = this.nextId++;
    this.pending.set(id, events);
    if (this.pending.size === 1) child.channel?.ref();
    // A plain copy: process.env is an exotic object the structured clone may not take.
    child.send({ t: 'spawn', id, ...req, env: { ...req.env } });
    return id;
  }

  /**
   * Claims a prepared spawn: its output limit from now on, and `data` written to its `later`
   * fd (index into SpawnRequest.fds), which is then closed.
   */
  feed(id: number, fd: number, data: string, limit: number): void {
    if (this.pending.has(id)) this.child?.send({ t: 'feed', id, fd, data, limit });
  }

  /** Kills a spawn's process group through the helper (also before its pid is known here). */
  kill(id: number): void {
    if (this.pending.has(id)) this.child?.send({ t: 'kill', id });
  }

  /**
   * A sandbox stops: the helper kills every process group it started for `group` and refuses
   * spawns of `group` sent with a generation below `generation` that it has not started yet.
   * Messages are handled in order, so nothing sent before this can start after it.
   */
  stopGroup(group: string, generation: number): void {
    this.child?.send({ t: 'stop', group, generation });
  }

  /** A spawn now belongs to `group` (its stopGroup kills it). */
  regroup(id: number, group: string): void {
    if (this.pending.has(id)) this.child?.send({ t: 'regroup', id, group });
  }

  /** A sandbox is removed: the helper drops what it kept for it (sent after its stop). */
  forgetGroup(group: string): void {
    this.child?.send({ t: 'forget', group });
  }

  private helper(): ChildProcess | null {
    if (this.child) return this.child;
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, ['-e', HELPER_SOURCE], {
        // Nothing inherited: NODE_OPTIONS could preload hooks (ts-node) and grow the helper.
        env: {},
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        serialization: 'advanced',
      });
    } catch {
      return null;
    }
    child.on('message', (m: HelperMessage) => this.onMessage(m));
    child.once('exit', () => this.lost(child));
    // Every error, not the first: sends already queued to a helper that died each fail (EPIPE),
    // and an 'error' without a listener would end the agent (and the platform it lives in).
    child.on('error', () => this.lost(child));
    // The helper must not keep the agent alive; in-flight spawns ref its channel.
    child.unref();
    child.channel?.unref();
    this.child = child;
    return child;
  }

  private onMessage(m: HelperMessage): void {
    const events = this.pending.get(m.id);
    if (!events) return;
    if (m.t === 'spawned') events.spawned(m.pid);
    else if (m.t === 'ready') events.ready?.();
    else if (m.t === 'out') {
      events.output(m.stream, Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
    } else {
      this.settle(m.id);
      events.exit(m.code, m.signal, m.reason, m.error);
    }
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.child?.channel?.unref();
  }

  /** The helper died: its commands died with it (die-with-parent); report them killed. */
  private lost(child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = null;
    for (const [id, events] of [...this.pending]) {
      this.settle(id);
      events.exit(null, 'SIGKILL', SPAWNER_LOST);
    }
  }
}

/** The process's one helper. */
export const spawner = new Spawner();
