import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  allowInsertRules,
  egressRuleset,
  parseAllow,
  SANDBOX_DNS,
  type EgressAllow,
} from './egress-rules';
import { AgentOperationError } from './runtime-driver';
import { runTool as run } from './tool-runner';

/** A port inside the sandbox's namespace reached at `host:host_port` on the node. */
export interface Forward {
  port: number;
  host: string;
  host_port: number;
}

export interface EgressNetworkOptions {
  pasta_bin: string;
  nft_bin: string;
  ip_bin: string;
  nsenter_bin: string;
  /** Where the netns records and rule files live (inside the agent's state dir, 0700). */
  run_dir: string;
  /** Admin allow-list for this node, `CIDR:port` (IPv6 as `[CIDR]:port`). */
  allow: string[];
  /** Namespaces kept ready (made, filtered, pasta attached); 0: each sandbox waits for its own. */
  pool_size?: number;
}

/** What a pool holds: a namespace no sandbox has used, and the filter it was loaded with. */
interface ReadyNetns {
  name: string;
  ruleset: string;
}

export interface EgressPoolStats {
  /** Namespaces ready now. */
  ready: number;
  /** Handed out ready (the start did not wait for one to be made). */
  taken: number;
  /** Made while a start waited (the pool was empty, or off). */
  made_on_demand: number;
  /** Ready ones thrown away unused because the node's addresses changed since they were made. */
  discarded_stale: number;
}

const netnsPathOf = (name: string): string => `/run/netns/${name}`;

/**
 * A hand-out refills the pool this much later: making a namespace (ip, nft, pasta) is CPU work
 * that would otherwise compete with the sandbox's first command, which usually follows at once.
 */
const REFILL_DELAY_MS = 250;

/**
 * Egress for a sandbox without the host's network: a network namespace of its own, its
 * destination filter (egress-rules.ts) loaded first, then pasta (user-mode NAT: the sandbox's
 * connections become the agent's sockets on the node) attached to it. The gateway is not mapped
 * to the node's loopback (--no-map-gw) and no port is forwarded either way (-t/-u/-T/-U none).
 *
 * Making one costs ~100 ms (pasta's start is most of it), so a few are made ahead of time, in
 * the background, and a start takes one ready. The rules of the pool:
 * - a namespace serves one sandbox once: when that sandbox stops it is destroyed, never put
 *   back (nothing a tenant left in it, sockets, neighbours, conntrack, can reach the next);
 * - a ready namespace is handed out only if its filter equals the one that would be made now
 *   (the node's addresses and gateway are part of it); otherwise it is destroyed unused;
 * - a sandbox's own allow-list entries are inserted ahead of the rejects at hand-out;
 * - every namespace this agent makes is recorded under `<run_dir>/netns/` before it exists
 *   (the record then holds pasta's pid), so an agent that crashed leaves nothing the next start
 *   of the same agent cannot find and remove (`sweep`); other agents' namespaces on the node
 *   are never touched.
 */
export class EgressNetwork {
  private readonly nodeAllow: EgressAllow[];
  private readonly poolSize: number;
  private readonly recordDir: string;
  /** Unique per agent process: names never collide with a previous run's leftovers. */
  private readonly tag = randomBytes(3).toString('hex');
  private seq = 0;
  private readonly ready: ReadyNetns[] = [];
  /** sandbox id -> the namespace it was given. */
  private readonly assigned = new Map<string, string>();
  /** Namespace -> the node filter it was loaded with (before any sandbox's own entries). */
  private readonly loadedWith = new Map<string, string>();
  /** Every namespace this instance made and has not destroyed (the sweep leaves these). */
  private readonly owned = new Set<string>();
  private filling: Promise<void> | null = null;
  private refillSoon: Promise<void> | null = null;
  private closed = false;
  private readonly counters = { taken: 0, made_on_demand: 0, discarded_stale: 0 };

  constructor(private readonly options: EgressNetworkOptions) {
    this.nodeAllow = options.allow.map(parseAllow);
    this.poolSize = Math.max(0, options.pool_size ?? 0);
    this.recordDir = join(options.run_dir, 'netns');
    mkdirSync(this.recordDir, { recursive: true, mode: 0o700 });
  }

  /** Whether this node can do it: root, pasta, nft and ip present. */
  static probe(options: Pick<EgressNetworkOptions, 'pasta_bin' | 'nft_bin' | 'ip_bin'>): boolean {
    return (
      process.getuid?.() === 0 &&
      existsSync(options.pasta_bin) &&
      existsSync(options.nft_bin) &&
      existsSync(options.ip_bin)
    );
  }

