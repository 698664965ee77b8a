import {
  chmodSync,
  closeSync,
  cpSync,
  openSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { NodeContainment } from '@nanopod/federation';
import { dirname, posix, join } from 'node:path';
import { WorkDirFiles } from '../sandboxes/work-dir-files';
import { Cgroups } from './cgroups';
import { DiskQuota } from './disk-quota';
import { createServer, AddressInfo } from 'node:net';
import { SANDBOX_DNS } from './egress-rules';
import { EgressNetwork } from './netns-egress';
import { WarmPool } from './warm-pool';
import {
  ARGS_FD,
  INNER_STUB,
  OUTER_LAUNCHER,
  SECCOMP_FD,
  argsData,
  execScript,
  launcherParams,
} from './sandbox-launcher';
import { buildSeccompFilter, seccompArch } from './seccomp-bpf';
import { tmpfsSizes } from './tmpfs-limits';
import {
  killProcessGroup,
  prepareProcess,
  runProcess,
  type PreparedProcess,
} from './process-runner';
import {
  descendants,
  isAlive,
  killUidProcesses,
  processesOfUid,
  readProcesses,
} from './process-tree';
import { spawner, type SpawnFd } from './spawner';
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
  /** Where the driver writes the sandbox's /etc/passwd and /etc/group. */
  state_dir: string;
  /** Admin allow-list for egress sandboxes on this node (`CIDR:port`). */
  egress_allow?: string[];
  /**
   * The node address forwarded ports listen on: loopback (default) where the platform runs on
   * this machine, else the address the platform reaches the node at (its VPN address, as issued
   * with its enrollment token).
   */
  forward_address?: string;
  /** Egress namespaces kept ready (netns-egress.ts); default 0 here, the agent's config says 2. */
  egress_pool?: number;
  /** Off: the work dir is not a size-limited filesystem (disk_quota reported false). */
  disk_quota?: boolean;
  /** Tool paths; the defaults are Debian's. */
  pasta_bin?: string;
  nft_bin?: string;
  ip_bin?: string;
  nsenter_bin?: string;
  setpriv_bin?: string;
  mkfs_bin?: string;
  mount_bin?: string;
  umount_bin?: string;
  cgroup_base?: string;
  /**
   * Warm sandboxes kept ready (warm-pool.ts; needs root, cgroups and the disk quota), and the
   * outer uids they may take (the agent's own range). Default 0: none.
   */
  warm_pool?: number;
  warm_uids?: { base: number; size: number };
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

/** What every command's environment starts from; the sandbox's and the exec's env follow. */
const BASE_ENV = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/work',
  USER: 'sandbox',
  LANG: 'C.UTF-8',
  TMPDIR: '/tmp',
};

const SYSTEM_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** How long stop() keeps killing and waiting for a sandbox's processes to be gone. */
const STOP_SETTLE_MS = 10_000;

