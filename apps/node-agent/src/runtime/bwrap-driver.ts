import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { posix, join } from 'node:path';
import { WorkDirFiles } from '../sandboxes/work-dir-files';
import { killProcessGroup, runProcess } from './process-runner';
import {
  descendants,
  isAlive,
  killUidProcesses,
  processesOfUid,
  readProcesses,
} from './process-tree';
import { spawner } from './spawner';
import type {
  ExecHandle,
  ExecRequest,
  ExecSink,
  RuntimeDriver,
  SandboxRecord,
} from './runtime-driver';
import { AgentOperationError } from './runtime-driver';

export interface BwrapDriverOptions {
  bwrap_bin: string;
  prlimit_bin: string;
  /** Where the driver writes the sandbox's /etc/passwd and /etc/group. */
  state_dir: string;
}

/** Uid/gid the command sees inside the sandbox's user namespace. */
export const SANDBOX_INNER_ID = 1000;

/** Files of /etc a program commonly needs; the rest of the host's /etc stays hidden. */
const ETC_FILES = [
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/alternatives',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/pki',
  '/etc/localtime',
  '/etc/nsswitch.conf',
  '/etc/host.conf',
  '/etc/gai.conf',
  '/etc/hosts',
  '/etc/mime.types',
  '/etc/os-release',
  '/etc/python3',
  '/etc/python3.11',
];

const SYSTEM_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** How long stop() keeps killing and waiting for a sandbox's processes to be gone. */
const STOP_SETTLE_MS = 10_000;

/**
 * Sandboxes as bubblewrap namespaces (user, pid, ipc, uts, cgroup, mount, and net unless the
 * sandbox asks for egress). Limits are rlimits set by prlimit(1) on the bwrap process and
 * inherited by everything inside: RLIMIT_AS (memory), RLIMIT_NPROC (processes), RLIMIT_CPU,
 * RLIMIT_FSIZE. Wall time is an agent timer that kills the process group.
 *
 * RLIMIT_NPROC is not enforced for processes whose real uid is root, so when the agent runs as
 * root each sandbox gets its own unprivileged outer uid (record.uid) and bwrap is started as
 * that uid; inside, the user namespace maps it to uid 1000. The work dir belongs to that uid
 * with mode 0700, so one sandbox cannot read another's even if a path leaked.
 *
 * The argv prefix that does not depend on the sandbox is built once, at construction.
 */
export class BwrapDriver implements RuntimeDriver {
  readonly name = 'bwrap' as const;
  readonly files = new WorkDirFiles();
  private readonly baseArgs: string[];
  private readonly resolvConf: boolean;
  private readonly gpuDevices: string[];
  private readonly hasPrlimit: boolean;
  private readonly running = new Map<string, Set<ExecHandle>>();
  /** Per sandbox: how many times it was stopped; spawns carry it to the helper. */
  private readonly generations = new Map<string, number>();
  /** Sandboxes stopped (or stopping) and not started again: exec is refused. */
  private readonly stopped = new Set<string>();

  constructor(private readonly options: BwrapDriverOptions) {
    this.hasPrlimit = existsSync(options.prlimit_bin);
    const etcDir = buildEtcTemplate(join(options.state_dir, 'etc'));
    const args: string[] = [
      '--die-with-parent',
      '--new-session',
      '--uid',
      String(SANDBOX_INNER_ID),
      '--gid',
      String(SANDBOX_INNER_ID),
      '--hostname',
      'sandbox',
      '--cap-drop',
      'ALL',
      '--ro-bind',
      '/usr',
      '/usr',
    ];
    for (const dir of SYSTEM_DIRS) {
      const stat = lstatOrNull(dir);
      if (!stat) continue;
      if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
      else args.push('--ro-bind', dir, dir);
    }
    // One bind for /etc (a copy of what programs need, made at start): each mount costs time
    // on every spawn, and the bench goal leaves no room for twenty of them.
    args.push('--ro-bind', etcDir, '/etc');
    args.push('--proc', '/proc', '--dev', '/dev');
    this.baseArgs = args;
    this.resolvConf = existsSync('/etc/resolv.conf');
    this.gpuDevices = listGpuDevices();
    // Ahead of the first exec: the spawn helper's Node boot is not on anyone's clock.
    spawner.warm();
  }

  static available(bwrapBin: string): boolean {
    return existsSync(bwrapBin);
  }