  /**
   * Gives the sandbox a namespace (a ready one when the pool has it) and returns its path; a
   * sandbox that had one gets a new one. Fails with agent.uncontainable, never half-made.
   * `forward` asks pasta to listen at each `host:host_port` (the node's loopback, or the address
   * the platform reaches the node at) and splice
   * connections to `port` on the namespace's loopback (so the sandbox's output filter, which
   * accepts `lo`, passes the replies); the node's other addresses get nothing. A namespace
   * with forwards is made for the sandbox (pooled ones have a pasta without any).
   */
  async create(
    sandboxId: string,
    extraAllow: string[] = [],
    forward: Forward[] = [],
  ): Promise<string> {
    const extra = extraAllow.map(parseAllow);
    await this.destroy(sandboxId);
    const ruleset = egressRuleset(this.nodeAllow);
    let name = forward.length > 0 ? null : this.take(ruleset);
    try {
      if (name) {
        this.loadedWith.set(name, ruleset);
        if (extra.length > 0) await this.loadRules(name, allowInsertRules(extra));
      } else {
        name = this.newName();
        this.counters.made_on_demand++;
        await this.make(name, egressRuleset([...this.nodeAllow, ...extra]), forward);
        if (extra.length === 0) this.loadedWith.set(name, ruleset);
      }
    } catch (err) {
      if (name) await this.destroyNetns(name);
      throw new AgentOperationError(
        'agent.uncontainable',
        `the sandbox's egress network could not be set up (${describe(err)})`,
      );
    } finally {
      this.scheduleRefill();
    }
    this.assigned.set(sandboxId, name);
    return netnsPathOf(name);
  }

  /**
   * Hands the namespace made for `from` (a warm sandbox) to `to`, if its filter is still the one
   * that would be made now (the node's addresses are part of it); false otherwise.
   */
  reassign(from: string, to: string): boolean {
    const name = this.assigned.get(from);
    if (!name || this.loadedWith.get(name) !== egressRuleset(this.nodeAllow)) return false;
    this.assigned.delete(from);
    this.assigned.set(to, name);
    return true;
  }

  /** Inserts a sandbox's own allow-list entries ahead of the rejects of its namespace. */
  async insertAllow(sandboxId: string, extraAllow: string[]): Promise<void> {
    const name = this.assigned.get(sandboxId);
    const extra = extraAllow.map(parseAllow);
    if (!name || extra.length === 0) return;
    try {
      await this.loadRules(name, allowInsertRules(extra));
    } catch (err) {
      throw new AgentOperationError(
        'agent.uncontainable',
        `the sandbox's egress network could not be set up (${describe(err)})`,
      );
    }
  }

  /** The namespace a sandbox's commands enter; null when it has none. */
  pathOf(sandboxId: string): string | null {
    const name = this.assigned.get(sandboxId);
    return name ? netnsPathOf(name) : null;
  }

  /** Destroys the sandbox's namespace and its pasta (never reused); nothing when it has none. */
  async destroy(sandboxId: string): Promise<void> {
    const name = this.assigned.get(sandboxId);
    if (!name) return;
    this.assigned.delete(sandboxId);
    await this.destroyNetns(name);
  }

  /** Starts filling the pool now (agent start), instead of at the first egress sandbox. */
  warm(): void {
    this.refill();
  }

  /** Resolves once no fill is running (the pool is full, or filling failed). For tests. */
  async settled(): Promise<void> {
    while (this.refillSoon || this.filling) {
      await this.refillSoon;
      await this.filling;
    }
  }

  stats(): EgressPoolStats {
    return { ready: this.ready.length, ...this.counters };
  }

  /**
   * What an earlier run of this agent left: every namespace recorded under `<run_dir>/netns/`
   * that this instance did not make (ready ones of a crashed agent, and those of sandboxes it
   * no longer runs), and the per-sandbox pid files of agents from before the pool.
   */
  async sweep(): Promise<void> {
    for (const name of listDir(this.recordDir)) {
      if (!this.owned.has(name)) await this.destroyNetns(name);
    }
    for (const file of listDir(this.options.run_dir)) {
      if (!file.endsWith('.pasta.pid')) continue;
      const pidFile = join(this.options.run_dir, file);
      await killPasta(pidFile);
      rmSync(pidFile, { force: true });
      await this.deleteNetns(`nanopod-${file.slice(0, -'.pasta.pid'.length)}`);
    }
  }

  /** Agent shutdown: no more fills, and every namespace this instance made is destroyed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
    this.ready.splice(0);
    this.assigned.clear();
    for (const name of [...this.owned]) await this.destroyNetns(name);
  }

  /** A ready namespace whose filter is `ruleset`; ready ones that differ are destroyed. */
  private take(ruleset: string): string | null {
    while (this.ready.length > 0) {
      const entry = this.ready.shift()!;
      if (entry.ruleset === ruleset) {
        this.counters.taken++;
        return entry.name;
      }
      this.counters.discarded_stale++;
      void this.destroyNetns(entry.name);
    }
    return null;
  }