/**
 * Sandboxes as bubblewrap namespaces (user, pid, ipc, uts, cgroup, mount, net). An egress
 * sandbox's net namespace is its own too, made at start with user-mode NAT and a deny list
 * (netns-egress.ts); it never shares the node's. The sandbox as a whole is held by cgroups
 * (memory incl. its tmpfs pages, pids, CPU; cgroups.ts) and its work dir by a size-limited
 * filesystem (disk-quota.ts); each command also gets rlimits (RLIMIT_AS, RLIMIT_NPROC,
 * RLIMIT_CPU, RLIMIT_FSIZE) from the launcher's shell. A seccomp filter (seccomp-bpf.ts) and
 * --disable-userns close the usual escapes. bwrap's options, env values among them, travel
 * through a pipe (`--args`, sandbox-launcher.ts), never on a command line or disk. Wall time
 * is an agent timer that kills the process group. `containment` says what of this the node
 * can actually do.
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
  private readonly cgroups: Cgroups;
  private readonly egress: EgressNetwork | null;
  private readonly disk: DiskQuota | null;
  private readonly warmPool: WarmPool | null;
  /** Sandboxes that took a warm one and have not started since (their netns is made). */
  private readonly fromWarm = new Set<string>();
  private readonly seccompFile: string | null;
  private readonly disableUserns: boolean;
  private readonly runDir: string;
  private readonly egressResolvConf: string;
  private readonly setprivBin: string;
  private readonly nsenterBin: string;
  private readonly asRoot = process.getuid?.() === 0;
  /** What this node can enforce (reported to the platform in the inventory). */
  readonly containment: NodeContainment;
  private readonly running = new Map<string, Set<ExecHandle>>();
  /** Per sandbox: its next exec, started ahead (prepareSlot). */
  private readonly slots = new Map<string, PreparedProcess>();
  /** Per sandbox: how many times it was stopped; spawns carry it to the helper. */
  private readonly generations = new Map<string, number>();
  /** Sandboxes stopped (or stopping) and not started again: exec is refused. */
  private readonly stopped = new Set<string>();
  /** Sandboxes started and not stopped since: the ones a slot is kept for. */
  private readonly live = new Set<string>();

  constructor(private readonly options: BwrapDriverOptions) {
    const etcDir = buildEtcTemplate(join(options.state_dir, 'etc'));
    this.runDir = join(options.state_dir, 'run');
    mkdirSync(this.runDir, { recursive: true, mode: 0o700 });
    chmodSync(this.runDir, 0o700);
    this.setprivBin = options.setpriv_bin ?? '/usr/bin/setpriv';
    this.nsenterBin = options.nsenter_bin ?? '/usr/bin/nsenter';
    this.cgroups = new Cgroups(options.cgroup_base);
    const net = {
      pasta_bin: options.pasta_bin ?? '/usr/bin/pasta',
      nft_bin: options.nft_bin ?? '/usr/sbin/nft',
      ip_bin: options.ip_bin ?? '/usr/sbin/ip',
      nsenter_bin: this.nsenterBin,
      run_dir: this.runDir,
      allow: options.egress_allow ?? [],
      pool_size: options.egress_pool ?? 0,
    };
    this.egress =
      EgressNetwork.probe(net) && existsSync(this.nsenterBin) ? new EgressNetwork(net) : null;
    const diskTools = {
      mkfs_bin: options.mkfs_bin ?? '/usr/sbin/mkfs.ext4',
      mount_bin: options.mount_bin ?? '/usr/bin/mount',
      umount_bin: options.umount_bin ?? '/usr/bin/umount',
    };
    this.disk =
      options.disk_quota !== false && DiskQuota.probe(diskTools, this.runDir)
        ? new DiskQuota(diskTools, join(this.runDir, 'disk-pool'))
        : null;
    this.warmPool = this.makeWarmPool();
    this.seccompFile = writeSeccompFilter(options.bwrap_bin, this.runDir);
    this.disableUserns = bwrapAccepts(options.bwrap_bin, ['--disable-userns']);
    this.egressResolvConf = join(options.state_dir, 'etc-egress-resolv.conf');
    writeFileSync(this.egressResolvConf, `nameserver ${SANDBOX_DNS}\n`, { mode: 0o644 });
    this.containment = {
      cgroup_version: this.cgroups.support.version,
      cgroup_memory: this.cgroups.support.memory,
      cgroup_pids: this.cgroups.support.pids,
      cgroup_cpu: this.cgroups.support.cpu,
      netns_egress: this.egress !== null && this.asRoot,
      disk_quota: this.disk !== null,
      seccomp: this.seccompFile !== null,
      userns_disable: this.disableUserns,
    };
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
    if (this.disableUserns) args.push('--disable-userns');
    if (this.seccompFile) args.push('--seccomp', String(SECCOMP_FD));
    this.baseArgs = args;
    this.resolvConf = existsSync('/etc/resolv.conf');
    this.gpuDevices = listGpuDevices();
    // Ahead of the first exec: the spawn helper's Node boot is not on anyone's clock.
    spawner.warm();
  }

  private makeWarmPool(): WarmPool | null {
    const { warm_pool: size = 0, warm_uids: uids } = this.options;
    const disk = this.disk;
    if (size <= 0 || !uids || !disk || !this.asRoot || !this.cgroups.support.version) return null;
    const dir = join(this.options.state_dir, 'sandboxes');
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    return new WarmPool(
      { size, dir, uids },
      {
        takeDisk: (into, diskMb) => disk.claim(into, diskMb),
        releaseDisk: (workDir) => disk.release(workDir),
        makeCgroup: (group, spec) => {
          this.cgroups.create(group, cgroupLimits(spec));
        },
        removeCgroup: (group) => this.cgroups.remove(group),
        makeNet: async (group) => {
          if (!this.egress) throw new Error('no egress on this node');
          await this.egress.create(group);
        },
        moveNet: (group, sandboxId) => this.egress?.reassign(group, sandboxId) ?? false,
        dropNet: async (group) => this.egress?.destroy(group),
        launch: (record) =>
          prepareProcess({
            ...this.buildArgv(record, { later: true }),
            env: {},
            group: record.sandbox_id,
          }),
        kill: (uid, group) => {
          killUidProcesses(uid);
          for (const pid of this.cgroups.pids(group)) killPid(pid);
        },
      },
    );
  }

  /** Warm sandboxes a start of this spec could take now (0 without the pool). */
  warmFor(spec: SandboxRecord['spec']): number {
    return this.warmPool?.readyFor(spec) ?? 0;
  }

  /** Outer uids warm sandboxes hold (a new sandbox's uid is chosen among the others). */
  heldUids(): number[] {
    return this.warmPool?.heldUids() ?? [];
  }

  static available(bwrapBin: string): boolean {
    return existsSync(bwrapBin);
  }

  /**
   * A warm sandbox of the same shape, taken whole (its directory, uid, cgroups and first exec)
   * by one rename; or else a ready size-limited work dir, taken with its sandbox directory.
   */
  prepareDir(sandbox: SandboxRecord): void {
    const warm = this.ownUid(sandbox)
      ? this.warmPool?.claim(sandbox.spec, dirname(sandbox.work_dir))
      : null;
    if (warm) {
      sandbox.uid = sandbox.gid = warm.uid;
      sandbox.cgroup = warm.cgroup;
      warm.slot.regroup(sandbox.sandbox_id);
      this.slots.set(sandbox.sandbox_id, warm.slot);
      this.fromWarm.add(sandbox.sandbox_id);
      return;
    }
    this.disk?.claim(dirname(sandbox.work_dir), sandbox.spec.limits.disk_mb);
  }

  /**
   * Makes what the sandbox is held by: its cgroups, its size-limited work dir and, for egress,
   * its network namespace. A part the node cannot make fails the start (agent.uncontainable)
   * rather than running the sandbox without it.
   */
  async start(sandbox: SandboxRecord): Promise<void> {
    if (!existsSync(sandbox.work_dir)) {
      throw new AgentOperationError('agent.internal', 'work dir missing');
    }
    const id = sandbox.sandbox_id;
    const egress = sandbox.spec.network === 'egress';
    const ports = sandbox.spec.ports ?? [];
    if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
      throw new AgentOperationError('agent.internal', 'ports must be integers 1-65535');
    }
    if (ports.length && !egress) {
      throw new AgentOperationError(
        'agent.uncontainable',
        'ports are forwarded only into a sandbox with a network of its own (network: egress)',
      );
    }
    if (egress && !this.egress) {
      throw new AgentOperationError(
        'agent.uncontainable',
        'this node cannot give a sandbox its own egress network (needs root, pasta and nftables)',
      );
    }
    try {
      if (this.disk) {
        await this.disk.mount(
          sandbox.work_dir,
          sandbox.spec.limits.disk_mb,
          sandbox.uid,
          sandbox.gid,
        );
      }
      this.cgroups.create(groupOf(sandbox), cgroupLimits(sandbox.spec));
      if (egress && this.fromWarm.has(id)) {
        await this.egress?.insertAllow(id, sandbox.spec.egress_allow ?? []);
      } else if (egress) {
        // A new loopback port per start: the old one may have been taken while it was stopped.
        const forward = [];
        const host = this.options.forward_address ?? '127.0.0.1';
        for (const port of ports) forward.push({ port, host, host_port: await freePort(host) });
        await this.egress?.create(id, sandbox.spec.egress_allow ?? [], forward);
        sandbox.ports = forward;
      }
    } catch (err) {
      // The work dir (and its files) stays: only what this start made for processes goes
      // (with the first exec of a warm sandbox it took).
      this.fromWarm.delete(id);
      this.slots.get(id)?.discard();
      this.slots.delete(id);
      await this.release(sandbox, false);
      if (err instanceof AgentOperationError) throw err;
      throw new AgentOperationError(
        'agent.uncontainable',
        "the sandbox's limits could not be set up",
      );
    }
    this.fromWarm.delete(id);
    this.stopped.delete(id);
    this.live.add(id);
    this.prepareSlot(sandbox);
    this.warmPool?.note(sandbox.uid);
    // Warm ones only where sandboxes get their own uid (the manager found the dirs reachable).
    if (this.ownUid(sandbox)) this.warmPool?.want(sandbox.spec);
  }

  private ownUid(sandbox: SandboxRecord): boolean {
    return this.asRoot && sandbox.uid !== 0;
  }

  /**
   * The argv (command first) for one exec, and the fds it inherits; exported for the bench and
   * the tests. The chain: launcher (cgroups, rlimits) -> [nsenter into the egress netns, as the
   * sandbox's uid] or [setpriv to the sandbox's uid] -> bwrap (options from fd 3) -> the inner
   * stub, which runs the exec's script from fd 5 (`script`: its bytes, or later for a slot).
   * Each step is a process start (a few ms each on a busy node), so there are no more of them
   * than containment needs.
   */
  buildArgv(
    sandbox: SandboxRecord,
    script: SpawnFd,
  ): { command: string; args: string[]; fds: SpawnFd[] } {
    const limits = sandbox.spec.limits;
    const egress = sandbox.spec.network === 'egress';
    const sizes = tmpfsSizes(limits);
    const options: string[] = ['--unshare-all', '--unshare-user'];
    // Sized first: the root tmpfs every later mount point is made in.
    options.push('--size', String(sizes.root), '--tmpfs', '/');
    if (egress) {
      // The process is already in the sandbox's own netns (nsenter): bwrap keeps that one.
      options.push('--share-net');
    }
    options.push(...this.baseArgs);
    if (egress) options.push('--ro-bind', this.egressResolvConf, '/etc/resolv.conf');
    if (sandbox.spec.gpus > 0)
      for (const dev of this.gpuDevices) options.push('--dev-bind', dev, dev);
    options.push('--size', String(sizes.dev_shm), '--tmpfs', '/dev/shm');
    options.push('--size', String(sizes.tmp), '--tmpfs', '/tmp');
    options.push('--bind', sandbox.work_dir, '/work');
    // The environment and any other directory come with the script.
    options.push('--chdir', '/work', '--clearenv');
    const chain: string[] = [];
    const dropUid = this.asRoot && sandbox.uid !== 0;
    if (egress) {
      // Never without it: bwrap's --share-net would then be the node's own network.
      const netns = this.egress?.pathOf(sandbox.sandbox_id);
      if (!netns) {
        throw new AgentOperationError(
          'agent.uncontainable',
          `sandbox ${sandbox.sandbox_id} has no egress network; start it again`,
        );
      }
      // nsenter drops to the uid itself (and clears supplementary groups): one step, not two.
      chain.push(this.nsenterBin, `--net=${netns}`);
      if (dropUid) chain.push(`--setuid=${sandbox.uid}`, `--setgid=${sandbox.gid}`);
      chain.push('--');
    } else if (dropUid) {
      chain.push(
        this.setprivBin,
        `--reuid=${sandbox.uid}`,
        `--regid=${sandbox.gid}`,
        '--clear-groups',
        '--',
      );
    }
    chain.push(this.options.bwrap_bin, '--args', String(ARGS_FD), '--');
    chain.push('/bin/sh', '-c', INNER_STUB, 'sandbox');
    // Processes: the command plus bwrap's own two (monitor and pid 1). Without root the
    // sandbox shares the agent's uid, whose existing processes count against RLIMIT_NPROC
    // too, so they are added (a weaker limit, documented in the README).
    const sharedUid = sandbox.uid === process.getuid?.();
    const procs = this.cgroups.support.version ? this.cgroupProcs(sandbox) : [];
    // fd 3: bwrap's options; fd 4: the seccomp program (or an empty pipe); fd 5: the script;
    // fd 6: the stub's "set up" byte.
    const fds: SpawnFd[] = [
      { data: argsData(options) },
      this.seccompFile ? { file: this.seccompFile } : { data: '' },
      script,
      { ready: true },
    ];
    return {
      command: '/bin/sh',
      args: [
        '-c',
        OUTER_LAUNCHER,
        'launcher',
        procs.join(' '),
        ...launcherParams({
          memory_bytes: limits.memory_mb * 1048576,
          nproc: limits.pids + 3 + (sharedUid ? processesOfUid(sandbox.uid).length : 0),
          cpu_seconds: limits.cpu_seconds,
          file_bytes: limits.disk_mb * 1048576,
        }),
        ...chain,
      ],
      fds,
    };
  }

  /**
   * A slot: the next exec's whole chain, started while the sandbox is idle and waiting for its
   * script, so an exec costs only the command itself. At most one, and only while no exec runs
   * (its three waiting processes then stay within the sandbox's process limit).
   */
  private prepareSlot(sandbox: SandboxRecord): void {
    const id = sandbox.sandbox_id;
    if (!this.live.has(id) || this.slots.has(id) || this.running.get(id)?.size) return;
    let built: ReturnType<BwrapDriver['buildArgv']>;
    try {
      built = this.buildArgv(sandbox, { later: true });
    } catch {
      return;
    }
    const slot = prepareProcess({
      ...built,
      env: {},
      group: id,
      generation: this.generations.get(id) ?? 0,
    });
    if (slot) this.slots.set(id, slot);
  }

  private cgroupProcs(sandbox: SandboxRecord): string[] {
    return this.cgroups.procsFiles(groupOf(sandbox));
  }

  exec(sandbox: SandboxRecord, request: ExecRequest, sink: ExecSink): ExecHandle {
    const id = sandbox.sandbox_id;
    if (this.stopped.has(id)) {
      throw new AgentOperationError('agent.sandbox_stopped', `sandbox ${id} is stopped`);
    }
    const script = execScript(
      { ...BASE_ENV, ...sandbox.spec.env, ...request.env },
      request.argv,
      request.cwd ? posix.resolve('/work', request.cwd) : undefined,
    );
    const claim = {
      data: script,
      wall_seconds: request.wall_seconds,
      output_limit_bytes: request.output_limit_bytes,
      sink,
      mapExit: (code: number | null) => {
        // bwrap exits 128+N when the command died of signal N.
        if (code === 128 + 24) return { signal: 'SIGXCPU', reason: 'cpu_time_limit' };
        if (code === 128 + 9 && this.cgroups.oomKilled(groupOf(sandbox))) {
          return { signal: 'SIGKILL', reason: 'memory_limit' };
        }
        return {};
      },
    };
    const slot = this.slots.get(id);
    this.slots.delete(id);
    // As root the launcher stays root until setpriv/nsenter: it must join the cgroups and netns.
    const handle =
      slot?.claim(claim) ??
      runProcess({
        ...this.buildArgv(sandbox, { data: script }),
        ...claim,
        env: {},
        group: id,
        generation: this.generations.get(id) ?? 0,
      });
    let set = this.running.get(id);
    if (!set) this.running.set(id, (set = new Set()));
    set.add(handle);
    void handle.done.then(() => {
      set.delete(handle);
      this.prepareSlot(sandbox);
    });
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
    this.live.delete(id);
    this.slots.get(id)?.discard();
    this.slots.delete(id);
    spawner.stopGroup(id, generation);
    const handles = [...(this.running.get(id) ?? [])];
    const roots = this.pids(id);
    const tree = descendants(readProcesses(), roots).map((p) => p.pid);
    for (const handle of handles) handle.cancel('sandbox_stopped');
    for (const pid of roots) killProcessGroup(pid);
    for (const pid of tree) killPid(pid);
    killUidProcesses(sandbox.uid);
    for (const pid of this.cgroups.pids(groupOf(sandbox))) killPid(pid);
    await Promise.all(handles.map((h) => h.done));
    await this.settle(sandbox, tree);
    await this.release(sandbox, false);
  }

  /** Removes the netns and the cgroups (and, with `disk`, the work dir's filesystem). */
  private async release(sandbox: SandboxRecord, disk = true): Promise<void> {
    await this.egress?.destroy(sandbox.sandbox_id);
    this.cgroups.remove(groupOf(sandbox));
    if (disk) await this.disk?.release(sandbox.work_dir);
  }

  /** Waits until none of `pids` and (as root) nothing under the sandbox's uid is alive. */
  private async settle(sandbox: SandboxRecord, pids: number[]): Promise<void> {
    const ownUid = sandbox.uid === 0 || sandbox.uid === process.getuid?.();
    const deadline = Date.now() + STOP_SETTLE_MS;
    for (;;) {
      const alive = [...pids.filter(isAlive), ...this.cgroups.pids(groupOf(sandbox))];
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
    await this.disk?.release(sandbox.work_dir);
    // Gone for good (ids are never reused): nothing of it stays in the agent's maps.
    this.stopped.delete(sandbox.sandbox_id);
    this.generations.delete(sandbox.sandbox_id);
    this.running.delete(sandbox.sandbox_id);
    spawner.forgetGroup(sandbox.sandbox_id);
    this.warmPool?.forget(sandbox.uid);
  }

  /** Unmounts the work dir (the image stays); the sandbox is stopped already. */
  async detach(sandbox: SandboxRecord): Promise<void> {
    await this.disk?.unmount(sandbox.work_dir);
  }

  /**
   * After a restart: drops the groups a killed agent left (their processes were killed by the
   * manager's recovery) and mounts the work dir's image again, so its files can be read.
   */
  async attach(sandbox: SandboxRecord): Promise<void> {
    this.warmPool?.note(sandbox.uid);
    if (sandbox.state !== 'running') this.cgroups.remove(groupOf(sandbox));
    if (!this.disk?.hasImage(sandbox.work_dir) || !existsSync(sandbox.work_dir)) return;
    await this.disk.mount(sandbox.work_dir, sandbox.spec.limits.disk_mb, sandbox.uid, sandbox.gid);
  }

  /**
   * Frees the pools of ready work-dir filesystems and egress namespaces (sandboxes were stopped
   * and detached).
   */
  async close(): Promise<void> {
    await this.warmPool?.close();
    await Promise.all([this.disk?.close(), this.egress?.close()]);
  }

  /** After an agent restart: the netns (and pasta) of sandboxes it no longer runs. */
  async sweep(): Promise<void> {
    await this.egress?.sweep();
    await this.warmPool?.sweep(this.cgroups.groups());
  }

  /** Agent start, after the sweep: egress namespaces are made ready ahead of the first sandbox. */
  warm(): void {
    this.egress?.warm();
  }

  /** The egress namespace pool (null: this node cannot give egress). */
  get egressPool(): Pick<EgressNetwork, 'stats' | 'settled' | 'pathOf'> | null {
    return this.egress;
  }
}