  async start(sandbox: SandboxRecord): Promise<void> {
    if (!existsSync(sandbox.work_dir)) {
      throw new AgentOperationError('agent.internal', 'work dir missing');
    }
    this.stopped.delete(sandbox.sandbox_id);
  }

  /** The full argv (command first) for one exec; exported for the bench and the tests. */
  buildArgv(sandbox: SandboxRecord, request: ExecRequest): { command: string; args: string[] } {
    const limits = sandbox.spec.limits;
    const egress = sandbox.spec.network === 'egress';
    const bwrap: string[] = [this.options.bwrap_bin, '--unshare-all'];
    if (egress) {
      bwrap.push('--share-net');
      // Over the empty placeholder in the /etc copy: egress sandboxes resolve names like the host.
      if (this.resolvConf) bwrap.push('--ro-bind', '/etc/resolv.conf', '/etc/resolv.conf');
    }
    bwrap.push(...this.baseArgs);
    if (sandbox.spec.gpus > 0)
      for (const dev of this.gpuDevices) bwrap.push('--dev-bind', dev, dev);
    bwrap.push('--size', String(Math.max(16, limits.disk_mb) * 1048576), '--tmpfs', '/tmp');
    bwrap.push('--bind', sandbox.work_dir, '/work');
    bwrap.push('--chdir', request.cwd ? posix.resolve('/work', request.cwd) : '/work');
    bwrap.push('--clearenv');
    const env: Record<string, string> = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: '/work',
      USER: 'sandbox',
      LANG: 'C.UTF-8',
      TMPDIR: '/tmp',
      ...sandbox.spec.env,
      ...request.env,
    };
    for (const [key, value] of Object.entries(env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || value.includes('\0')) {
        throw new AgentOperationError(
          'agent.path_invalid',
          `invalid environment variable "${key}"`,
        );
      }
      bwrap.push('--setenv', key, value);
    }
    // Processes: the command plus bwrap's own two (monitor and pid 1). Without root the
    // sandbox shares the agent's uid, whose existing processes count against RLIMIT_NPROC
    // too, so they are added (a weaker limit, documented in the README).
    const sharedUid = sandbox.uid === process.getuid?.();
    const nproc = limits.pids + 3 + (sharedUid ? processesOfUid(sandbox.uid).length : 0);
    const memoryBytes = limits.memory_mb * 1048576;
    if (this.hasPrlimit) {
      return {
        command: this.options.prlimit_bin,
        args: [
          `--as=${memoryBytes}`,
          `--nproc=${nproc}`,
          // Soft below hard: the command gets SIGXCPU (reported as cpu_time_limit), not SIGKILL.
          `--cpu=${limits.cpu_seconds}:${limits.cpu_seconds + 1}`,
          `--fsize=${limits.disk_mb * 1048576}`,
          '--core=0',
          '--',
          ...bwrap,
          '--',
          ...request.argv,
        ],
      };
    }
    const script = `ulimit -v ${Math.floor(memoryBytes / 1024)} -u ${nproc} -t ${limits.cpu_seconds} -c 0 && exec "$@"`;
    return {
      command: bwrap[0],
      args: [...bwrap.slice(1), '--', '/bin/sh', '-c', script, 'sh', ...request.argv],
    };
  }

  exec(sandbox: SandboxRecord, request: ExecRequest, sink: ExecSink): ExecHandle {
    if (request.argv.length === 0)
      throw new AgentOperationError('agent.path_invalid', 'argv is empty');
    if (this.stopped.has(sandbox.sandbox_id)) {
      throw new AgentOperationError(
        'agent.sandbox_stopped',
        `sandbox ${sandbox.sandbox_id} is stopped`,
      );
    }
    const { command, args } = this.buildArgv(sandbox, request);
    const asSandboxUser = process.getuid?.() === 0 && sandbox.uid !== 0;
    const handle = runProcess({
      command,
      args,
      env: {},
      uid: asSandboxUser ? sandbox.uid : undefined,
      gid: asSandboxUser ? sandbox.gid : undefined,
      wall_seconds: request.wall_seconds,
      output_limit_bytes: request.output_limit_bytes,
      sink,
      group: sandbox.sandbox_id,
      generation: this.generations.get(sandbox.sandbox_id) ?? 0,
      mapExit: (code) => {
        // bwrap exits 128+N when the command died of signal N.
        if (code === 128 + 24) return { signal: 'SIGXCPU', reason: 'cpu_time_limit' };
        return {};
      },
    });
    let set = this.running.get(sandbox.sandbox_id);
    if (!set) this.running.set(sandbox.sandbox_id, (set = new Set()));
    set.add(handle);
    void handle.done.then(() => set.delete(handle));
    return handle;
  }

  /** Pids of the processes this driver started for a sandbox (roots for usage sampling). */
  pids(sandboxId: string): number[] {
    return [...(this.running.get(sandboxId) ?? [])]
      .map((h) => h.pid)
      .filter((p): p is number => p !== null);
  }

  /**
   * Kills everything the sandbox runs and resolves once it is gone. In order: no new exec is
   * accepted; the helper refuses spawns of this sandbox it has not started yet and kills the
   * groups it started; the processes found now (bwrap's monitor, and its pid 1 and command,
   * which --new-session put in another session) are killed by pid; as root, everything under
   * the sandbox's uid too. SIGKILL takes effect asynchronously (the kernel tears the pid
   * namespace down after bwrap's monitor is gone), so the processes are then polled until none
   * is left, killing again each round.
   */
  async stop(sandbox: SandboxRecord): Promise<void> {
    const id = sandbox.sandbox_id;
    this.stopped.add(id);
    const generation = (this.generations.get(id) ?? 0) + 1;
    this.generations.set(id, generation);
    spawner.stopGroup(id, generation);
    const handles = [...(this.running.get(id) ?? [])];
    const roots = this.pids(id);
    const tree = descendants(readProcesses(), roots).map((p) => p.pid);
    for (const handle of handles) handle.cancel('sandbox_stopped');
    for (const pid of roots) killProcessGroup(pid);
    for (const pid of tree) killPid(pid);
    killUidProcesses(sandbox.uid);
    await Promise.all(handles.map((h) => h.done));
    await this.settle(sandbox, tree);
  }

  /** Waits until none of `pids` and (as root) nothing under the sandbox's uid is alive. */
  private async settle(sandbox: SandboxRecord, pids: number[]): Promise<void> {
    const ownUid = sandbox.uid === 0 || sandbox.uid === process.getuid?.();
    const deadline = Date.now() + STOP_SETTLE_MS;
    for (;;) {
      const alive = pids.filter(isAlive);
      const byUid = ownUid ? 0 : processesOfUid(sandbox.uid).length;
      if (alive.length === 0 && byUid === 0) return;
      if (Date.now() > deadline) return; // uninterruptible sleep: it dies when the kernel lets it
      for (const pid of alive) killPid(pid);
      killUidProcesses(sandbox.uid);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async remove(sandbox: SandboxRecord): Promise<void> {
    await this.stop(sandbox);
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

function lstatOrNull(path: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/**
 * Builds `<state>/etc`: copies of ETC_FILES (symlinks kept as links; they point into /usr,
 * which is bound too), a passwd and group naming the sandbox user, and an empty resolv.conf
 * that egress sandboxes get the host's over.
 */
function buildEtcTemplate(etcDir: string): string {
  rmSync(etcDir, { recursive: true, force: true });
  mkdirSync(etcDir, { recursive: true, mode: 0o755 });
  chmodSync(etcDir, 0o755);
  for (const source of ETC_FILES) {
    if (!existsSync(source)) continue;
    try {
      cpSync(source, join(etcDir, source.slice('/etc/'.length)), {
        recursive: true,
        verbatimSymlinks: true,
        dereference: false,
      });
    } catch {
      // unreadable or special: the sandbox goes without it
    }
  }
  writeFileSync(
    join(etcDir, 'passwd'),
    `root:x:0:0:root:/root:/bin/sh\nsandbox:x:${SANDBOX_INNER_ID}:${SANDBOX_INNER_ID}:sandbox:/work:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    { mode: 0o644 },
  );
  writeFileSync(
    join(etcDir, 'group'),
    `root:x:0:\nsandbox:x:${SANDBOX_INNER_ID}:\nnogroup:x:65534:\n`,
    { mode: 0o644 },
  );
  writeFileSync(join(etcDir, 'resolv.conf'), '', { mode: 0o644 });
  return etcDir;
}

function listGpuDevices(): string[] {
  try {
    return readdirSync('/dev')
      .filter((name) => /^(nvidia|kfd$|dri$)/.test(name))
      .map((name) => `/dev/${name}`);
  } catch {
    return [];
  }
}
