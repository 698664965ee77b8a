import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { ExecHandle, ExecResult, ExecSink } from './runtime-driver';
import { openSync, closeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { spawner, type SpawnFd } from './spawner';

export interface ProcessRunOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** Inherited as fds 3, 4, ... (see SpawnFd). */
  fds?: SpawnFd[];
  wall_seconds: number;
  output_limit_bytes: number;
  sink: ExecSink;
  /** Sandbox and stop generation, for the helper's stop check (see Spawner.stopGroup). */
  group?: string;
  generation?: number;
  /** Turns a raw exit into the reported one (a driver knows what its wrapper's codes mean). */
  mapExit?: (code: number | null, signal: NodeJS.Signals | null) => Partial<ExecResult>;
}

/** SIGKILL to the whole process group; the group may already be gone. */
export function killProcessGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Spawns a command in its own process group and streams its output chunk by chunk as the
 * pipe delivers it. Wall time, output size and cancellation kill the whole group. The spawn
 * goes through the agent's small helper process (see spawner.ts), or, when that cannot
 * start, from this process.
 */
export function runProcess(options: ProcessRunOptions): ExecHandle {
  const started = process.hrtime.bigint();
  let reason: string | undefined;
  let pid: number | null = null;
  let wallTimer: NodeJS.Timeout | null = null;
  let settle!: (result: ExecResult) => void;
  const done = new Promise<ExecResult>((resolve) => (settle = resolve));
  const id = spawner.spawn(
    {
      command: options.command,
      args: options.args,
      env: options.env,
      cwd: options.cwd,
      uid: options.uid,
      gid: options.gid,
      fds: options.fds,
      limit: options.output_limit_bytes,
      group: options.group,
      generation: options.generation,
    },
    {
      spawned: (p) => {
        pid = p;
        // Cancelled while the spawn was in flight: the helper's kill follows, this one does
        // not depend on it.
        if (reason !== undefined && p !== null) killProcessGroup(p);
      },
      output: (stream, chunk) => options.sink.output(stream, chunk),
      exit: (code, signal, helperReason, error) => {
        if (wallTimer) clearTimeout(wallTimer);
        if (reason === undefined) reason = helperReason;
        settle(helperResult(options, started, code, signal, reason, error));
      },
    },
  );
  if (id === null) return runProcessHere(options);
  const kill = (why: string): void => {
    if (reason === undefined) reason = why;
    spawner.kill(id);
  };
  if (options.wall_seconds > 0) {
    wallTimer = setTimeout(() => kill('wall_time_limit'), options.wall_seconds * 1000);
  }
  return {
    get pid() {
      return pid;
    },
    cancel: (why = 'cancelled') => kill(why),
    done,
  };
}

/** The result of a helper spawn's exit; a spawn error is told on stderr and exits 127. */
function helperResult(
  options: Pick<ProcessRunOptions, 'sink' | 'mapExit'>,
  started: bigint,
  code: number | null,
  signal: NodeJS.Signals | null,
  reason: string | undefined,
  error: string | undefined,
): ExecResult {
  if (error) {
    options.sink.output('stderr', Buffer.from(`${error}\n`));
    code = 127;
  }
  const duration_ms = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    exit_code: code,
    signal,
    ...(options.mapExit?.(code, signal) ?? {}),
    ...(reason !== undefined ? { reason } : {}),
    duration_ms: Math.round(duration_ms * 10) / 10,
  };
}

export interface PrepareOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Exactly one `{ later: true }` among them: what claim() feeds. */
  fds: SpawnFd[];
  group?: string;
  generation?: number;
}

export interface ClaimOptions {
  data: string;
  wall_seconds: number;
  output_limit_bytes: number;
  sink: ExecSink;
  mapExit?: ProcessRunOptions['mapExit'];
}

/** A command started ahead of its use, waiting on an fd for what it is to do. */
export interface PreparedProcess {
  /** False once it has exited (a claim then answers null). */
  readonly alive: boolean;
  /** True once it wrote to its `{ ready: true }` fd (it is set up and waiting). */
  readonly ready: boolean;
  /** It now belongs to `group` (the helper's stopGroup of that group kills it). */
  regroup(group: string): void;
  /** Kills its process group, unclaimed (a claimed one is cancelled through its handle). */
  discard(): void;
  /** From now on its output goes to `sink` and its clock runs; `data` is fed to its fd. */
  claim(options: ClaimOptions): ExecHandle | null;
}

interface Claim {
  options: ClaimOptions;
  started: bigint;
  reason?: string;
  wallTimer: NodeJS.Timeout | null;
  settle: (result: ExecResult) => void;
}

/** Output a prepared command may print before it is claimed (an error of its set-up). */
const PRE_CLAIM_OUTPUT = 64 * 1024;

/**
 * Starts a command through the helper now and hands it its work later (see PreparedProcess):
 * what it costs to start is then paid before anyone waits for it. Null without a helper.
 */