  private scheduleRefill(): void {
    if (this.closed || this.refillSoon) return;
    this.refillSoon = new Promise<void>((resolve) => {
      setTimeout(() => {
        this.refillSoon = null;
        this.refill();
        resolve();
      }, REFILL_DELAY_MS).unref();
    });
  }

  /** Tops the pool up in the background, one namespace at a time. */
  private refill(): void {
    if (this.closed || this.filling || this.ready.length >= this.poolSize) return;
    this.filling = (async () => {
      await Promise.resolve(); // after `filling` holds this fill
      try {
        while (!this.closed && this.ready.length < this.poolSize) {
          const ruleset = egressRuleset(this.nodeAllow);
          const name = this.newName();
          try {
            // pasta itself keeps the normal priority: it carries the sandbox's traffic.
            await this.make(name, ruleset, [], true);
          } catch {
            // The next start makes its own (and says why if that fails too).
            await this.destroyNetns(name);
            return;
          }
          if (this.closed) {
            await this.destroyNetns(name);
            return;
          }
          this.ready.push({ name, ruleset });
        }
      } finally {
        this.filling = null;
      }
    })();
  }

  private newName(): string {
    return `nanopod-${this.tag}-${this.seq++}`;
  }

  /** The namespace, its filter, then pasta; recorded before anything exists. */
  private async make(
    name: string,
    ruleset: string,
    forward: Forward[] = [],
    background = false,
  ): Promise<void> {
    const tcp = forward.length
      ? forward.flatMap((f) => ['-t', `${f.host}/${f.host_port}:${f.port}`])
      : ['-t', 'none'];
    const record = join(this.recordDir, name);
    writeFileSync(record, '', { mode: 0o600 });
    this.owned.add(name);
    await run(this.options.ip_bin, ['netns', 'add', name], { background });
    await this.loadRules(name, ruleset, background);
    // pasta daemonizes: its daemon gets a session of its own (the helper kills the spawn's
    // process group once it exits) and must not hold the helper's pipes open. Its pid goes
    // into the record (-P), written before the foreground pasta exits.
    await run('/bin/sh', [
      '-c',
      'exec setsid -w "$@" </dev/null >/dev/null 2>&1',
      'pasta',
      this.options.pasta_bin,
      '--runas',
      '0:0',
      '--config-net',
      '--netns',
      netnsPathOf(name),
      '--no-map-gw',
      ...tcp,
      '-u',
      'none',
      '-T',
      'none',
      '-U',
      'none',
      '--dns-forward',
      SANDBOX_DNS,
      '-q',
      '-P',
      record,
    ]);
  }

  /** Ends the namespace's pasta, deletes the namespace and its record. */
  private async destroyNetns(name: string): Promise<void> {
    const record = join(this.recordDir, name);
    await killPasta(record);
    await this.deleteNetns(name);
    rmSync(record, { force: true });
    this.owned.delete(name);
    this.loadedWith.delete(name);
  }

  private async deleteNetns(name: string): Promise<void> {
    if (!existsSync(netnsPathOf(name))) return;
    await run(this.options.ip_bin, ['netns', 'delete', name], { background: true }).catch(
      () => undefined,
    );
  }

  /** Loads nft rules inside the namespace (from a root-only file: the helper has no stdin). */
  private async loadRules(name: string, rules: string, background = false): Promise<void> {
    const file = join(this.options.run_dir, `${name}.nft`);
    writeFileSync(file, rules, { mode: 0o600 });
    try {
      await run(
        this.options.nsenter_bin,
        [`--net=${netnsPathOf(name)}`, '--', this.options.nft_bin, '-f', file],
        { background },
      );
    } finally {
      rmSync(file, { force: true });
    }
  }
}

/**
 * SIGKILLs the pasta whose pid the file holds (only if that pid is still a pasta) and waits,
 * briefly, until it is gone: a stopped sandbox's forwarder must not outlive the stop.
 */
async function killPasta(pidFile: string): Promise<void> {
  let pid = 0;
  try {
    pid = Number(readFileSync(pidFile, 'latin1').trim());
  } catch {
    return;
  }
  if (!(pid > 1) || !isPasta(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  const deadline = Date.now() + 2000;
  while (isPasta(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/**
 * A live pasta. A killed daemon is reparented to the node's init, and an init that is slow to
 * reap (some container inits) leaves it a zombie for a while: that one is gone already.
 */
function isPasta(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return name.startsWith('pasta') && state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The tool's complaint without paths (errors reach the platform). */
function describe(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  const text = (e.stderr || e.message || 'unknown error').split('\n')[0];
  return text.replace(/\/[^\s:'"]+/g, '<path>').slice(0, 200);
}
