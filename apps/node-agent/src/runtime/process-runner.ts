import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { ExecHandle, ExecResult, ExecSink } from './runtime-driver';
import { spawner } from './spawner';

export interface ProcessRunOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
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
        if (error) {
          options.sink.output('stderr', Buffer.from(`${error}\n`));
          code = 127;
        }
        if (reason === undefined) reason = helperReason;
        const duration_ms = Number(process.hrtime.bigint() - started) / 1e6;
        settle({
          exit_code: code,
          signal,
          ...(options.mapExit?.(code, signal) ?? {}),
          ...(reason !== undefined ? { reason } : {}),
          duration_ms: Math.round(duration_ms * 10) / 10,
        });
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

/** The same, spawned from this process (when the helper is unavailable). */
function runProcessHere(options: ProcessRunOptions): ExecHandle {
  const started = process.hrtime.bigint();
  let reason: string | undefined;
  let outputBytes = 0;
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    uid: options.uid,
    gid: options.gid,
    // Own process group: one kill(-pgid) reaches everything it started outside a pid namespace.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
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
  child.stdout.on('data', onData('stdout'));
  child.stderr.on('data', onData('stderr'));

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