export function prepareProcess(options: PrepareOptions): PreparedProcess | null {
  const feedFd = options.fds.findIndex((f) => 'later' in f);
  let alive = true;
  let ready = false;
  let pid: number | null = null;
  let early: Array<['stdout' | 'stderr', Buffer]> = [];
  let claimed = null as Claim | null;
  const id = spawner.spawn(
    {
      command: options.command,
      args: options.args,
      env: options.env,
      fds: options.fds,
      limit: PRE_CLAIM_OUTPUT,
      group: options.group,
      generation: options.generation,
    },
    {
      spawned: (p) => {
        pid = p;
        if (claimed?.reason !== undefined && p !== null) killProcessGroup(p);
      },
      ready: () => {
        ready = true;
      },
      output: (stream, chunk) => {
        if (claimed) claimed.options.sink.output(stream, chunk);
        else early.push([stream, chunk]);
      },
      exit: (code, signal, helperReason, error) => {
        alive = false;
        const c = claimed;
        if (!c) return;
        if (c.wallTimer) clearTimeout(c.wallTimer);
        if (c.reason === undefined) c.reason = helperReason;
        c.settle(helperResult(c.options, c.started, code, signal, c.reason, error));
      },
    },
  );
  if (id === null) return null;
  return {
    get alive() {
      return alive;
    },
    get ready() {
      return ready && alive;
    },
    regroup(group) {
      spawner.regroup(id, group);
    },
    discard() {
      if (!claimed) spawner.kill(id);
    },
    claim(claim) {
      if (!alive || claimed) return null;
      let settle!: (result: ExecResult) => void;
      const done = new Promise<ExecResult>((resolve) => (settle = resolve));
      const c: Claim = {
        options: claim,
        started: process.hrtime.bigint(),
        wallTimer: null,
        settle,
      };
      claimed = c;
      for (const [stream, chunk] of early) claim.sink.output(stream, chunk);
      early = [];
      spawner.feed(id, feedFd, claim.data, claim.output_limit_bytes);
      const kill = (why: string): void => {
        if (c.reason === undefined) c.reason = why;
        spawner.kill(id);
      };
      if (claim.wall_seconds > 0) {
        c.wallTimer = setTimeout(() => kill('wall_time_limit'), claim.wall_seconds * 1000);
      }
      return {
        get pid() {
          return pid;
        },
        cancel: (why = 'cancelled') => kill(why),
        done,
      };
    },
  };
}

/** The same, spawned from this process (when the helper is unavailable). */
function runProcessHere(options: ProcessRunOptions): ExecHandle {
  const started = process.hrtime.bigint();
  let reason: string | undefined;
  let outputBytes = 0;
  const fds = options.fds ?? [];
  const opened: number[] = [];
  const extra = fds.map((f) => {
    if (!('file' in f)) return 'pipe' as const;
    const fd = openSync(f.file, 'r');
    opened.push(fd);
    return fd;
  });
  let child;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      uid: options.uid,
      gid: options.gid,
      // Own process group: one kill(-pgid) reaches everything it started outside a pid namespace.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', ...extra],
    });
  } finally {
    for (const fd of opened) closeSync(fd);
  }
  fds.forEach((f, i) => {
    const pipe = child.stdio[3 + i] as Writable | null;
    // Nobody waits for a ready byte here: read and drop it, so the pipe can close.
    if ('ready' in f && pipe) (pipe as unknown as NodeJS.ReadableStream).resume();
    if (!('data' in f) || !pipe) return;
    pipe.on('error', () => undefined);
    pipe.end(f.data);
  });
  const pid = child.pid ?? null;
  const kill = (why: string): void => {
    if (reason === undefined) reason = why;
    if (pid !== null) killProcessGroup(pid);
  };
  const wallTimer =
    options.wall_seconds > 0
      ? setTimeout(() => kill('wall_time_limit'), options.wall_seconds * 1000)
      : null;
  const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    outputBytes += chunk.length;
    if (outputBytes > options.output_limit_bytes) {
      kill('output_limit');
      return;
    }
    options.sink.output(stream, chunk);
  };
  child.stdout!.on('data', onData('stdout'));
  child.stderr!.on('data', onData('stderr'));

  const done = new Promise<ExecResult>((resolvePromise) => {
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      if (wallTimer) clearTimeout(wallTimer);
      const duration_ms = Number(process.hrtime.bigint() - started) / 1e6;
      const mapped = options.mapExit?.(code, signal) ?? {};
      resolvePromise({
        exit_code: code,
        signal,
        ...mapped,
        ...(reason !== undefined ? { reason } : {}),
        duration_ms: Math.round(duration_ms * 10) / 10,
      });
    };
    child.on('error', (err) => {
      options.sink.output('stderr', Buffer.from(`${err.message}\n`));
      finish(127, null);
    });
    child.on('exit', (code, signal) => {
      // Leftovers in the group (daemonized children) would hold the pipes open: end them, and
      // do not wait for 'close' longer than a moment.
      if (pid !== null) killProcessGroup(pid);
      const grace = setTimeout(() => finish(code, signal), 200);
      child.once('close', () => {
        clearTimeout(grace);
        finish(code, signal);
      });
    });
  });

  return {
    pid,
    cancel: (why = 'cancelled') => kill(why),
    done,
  };
}

export function signalName(signo: number): NodeJS.Signals | null {
  const entry = Object.entries(constants.signals).find(([, n]) => n === signo);
  return entry ? (entry[0] as NodeJS.Signals) : null;
}