/** The sandbox's cgroups: named after it, or after the warm sandbox it took. */
function groupOf(sandbox: SandboxRecord): string {
  return sandbox.cgroup ?? sandbox.sandbox_id;
}

function cgroupLimits(spec: SandboxRecord['spec']) {
  return { memory_mb: spec.limits.memory_mb, pids: spec.limits.pids + 3, cpu: spec.cpu };
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

/** Whether this bwrap takes `extra` (probed once: old versions lack --disable-userns). */
function bwrapAccepts(bwrapBin: string, extra: string[], fds: number[] = []): boolean {
  const r = spawnSync(
    bwrapBin,
    ['--unshare-user', ...extra, '--ro-bind', '/', '/', '--', '/bin/true'],
    { stdio: ['ignore', 'ignore', 'ignore', ...fds], timeout: 5000 },
  );
  return r.status === 0;
}

/** The seccomp program for this architecture, written once; null when bwrap cannot load it. */
function writeSeccompFilter(bwrapBin: string, runDir: string): string | null {
  const arch = seccompArch();
  if (!arch) return null;
  const file = join(runDir, 'seccomp.bpf');
  writeFileSync(file, buildSeccompFilter(arch), { mode: 0o644 });
  let fd: number | null = null;
  try {
    fd = openSync(file, 'r');
    return bwrapAccepts(bwrapBin, ['--seccomp', '3'], [fd]) ? file : null;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
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

/**
 * A free TCP port on the node's loopback for pasta to listen on. Another process could take it
 * between this close and pasta's bind; pasta then fails and so does the start (retried by the
 * platform), which is rarer than worth a port range of our own.
 */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
